/* A created container's namespaces for its rootless owner (the OCI
   runtime's create/start split).  The process waiting for `start` is
   not dumpable and its memory still belongs to the host's user
   namespace (it has not exec'd inside), so the kernel closes its
   /proc/PID/ns files to everyone without CAP_SYS_PTRACE on the host —
   its own unprivileged user included.  It hands them out itself: the
   caller of `create` binds a socket in the container's state directory,
   the waiting process keeps it, and answers each connection of the
   namespace's owner with its namespace fds, in nsserve_order.  Only
   fds of its own namespaces, never one of the host's files. */
#ifndef CL_NSSERVE_H
#define CL_NSSERVE_H

#include "error.h"

#define NSSERVE_SOCKET "ns.sock"

/* The namespaces a process joins, user first: it grants the
   capabilities the others need; mnt last, as it changes what /proc
   names. */
#define NSSERVE_N 7
struct nsserve_kind
{
  const char *name;
  int type;
};
extern const struct nsserve_kind nsserve_order[NSSERVE_N];

/* The listening socket DIRFD/ns.sock (mode 0600), close-on-exec. */
int nsserve_listen (int dirfd, struct cl_error *err);

/* In the waiting process: answer one connection on `listener`, from the
   owner of its user namespace, with its namespaces, opened through the
   container's /proc (a procfs, or nothing is sent).  Never blocks. */
void nsserve_answer (int listener);

/* Ask the process waiting behind DIRFD/ns.sock for its namespaces:
   fds[NSSERVE_N], close-on-exec, the caller's to close.  errnum
   ECONNREFUSED or ENOENT: nobody waits there (any more). */
int nsserve_fetch (int dirfd, int fds[NSSERVE_N], struct cl_error *err);

/* Close those of fds[NSSERVE_N] that are open (>= 0), each set to -1. */
void nsserve_close (int fds[NSSERVE_N]);

#endif
