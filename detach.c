#include "detach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "util.h"

#ifndef MONITOR_BIN
#define MONITOR_BIN "crunlocal-monitor"
#endif

/* The monitor's static binary, carried inside ours so that crunlocal
   stays one file; it runs from a memfd. */
__asm__ (".section .rodata\n"
         ".balign 16\n"
         ".global cl_monitor_bin\n"
         ".hidden cl_monitor_bin\n"
         "cl_monitor_bin:\n"
         ".incbin \"" MONITOR_BIN "\"\n"
         ".global cl_monitor_bin_end\n"
         ".hidden cl_monitor_bin_end\n"
         "cl_monitor_bin_end:\n"
         ".previous\n");
extern const char cl_monitor_bin[], cl_monitor_bin_end[];

/* What the starting side tells the caller; the last message counts. */
struct report
{
  int ok, status, errnum;
  int pid, monitor_pid;
  unsigned long long pid_start, monitor_start;
  long long started;
  char text[900];
};

static int
monitor_memfd (struct cl_error *err)
{
  cleanup_close int fd = memfd_create (MONITOR_NAME, MFD_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "memfd for the monitor");
  if (write_all (fd, cl_monitor_bin, (size_t) (cl_monitor_bin_end - cl_monitor_bin), err) < 0)
    return cl_wrap (err, "write the monitor");
  return steal_fd (&fd);
}

static void
report_send (int fd, const struct report *r)
{
  if (write (fd, r, sizeof *r) < 0)
    return;
}

static void __attribute__ ((noreturn))
report_fail (int fd, const struct cl_error *err)
{
  struct report r = { .ok = 0, .status = err->status ? err->status : 125, .errnum = err->errnum };

  snprintf (r.text, sizeof r.text, "%s", err->msg);
  report_send (fd, &r);
  _exit (125);
}

/* stdin /dev/null, stdout and stderr pipes (read ends in out[]). */
static int
container_stdio (int devnull, int out[2], struct cl_error *err)
{
  int p[2][2];

  for (int i = 0; i < 2; i++)
    if (pipe2 (p[i], O_CLOEXEC) < 0)
      return cl_fail (err, errno, "pipe");
  if (dup2 (devnull, 0) < 0 || dup2 (p[0][1], 1) < 0 || dup2 (p[1][1], 2) < 0)
    return cl_fail (err, errno, "dup2");
  close (p[0][1]), close (p[1][1]);
  out[0] = p[0][0], out[1] = p[1][0];
  return 0;
}

static void
exec_monitor (struct store *s, const struct container *c, int memfd, const int out[2])
{
  char pid[16], fd0[16], fd1[16], max[32];
  char exe[4096];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  char *argv[] = { MONITOR_NAME, c->dir, pid, fd0, fd1, max, exe, c->id, NULL };
  extern char **environ;

  snprintf (pid, sizeof pid, "%d", c->pid);
  snprintf (fd0, sizeof fd0, "%d", out[0]);
  snprintf (fd1, sizeof fd1, "%d", out[1]);
  snprintf (max, sizeof max, "%lld", c->log_max_size);
  exe[n > 0 ? n : 0] = '\0';
  if (!c->auto_rm || n <= 0)
    argv[6] = NULL;
  fcntl (out[0], F_SETFD, 0);
  fcntl (out[1], F_SETFD, 0);
  /* --rm runs `crunlocal rm` on this very store. */
  setenv ("CRUNLOCAL_ROOT", s->root, 1);
  fexecve (memfd, argv, environ);
}

/* The grandchild: starts the container as its child, records it, tells
   the caller, and becomes the monitor. */
static void __attribute__ ((noreturn))
become_monitor (struct store *s, struct container *c, const struct spec *sp,
                const struct ns_overlay *ov, int memfd, int report)
{
  struct cl_error err = { 0 };
  struct report r = { .ok = 1 };
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC), out[2] = { -1, -1 };
  sigset_t set;
  pid_t pid;

  /* The monitor reaps what the container leaves behind. */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, NULL);
  if (devnull < 0 || container_stdio (devnull, out, &err) < 0 || ns_start (sp, ov, &set, &pid, &err) < 0)
    report_fail (report, (err.msg[0] ? &err : (cl_fail (&err, errno, "/dev/null"), &err)));
  /* Hold no write end of the pipes: their EOF is the container's. */
  dup2 (devnull, 1), dup2 (devnull, 2);
  c->pid = r.pid = pid;
  c->pid_start = r.pid_start = container_pid_start (pid);
  c->monitor_pid = r.monitor_pid = getpid ();
  c->monitor_start = r.monitor_start = container_pid_start (getpid ());
  c->started = r.started = (long long) time (NULL);
  free (c->status);
  c->status = xstrdup ("running");
  if (container_save (s, c, &err) == 0)
    {
      report_send (report, &r);
      exec_monitor (s, c, memfd, out);
      cl_fail (&err, errno, "exec the monitor");
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  report_fail (report, &err);
}

static int
read_report (int fd, struct report *last, struct cl_error *err)
{
  struct report r;
  bool any = false;
  ssize_t n;

  while ((n = read (fd, &r, sizeof r)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n != (ssize_t) sizeof r)
        break;
      *last = r, any = true;
    }
  if (!any)
    return cl_fail (err, 0, "the monitor died while starting the container");
  if (!last->ok)
    {
      cl_fail (err, last->errnum, "%s", last->text);
      err->status = last->status;
      return -1;
    }
  return 0;
}

int
detach_start (struct store *s, struct container *c, const struct spec *sp,
              const struct ns_overlay *ov, struct cl_error *err)
{
  cleanup_close int memfd = monitor_memfd (err);
  cleanup_close int rd = -1;
  struct report r;
  int p[2];
  pid_t child;

  if (memfd < 0)
    return -1;
  if (pipe2 (p, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  fflush (stdout), fflush (stderr);
  child = fork ();
  if (child == 0)
    {
      close (p[0]);
      /* Double fork: the monitor is nobody's child here, and in a
         session of its own no terminal's hangup reaches it. */
      setsid ();
      child = fork ();
      if (child != 0)
        _exit (child < 0 ? 125 : 0);
      become_monitor (s, c, sp, ov, memfd, p[1]);
    }
  close (p[1]);
  rd = p[0];
  if (child < 0)
    return cl_fail (err, errno, "fork");
  waitpid (child, NULL, 0);
  if (read_report (rd, &r, err) < 0)
    return -1;
  c->pid = r.pid, c->pid_start = r.pid_start;
  c->monitor_pid = r.monitor_pid, c->monitor_start = r.monitor_start;
  c->started = r.started;
  free (c->status);
  c->status = xstrdup ("running");
  return 0;
}
