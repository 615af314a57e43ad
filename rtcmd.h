/* The OCI runtime command line (runtime.c): `crunlocal-runtime …` (a
   link to crunlocal, chosen by argv[0]) and `crunlocal runtime …`. */
#ifndef CL_RTCMD_H
#define CL_RTCMD_H

#include <stdbool.h>

/* argv[0] is the program; argv[1..] runc's global flags, then a command. */
int runtime_main (int argc, char **argv);

/* Does this command line put a process into a container (create, run,
   exec)?  Then it runs from a sealed copy (sealed.h). */
bool runtime_needs_seal (int argc, char **argv);

#endif
