/* top: a running container's processes, read from the host's /proc —
   every process in the PID namespace of the container's init — with
   podman's descriptors (pid, ppid, user, args, comm, etime, time, group,
   nice, pcpu, vsz, rss, tty) and their headers.  PIDs are the ones the
   container sees (the last of NSpid); user and group names come from the
   container's own /etc/passwd and /etc/group, opened inside its root. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "template.h"
#include "util.h"

static const struct
{
  const char *name, *header;
} descriptors[] = {
  { "pid", "PID" },      { "ppid", "PPID" },     { "user", "USER" }, { "args", "COMMAND" },
  { "comm", "COMMAND" }, { "etime", "ELAPSED" }, { "time", "TIME" }, { "group", "GROUP" },
  { "nice", "NI" },      { "pcpu", "%CPU" },     { "vsz", "VSZ" },   { "rss", "RSS" },
  { "tty", "TTY" },
};

struct proc_row
{
  int host_pid, pid, ppid, host_ppid;
  char *user, *group, *args, *comm;
  char etime[48], time[48], nice[16], pcpu[16], vsz[24], rss[24], tty[16];
};

static void
proc_row_clear (struct proc_row *p)
{
  free (p->user);
  free (p->group);
  free (p->args);
  free (p->comm);
}

/* The container's idea of things: its root, its id maps, its names. */
struct ctr_view
{
  char *passwd, *group;
  char *uid_map, *gid_map;
};

/* A file of the container's root: resolved inside it, so a symlink there
   cannot lead to the host's files. */
static char *
read_in_root (int rootfd, const char *path)
{
  struct open_how how
      = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  cleanup_close int fd = (int)syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  cleanup_free char *self = NULL;
  struct cl_error ignored;
  char *buf = NULL;

  if (fd < 0)
    return NULL;
  self = xasprintf ("/proc/self/fd/%d", fd);
  if (read_file_at (AT_FDCWD, self, 1 << 20, &buf, NULL, &ignored) < 0)
    return NULL;
  return buf;
}

static char *
read_proc (int pid, const char *what, size_t max)
{
  cleanup_free char *p = xasprintf ("/proc/%d/%s", pid, what);
  struct cl_error ignored;
  char *buf = NULL;

  if (read_file_at (AT_FDCWD, p, max, &buf, NULL, &ignored) < 0)
    return NULL;
  return buf;
}

/* An id of the host's as the container sees it (uid_map/gid_map as read
   from here: inside, outside, count). */
static long
map_to_inside (const char *map, long id)
{
  long in, out, count;
  int used;

  for (const char *p = map; p && sscanf (p, "%ld %ld %ld%n", &in, &out, &count, &used) == 3;
       p = strchr (p + used, '\n'))
    {
      if (id >= out && id < out + count)
        return in + (id - out);
      if (!strchr (p + used, '\n'))
        break;
    }
  return -1;
}

/* Name of `id` in an /etc/passwd or /etc/group text, or the number. */
static char *
name_of (const char *db, long id)
{
  if (id < 0)
    return xstrdup ("?");
  for (const char *line = db; line && *line;)
    {
      const char *end = strchrnul (line, '\n');
      const char *c1 = memchr (line, ':', (size_t)(end - line));
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
      if (c2 && strtol (c2 + 1, NULL, 10) == id && isdigit ((unsigned char)c2[1]))
        return xstrndup (line, (size_t)(c1 - line));
      line = *end ? end + 1 : end;
    }
  return xasprintf ("%ld", id);
}

/* The value (second field: the effective id) of "Key:" in /proc/PID/status. */
static long
status_field (const char *status, const char *key, int nth)
{
  const char *p = status ? strstr (status, key) : NULL;
  long v = -1;
  char *end;

  if (!p)
    return -1;
  p += strlen (key);
  for (int i = 0; i <= nth; i++)
    {
      v = strtol (p, &end, 10);
      if (end == p)
        return -1;
      p = end;
    }
  return v;
}

/* The last entry of NSpid: the pid in the innermost namespace. */
static int
ns_pid (const char *status)
{
  const char *p = status ? strstr (status, "NSpid:") : NULL;
  long v = -1;
  char *end;

  if (!p)
    return -1;
  for (p += 6; *p && *p != '\n'; p = end)
    {
      long n = strtol (p, &end, 10);
      if (end == p)
        break;
      v = n;
    }
  return (int)v;
}

/* Go's time.Duration.String() for a non-negative count of nanoseconds. */
static void
go_duration (long long ns, char *buf, size_t len)
{
  long long secs = ns / 1000000000LL, frac = ns % 1000000000LL;
  long long h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
  char f[16] = "";
  size_t off = 0;

  if (ns == 0)
    {
      snprintf (buf, len, "0s");
      return;
    }
  if (frac)
    {
      int n = snprintf (f, sizeof f, ".%09lld", frac);
      while (n > 1 && f[n - 1] == '0')
        f[--n] = '\0';
    }
  if (h)
    off += snprintf (buf + off, len - off, "%lldh", h);
  if (h || m)
    off += snprintf (buf + off, len - off, "%lldm", m);
  snprintf (buf + off, len - off, "%lld%ss", s, f);
}

static void
tty_name (long tty_nr, char *buf, size_t len)
{
  unsigned maj = major ((dev_t)tty_nr), min = minor ((dev_t)tty_nr);

  if (tty_nr == 0)
    snprintf (buf, len, "?");
  else if (maj >= 136 && maj <= 143)
    snprintf (buf, len, "pts/%u", (maj - 136) * 256 + min);
  else if (maj == 4 && min < 64)
    snprintf (buf, len, "tty%u", min);
  else if (maj == 5 && min == 1)
    snprintf (buf, len, "console");
  else
    snprintf (buf, len, "?");
}

/* Fields of /proc/PID/stat after the command (which may hold spaces). */
static int
proc_stat (int pid, struct proc_row *p)
{
  cleanup_free char *stat = read_proc (pid, "stat", 4096);
  char *close = stat ? strrchr (stat, ')') : NULL;
  char *open = stat ? strchr (stat, '(') : NULL;
  long tty_nr, nice;
  unsigned long long utime, stime, start, vsize;
  long rss;
  long hz = sysconf (_SC_CLK_TCK), page = sysconf (_SC_PAGESIZE);
  struct timespec now;
  long long elapsed;

  if (!close || !open
      || sscanf (close + 2,
                 "%*c %d %*d %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %ld %*d %*d "
                 "%llu %llu %ld",
                 &p->host_ppid, &tty_nr, &utime, &stime, &nice, &start, &vsize, &rss)
             != 8)
    return -1;
  p->comm = xstrndup (open + 1, (size_t)(close - open - 1));
  clock_gettime (CLOCK_BOOTTIME, &now);
  elapsed = (long long)now.tv_sec * 1000000000LL + now.tv_nsec
            - (long long)(start * (1000000000ULL / (unsigned long long)hz));
  elapsed = elapsed < 0 ? 0 : elapsed;
  go_duration (elapsed, p->etime, sizeof p->etime);
  go_duration ((long long)((utime + stime) * (1000000000ULL / (unsigned long long)hz)), p->time,
               sizeof p->time);
  snprintf (p->pcpu, sizeof p->pcpu, "%.3f",
            elapsed ? (double)(utime + stime) / (double)hz * 1e11 / (double)elapsed : 0.0);
  snprintf (p->nice, sizeof p->nice, "%ld", nice);
  snprintf (p->vsz, sizeof p->vsz, "%llu", vsize / 1024);
  snprintf (p->rss, sizeof p->rss, "%ld", rss * (page / 1024));
  tty_name (tty_nr, p->tty, sizeof p->tty);
  return 0;
}

static char *
proc_args (int pid, const char *comm)
{
  size_t len = 0;
  cleanup_free char *p = xasprintf ("/proc/%d/cmdline", pid);
  struct cl_error ignored;
  char *buf = NULL;

  if (read_file_at (AT_FDCWD, p, 1 << 16, &buf, &len, &ignored) < 0 || len == 0)
    {
      free (buf);
      return xasprintf ("[%s]", comm);
    }
  while (len > 0 && buf[len - 1] == '\0')
    len--;
  for (size_t i = 0; i < len; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
  buf[len] = '\0';
  return buf;
}

static int
proc_row_read (int pid, const struct ctr_view *v, struct proc_row *p)
{
  cleanup_free char *status = read_proc (pid, "status", 1 << 16);

  memset (p, 0, sizeof *p);
  p->host_pid = pid;
  p->pid = ns_pid (status);
  if (!status || p->pid < 0 || proc_stat (pid, p) < 0)
    {
      proc_row_clear (p);
      return -1;
    }
  p->user = name_of (v->passwd, map_to_inside (v->uid_map, status_field (status, "Uid:", 1)));
  p->group = name_of (v->group, map_to_inside (v->gid_map, status_field (status, "Gid:", 1)));
  p->args = proc_args (pid, p->comm);
  return 0;
}

static bool
same_file (const struct stat *a, const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 && st.st_ino == a->st_ino && st.st_dev == a->st_dev;
}

static int
by_pid (const void *a, const void *b)
{
  const struct proc_row *x = a, *y = b;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process in the PID namespace of `init` (a host pid). */
static int
list_processes (int init, struct proc_row **out, size_t *n, struct cl_error *err)
{
  cleanup_free char *nspath = xasprintf ("/proc/%d/ns/pid", init);
  cleanup_free char *rootpath = xasprintf ("/proc/%d/root", init);
  cleanup_close int rootfd = open (rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = opendir ("/proc");
  struct ctr_view v = { 0 };
  struct dirent *de;
  struct stat ns;

  *out = NULL;
  *n = 0;
  if (stat (nspath, &ns) < 0)
    return cl_fail (err, errno, "%s", nspath);
  if (!d)
    return cl_fail (err, errno, "open /proc");
  if (rootfd >= 0)
    {
      v.passwd = read_in_root (rootfd, "/etc/passwd");
      v.group = read_in_root (rootfd, "/etc/group");
    }
  v.uid_map = read_proc (init, "uid_map", 1 << 16);
  v.gid_map = read_proc (init, "gid_map", 1 << 16);
  while ((de = readdir (d)))
    {
      int pid = atoi (de->d_name);
      cleanup_free char *p = xasprintf ("/proc/%s/ns/pid", de->d_name);
      if (pid <= 0 || !same_file (&ns, p))
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof **out);
      if (proc_row_read (pid, &v, &(*out)[*n]) == 0)
        (*n)++;
    }
  for (size_t i = 0; i < *n; i++)
    for (size_t k = 0; k < *n; k++)
      if ((*out)[k].host_pid == (*out)[i].host_ppid)
        (*out)[i].ppid = (*out)[k].pid;
  qsort (*out, *n, sizeof **out, by_pid);
  free (v.passwd), free (v.group), free (v.uid_map), free (v.gid_map);
  return 0;
}

static const char *
proc_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct proc_row *p = arg;

  if (strcmp (field, "pid") == 0)
    return snprintf (buf, len, "%d", p->pid), buf;
  if (strcmp (field, "ppid") == 0)
    return snprintf (buf, len, "%d", p->ppid), buf;
  if (strcmp (field, "user") == 0)
    return p->user ? p->user : "";
  if (strcmp (field, "group") == 0)
    return p->group ? p->group : "";
  if (strcmp (field, "args") == 0)
    return p->args ? p->args : "";
  if (strcmp (field, "comm") == 0)
    return p->comm ? p->comm : "";
  if (strcmp (field, "etime") == 0)
    return p->etime;
  if (strcmp (field, "time") == 0)
    return p->time;
  if (strcmp (field, "nice") == 0)
    return p->nice;
  if (strcmp (field, "pcpu") == 0)
    return p->pcpu;
  if (strcmp (field, "vsz") == 0)
    return p->vsz;
  if (strcmp (field, "rss") == 0)
    return p->rss;
  if (strcmp (field, "tty") == 0)
    return p->tty;
  return NULL;
}

/* "table {{.user}}\t{{.pid}}…" from the descriptors (space- or comma-
   separated words); the header of each in `headers`.  -1 naming an
   unknown one. */
static int
top_format (int argc, char **argv, char **fmt, struct template_header *headers, size_t max,
            struct cl_error *err)
{
  static char *defaults[] = { "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args" };
  char **words = argc ? argv : defaults;
  int nwords = argc ? argc : (int)(sizeof defaults / sizeof defaults[0]);
  cleanup_free char *out = xstrdup ("table ");
  size_t nh = 0;

  for (int i = 0; i < nwords; i++)
    {
      cleanup_free char *copy = xstrdup (words[i]);
      char *save = NULL;
      for (char *w = strtok_r (copy, ", ", &save); w; w = strtok_r (NULL, ", ", &save))
        {
          size_t k = 0, nd = sizeof descriptors / sizeof descriptors[0];
          char *next;
          while (k < nd && strcmp (descriptors[k].name, w) != 0)
            k++;
          if (k == nd)
            return cl_fail (err, 0, "unknown descriptor: %s", w);
          next = xasprintf ("%s%s{{.%s}}", out, nh ? "\\t" : "", descriptors[k].name);
          free (out);
          out = next;
          if (nh + 1 < max)
            headers[nh++] = (struct template_header){ descriptors[k].name, descriptors[k].header };
        }
    }
  headers[nh] = (struct template_header){ NULL, NULL };
  *fmt = steal_pointer (&out);
  return 0;
}

static const char top_usage[]
    = "Usage: crunlocal top CONTAINER [DESCRIPTOR...]\n"
      "\n"
      "Show the processes of a running container, as podman does.  Descriptors:\n"
      "pid, ppid, user, args, comm, etime, time, group, nice, pcpu, vsz, rss, tty\n"
      "(default: user pid ppid pcpu etime tty time args).\n";

int
cmd_top (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  cleanup_free char *fmt = NULL;
  struct template_header headers[64];
  struct container c = { 0 };
  struct proc_row *rows = NULL;
  size_t n = 0;
  int opt, ret;

  while ((opt = cli_getopt (argc, argv, "top", "+h", longopts)) != -1)
    {
      if (opt == 'h')
        return fputs (top_usage, stdout), 0;
      return 125;
    }
  if (argc - optind < 1)
    return cli_usage_error ("top", "\"crunlocal top\" requires at least 1 argument");
  if (top_format (argc - optind - 1, argv + optind + 1, &fmt, headers, 64, &err) < 0)
    return cli_fail (&err);
  if (cli_open_store_host (&s, &err) < 0 || cli_find_container (s, argv[optind], &c, &err) < 0)
    return cli_fail (&err);
  if (!container_running (&c))
    ret = cl_fail (&err, 0, "%s: top can only be used on running containers", argv[optind]);
  else
    ret = list_processes (c.pid, &rows, &n, &err);
  container_clear (&c);
  if (ret < 0)
    return cli_fail (&err);
  template_print (fmt, proc_field, rows, sizeof *rows, n, headers);
  for (size_t i = 0; i < n; i++)
    proc_row_clear (&rows[i]);
  free (rows);
  return 0;
}
