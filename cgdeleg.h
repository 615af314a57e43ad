/* Rootless cgroup v2: a delegated subtree.  systemd delegates one to a
   user (user@UID.service, a scope run with Delegate=yes) by giving the
   user its directory and its cgroup.procs; inside it the user may make
   cgroups, enable the controllers enabled above, and move its own
   processes — but only between cgroups whose common ancestor's
   cgroup.procs it may write (the kernel's delegation containment).

   So the root of a container's cgroup is the highest ancestor of this
   process's own cgroup that the user may write (directory and
   cgroup.procs): crunlocal/<id> made there has a writable common
   ancestor with where the child starts.  Nothing of the kind (a login
   session's scope is root's; cgroup v1 is never delegated): none. */
#ifndef CL_CGDELEG_H
#define CL_CGDELEG_H

#include "error.h"

/* The "0::PATH" line of a /proc/PID/cgroup text: PATH (malloc'd), or
   NULL when it has none (pure: unit-tested). */
char *cgdeleg_v2_path (const char *proc_cgroup);

/* The delegated root under the cgroup2 mount `mount` for this process,
   in *out (malloc'd); 1 when there is none. */
int cgdeleg_root (const char *mount, char **out, struct cl_error *err);

#endif
