/* A container's cgroups once made: containers/<id>/cgroup names the
   directories made for it (one absolute path a line: crunlocal/<id> in
   each hierarchy), written before they are made.  Whoever finishes the
   container — the monitor, the foreground `run`, `rm` after a monitor
   killed with -9 — reads the OOM counter, kills what is left and
   removes them from this record alone: nothing else of the machine's
   cgroups is ever touched.  Plain libc only: the monitor links it into
   its small static binary (cgroup.c, which makes them, it does not). */
#ifndef CL_CGROUPREC_H
#define CL_CGROUPREC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define CGROUP_DIRS_MAX 12

struct cgroup_dirs
{
  size_t n;
  char *dir[CGROUP_DIRS_MAX];
};

void cgroup_dirs_clear (struct cgroup_dirs *d);
#define cleanup_cgroup_dirs __attribute__ ((cleanup (cgroup_dirs_clear)))

/* Write (atomically) or read containers/<id>/cgroup in `dirfd`.  Read
   returns 1 when there is no record (a rootless container has none). */
int cgrouprec_write (int dirfd, const struct cgroup_dirs *d, struct cl_error *err);
int cgrouprec_read (int dirfd, struct cgroup_dirs *d, struct cl_error *err);
int cgrouprec_remove (int dirfd, struct cl_error *err);

/* Did the kernel's OOM killer kill a process of the container?  (v1
   memory.oom_control, v2 memory.events: the oom_kill line.) */
bool cgroup_dirs_oom_killed (const struct cgroup_dirs *d);

/* Move process `pid` into every directory (v1: cgroup.procs; hybrid's
   cgroup2 mount too). */
int cgroup_dirs_attach (const struct cgroup_dirs *d, pid_t pid, struct cl_error *err);

/* Kill every process left in them (cgroup.kill where the kernel has
   it, else SIGKILL to each pid listed), then rmdir each, retrying while
   the dying are reaped.  Directories already gone are fine. */
int cgroup_dirs_remove (const struct cgroup_dirs *d, struct cl_error *err);

/* After the container's end: was it OOM-killed?  Then kill what is left
   and remove the directories; once they are gone, so is the record in
   `recfd` (-1: none).  What cannot be removed yet stays recorded, for
   rm. */
bool cgroup_dirs_finish (const struct cgroup_dirs *d, int recfd);

#endif
