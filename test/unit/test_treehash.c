/* tree_digest: what changes it (contents, modes, names, link targets) and
   what does not (times, hard links beside the files). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../treehash.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static void
write_at (int dfd, const char *name, const char *text, int flags)
{
  int fd = openat (dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

  if (fd >= 0)
    {
      if (write (fd, text, strlen (text)) < 0)
        unit_failed_checks++;
      close (fd);
    }
}

static void
digest_of (int dfd, char out[DIGEST_STR_LEN + 1])
{
  struct cl_error err;

  CHECK (tree_digest (dfd, out, &err) == 0);
}

void
test_treehash (void)
{
  char dir[] = "/dev/shm/cl-unit-tree.XXXXXX", farm[64];
  char a[DIGEST_STR_LEN + 1], b[DIGEST_STR_LEN + 1];
  struct timespec old[2] = { { 1, 0 }, { 1, 0 } };
  struct cl_error ignored;
  int dfd;

  CHECK (mkdtemp (dir) != NULL);
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  mkdirat (dfd, "etc", 0755);
  write_at (dfd, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", O_TRUNC);
  symlinkat ("etc/passwd", dfd, "link");
  digest_of (dfd, a);
  digest_of (dfd, b);
  CHECK_STR (a, b);

  utimensat (dfd, "etc/passwd", old, 0);
  snprintf (farm, sizeof farm, "%s-farm", dir); /* another tree's link to the file */
  linkat (dfd, "etc/passwd", AT_FDCWD, farm, 0);
  digest_of (dfd, b);
  CHECK_STR (a, b);

  write_at (dfd, "etc/passwd", "x", O_APPEND); /* a write in place */
  digest_of (dfd, b);
  CHECK (strcmp (a, b) != 0);
  write_at (dfd, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", O_TRUNC);
  digest_of (dfd, b);
  CHECK_STR (a, b);

  fchmodat (dfd, "etc/passwd", 04755, 0);
  digest_of (dfd, b);
  CHECK (strcmp (a, b) != 0);
  fchmodat (dfd, "etc/passwd", 0644, 0);

  unlinkat (dfd, "link", 0);
  symlinkat ("/etc/shadow", dfd, "link");
  digest_of (dfd, b);
  CHECK (strcmp (a, b) != 0);

  close (dfd);
  rm_rf_at (AT_FDCWD, dir, &ignored);
  unlink (farm);
}
