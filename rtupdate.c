/* `update`: runc's flags (or -r, a linux.resources JSON) written into a
   created, running or paused container's recorded cgroups
   (cgroup_update), as runc's update does: what is not given is left as
   it is.  The limits as they now stand are kept in ROOT/ID/resources.json
   (the config.json's linux.resources until the first update), which the
   next update starts from: cgroup v2's cpu.max and memory.swap.max need
   the other half of what one flag changes. */
#include "rtcli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgrouprec.h"
#include "resflags.h"
#include "rtspec.h"
#include "util.h"

#define RESOURCES_FILE "resources.json"

static const struct option longopts[] = {
  { "resources", required_argument, NULL, 'r' },
  { "memory", required_argument, NULL, 1000 },
  { "memory-swap", required_argument, NULL, 1001 },
  { "memory-reservation", required_argument, NULL, 1002 },
  { "kernel-memory", required_argument, NULL, 1003 },
  { "kernel-memory-tcp", required_argument, NULL, 1004 },
  { "cpu-share", required_argument, NULL, 1005 },
  { "cpu-shares", required_argument, NULL, 1005 },
  { "cpu-quota", required_argument, NULL, 1006 },
  { "cpu-period", required_argument, NULL, 1007 },
  { "cpu-rt-period", required_argument, NULL, 1008 },
  { "cpu-rt-runtime", required_argument, NULL, 1009 },
  { "cpuset-cpus", required_argument, NULL, 1010 },
  { "cpuset-mems", required_argument, NULL, 1011 },
  { "pids-limit", required_argument, NULL, 1012 },
  { "blkio-weight", required_argument, NULL, 1013 },
  { "l3-cache-schema", required_argument, NULL, 1014 },
  { "mem-bw-schema", required_argument, NULL, 1015 },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* runc's memory values: -1 (unlimited) or a size ("50M": 50 MiB). */
static int
parse_mem (const char *flag, const char *arg, long long *out, struct cl_error *err)
{
  if (strcmp (arg, "-1") == 0)
    return *out = -1, 0;
  if (flag_parse_size (arg, out) < 0)
    return cl_fail (err, EINVAL, "invalid value for %s: %s", flag, arg);
  return 0;
}

static int
parse_num (const char *flag, const char *arg, long long min, long long *out, struct cl_error *err)
{
  return flag_parse_number (flag, arg, min, (long long)(~0ULL >> 1), out, err);
}

/* One flag into `d` (what changes). */
static int
parse_flag (int ch, const char *flag, const char *arg, struct spec_resources *d,
            struct cl_error *err)
{
  long long v = 0;
  int r = 0;

  switch (ch)
    {
    case 1000: return parse_mem (flag, arg, &d->memory_limit, err);
    case 1001: return parse_mem (flag, arg, &d->memory_swap, err);
    case 1002: return parse_mem (flag, arg, &d->memory_reservation, err);
    case 1003:
    case 1004:
      /* runc 1.1 ignores kernel memory too (the kernel deprecated it) */
      if (parse_mem (flag, arg, &v, err) < 0)
        return -1;
      fprintf (stderr, "warning: %s is ignored: kernel memory limits are deprecated\n", flag);
      return 0;
    case 1005: r = parse_num (flag, arg, 0, &v, err), d->cpu_shares = (unsigned long long)v; break;
    case 1006: r = parse_num (flag, arg, -1, &d->cpu_quota, err); break;
    case 1007: r = parse_num (flag, arg, 0, &v, err), d->cpu_period = (unsigned long long)v; break;
    case 1008:
      r = parse_num (flag, arg, 0, &v, err), d->cpu_rt_period = (unsigned long long)v;
      break;
    case 1009: r = parse_num (flag, arg, -1, &d->cpu_rt_runtime, err); break;
    case 1010: free (d->cpuset_cpus), d->cpuset_cpus = xstrdup (arg); break;
    case 1011: free (d->cpuset_mems), d->cpuset_mems = xstrdup (arg); break;
    case 1012: r = parse_num (flag, arg, -1, &d->pids_limit, err); break;
    case 1013:
      /* runc's uint16 (0: unchanged); the kernel says which weights it takes */
      r = flag_parse_number (flag, arg, 0, 65535, &v, err);
      d->blkio_weight = (unsigned)v;
      break;
    default: return cl_fail (err, ENOTSUP, "%s: Intel RDT is not supported by this runtime", flag);
    }
  return r;
}

static int
read_resources_arg (const char *arg, struct spec_resources *d, struct cl_error *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (AT_FDCWD, strcmp (arg, "-") == 0 ? "/dev/stdin" : arg, CONFIG_MAX, &text, NULL,
                    err)
          < 0
      || spec_resources_from_json (text, d, err) < 0)
    return cl_wrap (err, "--resources %s", arg);
  return 0;
}

/* "--NAME" of a long option (argv holds "--name=V" or a value after it). */
static const char *
flag_name (int ch, char *buf, size_t size)
{
  size_t i = 0;

  while (longopts[i].name && longopts[i].val != ch)
    i++;
  snprintf (buf, size, "--%s", longopts[i].name ? longopts[i].name : "?");
  return buf;
}

/* The flags (before or after the ID, as runc takes them); 1 after --help, -1 after an error
 * (printed). */
static int
parse_update (const struct rt_opts *o, int argc, char **argv, struct spec_resources *d)
{
  const char *resources = NULL;
  bool flags = false;
  char flag[48];
  int ch;

  optind = 0; /* glibc reads the ordering ("+" or permute) again only so */
  while ((ch = rt_getopt (o, argc, argv, "update", "r:h", longopts)) != -1)
    {
      struct cl_error err = { 0 };
      if (ch == 'h')
        return rtspec_help ("update"), 1;
      if (ch == 'r')
        resources = optarg;
      else if (ch < 1000)
        return -1;
      else if (parse_flag (ch, flag_name (ch, flag, sizeof flag), optarg, d, &err) < 0)
        return rt_fail (o, &err), -1;
      flags = flags || ch >= 1000;
    }
  if (optind != argc - 1)
    return rt_usage (o, "update", "\"update\" requires exactly 1 argument (the container ID)"), -1;
  /* as runc: -r replaces every flag */
  if (resources)
    {
      struct cl_error err = { 0 };
      spec_resources_clear (d);
      if (read_resources_arg (resources, d, &err) < 0)
        return rt_fail (o, &err), -1;
    }
  (void)flags;
  return 0;
}

/* What the container has now: the last update's record, else its
   config's. */
static int
current_resources (int dirfd, struct spec_resources *cur, struct cl_error *err)
{
  cleanup_free char *text = NULL;
  cleanup_spec struct spec sp = { 0 };

  if (read_file_at (dirfd, RESOURCES_FILE, CONFIG_MAX, &text, NULL, err) == 0)
    return spec_resources_from_json (text, cur, err);
  if (saved_spec (dirfd, &sp, err) < 0)
    return -1;
  *cur = sp.resources;
  sp.resources = (struct spec_resources){ 0 };
  return 0;
}

static void
take_str (char **dst, char **src)
{
  if (*src)
    {
      free (*dst);
      *dst = xstrdup (*src);
    }
}

/* runc's rules: unlimited memory means unlimited swap; of quota and
   period the one not given keeps its value (cgroup v2 writes both in
   one file, and swap apart from memory).  `cur` becomes the new whole. */
static void
merge (struct spec_resources *d, struct spec_resources *cur)
{
  if (d->memory_limit == -1 && d->memory_swap == 0)
    d->memory_swap = -1;
  if (d->cpu_quota && !d->cpu_period)
    d->cpu_period = cur->cpu_period;
  if (d->memory_swap > 0 && !d->memory_limit)
    d->memory_limit = cur->memory_limit;
#define TAKE(f)                                                                                    \
  if (d->f)                                                                                        \
  cur->f = d->f
  TAKE (memory_limit);
  TAKE (memory_swap);
  TAKE (memory_reservation);
  TAKE (cpu_shares);
  TAKE (cpu_quota);
  TAKE (cpu_period);
  TAKE (cpu_rt_period);
  TAKE (cpu_rt_runtime);
  TAKE (pids_limit);
#undef TAKE
  take_str (&cur->cpuset_cpus, &d->cpuset_cpus);
  take_str (&cur->cpuset_mems, &d->cpuset_mems);
  if (d->blkio_weight)
    cur->blkio_weight = d->blkio_weight;
  if (d->blkio_leaf_weight)
    cur->blkio_leaf_weight = d->blkio_leaf_weight;
  for (int l = 0; l < SPEC_BLKIO_N; l++)
    for (size_t i = 0; i < d->n_blkio_devs[l]; i++)
      spec_blkio_dev_put (cur, (enum spec_blkio_list)l, &d->blkio_devs[l][i]);
}

static int
save_resources (int dirfd, const struct spec_resources *r, struct cl_error *err)
{
  size_t len;
  cleanup_free char *text = spec_resources_to_json (r, &len);

  return write_file_atomic_at (dirfd, RESOURCES_FILE, text, len, 0600, false, err);
}

static int
update_ctr (const struct ctr *c, const char *id, struct spec_resources *d, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs dirs = { 0 };
  struct spec_resources cur = { 0 };
  int r;

  if (c->status == RT_STOPPED)
    return cl_fail (err, 0, "container %s is not running", id);
  r = cgrouprec_read (c->dirfd, &dirs, err);
  if (r == 1)
    return cl_fail (err, ENOTSUP,
                    "container %s has no cgroup: its limits cannot change (rootless without a "
                    "delegated cgroup v2 subtree)",
                    id);
  if (r < 0 || current_resources (c->dirfd, &cur, err) < 0)
    return -1;
  merge (d, &cur);
  r = cgroup_update (&dirs, c->dirfd, d, err);
  if (r == 0)
    r = save_resources (c->dirfd, &cur, err);
  spec_resources_clear (&cur);
  return r;
}

int
rt_update (const struct rt_opts *o, int argc, char **argv)
{
  struct spec_resources d = { 0 };
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  int r = parse_update (o, argc, argv, &d);

  if (r == 0 && ctr_open (o, argv[argc - 1], true, &c, &err) == 0
      && update_ctr (&c, argv[argc - 1], &d, &err) == 0)
    r = 0;
  else if (r == 0)
    r = rt_fail (o, &err);
  spec_resources_clear (&d);
  return r < 0 ? 1 : r;
}
