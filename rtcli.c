/* What the runtime's commands share (rtcli.h): runc's error and log
   lines, Go-style flags, --pid-file and --console-socket, and opening
   one container's state. */
#include "rtcli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "exitrec.h"
#include "json.h"
#include "ns.h"
#include "ocispec.h"
#include "pty.h"
#include "rthooks.h"
#include "rtspec.h"
#include "rtstate.h"
#include "util.h"

void
rt_log (const struct rt_opts *o, const char *level, const char *msg)
{
  cleanup_close int fd = -1;
  char ts[64];
  struct timespec now;
  cleanup_free char *line = NULL;

  if (!o->log)
    {
      if (strcmp (level, "debug") == 0)
        fprintf (stderr, "level=debug msg=\"%s\"\n", msg);
      return;
    }
  clock_gettime (CLOCK_REALTIME, &now);
  utc_text (now.tv_sec, ts, sizeof ts);
  if (o->log_json)
    {
      cleanup_json_gen yajl_gen g = json_gen_new (false);
      cleanup_free char *text = NULL;
      yajl_gen_map_open (g);
      jg_kstr (g, "level", level);
      jg_kstr (g, "msg", msg);
      jg_kstr (g, "time", ts);
      yajl_gen_map_close (g);
      text = json_gen_take (g, NULL);
      line = xasprintf ("%s\n", text);
    }
  else
    line = xasprintf ("time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
  fd = open (o->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 && write (fd, line, strlen (line)) < 0)
    return;
}

void
debugf (const struct rt_opts *o, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!o->debug)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  rt_log (o, "debug", msg);
}

/* Print once (and log); runc's exit code for its own failures is 1. */
int
rt_fail (const struct rt_opts *o, const struct cl_error *err)
{
  char msg[CL_ERROR_MSG_MAX + 128];

  snprintf (msg, sizeof msg, "%s%s%s", err->msg, err->errnum ? ": " : "",
            err->errnum ? strerror (err->errnum) : "");
  fprintf (stderr, "%s: %s\n", o->prog, msg);
  rt_log (o, "error", msg);
  return 1;
}

int
rt_usage (const struct rt_opts *o, const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "%s: ", o->prog);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nSee '%s %s --help'.\n", o->prog, cmd);
  return 1;
}

/* runc's flags are Go's: -flag and --flag alike; options end at the
   first operand (exec's command keeps its own flags). */
int
rt_getopt (const struct rt_opts *o, int argc, char **argv, const char *cmd, const char *shortopts,
           const struct option *longopts)
{
  int c;

  opterr = 0;
  c = getopt_long_only (argc, argv, shortopts, longopts, NULL);
  if (c == '?' || c == ':')
    {
      rt_usage (o, cmd, "%s: %s", c == ':' ? "flag needs an argument" : "unknown flag",
                argv[optind - 1]);
      return -2;
    }
  return c;
}

char *
path_in (const char *dir, const char *name)
{
  return xasprintf ("%s/%s", dir, name);
}

char *
now_rfc3339 (void)
{
  struct timespec now;
  struct tm tm;
  char buf[64];

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, now.tv_nsec);
}

void
pid_file_clear (struct pid_file *p)
{
  if (p->dirfd >= 0)
    close (p->dirfd);
  free (p->name);
}

int
pid_file_open (const char *path, struct pid_file *p, struct cl_error *err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *dir = slash ? xstrndup (path, (size_t)(slash - path)) : xstrdup (".");

  p->name = xstrdup (slash ? slash + 1 : path);
  p->dirfd = open (*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (p->dirfd < 0 || !*p->name)
    return cl_fail (err, errno, "--pid-file %s", path);
  return 0;
}

/* Written whole (temp file and rename), as runc does. */
int
pid_file_write (const struct pid_file *p, pid_t pid, struct cl_error *err)
{
  cleanup_free char *tmp = xasprintf (".%s.%d.tmp", p->name, (int)getpid ());
  cleanup_free char *text = xasprintf ("%d", (int)pid);
  cleanup_close int fd = openat (p->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0 || write_all (fd, text, strlen (text), err) < 0)
    return cl_fail (err, errno, "--pid-file %s", p->name);
  if (renameat (p->dirfd, tmp, p->dirfd, p->name) < 0)
    {
      int e = errno;
      unlinkat (p->dirfd, tmp, 0);
      return cl_fail (err, e, "--pid-file %s", p->name);
    }
  return 0;
}

int
write_pid_file (const char *path, pid_t pid, struct cl_error *err)
{
  cleanup_pid_file struct pid_file p = { -1, NULL };

  if (pid_file_open (path, &p, err) < 0)
    return -1;
  return pid_file_write (&p, pid, err);
}

/* --console-socket: connected where the caller is (exec connects before
   it joins the container's mount namespace). */
int
connect_console (const char *socket_path, struct cl_error *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (strlen (socket_path) >= sizeof sa.sun_path)
    return cl_fail (err, ENAMETOOLONG, "--console-socket %s", socket_path);
  strcpy (sa.sun_path, socket_path);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cl_fail (err, errno, "--console-socket %s", socket_path);
  return steal_fd (&fd);
}

/* The PTY master goes to whoever listens there (SCM_RIGHTS), as runc
   sends it. */
int
send_console_fd (int sock, int master, struct cl_error *err)
{
  static const char name[] = "/dev/ptmx";

  if (pty_send_fd (sock, name, sizeof name - 1, master) < 0)
    return cl_fail (err, errno, "send the terminal to --console-socket");
  return 0;
}

int
send_console (const char *socket_path, int master, struct cl_error *err)
{
  cleanup_close int fd = connect_console (socket_path, err);

  return fd < 0 ? -1 : send_console_fd (fd, master, err);
}

/* The container's config as created (hooks, exec's defaults). */
int
saved_spec (int dirfd, struct spec *sp, struct cl_error *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (dirfd, "config.json", CONFIG_MAX, &text, NULL, err) < 0
      || spec_from_json (text, sp, err) < 0)
    return cl_wrap (err, "the container's config.json");
  return 0;
}

void
ctr_clear (struct ctr *c)
{
  if (c->dirfd >= 0)
    close (c->dirfd);
  free (c->dir);
  rtstate_clear (&c->st);
}

int
ctr_open (const struct rt_opts *o, const char *id, bool lock, struct ctr *c, struct cl_error *err)
{
  memset (c, 0, sizeof *c);
  c->dirfd = -1;
  if (rtstate_open (o->root, id, lock, &c->dirfd, err) < 0
      || rtstate_load (c->dirfd, &c->st, err) < 0)
    return -1;
  c->dir = path_in (o->root, id);
  c->status = rtstate_status (c->dirfd, c->dir, &c->st);
  return 0;
}

/* One ID operand, no flags but --help. */
int
one_id (const struct rt_opts *o, const char *cmd, int argc, char **argv, const char **id)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, cmd, "+h", longopts)) != -1)
    if (ch == 'h')
      return rtspec_help (cmd), 0;
    else
      return 1;
  if (optind != argc - 1)
    return rt_usage (o, cmd, "\"%s\" requires exactly 1 argument (the container ID)", cmd);
  *id = argv[optind];
  return -1;
}

/* The container's processes: its cgroups' (every v1 hierarchy holds all
   of them: the first readable one says), else its PID namespace's. */
pid_t *
ctr_pids (const struct ctr *c, size_t *n)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  struct cl_error ignored;
  pid_t *pids = xcalloc (1, sizeof *pids);

  *n = 0;
  if (c->status == RT_STOPPED)
    return pids;
  if (cgrouprec_read (c->dirfd, &d, &ignored) == 0)
    for (size_t i = 0; i < d.n && *n == 0; i++)
      {
        cleanup_free char *f = path_in (d.dir[i], "cgroup.procs");
        cleanup_file FILE *fp = fopen (f, "re");
        int pid;
        while (fp && fscanf (fp, "%d", &pid) == 1)
          {
            pids = xrealloc (pids, (*n + 2) * sizeof *pids);
            pids[(*n)++] = pid;
          }
      }
  if (*n == 0)
    {
      pids = xrealloc (pids, 2 * sizeof *pids);
      pids[(*n)++] = c->st.pid;
    }
  return pids;
}

int
signal_all (const struct ctr *c, int sig, struct cl_error *err)
{
  size_t n;
  cleanup_free pid_t *pids = ctr_pids (c, &n);

  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return cl_fail (err, errno, "kill %d", (int)pids[i]);
  return 0;
}
