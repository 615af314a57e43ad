/* crunlocal on an OS that is not Linux: containers need a Linux kernel
   (namespaces, overlayfs, cgroups), so this build is only a signpost —
   every command but version and help fails at once with one line saying
   where crunlocal does run.  The Makefile builds this file alone when
   `uname -s` is not Linux; the tests build it with -U__linux__. */
#ifdef __linux__
#error "nonlinux.c is the build for other systems; on Linux build the real crunlocal"
#endif

#include <stdio.h>
#include <string.h>

#ifndef CL_VERSION
#define CL_VERSION "unknown"
#endif

static const char why[]
    = "crunlocal: containers need a Linux kernel; on macOS run crunlocal in a Linux VM "
      "(e.g. Lima), on Windows in WSL2\n";

int
main (int argc, char **argv)
{
  if (argc > 1 && (strcmp (argv[1], "version") == 0 || strcmp (argv[1], "--version") == 0))
    {
      printf ("crunlocal version %s (no container support on this system)\n", CL_VERSION);
      return 0;
    }
  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "help") == 0))
    {
      fputs ("Usage: crunlocal COMMAND\n\n", stdout);
      fputs (why + strlen ("crunlocal: "), stdout);
      return 0;
    }
  fputs (why, stderr);
  return 125;
}
