/* `crunlocal attach`: the caller's terminal or pipes joined to a
   detached container through its monitor's attach socket (monitor.h),
   and the socket itself, which lives in the container's run directory. */
#ifndef CL_ATTACH_H
#define CL_ATTACH_H

#include <stdbool.h>

#include "error.h"
#include "pty.h"

/* The listening socket `dir`/attach (an old one is replaced). */
int attach_listen (const char *dir, struct cl_error *err);
/* A connection to it. */
int attach_connect (const char *dir, struct cl_error *err);

/* Relay the monitor's output to our stdout and stderr, and `in` (-1:
   none) to the container, until it exits or we detach: by `keys` typed
   on a terminal (`tty`: the container has one; `in` is then raw if it is
   a terminal, and its size is the container's), or by a signal.
   *code: the container's exit code when it exited, -1 when the monitor
   went without saying it, 0 (or 128+signal) when we detached. */
int attach_session (int sock, bool tty, int in, struct pty_detach *keys, int *code, bool *detached,
                    struct cl_error *err);

#endif
