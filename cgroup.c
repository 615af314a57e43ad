#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgdeleg.h"
#include "devcgroup.h"
#include "ns.h"
#include "userns.h"
#include "util.h"

#define PARENT "crunlocal"

static const char *ctl_names[CG_N]
    = { "memory", "pids", "cpu", "cpuacct", "cpuset", "freezer", "devices", "blkio" };

void
cgroup_layout_clear (struct cgroup_layout *l)
{
  free (l->unified);
  for (int i = 0; i < CG_N; i++)
    free (l->v1[i]);
  memset (l, 0, sizeof *l);
}

const char *
cgroup_mode_name (enum cgroup_mode m)
{
  switch (m)
    {
    case CGROUP_LEGACY: return "cgroup v1";
    case CGROUP_HYBRID: return "cgroup v1 + v2 (hybrid)";
    case CGROUP_UNIFIED: return "cgroup v2";
    default: return "no cgroups";
    }
}

static bool
has_option (const char *opts, const char *name)
{
  size_t n = strlen (name);

  for (const char *p = opts; p && *p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
    if (strncmp (p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE SUPER".
   Only a hierarchy's own root mount counts (not a bind of a subtree). */
static void
parse_line (char *line, struct cgroup_layout *l)
{
  char *f[6] = { 0 }, *save = NULL, *dash = strstr (line, " - "), *type, *super;
  int i = 0;

  if (!dash)
    return;
  *dash = '\0';
  for (char *t = strtok_r (line, " ", &save); t && i < 6; t = strtok_r (NULL, " ", &save))
    f[i++] = t;
  save = NULL;
  type = strtok_r (dash + 3, " ", &save);
  strtok_r (NULL, " ", &save); /* source */
  super = strtok_r (NULL, " \n", &save);
  if (i < 5 || !type || strcmp (f[3], "/") != 0)
    return;
  if (strcmp (type, "cgroup2") == 0 && !l->unified)
    l->unified = xstrdup (f[4]);
  else if (strcmp (type, "cgroup") == 0)
    for (int c = 0; c < CG_N; c++)
      if (!l->v1[c] && has_option (super, ctl_names[c]))
        l->v1[c] = xstrdup (f[4]);
}

void
cgroup_layout_parse (const char *mountinfo, struct cgroup_layout *l)
{
  cleanup_free char *copy = xstrdup (mountinfo);
  char *save = NULL;
  bool v1 = false;

  memset (l, 0, sizeof *l);
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    parse_line (line, l);
  for (int c = 0; c < CG_N; c++)
    v1 = v1 || l->v1[c];
  l->mode = v1 && l->unified ? CGROUP_HYBRID
            : v1             ? CGROUP_LEGACY
            : l->unified     ? CGROUP_UNIFIED
                             : CGROUP_NONE;
}

int
cgroup_detect (struct cgroup_layout *l, struct cl_error *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &text, NULL, err) < 0)
    return -1;
  cgroup_layout_parse (text, l);
  return 0;
}

/* A v1 value, clamped to [lo, hi], mapped linearly onto v2's weights
   1..10000 (runc's formulas); 0 (unset) stays 0. */
static unsigned long long
v2_weight (unsigned long long v, unsigned long long lo, unsigned long long hi)
{
  if (v == 0)
    return 0;
  v = v < lo ? lo : v > hi ? hi : v;
  return 1 + ((v - lo) * 9999) / (hi - lo);
}

unsigned long long
cgroup_shares_to_weight (unsigned long long shares)
{
  return v2_weight (shares, 2, 262144);
}

unsigned long long
cgroup_blkio_to_io_weight (unsigned long long weight)
{
  return v2_weight (weight, 10, 1000);
}

/* One limit: which controller, which file, what value, and the flag a
   user would have given (for the warning).  `alt` is the file written
   (with alt_val, when that is set) where the cgroup has no `file`: the
   weights are CFQ's or BFQ's, io.bfq.weight or io.weight, by kernel. */
struct cg_write
{
  enum cgroup_ctl ctl;
  const char *file, *alt;
  char val[256], alt_val[64];
  const char *flag;
};

/* The writes of a spec_resources, in order (blockIO's device lists make
   them as many as it has devices). */
struct cg_writes
{
  struct cg_write *w;
  size_t n;
};

static void
cg_writes_clear (struct cg_writes *ws)
{
  free (ws->w);
  *ws = (struct cg_writes){ 0 };
}
#define cleanup_cg_writes __attribute__ ((cleanup (cg_writes_clear)))

static struct cg_write *
add_write (struct cg_writes *ws, enum cgroup_ctl ctl, const char *file, const char *flag)
{
  ws->w = xrealloc (ws->w, (ws->n + 1) * sizeof *ws->w);
  ws->w[ws->n] = (struct cg_write){ .ctl = ctl, .file = file, .flag = flag };
  return &ws->w[ws->n++];
}

static struct cg_write *
add (struct cg_writes *ws, enum cgroup_ctl ctl, const char *file, const char *flag, const char *fmt,
     long long v)
{
  struct cg_write *w = add_write (ws, ctl, file, flag);
  snprintf (w->val, sizeof w->val, fmt, v);
  return w;
}

static void
add_str (struct cg_writes *ws, enum cgroup_ctl ctl, const char *file, const char *flag,
         const char *val)
{
  struct cg_write *w = add_write (ws, ctl, file, flag);
  snprintf (w->val, sizeof w->val, "%s", val);
}

/* "MAJ:MIN [KEY]VALUE": one device a write, as the kernel takes them. */
static struct cg_write *
add_dev (struct cg_writes *ws, const char *file, const char *flag, const struct spec_blkio_dev *d,
         const char *key, unsigned long long v)
{
  struct cg_write *w = add_write (ws, CG_BLKIO, file, flag);
  snprintf (w->val, sizeof w->val, "%lld:%lld %s%llu", d->major, d->minor, key, v);
  return w;
}

static const char *const blkio_flags[SPEC_BLKIO_N]
    = { "blockIO.weightDevice", "blockIO.throttleReadBpsDevice", "blockIO.throttleWriteBpsDevice",
        "blockIO.throttleReadIOPSDevice", "blockIO.throttleWriteIOPSDevice" };

/* blockIO on v1, as runc's fs/blkio.go: CFQ's weight files where the
   kernel has them, else BFQ's; leaf weights are CFQ's alone (gone with
   it in Linux 5.0: asked for, they are refused). */
static void
v1_blkio_writes (const struct spec_resources *r, struct cg_writes *ws)
{
  static const char *const throttle[SPEC_BLKIO_N]
      = { NULL, "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
          "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
  const struct spec_blkio_dev *d = r->blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE];

  if (r->blkio_weight)
    add (ws, CG_BLKIO, "blkio.weight", "--blkio-weight", "%lld", r->blkio_weight)->alt
        = "blkio.bfq.weight";
  if (r->blkio_leaf_weight)
    add (ws, CG_BLKIO, "blkio.leaf_weight", "blockIO.leafWeight", "%lld", r->blkio_leaf_weight);
  for (size_t i = 0; i < r->n_blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE]; i++)
    {
      if (d[i].weight)
        add_dev (ws, "blkio.weight_device", blkio_flags[0], &d[i], "", d[i].weight)->alt
            = "blkio.bfq.weight_device";
      if (d[i].leaf_weight)
        add_dev (ws, "blkio.leaf_weight_device", blkio_flags[0], &d[i], "", d[i].leaf_weight);
    }
  for (int l = SPEC_BLKIO_READ_BPS; l < SPEC_BLKIO_N; l++)
    for (size_t i = 0; i < r->n_blkio_devs[l]; i++)
      add_dev (ws, throttle[l], blkio_flags[l], &r->blkio_devs[l][i], "", r->blkio_devs[l][i].rate);
}

/* blockIO on v2, as runc's fs2/io.go: io.bfq.weight where the kernel
   has BFQ, else io.weight (converted); throttles in io.max.  v2 has no
   leaf weight: asked for, its v1 file is missing and it is refused. */
static void
v2_blkio_writes (const struct spec_resources *r, struct cg_writes *ws)
{
  static const char *const key[SPEC_BLKIO_N] = { NULL, "rbps=", "wbps=", "riops=", "wiops=" };
  const struct spec_blkio_dev *d = r->blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE];
  struct cg_write *w;

  if (r->blkio_weight)
    {
      w = add (ws, CG_BLKIO, "io.bfq.weight", "--blkio-weight", "%lld", r->blkio_weight);
      w->alt = "io.weight";
      snprintf (w->alt_val, sizeof w->alt_val, "%llu", cgroup_blkio_to_io_weight (r->blkio_weight));
    }
  if (r->blkio_leaf_weight)
    add (ws, CG_BLKIO, "blkio.leaf_weight", "blockIO.leafWeight", "%lld", r->blkio_leaf_weight);
  for (size_t i = 0; i < r->n_blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE]; i++)
    {
      if (d[i].weight)
        {
          w = add_dev (ws, "io.bfq.weight", blkio_flags[0], &d[i], "", d[i].weight);
          w->alt = "io.weight";
          snprintf (w->alt_val, sizeof w->alt_val, "%lld:%lld %llu", d[i].major, d[i].minor,
                    cgroup_blkio_to_io_weight (d[i].weight));
        }
      if (d[i].leaf_weight)
        add_dev (ws, "blkio.leaf_weight_device", blkio_flags[0], &d[i], "", d[i].leaf_weight);
    }
  for (int l = SPEC_BLKIO_READ_BPS; l < SPEC_BLKIO_N; l++)
    for (size_t i = 0; i < r->n_blkio_devs[l]; i++)
      add_dev (ws, "io.max", blkio_flags[l], &r->blkio_devs[l][i], key[l],
               r->blkio_devs[l][i].rate);
}

/* v1: memory before memsw (memsw ≥ memory at every step); period before
   quota; cpuset's own files before any task moves in. */
static void
v1_writes (const struct spec_resources *r, struct cg_writes *w)
{
  if (r->cpuset_cpus)
    add_str (w, CG_CPUSET, "cpuset.cpus", "--cpuset-cpus", r->cpuset_cpus);
  if (r->cpuset_mems)
    add_str (w, CG_CPUSET, "cpuset.mems", "--cpuset-mems", r->cpuset_mems);
  if (r->memory_limit)
    add (w, CG_MEMORY, "memory.limit_in_bytes", "--memory", "%lld", r->memory_limit);
  if (r->memory_swap)
    add (w, CG_MEMORY, "memory.memsw.limit_in_bytes", "--memory-swap", "%lld", r->memory_swap);
  if (r->memory_reservation)
    add (w, CG_MEMORY, "memory.soft_limit_in_bytes", "--memory-reservation", "%lld",
         r->memory_reservation);
  if (r->cpu_shares)
    add (w, CG_CPU, "cpu.shares", "--cpu-shares", "%lld", (long long)r->cpu_shares);
  if (r->cpu_period)
    add (w, CG_CPU, "cpu.cfs_period_us", "--cpu-period", "%lld", (long long)r->cpu_period);
  if (r->cpu_quota)
    add (w, CG_CPU, "cpu.cfs_quota_us", "--cpus", "%lld", r->cpu_quota);
  /* the period first: the runtime must fit in it */
  if (r->cpu_rt_period)
    add (w, CG_CPU, "cpu.rt_period_us", "--cpu-rt-period", "%lld", (long long)r->cpu_rt_period);
  if (r->cpu_rt_runtime)
    add (w, CG_CPU, "cpu.rt_runtime_us", "--cpu-rt-runtime", "%lld", r->cpu_rt_runtime);
  if (r->pids_limit > 0)
    add (w, CG_PIDS, "pids.max", "--pids-limit", "%lld", r->pids_limit);
  else
    add_str (w, CG_PIDS, "pids.max", r->pids_limit < 0 ? "--pids-limit" : NULL,
             r->pids_limit < 0 ? "max" : "2048");
  v1_blkio_writes (r, w);
}

/* v2, as runc converts: memory.swap.max holds swap alone (memsw − memory),
   cpu.weight from shares, cpu.max "QUOTA PERIOD". */
static void
v2_writes (const struct spec_resources *r, struct cg_writes *w)
{
  if (r->cpuset_cpus)
    add_str (w, CG_CPUSET, "cpuset.cpus", "--cpuset-cpus", r->cpuset_cpus);
  if (r->cpuset_mems)
    add_str (w, CG_CPUSET, "cpuset.mems", "--cpuset-mems", r->cpuset_mems);
  if (r->memory_limit > 0)
    add (w, CG_MEMORY, "memory.max", "--memory", "%lld", r->memory_limit);
  else if (r->memory_limit < 0)
    add_str (w, CG_MEMORY, "memory.max", "--memory", "max");
  if (r->memory_swap < 0)
    add_str (w, CG_MEMORY, "memory.swap.max", "--memory-swap", "max");
  else if (r->memory_swap > 0)
    add (w, CG_MEMORY, "memory.swap.max", "--memory-swap", "%lld",
         r->memory_swap - (r->memory_limit > 0 ? r->memory_limit : 0));
  if (r->memory_reservation > 0)
    add (w, CG_MEMORY, "memory.low", "--memory-reservation", "%lld", r->memory_reservation);
  if (r->cpu_shares)
    add (w, CG_CPU, "cpu.weight", "--cpu-shares", "%lld",
         (long long)cgroup_shares_to_weight (r->cpu_shares));
  if (r->cpu_quota || r->cpu_period)
    {
      char v[64];
      unsigned long long period = r->cpu_period ? r->cpu_period : 100000;
      if (r->cpu_quota > 0)
        snprintf (v, sizeof v, "%lld %llu", r->cpu_quota, period);
      else
        snprintf (v, sizeof v, "max %llu", period);
      add_str (w, CG_CPU, "cpu.max", "--cpus", v);
    }
  if (r->pids_limit > 0)
    add (w, CG_PIDS, "pids.max", "--pids-limit", "%lld", r->pids_limit);
  else
    add_str (w, CG_PIDS, "pids.max", r->pids_limit < 0 ? "--pids-limit" : NULL,
             r->pids_limit < 0 ? "max" : "2048");
  v2_blkio_writes (r, w);
}

static void
writes_for (enum cgroup_mode mode, const struct spec_resources *r, struct cg_writes *w)
{
  if (mode == CGROUP_UNIFIED)
    v2_writes (r, w);
  else
    v1_writes (r, w);
}

static int
write_value (const char *dir, const char *file, const char *val, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, val, strlen (val)) < 0)
    return cl_fail (err, errno, "write %s to %s", val, path);
  return 0;
}

static bool
has_file (const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);

  return access (path, F_OK) == 0;
}

/* `w` into `dir`: its file, else its alternative where the cgroup has
   that instead.  A blkio file the kernel has not (leaf weights after
   CFQ, a weight without CFQ or BFQ) is named as such. */
static int
write_one (const char *dir, const struct cg_write *w, struct cl_error *err)
{
  if (w->alt && !has_file (dir, w->file) && has_file (dir, w->alt))
    return write_value (dir, w->alt, *w->alt_val ? w->alt_val : w->val, err);
  if (w->ctl == CG_BLKIO && !has_file (dir, w->file))
    return cl_fail (err, ENOENT, "the container's cgroup has no %s%s%s (not in this kernel)",
                    w->file, w->alt ? " or " : "", w->alt ? w->alt : "");
  return write_value (dir, w->file, w->val, err);
}

/* A new v1 cpuset cgroup starts with no CPUs and no memory nodes, and no
   task can join it so: copy the parent's where empty. */
static int
cpuset_inherit (const char *parent, const char *dir, struct cl_error *err)
{
  static const char *files[] = { "cpuset.cpus", "cpuset.mems" };

  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *mine = NULL, *theirs = NULL;
      cleanup_free char *p = xasprintf ("%s/%s", dir, files[i]);
      cleanup_free char *pp = xasprintf ("%s/%s", parent, files[i]);
      if (read_file_at (AT_FDCWD, p, 4096, &mine, NULL, err) < 0
          || read_file_at (AT_FDCWD, pp, 4096, &theirs, NULL, err) < 0)
        return -1;
      if (mine[strspn (mine, " \n")] == '\0' && write_value (dir, files[i], theirs, err) < 0)
        return -1;
    }
  return 0;
}

/* The hierarchies a container gets: memory and pids always (OOM, the
   default pids limit), cpu and cpuacct (stats, --cpus), freezer
   (pause), devices (devcgroup.h); cpuset only when asked (it costs a copy of the parent's)
   and blkio only when asked, or either for a bundle's cgroupsPath (runc makes every one:
   `update` may set it later).  `v2_too`: the container has a cgroup2
   directory as well (hybrid), whose core files do what v1's freezer and
   cpuacct would (cgroup.freeze, cpu.stat's usage): those two are not
   made (a v1 cgroup costs its mkdir, rmdir and join, ~0.4 ms of a start). */
static bool
wanted (enum cgroup_ctl c, const struct spec_resources *r, bool v2_too)
{
  if (c == CG_CPUSET)
    return r->cpuset_cpus || r->cpuset_mems;
  if (c == CG_BLKIO)
    return spec_resources_have_blkio (r);
  if (c == CG_FREEZER || c == CG_CPUACCT)
    return !v2_too;
  return true;
}

static bool
has_word (const char *list, const char *word)
{
  size_t n = strlen (word);

  for (const char *p = list; (p = strstr (p, word)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
      return true;
  return false;
}

/* cgroup v2: the controllers crunlocal uses, enabled for `dir`'s children
   where `dir` has them and they are not on yet (hybrid's mount has none
   of them: nothing is written).  What the kernel refuses is simply not
   there: write_limits names what it misses. */
static void
enable_controllers (const char *dir)
{
  static const char *ctl[] = { "memory", "pids", "cpu", "cpuset", "io" };
  cleanup_free char *have = NULL, *on = NULL;
  cleanup_free char *hp = xasprintf ("%s/cgroup.controllers", dir);
  cleanup_free char *op = xasprintf ("%s/cgroup.subtree_control", dir);
  struct cl_error ignored;

  if (read_file_at (AT_FDCWD, hp, 4096, &have, NULL, &ignored) < 0
      || read_file_at (AT_FDCWD, op, 4096, &on, NULL, &ignored) < 0)
    return;
  for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
    if (has_word (have, ctl[i]) && !has_word (on, ctl[i]))
      {
        cleanup_free char *plus = xasprintf ("+%s", ctl[i]);
        write_value (dir, "cgroup.subtree_control", plus, &ignored);
      }
}

/* mkdir MOUNT/crunlocal (its v2 controllers enabled for its children,
   a v1 cpuset's filled) and MOUNT/crunlocal/<id>. */
/* linux.cgroupsPath: each directory on the way made as needed (a v1
   cpuset's filled, v2's controllers enabled for the next); the last may
   exist already, as runc allows. */
static int
make_path (const char *mount, const char *dir, bool cpuset, bool v2, struct cl_error *err)
{
  cleanup_free char *cur = xstrdup (dir);
  size_t base = strlen (mount);
  char *p = cur + base;

  while (p && *p)
    {
      char *slash = strchr (p + 1, '/');
      cleanup_free char *parent = xstrndup (cur, (size_t)(p - cur));
      if (slash)
        *slash = '\0';
      if (v2)
        enable_controllers (parent);
      if (mkdir (cur, 0755) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "create cgroup %s", cur);
      if (cpuset && cpuset_inherit (parent, cur, err) < 0)
        return -1;
      if (slash)
        *slash = '/';
      p = slash;
    }
  return 0;
}

static int
make_dir (const char *mount, const char *dir, bool cpuset, bool v2, struct cl_error *err)
{
  cleanup_free char *parent = NULL;

  /* A plain v1 one, its parent there since the first container. */
  if (!cpuset && !v2)
    {
      if (mkdir (dir, 0755) == 0)
        return 0;
      if (errno != ENOENT)
        return cl_fail (err, errno, "create cgroup %s", dir);
    }
  parent = xasprintf ("%s/" PARENT, mount);
  if (mkdir (parent, 0755) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "create cgroup %s", parent);
  if (cpuset && cpuset_inherit (mount, parent, err) < 0)
    return -1;
  if (v2)
    {
      enable_controllers (mount);
      enable_controllers (parent);
    }
  if (mkdir (dir, 0755) < 0)
    return cl_fail (err, errno, "create cgroup %s", dir);
  if (cpuset && cpuset_inherit (parent, dir, err) < 0)
    return -1;
  return 0;
}

static bool
no_permission (int e)
{
  return e == EACCES || e == EPERM || e == EROFS;
}

static const char *
plan (struct cgroup_join *j, const char *mount)
{
  if (j->path)
    j->dirs.dir[j->dirs.n] = xasprintf ("%s/%s", mount, j->path + (j->path[0] == '/'));
  else
    j->dirs.dir[j->dirs.n] = xasprintf ("%s/" PARENT "/%s", mount, j->id);
  return j->dirs.dir[j->dirs.n++];
}

/* Root of the host, not of a user namespace (a rootless store's):
   only it makes cgroups at the mounts' roots and loads BPF. */
static bool
host_root (void)
{
  return userns_host_euid () == 0;
}

/* cgroup v1 is never delegated, but root may hand a user a directory in
   each hierarchy (chowned to it, as runc's tests/rootless.sh does): a
   user's container uses v1 only at a linux.cgroupsPath, as runc's. */
static bool
may_use_v1 (const struct cgroup_join *j)
{
  return host_root () || j->path;
}

/* Where the container's cgroup2 directory goes: under the mount's root
   for root; under a delegated subtree for a user (cgdeleg.h), or
   nowhere (NULL). */
static int
v2_base (const struct cgroup_layout *l, char **base, struct cl_error *err)
{
  *base = NULL;
  if (!l->unified)
    return 0;
  if (host_root ())
    {
      *base = xstrdup (l->unified);
      return 0;
    }
  return cgdeleg_root (l->unified, base, err) < 0 ? -1 : 0;
}

/* A linux.cgroupsPath that exists already, as runc treats it: a frozen
   one is refused (the container would hang frozen while starting), one
   with processes in it only warned about. */
static int
check_existing (struct cgroup_join *j, struct cl_error *err)
{
  for (size_t i = 0; i < j->dirs.n; i++)
    {
      cleanup_free char *procs = NULL, *state = NULL, *freeze = NULL;
      cleanup_free char *pp = xasprintf ("%s/cgroup.procs", j->dirs.dir[i]);
      cleanup_free char *fp = xasprintf ("%s/freezer.state", j->dirs.dir[i]);
      cleanup_free char *f2 = xasprintf ("%s/cgroup.freeze", j->dirs.dir[i]);
      struct cl_error ignored;
      if ((read_file_at (AT_FDCWD, fp, 64, &state, NULL, &ignored) == 0
           && !str_has_prefix (state, "THAWED"))
          || (read_file_at (AT_FDCWD, f2, 64, &freeze, NULL, &ignored) == 0 && freeze[0] == '1'))
        return cl_fail (err, EBUSY, "container's cgroup unexpectedly frozen (%s): thaw it first",
                        j->dirs.dir[i]);
      if (!j->warning && read_file_at (AT_FDCWD, pp, 1 << 16, &procs, NULL, &ignored) == 0
          && procs[strspn (procs, " \n")])
        j->warning = xasprintf ("container's cgroup is not empty: %s has processes already",
                                j->dirs.dir[i]);
    }
  return 0;
}

/* What cgroup_join_before planned and made, for the hook after clone. */
struct cgroup_plan
{
  struct cgroup_layout l;
  struct ns_cgroups *ns; /* the child's (ns.h), or NULL: moved by pid */
  char *v2base;          /* where the cgroup2 directory goes, or NULL */
  const char *by_ctl[CG_N];
  const char *mounts[CGROUP_DIRS_MAX];
  bool cpuset[CGROUP_DIRS_MAX];
  int v2;       /* the cgroup2 directory's index in dirs, or -1 */
  bool made_v2; /* made before clone (the child may be in it) */
  bool none;    /* no cgroup: `why` says why */
  struct cl_error why;
  /* The cgroup2 device program, loaded by a thread (v2_devices) */
  pthread_t dev_thread;
  bool dev_running;
  int dev_ret;
  struct cl_error dev_err;
};

/* The container's directories, planned and recorded before any is
   made so that a crash half-way leaves nothing unrecorded; 1 when this
   user may make none.  A user gets a delegated v2 directory, and v1
   ones only at a linux.cgroupsPath (may_use_v1): each must be there
   for it to write, or its parent. */
static int
plan_dirs (struct cgroup_join *j, struct cgroup_plan *p, struct cl_error *err)
{
  const struct cgroup_layout *l = &p->l;
  const struct spec_resources *r = &j->spec->resources;
  bool v1 = may_use_v1 (j); /* reads /proc/self/uid_map: once */

  p->v2 = -1;
  if (v2_base (l, &p->v2base, err) < 0)
    return -1;
  if (l->mode == CGROUP_UNIFIED && p->v2base)
    {
      /* One directory holds every controller. */
      p->mounts[0] = p->v2base;
      p->by_ctl[0] = plan (j, p->v2base);
      p->v2 = 0;
      for (int c = 1; c < CG_N; c++)
        p->by_ctl[c] = p->by_ctl[0];
    }
  else if (l->mode != CGROUP_UNIFIED)
    {
      /* crunlocal's own containers only: a runtime's caller (podman on
         v1) reads v1's cpuacct and freezer of the path it gave. */
      bool v2_too = l->mode == CGROUP_HYBRID && p->v2base && !j->strict;
      for (int c = 0; c < CG_N && v1; c++)
        if (l->v1[c] && (wanted (c, r, v2_too) || j->path))
          {
            p->cpuset[j->dirs.n] = c == CG_CPUSET;
            p->mounts[j->dirs.n] = l->v1[c];
            p->by_ctl[c] = plan (j, l->v1[c]);
          }
      /* Hybrid: the v2 mount too, for cgroup.kill and cgroup.events. */
      if (l->mode == CGROUP_HYBRID && p->v2base)
        {
          p->mounts[j->dirs.n] = p->v2base;
          p->v2 = (int)j->dirs.n;
          plan (j, p->v2base);
        }
    }
  if (j->dirs.n == 0)
    {
      cl_fail (err, EPERM, "no cgroup this user may write (no delegated cgroup v2 subtree)");
      return 1;
    }
  /* Refused before anything is recorded or made: nothing of a cgroup
     that was there already is touched. */
  if (j->path && check_existing (j, err) < 0)
    {
      cgroup_dirs_clear (&j->dirs);
      return -1;
    }
  if (j->recfd >= 0 && cgrouprec_write (j->recfd, &j->dirs, err) < 0)
    return -1;
  return 0;
}

/* A directory not made: 1 (the container goes without cgroups) when
   this user may not make it, unless it named linux.cgroupsPath: a user
   who asks for a path is refused, as runc refuses it, in runc's words
   (its tests look for them). */
static int
not_made (const struct cgroup_join *j, struct cl_error *err)
{
  char what[CL_ERROR_MSG_MAX];
  int e = err->errnum;

  if (!no_permission (e))
    return -1;
  if (host_root () || !j->path)
    return 1;
  snprintf (what, sizeof what, "%s", err->msg);
  return cl_fail (err, 0, "unable to apply cgroup configuration: %s: %c%s", what,
                  tolower ((unsigned char)strerror (e)[0]), strerror (e) + 1);
}

/* Directory `i` of the plan; 1 when this user may not (not_made). */
static int
make_one (struct cgroup_join *j, const struct cgroup_plan *p, size_t i, struct cl_error *err)
{
  bool v2 = p->l.mode == CGROUP_UNIFIED;
  int r = j->path ? make_path (p->mounts[i], j->dirs.dir[i], p->cpuset[i], v2, err)
                  : make_dir (p->mounts[i], j->dirs.dir[i], p->cpuset[i], v2, err);

  return r < 0 ? not_made (j, err) : r;
}

/* "0-1,3" → a CPU set. */
static int
parse_cpus (const char *list, cpu_set_t *set)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;

  CPU_ZERO (set);
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      char *end;
      long a = strtol (t, &end, 10), b = a;
      if (end == t)
        return -1;
      if (*end == '-')
        {
          char *e2;
          b = strtol (end + 1, &e2, 10);
          end = e2;
        }
      if (*end || a < 0 || b < a || b >= CPU_SETSIZE)
        return -1;
      for (long c = a; c <= b; c++)
        CPU_SET (c, set);
    }
  return 0;
}

static int
set_affinity (pid_t pid, const char *cpus, struct cl_error *err)
{
  cpu_set_t set;

  if (parse_cpus (cpus, &set) < 0)
    return cl_fail (err, EINVAL, "invalid --cpuset-cpus \"%s\"", cpus);
  if (sched_setaffinity (pid, sizeof set, &set) < 0)
    return cl_fail (err, errno, "--cpuset-cpus %s as CPU affinity", cpus);
  return 0;
}

/* Every thread of process `pid` to `set`: 0, or the count refused. */
static int
affinity_threads (const char *pid, const cpu_set_t *set)
{
  cleanup_free char *path = xasprintf ("/proc/%s/task", pid);
  cleanup_dir DIR *d = opendir (path);
  struct dirent *de;
  int refused = 0;

  while (d && (de = readdir (d)))
    if (de->d_name[0] != '.' && sched_setaffinity ((pid_t)atoi (de->d_name), sizeof *set, set) < 0
        && errno != ESRCH)
      refused++;
  return refused;
}

int
cgroup_update_affinity (pid_t init, const char *cpus, struct cl_error *err)
{
  char want[64], path[64];
  cpu_set_t set;
  ssize_t n;
  int refused = 0, found = 0;
  cleanup_dir DIR *d = opendir ("/proc");
  struct dirent *de;

  if (parse_cpus (cpus, &set) < 0)
    return cl_fail (err, EINVAL, "invalid --cpuset-cpus \"%s\"", cpus);
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int)init);
  if ((n = readlink (path, want, sizeof want - 1)) < 0)
    return cl_fail (err, errno, "the container's pid namespace (%s)", path);
  want[n] = '\0';
  while (d && (de = readdir (d)))
    {
      char have[64];
      if (de->d_name[0] < '1' || de->d_name[0] > '9')
        continue;
      snprintf (path, sizeof path, "/proc/%s/ns/pid", de->d_name);
      if ((n = readlink (path, have, sizeof have - 1)) < 0)
        continue; /* gone, or another user's (not ours to change) */
      have[n] = '\0';
      if (strcmp (have, want) != 0)
        continue;
      found++;
      refused += affinity_threads (de->d_name, &set);
    }
  if (!found)
    return cl_fail (err, ESRCH, "no process of the container is left");
  if (refused)
    return cl_fail (err, EPERM, "--cpuset-cpus %s: %d of its threads kept their CPU affinity", cpus,
                    refused);
  return 0;
}

/* No cgroup for us: name every limit asked for (the default pids limit
   was not asked for) in one line, or refuse when strict. */
static int
without_cgroup (struct cgroup_join *j, const struct cgroup_layout *l, pid_t pid,
                const struct cl_error *why, struct cl_error *err)
{
  const struct spec_resources *r = &j->spec->resources;
  cleanup_cg_writes struct cg_writes ws = { 0 };
  const struct cg_write *w;
  char names[512] = "";
  size_t used = 0;
  bool affinity = false;

  writes_for (l->mode, r, &ws);
  w = ws.w;
  for (size_t i = 0; i < ws.n; i++)
    {
      /* No limit ("max") is what a container without a cgroup has. */
      if (!w[i].flag || strstr (names, w[i].flag) || strcmp (w[i].val, "max") == 0)
        continue;
      if (!j->strict && w[i].ctl == CG_CPUSET && strcmp (w[i].file, "cpuset.cpus") == 0)
        {
          if (set_affinity (pid, r->cpuset_cpus, err) < 0)
            return -1;
          affinity = true;
          continue;
        }
      snprintf (names + used, sizeof names - used, "%s%s", used ? ", " : "", w[i].flag);
      used = strlen (names);
    }
  /* A user's bundle is told what would run it, in runc's words. */
  if (used && j->strict)
    return cl_fail (err, why->errnum, "%scannot apply %s: %s",
                    host_root () ? ""
                                 : "rootless needs no limits + no cgrouppath when no permission "
                                   "is granted for cgroups: ",
                    names, why->msg);
  if (used || affinity)
    j->warning = xasprintf ("%s%s%s%s: no cgroup this user may write (%s, no delegation)", names,
                            used ? " not applied" : "", used && affinity ? "; " : "",
                            affinity ? "--cpuset-cpus applied as CPU affinity" : "",
                            cgroup_mode_name (l->mode));
  /* Root's container outside a user namespace opens any device node it
     finds or (with MKNOD added) makes: without the device cgroup only
     nodev mounts stop that, and a host directory bound in is not one. */
  if (host_root () && !(j->spec->namespaces & NS_USER) && !devcg_allows_all (j->spec))
    {
      char *msg = xasprintf ("%s%sno device cgroup (%s%s%s): only nodev mounts keep the container "
                             "from opening device nodes, and a host directory bound in is not one",
                             j->warning ? j->warning : "", j->warning ? "; " : "", why->msg,
                             why->errnum ? ": " : "", why->errnum ? strerror (why->errnum) : "");
      free (j->warning);
      j->warning = msg;
    }
  return 0;
}

/* A user's delegated subtree has what was enabled above it (on a hybrid
   host, no v1 controller at all): what it lacks is named in the warning
   line, as without any cgroup, unless strict. */
static bool
note_missing (struct cgroup_join *j, const struct cg_write *w, char *names, size_t size)
{
  size_t used = strlen (names);

  if (host_root () || j->strict)
    return false;
  if (!strstr (names, w->flag))
    snprintf (names + used, size - used, "%s%s", used ? ", " : "", w->flag);
  return true;
}

static int
write_limits (struct cgroup_join *j, const struct cgroup_layout *l, const char **by_ctl,
              struct cl_error *err)
{
  cleanup_cg_writes struct cg_writes ws = { 0 };
  const struct cg_write *w;
  char missing[512] = "";

  writes_for (l->mode, &j->spec->resources, &ws);
  w = ws.w;
  for (size_t i = 0; i < ws.n; i++)
    {
      if (!by_ctl[w[i].ctl])
        {
          if (!w[i].flag || note_missing (j, &w[i], missing, sizeof missing))
            continue; /* the default pids limit, where there is no pids controller */
          return cl_fail (err, ENOTSUP, "%s: this host has no %s controller (%s)", w[i].flag,
                          ctl_names[w[i].ctl], cgroup_mode_name (l->mode));
        }
      if (write_one (by_ctl[w[i].ctl], &w[i], err) == 0)
        continue;
      /* A kernel without swap accounting (swapaccount=0) has no swap
         files: memory alone is limited, as docker does, and says so. */
      if (err->errnum == ENOENT && strstr (w[i].file, "sw") && !j->strict)
        {
          free (j->warning);
          j->warning = xstrdup ("--memory-swap not applied: this kernel does not account swap "
                                "(memory is limited without swap)");
          continue;
        }
      if (err->errnum == ENOENT && w[i].flag && note_missing (j, &w[i], missing, sizeof missing))
        continue;
      /* A controller the hierarchy lacks (a cgroup2 one without pids
         enabled): no limit asked for ("max", the default pids limit) is
         no limit at all. */
      if (err->errnum == ENOENT && (!w[i].flag || strcmp (w[i].val, "max") == 0))
        continue;
      return cl_wrap (err, "%s", w[i].flag ? w[i].flag : "the default pids limit");
    }
  if (missing[0])
    {
      free (j->warning);
      j->warning = xasprintf ("%s not applied: the delegated cgroup v2 subtree has no such "
                              "controller (%s)",
                              missing, cgroup_mode_name (l->mode));
    }
  return 0;
}

static int
set_oom_score_adj (pid_t pid, int adj, struct cl_error *err)
{
  char path[64], val[16];
  cleanup_close int fd = -1;

  snprintf (path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
  snprintf (val, sizeof val, "%d", adj);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, val, strlen (val)) < 0)
    return cl_fail (err, errno, "--oom-score-adj %d%s", adj,
                    errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
  return 0;
}

/* The device cgroup: v1's devices hierarchy where there is one, else
   the program on the cgroup2 directory (unified, or a hybrid host's
   extra one without a devices hierarchy).  Both would check the same
   rules: runc too uses v1's alone on a hybrid host, and the program's
   verifier costs ~0.5 ms of CPU a start.  Only root loads BPF or writes
   v1's devices.deny (the kernel wants CAP_SYS_ADMIN); a user's container
   (a delegated v2 subtree, a v1 cgroupsPath) is in a user namespace,
   where no device node it makes ever opens: runc skips it too. */
static const char *
v1_devices_dir (const struct cgroup_plan *p)
{
  return p->l.mode == CGROUP_UNIFIED ? NULL : p->by_ctl[CG_DEVICES];
}

static bool
v2_devices_wanted (const struct cgroup_plan *p)
{
  return p->v2 >= 0 && !v1_devices_dir (p) && host_root ();
}

static int
apply_devices (struct cgroup_join *j, const struct cgroup_plan *p, bool v2, struct cl_error *err)
{
  const char *v1dir = v1_devices_dir (p);
  const char *v2dir = v2_devices_wanted (p) ? j->dirs.dir[p->v2] : NULL;

  if (!host_root () || !(v2 ? v2dir : v1dir))
    return 0;
  return devcg_apply (j->spec, v2 ? NULL : v1dir, v2 ? v2dir : NULL, err);
}

/* Undo what was made and recorded (nothing of the child's is left in a
   directory made after clone; the child may be in the one made before). */
static void
unmake (struct cgroup_join *j)
{
  struct cl_error ignored;

  cgroup_dirs_remove (&j->dirs, &ignored);
  if (j->recfd >= 0)
    cgrouprec_remove (j->recfd, &ignored);
  cgroup_dirs_clear (&j->dirs);
}

/* No cgroup after all: nothing made stays, the reason is kept. */
static void
give_up (struct cgroup_join *j, struct cl_error *why)
{
  unmake (j);
  j->plan->none = true;
  j->plan->why = *why;
}

static void *
v2_devices (void *arg)
{
  struct cgroup_join *j = arg;

  j->plan->dev_ret = apply_devices (j, j->plan, true, &j->plan->dev_err);
  return NULL;
}

static int
v2_devices_done (void *arg, struct cl_error *err)
{
  struct cgroup_join *j = arg;
  struct cgroup_plan *p = j->plan;

  if (!p || !p->dev_running)
    return 0;
  pthread_join (p->dev_thread, NULL);
  p->dev_running = false;
  if (p->dev_ret < 0)
    {
      *err = p->dev_err;
      unmake (j);
      return -1;
    }
  return 0;
}

void
cgroup_join_clear (struct cgroup_join *j)
{
  cgroup_dirs_clear (&j->dirs);
  free (j->warning);
  j->warning = NULL;
  if (j->plan)
    {
      struct cl_error ignored;
      v2_devices_done (j, &ignored);
      cgroup_layout_clear (&j->plan->l);
      free (j->plan->v2base);
      free (j->plan);
      j->plan = NULL;
    }
}

int
cgroup_join_before (void *arg, struct ns_cgroups *ns, struct cl_error *err)
{
  struct cgroup_join *j = arg;
  struct cgroup_plan *p;
  struct cl_error why = { 0 };
  int r;

  p = j->plan = xcalloc (1, sizeof *p);
  p->ns = ns;
  if (cgroup_detect (&p->l, err) < 0)
    return -1;
  /* A run whose monitor was killed with -9 left its cgroups: `start`
     makes them afresh. */
  if (j->recfd >= 0 && cgrouprec_read (j->recfd, &j->dirs, &why) == 0)
    {
      if (cgroup_dirs_remove (&j->dirs, err) < 0)
        return cl_wrap (err, "the cgroups of the container's last run");
      cgroup_dirs_clear (&j->dirs);
    }
  r = p->l.mode == CGROUP_NONE ? (cl_fail (&why, ENOENT, "no cgroup mounts"), 1)
                               : plan_dirs (j, p, &why);
  /* The cgroup2 directory now, for the child to be cloned into. */
  if (r == 0 && p->v2 >= 0)
    {
      r = make_one (j, p, (size_t)p->v2, &why);
      p->made_v2 = r == 0;
      if (r == 0 && ns)
        ns->into = open (j->dirs.dir[p->v2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  if (r == 1)
    give_up (j, &why);
  else if (r < 0)
    {
      *err = why;
      unmake (j);
      return -1;
    }
  return 0;
}

/* Into each directory: the child moves itself into v1's (their tasks
   files, handed to ns.c) and was cloned into the cgroup2 one; what it
   was not in, it is moved into by pid. */
static int
attach (struct cgroup_join *j, struct cgroup_plan *p, pid_t pid, struct cl_error *err)
{
  cleanup_free char *text = xasprintf ("%d", (int)pid);

  for (size_t i = 0; i < j->dirs.n; i++)
    {
      bool v2 = (int)i == p->v2;
      cleanup_free char *path = NULL;
      cleanup_close int fd = -1;
      if (v2 && p->ns && p->ns->cloned_into)
        continue;
      if (!v2 && p->ns && p->ns->n_tasks < NS_CGROUP_FDS)
        {
          path = xasprintf ("%s/tasks", j->dirs.dir[i]);
          if ((fd = open (path, O_WRONLY | O_CLOEXEC)) < 0)
            return cl_fail (err, errno, "open %s", path);
          p->ns->tasks[p->ns->n_tasks++] = steal_fd (&fd);
          continue;
        }
      path = xasprintf ("%s/cgroup.procs", j->dirs.dir[i]);
      if ((fd = open (path, O_WRONLY | O_CLOEXEC)) < 0 || write (fd, text, strlen (text)) < 0)
        return cl_fail (err, errno, "move the container's process into %s", j->dirs.dir[i]);
    }
  return 0;
}

/* After clone: the rest of the directories, the limits, the devices, the
   move.  A directory this user may not make means no cgroup at all,
   unless the child is in the cgroup2 one already. */
static int
join (struct cgroup_join *j, pid_t pid, struct cl_error *err)
{
  struct cgroup_plan *p = j->plan;
  int r = 0;

  for (size_t i = 0; r == 0 && !p->none && i < j->dirs.n; i++)
    if ((int)i != p->v2 || !p->made_v2)
      r = make_one (j, p, i, err);
  if (r == 1 && !(p->made_v2 && p->ns && p->ns->cloned_into))
    give_up (j, err);
  else if (r != 0)
    return -1;
  if (p->none)
    return without_cgroup (j, &p->l, pid, &p->why, err);
  if (write_limits (j, &p->l, p->by_ctl, err) < 0 || apply_devices (j, p, false, err) < 0
      || attach (j, p, pid, err) < 0)
    return -1;
  /* The child may join and go on now (ns.h).  The v2 device program
     comes whole, and the child is in that directory since clone anyway. */
  if (p->ns && ns_cgroups_ready (p->ns, err) < 0)
    return -1;
  /* The cgroup2 device program (its verifier takes ~0.5 ms) in a thread
     beside the next hooks; ns.c waits for it before "go" (ns_cgroups's
     `finish`), whatever happens. */
  if (!v2_devices_wanted (p))
    return 0;
  if (p->ns && pthread_create (&p->dev_thread, NULL, v2_devices, j) == 0)
    {
      p->dev_running = true;
      p->ns->finish = v2_devices_done;
      p->ns->finish_arg = j;
      return 0;
    }
  return apply_devices (j, p, true, err);
}

int
cgroup_join_hook (pid_t pid, void *arg, struct cl_error *err)
{
  struct cgroup_join *j = arg;

  if ((!j->plan && cgroup_join_before (j, NULL, err) < 0)
      || (j->spec->has_oom_score_adj && set_oom_score_adj (pid, j->spec->oom_score_adj, err) < 0)
      || join (j, pid, err) < 0)
    {
      unmake (j);
      return -1;
    }
  return 0;
}

int
cgroup_procs_open (const struct cgroup_dirs *d, struct cgroup_procs *p, struct cl_error *err)
{
  p->n = 0;
  p->dir = p->v2 = -1;
  p->ns = NULL;
  for (size_t i = 0; i < d->n; i++)
    {
      /* v1: its tasks file, which the process writes "0" into (its one
         thread: no global lock); v2: cgroup.procs, and the directory to
         clone into (ns.h's ns_cgroups). */
      cleanup_free char *tasks = xasprintf ("%s/tasks", d->dir[i]);
      cleanup_free char *procs = xasprintf ("%s/cgroup.procs", d->dir[i]);
      int fd = open (tasks, O_WRONLY | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && p->v2 < 0)
        {
          p->v2 = (int)p->n;
          p->dir = open (d->dir[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          fd = open (procs, O_WRONLY | O_CLOEXEC);
        }
      if (fd < 0)
        return cl_fail (err, errno, "open %s", (int)p->n == p->v2 ? procs : tasks);
      p->fd[p->n++] = fd;
    }
  return 0;
}

void
cgroup_procs_close (struct cgroup_procs *p)
{
  for (size_t i = 0; i < p->n; i++)
    if (p->fd[i] >= 0)
      close (p->fd[i]);
  if (p->dir >= 0)
    close (p->dir);
  p->n = 0;
  p->dir = -1;
}

int
cgroup_procs_before (void *arg, struct ns_cgroups *cg, struct cl_error *err)
{
  struct cgroup_procs *p = arg;

  p->ns = cg;
  for (size_t i = 0; i < p->n && cg->n_tasks < NS_CGROUP_FDS; i++)
    if ((int)i != p->v2 && p->fd[i] >= 0)
      {
        cg->tasks[cg->n_tasks++] = p->fd[i];
        p->fd[i] = -1;
      }
  cg->into = p->dir;
  p->dir = -1;
  return 0;
}

int
cgroup_procs_hook (pid_t pid, void *arg, struct cl_error *err)
{
  struct cgroup_procs *p = arg;
  char text[24];
  int len = snprintf (text, sizeof text, "%d", (int)pid);

  for (size_t i = 0; i < p->n; i++)
    {
      if (p->fd[i] < 0 || ((int)i == p->v2 && p->ns && p->ns->cloned_into))
        continue; /* it moves itself (ns_cgroups) */
      if (write (p->fd[i], text, (size_t)len) < 0)
        return cl_fail (err, errno, "move the process into the container's cgroup");
    }
  return 0;
}

/* The directory holding the freezer: v1's, else the v2 one (cgroup.freeze
   is core v2, no controller needed: hybrid's mount has it too). */
static int
freezer_of (const char *container_dir, char **dir, bool *v1, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int dfd = open (container_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r;

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", container_dir);
  r = cgrouprec_read (dfd, &d, err);
  if (r < 0)
    return -1;
  for (int want_v1 = 1; want_v1 >= 0 && r == 0; want_v1--)
    for (size_t i = 0; i < d.n; i++)
      {
        cleanup_free char *f
            = xasprintf ("%s/%s", d.dir[i], want_v1 ? "freezer.state" : "cgroup.freeze");
        if (access (f, F_OK) == 0)
          {
            *dir = xstrdup (d.dir[i]);
            *v1 = want_v1;
            return 0;
          }
      }
  return cl_fail (err, ENOTSUP,
                  "it has no cgroup with a freezer (rootless on cgroup v1 gets none)");
}

static bool
is_frozen (const char *dir, bool v1)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, v1 ? "freezer.state" : "cgroup.events");
  cleanup_free char *text = NULL;
  struct cl_error ignored;

  if (read_file_at (AT_FDCWD, path, 4096, &text, NULL, &ignored) < 0)
    return false;
  return v1 ? str_has_prefix (text, "FROZEN") : strstr (text, "frozen 1") != NULL;
}

bool
cgroup_frozen (const char *container_dir)
{
  cleanup_free char *dir = NULL;
  struct cl_error ignored;
  bool v1;

  return freezer_of (container_dir, &dir, &v1, &ignored) == 0 && is_frozen (dir, v1);
}

int
cgroup_freeze (const char *container_dir, bool freeze, struct cl_error *err)
{
  cleanup_free char *dir = NULL;
  struct timespec tick = { 0, 1000 * 1000 };
  bool v1;

  if (freezer_of (container_dir, &dir, &v1, err) < 0)
    return -1;
  if (write_value (dir, v1 ? "freezer.state" : "cgroup.freeze",
                   v1 ? (freeze ? "FROZEN" : "THAWED") : (freeze ? "1" : "0"), err)
      < 0)
    return -1;
  /* v1 says FREEZING while a task resists: write again until FROZEN. */
  for (int i = 0; i < 2000 && is_frozen (dir, v1) != freeze; i++)
    {
      nanosleep (&tick, NULL);
      if (v1 && freeze && i % 10 == 9 && write_value (dir, "freezer.state", "FROZEN", err) < 0)
        return -1;
    }
  if (is_frozen (dir, v1) != freeze)
    return cl_fail (err, ETIMEDOUT, "the kernel did not %s it within 2 s",
                    freeze ? "freeze" : "thaw");
  return 0;
}

/* The recorded directory holding `file` (the v1 hierarchy of its
   controller, or the one v2 directory), or NULL. */
static const char *
dir_with (const struct cgroup_dirs *d, const char *file)
{
  for (size_t i = 0; i < d->n; i++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", d->dir[i], file);
      if (access (path, F_OK) == 0)
        return d->dir[i];
    }
  return NULL;
}

static int
update_one (const struct cgroup_dirs *d, const struct cg_write *w, struct cl_error *err)
{
  const char *dir = dir_with (d, w->file);

  if (!dir && w->alt)
    dir = dir_with (d, w->alt);
  if (!dir)
    return cl_fail (err, ENOTSUP, "%s: the container has no %s (%s)", w->flag, w->file,
                    w->ctl == CG_BLKIO ? "not in this kernel, or no blkio controller"
                                       : "no such controller here");
  return write_one (dir, w, err) < 0 ? cl_wrap (err, "%s", w->flag) : 0;
}

/* The recorded v1 directory in a hierarchy other than cpuset, and that
   hierarchy's mount: the path below it is the container's. */
static const char *
v1_sibling (const struct cgroup_dirs *d, const struct cgroup_layout *l, const char **mount)
{
  for (int c = 0; c < CG_N; c++)
    for (size_t i = 0; c != CG_CPUSET && l->v1[c] && i < d->n; i++)
      if (str_has_prefix (d->dir[i], l->v1[c]) && d->dir[i][strlen (l->v1[c])] == '/')
        {
          *mount = l->v1[c];
          return d->dir[i];
        }
  return NULL;
}

/* Every process of cgroup `from` into `to`, again until a pass finds
   none new (a fork during a pass lands in `from`, and the next pass
   takes it).  One that exits meanwhile is no error. */
static int
move_procs (const char *from, const char *to, struct cl_error *err)
{
  cleanup_free char *src = xasprintf ("%s/cgroup.procs", from);
  cleanup_free char *dst = xasprintf ("%s/cgroup.procs", to);
  cleanup_free char *last = NULL;

  for (int pass = 0; pass < 100; pass++)
    {
      cleanup_free char *procs = NULL;
      cleanup_close int fd = open (dst, O_WRONLY | O_CLOEXEC);
      char *save = NULL;
      if (fd < 0)
        return cl_fail (err, errno, "open %s", dst);
      if (read_file_at (AT_FDCWD, src, 1 << 20, &procs, NULL, err) < 0)
        return -1;
      if (last && strcmp (last, procs) == 0)
        return 0;
      free (last);
      last = xstrdup (procs);
      for (char *t = strtok_r (procs, "\n", &save); t; t = strtok_r (NULL, "\n", &save))
        if (write (fd, t, strlen (t)) < 0 && errno != ESRCH)
          return cl_fail (err, errno, "move process %s into %s", t, to);
    }
  return cl_fail (err, EAGAIN, "the container's processes kept forking while moved into %s", to);
}

/* `update --cpuset-*` (or blockIO) of a v1 container run without (it
   got no cpuset or blkio cgroup: wanted): its cgroup in hierarchy `c` is
   made now at the path its others have, recorded first (so that its end
   removes it), a cpuset's filled from the parent's, and its processes
   moved in; the values are written after. */
static int
v1_add (struct cgroup_dirs *d, const struct cgroup_layout *l, enum cgroup_ctl c, int recfd,
        struct cl_error *err)
{
  const char *mount = NULL, *from = v1_sibling (d, l, &mount);
  char *dir;

  if (!l->v1[c] || !from || !host_root () || d->n >= CGROUP_DIRS_MAX)
    return 0; /* update_one names what is missing */
  dir = xasprintf ("%s%s", l->v1[c], from + strlen (mount));
  d->dir[d->n++] = dir;
  if (recfd >= 0 && cgrouprec_write (recfd, d, err) < 0)
    return -1;
  if (make_path (l->v1[c], dir, c == CG_CPUSET, false, err) < 0 || move_procs (from, dir, err) < 0)
    return cl_wrap (err, "the container's new %s cgroup", ctl_names[c]);
  return 0;
}

/* Has `d` a directory in the v1 hierarchy at `mount`?  (none: yes, there
   is nothing to add) */
static bool
has_v1_dir (const struct cgroup_dirs *d, const char *mount)
{
  for (size_t i = 0; mount && i < d->n; i++)
    if (str_has_prefix (d->dir[i], mount) && d->dir[i][strlen (mount)] == '/')
      return true;
  return !mount;
}

/* The pairs whose order may have to turn around. */
static bool
goes_before (const struct cg_write *second, const struct cg_write *first)
{
  return (strcmp (first->file, "memory.limit_in_bytes") == 0 && strstr (second->file, "memsw"))
         || (strcmp (first->file, "cpu.cfs_period_us") == 0
             && strcmp (second->file, "cpu.cfs_quota_us") == 0)
         || (strcmp (first->file, "cpu.rt_period_us") == 0
             && strcmp (second->file, "cpu.rt_runtime_us") == 0);
}

int
cgroup_update (struct cgroup_dirs *d, int recfd, const struct spec_resources *r,
               struct cl_error *err)
{
  cleanup_cgroup_layout struct cgroup_layout l = { 0 };
  cleanup_cg_writes struct cg_writes ws = { 0 };
  const struct cg_write *w;
  size_t n;

  if (cgroup_detect (&l, err) < 0)
    return -1;
  if ((r->cpuset_cpus || r->cpuset_mems) && l.mode != CGROUP_UNIFIED && !dir_with (d, "cpuset.cpus")
      && v1_add (d, &l, CG_CPUSET, recfd, err) < 0)
    return -1;
  if (spec_resources_have_blkio (r) && l.mode != CGROUP_UNIFIED && !has_v1_dir (d, l.v1[CG_BLKIO])
      && v1_add (d, &l, CG_BLKIO, recfd, err) < 0)
    return -1;
  writes_for (l.mode, r, &ws);
  w = ws.w;
  n = ws.n;
  for (size_t i = 0; i < n; i++)
    {
      struct cl_error first;
      if (!w[i].flag)
        continue; /* the default pids limit: not a change */
      /* A kernel without swap accounting has no memsw file: run did not
         limit swap either. */
      if (strstr (w[i].file, "memsw") && !dir_with (d, w[i].file))
        continue;
      if (update_one (d, &w[i], &first) == 0)
        continue;
      /* v1 keeps memsw ≥ memory and a quota within its period (and its
         parent's) at every step: when the first of a pair cannot go
         first, the second does (as runc). */
      if (first.errnum == EINVAL && i + 1 < n && goes_before (&w[i + 1], &w[i])
          && update_one (d, &w[i + 1], err) == 0 && update_one (d, &w[i], err) == 0)
        {
          i++;
          continue;
        }
      *err = first;
      return -1;
    }
  return 0;
}
