/* `events [--stats] [--interval D] ID`: runc's event stream, one JSON
   object a line — {"type":"stats","id":ID,"data":{cpu, memory, pids,
   blkio}}
   every interval (--stats: one, then exit) and {"type":"oom","id":ID}
   each time the kernel's OOM killer kills in the container — until the
   container stops or is deleted.  Read from its recorded cgroups (v1
   and v2 file names alike); one without cgroups has only its pids
   count. */
#include "rtcli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgrouprec.h"
#include "json.h"
#include "rtspec.h"
#include "util.h"

/* The first recorded directory that has FILE, or NULL. */
static const char *
dir_with (const struct cgroup_dirs *d, const char *file)
{
  for (size_t i = 0; i < d->n; i++)
    {
      cleanup_free char *p = path_in (d->dir[i], file);
      if (access (p, R_OK) == 0)
        return d->dir[i];
    }
  return NULL;
}

static char *
read_small (const struct cgroup_dirs *d, const char *file)
{
  const char *dir = dir_with (d, file);
  cleanup_free char *p = dir ? path_in (dir, file) : NULL;
  char *text = NULL;
  struct cl_error ignored;

  if (p && read_file_at (AT_FDCWD, p, 1 << 20, &text, NULL, &ignored) < 0)
    return NULL;
  return text;
}

/* FILE's first number, or the one after "KEY " on its own line; "max"
   (no limit) and a missing file are 0. */
static unsigned long long
num (const struct cgroup_dirs *d, const char *file, const char *key)
{
  cleanup_free char *text = read_small (d, file);
  const char *p = text;
  size_t klen = key ? strlen (key) : 0;

  if (!text)
    return 0;
  while (key && p)
    {
      if (strncmp (p, key, klen) == 0 && p[klen] == ' ')
        {
          p += klen + 1;
          break;
        }
      p = strchr (p, '\n');
      p = p ? p + 1 : NULL;
    }
  return p ? strtoull (p, NULL, 10) : 0;
}

static void
gen_cpu (yajl_gen g, const struct cgroup_dirs *d)
{
  bool v2 = dir_with (d, "cpuacct.usage") == NULL;
  unsigned long long tick = (unsigned long long)sysconf (_SC_CLK_TCK);
  cleanup_free char *percpu = v2 ? NULL : read_small (d, "cpuacct.usage_percpu");
  char *save = NULL;

  jg_str (g, "cpu");
  yajl_gen_map_open (g);
  jg_str (g, "usage");
  yajl_gen_map_open (g);
  if (v2)
    {
      jg_kint (g, "total", (long long)num (d, "cpu.stat", "usage_usec") * 1000);
      jg_kint (g, "kernel", (long long)num (d, "cpu.stat", "system_usec") * 1000);
      jg_kint (g, "user", (long long)num (d, "cpu.stat", "user_usec") * 1000);
    }
  else
    {
      jg_kint (g, "total", (long long)num (d, "cpuacct.usage", NULL));
      jg_str (g, "percpu");
      yajl_gen_array_open (g);
      for (char *t = percpu ? strtok_r (percpu, " \n", &save) : NULL; t;
           t = strtok_r (NULL, " \n", &save))
        yajl_gen_integer (g, strtoll (t, NULL, 10));
      yajl_gen_array_close (g);
      /* cpuacct.stat counts clock ticks: runc gives nanoseconds */
      jg_kint (g, "kernel", (long long)(num (d, "cpuacct.stat", "system") * 1000000000ULL / tick));
      jg_kint (g, "user", (long long)(num (d, "cpuacct.stat", "user") * 1000000000ULL / tick));
    }
  yajl_gen_map_close (g);
  jg_str (g, "throttling");
  yajl_gen_map_open (g);
  jg_kint (g, "periods", (long long)num (d, "cpu.stat", "nr_periods"));
  jg_kint (g, "throttled_periods", (long long)num (d, "cpu.stat", "nr_throttled"));
  jg_kint (g, "throttled_time",
           (long long)(v2 ? num (d, "cpu.stat", "throttled_usec") * 1000
                          : num (d, "cpu.stat", "throttled_time")));
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* memory.stat, every "key value" line. */
static void
gen_raw (yajl_gen g, const struct cgroup_dirs *d)
{
  cleanup_free char *text = read_small (d, "memory.stat");
  char *save = NULL;

  jg_str (g, "raw");
  yajl_gen_map_open (g);
  for (char *line = text ? strtok_r (text, "\n", &save) : NULL; line;
       line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      if (!sp)
        continue;
      *sp = '\0';
      jg_kint (g, line, strtoll (sp + 1, NULL, 10));
    }
  yajl_gen_map_close (g);
}

static void
gen_usage (yajl_gen g, const char *name, const struct cgroup_dirs *d, const char *usage,
           const char *max, const char *failcnt, const char *limit)
{
  jg_str (g, name);
  yajl_gen_map_open (g);
  jg_kint (g, "usage", (long long)num (d, usage, NULL));
  if (max)
    jg_kint (g, "max", (long long)num (d, max, NULL));
  if (failcnt)
    jg_kint (g, "failcnt", (long long)num (d, failcnt, NULL));
  jg_kint (g, "limit", (long long)num (d, limit, NULL));
  yajl_gen_map_close (g);
}

static void
gen_memory (yajl_gen g, const struct cgroup_dirs *d)
{
  bool v2 = dir_with (d, "memory.usage_in_bytes") == NULL;

  jg_str (g, "memory");
  yajl_gen_map_open (g);
  jg_kint (g, "cache", (long long)num (d, "memory.stat", v2 ? "file" : "cache"));
  if (v2)
    {
      gen_usage (g, "usage", d, "memory.current", NULL, NULL, "memory.max");
      gen_usage (g, "swap_usage", d, "memory.swap.current", NULL, NULL, "memory.swap.max");
    }
  else
    {
      gen_usage (g, "usage", d, "memory.usage_in_bytes", "memory.max_usage_in_bytes",
                 "memory.failcnt", "memory.limit_in_bytes");
      gen_usage (g, "swap_usage", d, "memory.memsw.usage_in_bytes",
                 "memory.memsw.max_usage_in_bytes", "memory.memsw.failcnt",
                 "memory.memsw.limit_in_bytes");
      gen_usage (g, "kernel_usage", d, "memory.kmem.usage_in_bytes",
                 "memory.kmem.max_usage_in_bytes", "memory.kmem.failcnt",
                 "memory.kmem.limit_in_bytes");
    }
  gen_raw (g, d);
  yajl_gen_map_close (g);
}

static void
gen_pids (yajl_gen g, const struct cgroup_dirs *d, const struct ctr *c)
{
  size_t n = 0;
  cleanup_free pid_t *pids = dir_with (d, "pids.current") ? NULL : ctr_pids (c, &n);

  jg_str (g, "pids");
  yajl_gen_map_open (g);
  jg_kint (g, "current", pids ? (long long)n : (long long)num (d, "pids.current", NULL));
  jg_kint (g, "limit", (long long)num (d, "pids.max", NULL));
  yajl_gen_map_close (g);
}

/* A list's key and "[": true. */
static bool
list_open (yajl_gen g, const char *key)
{
  jg_str (g, key);
  yajl_gen_array_open (g);
  return true;
}

/* One entry of runc's blkio lists. */
static void
gen_blkio_entry (yajl_gen g, unsigned maj, unsigned min, const char *op, unsigned long long v)
{
  yajl_gen_map_open (g);
  jg_kint (g, "major", maj);
  jg_kint (g, "minor", min);
  jg_kstr (g, "op", op);
  jg_kint (g, "value", (long long)v);
  yajl_gen_map_close (g);
}

/* KEY: runc's list from a v1 file of "MAJ:MIN Op Value" lines (the
   "Total" line left out), omitted when empty, as runc omits it. */
static void
gen_blkio_v1 (yajl_gen g, const char *key, const struct cgroup_dirs *d, const char *file,
              const char *alt)
{
  cleanup_free char *text = read_small (d, dir_with (d, file) ? file : alt);
  char *save = NULL, op[16];
  unsigned maj, min;
  unsigned long long v;
  bool open = false;

  for (char *l = text ? strtok_r (text, "\n", &save) : NULL; l; l = strtok_r (NULL, "\n", &save))
    {
      if (sscanf (l, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
        continue;
      open = open || list_open (g, key);
      gen_blkio_entry (g, maj, min, op, v);
    }
  if (open)
    yajl_gen_array_close (g);
}

/* KEY: runc's list from v2's io.stat ("MAJ:MIN rbytes=N wbytes=N ..."),
   its READ and WRITE fields as the ops Read and Write. */
static void
gen_blkio_v2 (yajl_gen g, const char *key, const char *text, const char *read, const char *write)
{
  cleanup_free char *copy = xstrdup (text);
  char *save = NULL;
  bool open = false;

  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      const char *f[2] = { read, write }, *ops[2] = { "Read", "Write" };
      unsigned maj, min;
      if (sscanf (l, "%u:%u", &maj, &min) != 2)
        continue;
      for (int k = 0; k < 2; k++)
        {
          cleanup_free char *tag = xasprintf (" %s=", f[k]);
          const char *at = strstr (l, tag);
          if (!at)
            continue;
          open = open || list_open (g, key);
          gen_blkio_entry (g, maj, min, ops[k], strtoull (at + strlen (tag), NULL, 10));
        }
    }
  if (open)
    yajl_gen_array_close (g);
}

/* runc's "blkio": bytes and operations per device and op, from v1's
   throttle files (CFQ's where throttling has none) or v2's io.stat; an
   empty object where the container has no such cgroup. */
static void
gen_blkio (yajl_gen g, const struct cgroup_dirs *d)
{
  cleanup_free char *io = read_small (d, "io.stat");

  jg_str (g, "blkio");
  yajl_gen_map_open (g);
  if (io)
    {
      gen_blkio_v2 (g, "ioServiceBytesRecursive", io, "rbytes", "wbytes");
      gen_blkio_v2 (g, "ioServicedRecursive", io, "rios", "wios");
    }
  else
    {
      gen_blkio_v1 (g, "ioServiceBytesRecursive", d, "blkio.throttle.io_service_bytes_recursive",
                    "blkio.io_service_bytes_recursive");
      gen_blkio_v1 (g, "ioServicedRecursive", d, "blkio.throttle.io_serviced_recursive",
                    "blkio.io_serviced_recursive");
    }
  yajl_gen_map_close (g);
}

static void
print_event (const char *type, const char *id, const struct cgroup_dirs *d, const struct ctr *c)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  cleanup_free char *text = NULL;

  yajl_gen_map_open (g);
  jg_kstr (g, "type", type);
  jg_kstr (g, "id", id);
  if (d)
    {
      jg_str (g, "data");
      yajl_gen_map_open (g);
      gen_cpu (g, d);
      gen_memory (g, d);
      gen_pids (g, d, c);
      gen_blkio (g, d);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  text = json_gen_take (g, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

/* Go's time.ParseDuration, for what runc's users write: "5s", "100ms",
   "1m30s", "1.5s".  Milliseconds; -1 when it is not one. */
static long long
parse_duration (const char *s)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
                { "s", 1e3 },   { "m", 6e4 },   { "h", 3.6e6 } };
  double total = 0;

  if (!*s)
    return -1;
  while (*s)
    {
      char *end;
      double v = strtod (s, &end);
      size_t best = 0, k = sizeof units / sizeof units[0];
      if (end == s || v < 0)
        return -1;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strncmp (end, units[i].unit, strlen (units[i].unit)) == 0
            && strlen (units[i].unit) > best)
          best = strlen (units[i].unit), k = i;
      if (k == sizeof units / sizeof units[0])
        return -1;
      total += v * units[k].ms;
      s = end + best;
    }
  return (long long)total;
}

static unsigned long long
now_ms (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return (unsigned long long)t.tv_sec * 1000 + (unsigned long long)t.tv_nsec / 1000000;
}

/* Until the container is gone: stats every interval, OOM kills as the
   counter (v1 memory.oom_control, v2 memory.events) moves. */
static int
stream (const struct rt_opts *o, const char *id, long long interval_ms)
{
  unsigned long long next = 0, ooms = (unsigned long long)-1;
  struct timespec tick = { 0, 50 * 1000 * 1000 };

  for (;;)
    {
      cleanup_ctr struct ctr c = { .dirfd = -1 };
      cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
      struct cl_error err = { 0 };
      unsigned long long n;
      if (ctr_open (o, id, false, &c, &err) < 0)
        return err.errnum == ENOENT ? 0 : rt_fail (o, &err);
      if (c.status == RT_STOPPED)
        return 0;
      if (cgrouprec_read (c.dirfd, &d, &err) < 0)
        return rt_fail (o, &err);
      n = num (&d, "memory.oom_control", "oom_kill") + num (&d, "memory.events", "oom_kill");
      if (ooms != (unsigned long long)-1 && n > ooms)
        print_event ("oom", id, NULL, NULL);
      ooms = n;
      if (now_ms () >= next)
        {
          print_event ("stats", id, &d, &c);
          next = now_ms () + (unsigned long long)interval_ms;
        }
      nanosleep (&tick, NULL);
    }
}

int
rt_events (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "stats", no_argument, NULL, 's' },
                                            { "interval", required_argument, NULL, 'i' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  long long interval = 5000;
  bool once = false;
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "events", "+i:h", longopts)) != -1)
    if (ch == 's')
      once = true;
    else if (ch == 'i' && (interval = parse_duration (optarg)) <= 0)
      return rt_usage (o, "events", "--interval %s: not a duration (5s, 100ms)", optarg);
    else if (ch == 'h')
      return rtspec_help ("events"), 0;
    else if (ch != 'i')
      return 1;
  if (optind != argc - 1)
    return rt_usage (o, "events", "\"events\" requires exactly 1 argument (the container ID)");
  if (once)
    {
      cleanup_ctr struct ctr c = { .dirfd = -1 };
      cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
      struct cl_error err = { 0 };
      if (ctr_open (o, argv[optind], false, &c, &err) < 0
          || (c.status == RT_STOPPED
              && cl_fail (&err, 0, "container %s is not running", argv[optind]) < 0)
          || cgrouprec_read (c.dirfd, &d, &err) < 0)
        return rt_fail (o, &err);
      print_event ("stats", argv[optind], &d, &c);
      return 0;
    }
  return stream (o, argv[optind], interval);
}
