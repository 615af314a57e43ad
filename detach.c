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

#include "attach.h"
#include "cgroup.h"
#include "evlog.h"
#include "monitor.h"
#include "sealed.h"
#include "util.h"

#ifndef MONITOR_BIN
#define MONITOR_BIN "crunlocal-monitor"
#endif

/* The monitor's static binary, carried inside ours so that crunlocal
   stays one file; it runs from a memfd. */
__asm__(".section .rodata\n"
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
  return sealed_from_buf (MONITOR_NAME, cl_monitor_bin,
                          (size_t)(cl_monitor_bin_end - cl_monitor_bin), err);
}

static void
report_send (int fd, const struct report *r)
{
  if (write (fd, r, sizeof *r) < 0)
    return;
}

static void __attribute__ ((noreturn)) report_fail (int fd, const struct cl_error *err)
{
  struct report r = { .ok = 0, .status = err->status ? err->status : 125, .errnum = err->errnum };

  snprintf (r.text, sizeof r.text, "%s", err->msg);
  report_send (fd, &r);
  _exit (125);
}

/* The monitor's ends of the container's stdio. */
struct stdio
{
  int in;     /* a pipe to its stdin (-i), the terminal, or -1 */
  int out[2]; /* stdout and stderr pipes, or the terminal and -1 */
};

/* stdin /dev/null or (-i) a pipe, stdout and stderr pipes; with a
   terminal the container's side makes its own (ns.c). */
static int
container_stdio (const struct container *c, int devnull, struct stdio *io, struct cl_error *err)
{
  int p[3][2];

  if (c->tty)
    {
      if (dup2 (devnull, 0) < 0 || dup2 (devnull, 1) < 0 || dup2 (devnull, 2) < 0)
        return cl_fail (err, errno, "dup2");
      return 0;
    }
  for (int i = 0; i < 3; i++)
    if (pipe2 (p[i], O_CLOEXEC) < 0)
      return cl_fail (err, errno, "pipe");
  if (dup2 (c->interactive ? p[2][0] : devnull, 0) < 0 || dup2 (p[0][1], 1) < 0
      || dup2 (p[1][1], 2) < 0)
    return cl_fail (err, errno, "dup2");
  close (p[0][1]), close (p[1][1]), close (p[2][0]);
  io->out[0] = p[0][0], io->out[1] = p[1][0];
  io->in = c->interactive ? p[2][1] : (close (p[2][1]), -1);
  return 0;
}

/* With a terminal the monitor reads and writes its master. */
static void
terminal_stdio (const struct ns_proc *proc, struct stdio *io)
{
  if (proc->console < 0)
    return;
  io->out[0] = proc->console;
  io->out[1] = -1;
  io->in = fcntl (proc->console, F_DUPFD_CLOEXEC, 3);
}

static int
attach_socket (struct store *s, const struct container *c, struct cl_error *err)
{
  cleanup_free char *dir = container_run_dir (s, c->id);

  if (mkdir_p (dir, 0700, err) < 0)
    return cl_wrap (err, "the container's run directory");
  return attach_listen (dir, err);
}

static void
exec_monitor (struct store *s, const struct container *c, int memfd, const struct stdio *io,
              int listenfd)
{
  char pid[16], in[16], fd0[16], fd1[16], mode[8], lfd[16], max[32], count[16];
  cleanup_free char *exe = sealed_origin ();
  char *argv[] = { MONITOR_NAME, c->dir,
                   pid,          in,
                   fd0,          fd1,
                   mode,         lfd,
                   max,          c->restart ? c->restart : "no",
                   count,        exe ? exe : "crunlocal",
                   c->id,        NULL };
  int keep[] = { io->in, io->out[0], io->out[1], listenfd };
  extern char **environ;

  snprintf (pid, sizeof pid, "%d", c->pid);
  snprintf (in, sizeof in, "%d", io->in);
  snprintf (fd0, sizeof fd0, "%d", io->out[0]);
  snprintf (fd1, sizeof fd1, "%d", io->out[1]);
  snprintf (mode, sizeof mode, "%s%s%s-", c->tty ? "t" : "", c->interactive ? "i" : "",
            c->auto_rm ? "r" : "");
  snprintf (lfd, sizeof lfd, "%d", listenfd);
  snprintf (max, sizeof max, "%lld", c->log_max_size);
  snprintf (count, sizeof count, "%d", c->restart_count);
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
    if (keep[i] >= 0)
      fcntl (keep[i], F_SETFD, 0);
  /* --rm and --restart run crunlocal on this very store. */
  setenv ("CRUNLOCAL_ROOT", s->root, 1);
  setenv ("CRUNLOCAL_RUNROOT", s->runroot, 1);
  fexecve (memfd, argv, environ);
}

/* Nothing of a container that did not start stays in the cgroups. */
static void __attribute__ ((noreturn))
fail_cleaning (struct cgroup_join *cg, int report, const struct cl_error *err)
{
  struct cl_error ignored;

  cgroup_dirs_remove (&cg->dirs, &ignored);
  if (cg->recfd >= 0)
    cgrouprec_remove (cg->recfd, &ignored);
  report_fail (report, err);
}

/* The grandchild: starts the container as its child, records it, tells
   the caller, and becomes the monitor. */
static void __attribute__ ((noreturn))
become_monitor (struct store *s, struct container *c, const struct spec *sp,
                const struct ns_overlay *ov, const struct ns_hook *hook, int memfd, int listenfd,
                int report)
{
  struct cl_error err = { 0 };
  struct report r = { .ok = 1 };
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  struct stdio io = { -1, { -1, -1 } };
  /* Not ours: one opened on the host could be chmod'ed through it. */
  struct ns_stdio null_stdin = { { NS_STDIO_NULL, -1, -1 } };
  struct ns_proc proc;
  sigset_t set;
  struct cgroup_join cg
      = { .id = c->id, .spec = sp, .recfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
  /* Into its cgroups first, then the network's hook (if any). */
  struct ns_hook cg_hook = { .fn = cgroup_join_hook,
                             .before = cgroup_join_before,
                             .arg = &cg,
                             .next = hook,
                             .alongside = true };

  /* The monitor reaps what the container leaves behind. */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, NULL);
  if (devnull < 0)
    report_fail (report, (cl_fail (&err, errno, "/dev/null"), &err));
  if ((listenfd < 0 && (listenfd = attach_socket (s, c, &err)) < 0)
      || container_stdio (c, devnull, &io, &err) < 0
      || ns_start (sp, ov, &set, c->tty || c->interactive ? NULL : &null_stdin, &cg_hook, &proc,
                   &err)
             < 0)
    fail_cleaning (&cg, report, &err);
  /* Still the caller's stderr: the one line of limits not applied. */
  if (cg.warning)
    fprintf (stderr, "crunlocal: warning: %s\n", cg.warning);
  terminal_stdio (&proc, &io);
  /* Hold no end of the container's pipes: their EOF is the container's. */
  dup2 (devnull, 0), dup2 (devnull, 1), dup2 (devnull, 2);
  c->pid = r.pid = proc.pid;
  c->pid_start = r.pid_start = container_pid_start (proc.pid);
  c->monitor_pid = r.monitor_pid = getpid ();
  c->monitor_start = r.monitor_start = container_pid_start (getpid ());
  c->started = r.started = (long long)time (NULL);
  free (c->status);
  c->status = xstrdup ("running");
  if (container_save (s, c, &err) == 0)
    {
      evlog_append (s->rootfd, EVLOG_FILE, "container", "start", c->id, c->name, c->image);
      report_send (report, &r);
      exec_monitor (s, c, memfd, &io, listenfd);
      cl_fail (&err, errno, "exec the monitor");
    }
  kill (proc.pid, SIGKILL);
  waitpid (proc.pid, NULL, 0);
  fail_cleaning (&cg, report, &err);
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
      if (n != (ssize_t)sizeof r)
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

/* The attach socket made here, with a client already queued on it: the
   monitor accepts it before it reads any output (monitor.c), so the
   client sees everything from the first byte. */
static int
listen_attached (struct store *s, const struct container *c, int *listenfd, int *client,
                 struct cl_error *err)
{
  cleanup_free char *dir = container_run_dir (s, c->id);

  if ((*listenfd = attach_socket (s, c, err)) < 0)
    return -1;
  *client = attach_connect (dir, err);
  return *client < 0 ? -1 : 0;
}

int
detach_start (struct store *s, struct container *c, const struct spec *sp,
              const struct ns_overlay *ov, const struct ns_hook *hook, int *attached,
              struct cl_error *err)
{
  cleanup_close int memfd = monitor_memfd (err);
  cleanup_close int rd = -1;
  cleanup_close int listenfd = -1;
  cleanup_close int client = -1;
  struct report r;
  int p[2];
  pid_t child;

  if (memfd < 0 || (attached && listen_attached (s, c, &listenfd, &client, err) < 0))
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
      become_monitor (s, c, sp, ov, hook, memfd, listenfd, p[1]);
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
  if (attached)
    *attached = steal_fd (&client);
  return 0;
}
