/* Resource limits: a cgroup of the container's own, written directly
   on cgroupfs (no systemd, no D-Bus).

   The layout comes from /proc/self/mountinfo: cgroup v2 alone
   ("unified"), v1 alone with each controller on a mount of its own
   ("legacy" — cpu and cpuacct need not share one), or both ("hybrid":
   v1 holds the controllers, the v2 mount is joined too, as runc does,
   for cgroup.kill and cgroup.events; and for crunlocal's own containers
   its cgroup.freeze and cpu.stat stand in for v1's freezer and cpuacct,
   which they do not get unless cpuacct shares cpu's mount).

   The process that calls ns_start places the child (cgroup_join_before
   and cgroup_join_hook as ns.h's hook): before clone it plans
   crunlocal/<id> in each hierarchy needed, records them, and makes the
   cgroup2 one, which the child is cloned into; between clone and "go"
   it makes the others, writes the limits of spec->resources, and hands
   the child their "tasks" files, which it joins by itself (ns.h's
   ns_cgroups: no move by pid, whose first one in a while waits for an
   RCU grace period).  The child makes its cgroup namespace only after
   that, so inside it sits at "/".  What was made is recorded
   (cgrouprec.h) for whoever finishes the container.

   Where no cgroup can be made (rootless without a delegated v2 subtree:
   cgroup v1 has none, but for a linux.cgroupsPath root handed the user
   in each v1 hierarchy, as runc uses one), the container runs without
   (a cgroupsPath the user may not write is refused): the hook fills
   `warning` with one line naming every limit not applied, and
   --cpuset-cpus becomes the child's CPU affinity.  `strict` (run
   --bundle) refuses instead: a bundle never runs with less than it
   asked. */
#ifndef CL_CGROUP_H
#define CL_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgrouprec.h"
#include "error.h"
#include "ocispec.h"

/* podman's default: a fork bomb inside stops here (--pids-limit -1 lifts it). */
#define CGROUP_PIDS_DEFAULT 2048

enum cgroup_mode
{
  CGROUP_NONE,
  CGROUP_LEGACY,
  CGROUP_HYBRID,
  CGROUP_UNIFIED,
};

enum cgroup_ctl
{
  CG_MEMORY,
  CG_PIDS,
  CG_CPU,
  CG_CPUACCT,
  CG_CPUSET,
  CG_FREEZER,
  CG_DEVICES,
  CG_BLKIO, /* v2: io */
  CG_N,
};

struct cgroup_layout
{
  enum cgroup_mode mode;
  char *unified;  /* the cgroup2 mount point, or NULL */
  char *v1[CG_N]; /* each v1 controller's mount point, or NULL */
};

/* From the text of a mountinfo file (pure: unit-tested). */
void cgroup_layout_parse (const char *mountinfo, struct cgroup_layout *l);
int cgroup_detect (struct cgroup_layout *l, struct cl_error *err);
void cgroup_layout_clear (struct cgroup_layout *l);
#define cleanup_cgroup_layout __attribute__ ((cleanup (cgroup_layout_clear)))
const char *cgroup_mode_name (enum cgroup_mode m);

/* shares (v1, 2..262144) → weight (v2, 1..10000), as runc converts. */
unsigned long long cgroup_shares_to_weight (unsigned long long shares);
/* blkio weight (v1, 10..1000) → io.weight (v2, 1..10000), as runc converts. */
unsigned long long cgroup_blkio_to_io_weight (unsigned long long weight);

/* What the starting process needs; `dirs` and `warning` are filled. */
struct cgroup_join
{
  const char *id;           /* the container's (64 hex), or a run --bundle's own */
  const char *path;         /* else: linux.cgroupsPath, the same below every mount (or NULL) */
  const struct spec *spec;  /* resources, oomScoreAdj */
  bool strict;              /* refuse a limit that cannot be applied */
  int recfd;                /* the container's directory for the record, or -1 */
  struct cgroup_dirs dirs;  /* out: what was made (empty: none) */
  char *warning;            /* out: the one line of what was not applied, or NULL */
  struct cgroup_plan *plan; /* between the two halves (cgroup.c's) */
};

void cgroup_join_clear (struct cgroup_join *j);

/* ns_start's hook (`arg` a struct cgroup_join): `before` and `fn`. */
struct ns_cgroups;
int cgroup_join_before (void *arg, struct ns_cgroups *cg, struct cl_error *err);
int cgroup_join_hook (pid_t pid, void *arg, struct cl_error *err);

/* `update`: write the limits `r` sets (0/NULL: unchanged; the default
   pids limit is not a change) into a running container's cgroups `d`,
   each into the recorded directory that has its file.  A v1 container
   run without --cpuset-* has no cpuset cgroup: asked for one, it gets
   it now, added to `d` and to the record in `recfd` (cgrouprec.h). */
int cgroup_update (struct cgroup_dirs *d, int recfd, const struct spec_resources *r,
                   struct cl_error *err);

/* `update --cpuset-cpus` of a container with no cgroup (rootless, no
   delegation): the CPU affinity of every thread in the pid namespace of
   `init` that runs as this user, as run applied it; new processes
   inherit it.  (Processes of the container's other users, subordinate
   ids, are not this user's to change.) */
int cgroup_update_affinity (pid_t init, const char *cpus, struct cl_error *err);

/* pause/unpause: freeze or thaw every process of the container in the
   directory `container_dir` (its record names the cgroups) — v1's
   freezer.state where there is one, else cgroup v2's cgroup.freeze —
   and wait until the kernel says it is done.  A container without
   cgroups (rootless on v1) is refused with the reason. */
int cgroup_freeze (const char *container_dir, bool freeze, struct cl_error *err);
/* Is it frozen?  (false when it has no freezer) */
bool cgroup_frozen (const char *container_dir);

/* `exec`: the container's cgroups, opened while this process is still
   outside the container (inside, its cgroupfs is not ours to reach):
   v1's tasks files and the cgroup2 directory, which the spawned command
   joins by itself (cgroup_procs_before hands them to ns.h's
   ns_cgroups), else each cgroup.procs, which cgroup_procs_hook writes
   its pid into.  Only the command: `exec` itself is not the
   container's to count. */
struct cgroup_procs
{
  size_t n;
  int fd[CGROUP_DIRS_MAX]; /* v1: tasks; v2: cgroup.procs; -1: handed over */
  int v2;                  /* the cgroup2 directory's index, or -1 */
  int dir;                 /* the cgroup2 directory, or -1 */
  struct ns_cgroups *ns;
};

int cgroup_procs_open (const struct cgroup_dirs *d, struct cgroup_procs *p, struct cl_error *err);
void cgroup_procs_close (struct cgroup_procs *p);
#define cleanup_cgroup_procs __attribute__ ((cleanup (cgroup_procs_close)))
int cgroup_procs_before (void *arg, struct ns_cgroups *cg, struct cl_error *err);
int cgroup_procs_hook (pid_t pid, void *arg, struct cl_error *err);

#endif
