/* A libFuzzer-less driver: runs the target once over each file named on
   the command line, or each file in each directory named.  With ASan and
   UBSan this replays a corpus and the regression inputs (`make
   fuzz-smoke`); a crash fails the run. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf;
  long n;

  if (!f)
    return perror (path), -1;
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  fseek (f, 0, SEEK_SET);
  buf = malloc (n > 0 ? (size_t)n : 1);
  if (!buf || fread (buf, 1, (size_t)n, f) != (size_t)n)
    {
      fclose (f);
      free (buf);
      return perror (path), -1;
    }
  fclose (f);
  LLVMFuzzerTestOneInput (buf, (size_t)n);
  free (buf);
  return 0;
}

static int
run_dir (const char *dir, int *count)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  int ret = 0;

  if (!d)
    return perror (dir), -1;
  while ((de = readdir (d)))
    {
      char path[4096];
      if (de->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
      if (run_file (path) < 0)
        ret = -1;
      (*count)++;
    }
  closedir (d);
  return ret;
}

int
main (int argc, char **argv)
{
  int count = 0, ret = 0;

  for (int i = 1; i < argc; i++)
    {
      struct stat st;
      if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode))
        ret |= run_dir (argv[i], &count);
      else
        {
          ret |= run_file (argv[i]);
          count++;
        }
    }
  printf ("%s: %d inputs, no crash\n", argv[0], count);
  return ret ? 1 : 0;
}
