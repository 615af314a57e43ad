/* `crunlocal stats`: CPU, memory and PIDs of running containers, as
   podman shows them, read from each container's cgroups (cgrouprec.h)
   — or, for a container without any (rootless on cgroup v1), summed
   over the processes of its PID namespace from /proc, and said so. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgrouprec.h"
#include "cli.h"
#include "container.h"
#include "json.h"
#include "util.h"

static const char stats_usage[]
    = "Usage: crunlocal stats [OPTIONS] [CONTAINER...]\n"
      "\n"
      "Show CPU, memory and PIDs of running containers (all of them when none\n"
      "is named), from their cgroups; rootless without cgroups, from /proc.\n"
      "\n"
      "Options:\n"
      "      --no-stream      one sample (over a second) and exit; else every second\n"
      "      --format F       json (an array, like podman's) or table\n";

/* One sample of one container. */
struct sample
{
  bool proc;                     /* summed from /proc, not the cgroup */
  unsigned long long cpu_ns;     /* CPU time used so far */
  unsigned long long mem, limit; /* bytes; limit 0: none known */
  unsigned long long pids;
};

/* A number read from DIR/FILE (its first, or the one after "KEY "). */
static bool
read_number (const char *dir, const char *file, const char *key, unsigned long long *out)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_free char *text = NULL;
  struct cl_error ignored;
  const char *p;
  size_t kl = key ? strlen (key) : 0;

  if (read_file_at (AT_FDCWD, path, 1 << 16, &text, NULL, &ignored) < 0)
    return false;
  for (p = text; key && p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, kl) == 0 && p[kl] == ' ')
      break;
  if (!p)
    return false;
  p += kl + (key ? 1 : 0);
  if (strncmp (p, "max", 3) == 0)
    return *out = 0, true;
  return sscanf (p, "%llu", out) == 1;
}

static unsigned long long
host_memory (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), size = sysconf (_SC_PAGESIZE);

  return pages > 0 && size > 0 ? (unsigned long long)pages * (unsigned long long)size : 0;
}

/* Usage as docker and podman report it: without the inactive page cache. */
/* false when no directory has a memory controller (a user's delegated
   v2 subtree on a hybrid host): then /proc counts. */
static bool
sample_cgroup (const struct cgroup_dirs *d, struct sample *s)
{
  unsigned long long v, inactive;
  bool memory = false;

  for (size_t i = 0; i < d->n; i++)
    {
      const char *dir = d->dir[i];
      if (read_number (dir, "memory.usage_in_bytes", NULL, &v))
        {
          memory = true;
          s->mem = v;
          if (read_number (dir, "memory.stat", "total_inactive_file", &inactive) && inactive < v)
            s->mem -= inactive;
          read_number (dir, "memory.limit_in_bytes", NULL, &s->limit);
        }
      else if (read_number (dir, "memory.current", NULL, &v))
        {
          memory = true;
          s->mem = v;
          if (read_number (dir, "memory.stat", "inactive_file", &inactive) && inactive < v)
            s->mem -= inactive;
          read_number (dir, "memory.max", NULL, &s->limit);
        }
      if (read_number (dir, "pids.current", NULL, &v))
        s->pids = v;
      if (read_number (dir, "cpuacct.usage", NULL, &v))
        s->cpu_ns = v;
      else if (!s->cpu_ns && read_number (dir, "cpu.stat", "usage_usec", &v))
        s->cpu_ns = v * 1000;
    }
  return memory;
}

static bool
same_pidns (const char *pid, const struct stat *ns)
{
  cleanup_free char *path = xasprintf ("/proc/%s/ns/pid", pid);
  struct stat st;

  return stat (path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* Every process of the container's PID namespace: RSS, utime + stime. */
static void
sample_proc (int pid, struct sample *s)
{
  cleanup_free char *nspath = xasprintf ("/proc/%d/ns/pid", pid);
  cleanup_dir DIR *d = opendir ("/proc");
  long tick = sysconf (_SC_CLK_TCK), page = sysconf (_SC_PAGESIZE);
  struct dirent *de;
  struct stat ns;

  s->proc = true;
  if (!d || stat (nspath, &ns) < 0)
    return;
  while ((de = readdir (d)))
    {
      cleanup_free char *stat_path = NULL, *statm_path = NULL, *text = NULL;
      struct cl_error ignored;
      unsigned long long ut, st, size, rss;
      const char *p;
      if (de->d_name[0] < '1' || de->d_name[0] > '9' || !same_pidns (de->d_name, &ns))
        continue;
      stat_path = xasprintf ("/proc/%s/stat", de->d_name);
      statm_path = xasprintf ("/proc/%s/statm", de->d_name);
      s->pids++;
      /* Fields 14 and 15, counted after the ")" that ends the name. */
      if (read_file_at (AT_FDCWD, stat_path, 4096, &text, NULL, &ignored) == 0
          && (p = strrchr (text, ')'))
          && sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
        s->cpu_ns += (ut + st) * (1000000000ULL / (unsigned long long)tick);
      free (text);
      text = NULL;
      if (read_file_at (AT_FDCWD, statm_path, 4096, &text, NULL, &ignored) == 0
          && sscanf (text, "%llu %llu", &size, &rss) == 2)
        s->mem += rss * (unsigned long long)page;
    }
}

static void
take_sample (const struct container *c, struct sample *s)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct cl_error ignored;

  memset (s, 0, sizeof *s);
  if (!(dfd >= 0 && cgrouprec_read (dfd, &d, &ignored) == 0 && d.n > 0 && sample_cgroup (&d, s)))
    {
      memset (s, 0, sizeof *s);
      sample_proc (c->pid, s);
    }
  /* v1 says "no limit" with a number past the machine's memory. */
  if (s->limit == 0 || s->limit > host_memory ())
    s->limit = host_memory ();
}

struct row
{
  const struct container *c;
  struct sample a, b;
};

static double
cpu_percent (const struct row *r, double seconds)
{
  return r->b.cpu_ns > r->a.cpu_ns ? (double)(r->b.cpu_ns - r->a.cpu_ns) / 1e9 / seconds * 100 : 0;
}

static void
print_table (const struct row *rows, size_t n, double seconds)
{
  printf ("%-14s%-20s%-10s%-24s%-10s%-20s%s\n", "ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
          "NET IO", "PIDS");
  for (size_t i = 0; i < n; i++)
    {
      char mem[32], lim[32], usage[72], cpu[24], memp[24];
      const struct sample *s = &rows[i].b;
      human_size ((double)s->mem, mem, sizeof mem);
      human_size ((double)s->limit, lim, sizeof lim);
      snprintf (usage, sizeof usage, "%s / %s", mem, lim);
      snprintf (cpu, sizeof cpu, "%.2f%%", cpu_percent (&rows[i], seconds));
      snprintf (memp, sizeof memp, "%.2f%%",
                s->limit ? (double)s->mem * 100 / (double)s->limit : 0);
      printf ("%-14.12s%-20s%-10s%-24s%-10s%-20s%llu\n", rows[i].c->id, rows[i].c->name, cpu, usage,
              memp, "-- / --", s->pids);
    }
}

static void
print_json (const struct row *rows, size_t n, double seconds)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *out = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      const struct sample *s = &rows[i].b;
      char cpu[24], memp[24], mem[32], lim[32], usage[72], pids[24];
      double mp = s->limit ? (double)s->mem * 100 / (double)s->limit : 0;
      snprintf (cpu, sizeof cpu, "%.2f%%", cpu_percent (&rows[i], seconds));
      snprintf (memp, sizeof memp, "%.2f%%", mp);
      human_size ((double)s->mem, mem, sizeof mem);
      human_size ((double)s->limit, lim, sizeof lim);
      snprintf (usage, sizeof usage, "%s / %s", mem, lim);
      snprintf (pids, sizeof pids, "%llu", s->pids);
      yajl_gen_map_open (g);
      jg_kstr (g, "id", rows[i].c->id);
      jg_kstr (g, "name", rows[i].c->name);
      jg_kstr (g, "cpu_percent", cpu);
      jg_kstr (g, "mem_usage", usage);
      jg_kstr (g, "mem_percent", memp);
      jg_kstr (g, "net_io", "-- / --");
      jg_kstr (g, "block_io", "-- / --");
      jg_kstr (g, "pids", pids);
      /* The raw numbers, and where they came from. */
      jg_kint (g, "cpu_nano", (long long)s->cpu_ns);
      jg_kint (g, "mem_bytes", (long long)s->mem);
      jg_kint (g, "mem_limit", (long long)s->limit);
      jg_kstr (g, "source", s->proc ? "proc" : "cgroup");
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  out = json_gen_take (g, NULL);
  puts (out);
}

/* The named containers (all running ones when none is named), first
   in *v; the rest cleared. */
static int
pick (struct store *s, char **names, struct container **v, size_t *n, size_t *all,
      struct cl_error *err)
{
  *n = 0;
  if (container_list (s, v, all, err) < 0)
    return -1;
  for (size_t i = 0; i < *all; i++)
    {
      bool named = !names[0];
      for (size_t k = 0; names[k] && !named; k++)
        named = strcmp (names[k], (*v)[i].name) == 0 || str_has_prefix ((*v)[i].id, names[k]);
      if (named && names[0] && container_state (&(*v)[i]) != CONTAINER_RUNNING)
        return cl_fail (err, 0, "container %s is not running", (*v)[i].name);
      if (named)
        {
          struct container t = (*v)[*n];
          (*v)[*n] = (*v)[i];
          (*v)[i] = t;
          (*n)++;
        }
    }
  for (size_t k = 0; names[k]; k++)
    {
      bool found = false;
      for (size_t i = 0; i < *n && !found; i++)
        found = strcmp (names[k], (*v)[i].name) == 0 || str_has_prefix ((*v)[i].id, names[k]);
      if (!found)
        return cl_fail (err, 0, "no such container: %s", names[k]);
    }
  return 0;
}

static void
one_round (struct container *v, size_t n, bool json)
{
  cleanup_free struct row *rows = xcalloc (n + 1, sizeof *rows);
  struct timespec t0, t1, second = { 1, 0 };
  double seconds;

  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; i < n; i++)
    rows[i].c = &v[i], take_sample (&v[i], &rows[i].a);
  nanosleep (&second, NULL);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  for (size_t i = 0; i < n; i++)
    take_sample (&v[i], &rows[i].b);
  seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (json)
    print_json (rows, n, seconds);
  else
    print_table (rows, n, seconds);
  fflush (stdout);
}

int
cmd_stats (int argc, char **argv)
{
  static const struct option longopts[] = { { "no-stream", no_argument, NULL, 'N' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  struct container *v = NULL;
  bool stream = true, json = false;
  size_t n = 0, all = 0;
  int c, r = 0;

  while ((c = cli_getopt (argc, argv, "stats", "h", longopts)) != -1)
    switch (c)
      {
      case -2: return 125;
      case 'h': return fputs (stats_usage, stdout), 0;
      case 'N': stream = false; break;
      case 'F':
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "table") != 0)
          return cli_usage_error ("stats", "--format is json or table, not \"%s\"", optarg);
        json = strcmp (optarg, "json") == 0;
        break;
      }
  if (cli_open_store_host (&s, &err) < 0 || pick (s, argv + optind, &v, &n, &all, &err) < 0)
    r = cli_fail (&err);
  else
    do
      {
        if (stream && isatty (1))
          fputs ("\033[2J\033[H", stdout);
        one_round (v, n, json);
      }
    while (stream && !cl_interrupted);
  container_list_free (v, all);
  return r;
}
