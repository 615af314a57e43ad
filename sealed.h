/* Sealed copies of programs: what runs inside a container's namespaces
   never runs from a file anyone may write.  A process there could reach
   a binary through /proc/PID/exe and, once its text is released, write
   it (runc's CVE-2019-5736); a memfd sealed against writing, growing and
   shrinking cannot be changed by anyone, so the next crunlocal command
   is still ours.  Root gets the same without the copy: the binary seen
   through a detached overlayfs with no upper layer, read-only at the
   superblock (runc 1.2's way).  The monitor runs from a memfd too
   (detach.c). */
#ifndef CL_SEALED_H
#define CL_SEALED_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The environment variable that carries the path crunlocal was started
   from across the re-exec (the monitor's restarts exec it). */
#define SEALED_ORIGIN_ENV "CRUNLOCAL_EXE"

/* A sealed memfd (close-on-exec) holding `len` bytes of `buf`. */
int sealed_from_buf (const char *name, const void *buf, size_t len, struct cl_error *err);

/* Unless this process already runs sealed, execute our own executable
   again with the same argv: for root through the overlay, whose second
   layer is the directory `empty` (made if missing; NULL: no overlay),
   else from a sealed memfd copy.  Returns only on failure (or 0 when
   already sealed).  Call before anything else is set up: the process
   starts over. */
int sealed_reexec (char **argv, const char *empty, struct cl_error *err);

/* Does this process run sealed already (re-executed)? */
bool sealed_running (void);

/* The path of the crunlocal binary on disk (for the monitor's restarts),
   malloc'd; NULL when unknown. */
char *sealed_origin (void);

#endif
