/* The monitor's main: see monitor.h.  Only libc, exitrec.c, logfmt.c,
   util.c and error.c are linked in: it stays resident for every detached
   container, so it must stay small. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitrec.h"
#include "logfmt.h"
#include "monitor.h"
#include "util.h"

/* After the container's PID 1 is gone, how long to wait for the last
   output of processes that still hold its pipes. */
#define DRAIN_MS 1000

struct monitor
{
  int dirfd, lockfd, sigfd;
  pid_t pid;
  int fds[2];
  bool exited;
  int status;
  struct log_writer log;
};

static const char *streams[] = { "stdout", "stderr" };

/* Reap every child (we are a subreaper); note the container's status. */
static void
reap (struct monitor *m)
{
  struct signalfd_siginfo si;
  pid_t p;
  int status;

  while (read (m->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    ;
  while ((p = waitpid (-1, &status, WNOHANG)) > 0)
    if (p == m->pid)
      m->exited = true, m->status = status;
}

/* 0 data or nothing yet, 1 end of stream. */
static int
pump (struct monitor *m, int i)
{
  char buf[8192];
  struct cl_error err;
  ssize_t n = read (m->fds[i], buf, sizeof buf);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : 1;
  if (n == 0)
    return 1;
  /* A log that cannot be written (disk full) must not stop the
     container: its output is dropped, the pipe kept drained. */
  log_writer_put (&m->log, streams[i], buf, (size_t) n, &err);
  return 0;
}

static void
watch (struct monitor *m)
{
  struct cl_error err;

  while (m->fds[0] >= 0 || m->fds[1] >= 0 || !m->exited)
    {
      struct pollfd p[3] = { { m->sigfd, POLLIN, 0 }, { m->fds[0], POLLIN, 0 }, { m->fds[1], POLLIN, 0 } };
      int r = poll (p, 3, m->exited ? DRAIN_MS : -1);
      if (r == 0)
        break; /* exited, and the stragglers went quiet */
      if (r < 0)
        continue;
      if (p[0].revents)
        reap (m);
      for (int i = 0; i < 2; i++)
        if (p[i + 1].revents && pump (m, i) == 1)
          close (m->fds[i]), m->fds[i] = -1;
      log_writer_flush (&m->log, &err);
    }
}

static int
setup (struct monitor *m, char **argv)
{
  struct cl_error err;
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, NULL);
  /* Whoever signals the monitor must not lose the container's record. */
  signal (SIGINT, SIG_IGN), signal (SIGTERM, SIG_IGN), signal (SIGHUP, SIG_IGN);
  signal (SIGQUIT, SIG_IGN), signal (SIGPIPE, SIG_IGN);
  m->sigfd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  m->dirfd = open (argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  m->pid = atoi (argv[2]);
  m->fds[0] = atoi (argv[3]);
  m->fds[1] = atoi (argv[4]);
  if (m->sigfd < 0 || m->dirfd < 0 || m->pid <= 0)
    return -1;
  for (int i = 0; i < 2; i++)
    fcntl (m->fds[i], F_SETFL, O_NONBLOCK), fcntl (m->fds[i], F_SETFD, FD_CLOEXEC);
  m->lockfd = exitrec_open_lock (m->dirfd, &err);
  if (log_writer_open (&m->log, m->dirfd, atoll (argv[5]), &err) < 0)
    m->log.fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  return 0;
}

int
main (int argc, char **argv)
{
  struct monitor m = { .exited = false };
  struct exit_record rec;
  struct cl_error err;

  if ((argc != 6 && argc != 8) || setup (&m, argv) < 0)
    return 125;
  reap (&m); /* it may have exited before the signalfd was there */
  watch (&m);
  while (!m.exited)
    {
      pid_t p = waitpid (m.pid, &m.status, 0);
      if (p == m.pid)
        m.exited = true;
      else if (p < 0 && errno != EINTR)
        break; /* not ours to wait for: its end stays unknown */
    }
  log_writer_flush (&m.log, &err);
  log_writer_close (&m.log);
  exitrec_from_status (m.status, &rec);
  if (m.exited && m.lockfd >= 0)
    exitrec_write (m.dirfd, m.lockfd, &rec, &err);
  if (argc == 8)
    execl (argv[6], "crunlocal", "rm", "-f", argv[7], (char *) NULL);
  return 0;
}
