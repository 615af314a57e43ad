/* eat MB: allocate and touch MB megabytes, then exit 0 (the cgroups
   test: under --memory the OOM killer must strike first).  Built static
   with musl-gcc at test time and bound into the container. */
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  long mb = argc > 1 ? atol (argv[1]) : 0;

  for (long i = 0; i < mb; i++)
    {
      char *p = malloc (1 << 20);
      if (!p)
        return 1;
      memset (p, 1, 1 << 20);
    }
  return 0;
}
