/* runc's seccomp agent protocol (rtagent.c): a SCMP_ACT_NOTIFY filter's
   listener, with the container's state, to linux.seccomp.listenerPath. */
#ifndef CL_RTAGENT_H
#define CL_RTAGENT_H

#include <sys/types.h>

#include "error.h"

/* `state` is the OCI state JSON; `fd` stays the caller's. */
int rtagent_send (const char *path, const char *metadata, pid_t pid, const char *state, int fd,
                  struct cl_error *err);

/* The same in two steps: connected where the caller can reach the path
   (exec, before it joins the container's mount namespace), then sent. */
int rtagent_connect (const char *path, struct cl_error *err);
int rtagent_send_on (int sock, const char *metadata, pid_t pid, const char *state, int fd,
                     struct cl_error *err);

#endif
