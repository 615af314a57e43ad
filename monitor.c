/* The monitor's main: see monitor.h.  Only libc, exitrec.c, logfmt.c,
   pty.c, util.c, error.c and cgrouprec.c are linked in: it stays resident for every
   detached container, so it must stay small. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgrouprec.h"
#include "evlog.h"
#include "exitrec.h"
#include "logfmt.h"
#include "monitor.h"
#include "pty.h"
#include "restart.h"
#include "util.h"

/* After the container's PID 1 is gone, how long to wait for the last
   output of processes that still hold its pipes. */
#define DRAIN_MS 1000
#define MAX_CLIENTS 8

struct monitor
{
  int dirfd, lockfd, sigfd, listenfd;
  pid_t pid;
  int fds[2]; /* stdout (or the terminal) and stderr */
  int in;     /* the container's input: a pipe, or the terminal again */
  bool tty, interactive;
  int clients[MAX_CLIENTS];
  struct pty_buf pending; /* input the container has not taken yet */
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

  while (read (m->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
    ;
  while ((p = waitpid (-1, &status, WNOHANG)) > 0)
    if (p == m->pid)
      m->exited = true, m->status = status;
}

static void
drop_client (struct monitor *m, int i)
{
  close (m->clients[i]);
  m->clients[i] = -1;
}

/* Attached clients get output as it comes; one that cannot keep up
   misses it (the log has everything) rather than stall the container. */
static void
broadcast (struct monitor *m, char kind, const char *data, size_t len)
{
  char msg[1 + ATTACH_DATA_MAX];

  msg[0] = kind;
  memcpy (msg + 1, data, len);
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i] >= 0 && send (m->clients[i], msg, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0
        && errno != EAGAIN)
      drop_client (m, i);
}

/* 0 data or nothing yet, 1 end of stream. */
static int
pump (struct monitor *m, int i)
{
  char buf[ATTACH_DATA_MAX];
  struct cl_error err;
  ssize_t n = read (m->fds[i], buf, sizeof buf);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : 1;
  if (n == 0)
    return 1;
  /* A log that cannot be written (disk full) must not stop the
     container: its output is dropped, the pipe kept drained. */
  log_writer_put (&m->log, streams[i], buf, (size_t)n, &err);
  broadcast (m, i == 0 ? ATTACH_STDOUT : ATTACH_STDERR, buf, (size_t)n);
  return 0;
}

static void
close_input (struct monitor *m)
{
  if (m->in >= 0)
    close (m->in);
  m->in = -1;
  m->pending.off = m->pending.len = 0;
}

static void
take_message (struct monitor *m, const char *msg, size_t n)
{
  uint16_t rc[2];
  struct winsize ws = { 0 };

  if (msg[0] == ATTACH_INPUT && m->interactive && m->in >= 0)
    {
      pty_buf_set (&m->pending, msg + 1, n - 1);
      if (pty_buf_flush (m->in, &m->pending) < 0)
        close_input (m);
    }
  else if (msg[0] == ATTACH_RESIZE && m->tty && m->in >= 0 && n >= 1 + sizeof rc)
    {
      memcpy (rc, msg + 1, sizeof rc);
      ws.ws_row = rc[0], ws.ws_col = rc[1];
      ioctl (m->in, TIOCSWINSZ, &ws);
    }
  else if (msg[0] == ATTACH_CLOSE && !m->tty)
    close_input (m);
}

static void
serve_client (struct monitor *m, int i)
{
  char msg[1 + ATTACH_DATA_MAX];
  ssize_t n = recv (m->clients[i], msg, sizeof msg, MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    return drop_client (m, i);
  take_message (m, msg, (size_t)n);
}

static bool
accept_client (struct monitor *m)
{
  int fd = accept4 (m->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

  if (fd < 0)
    return false;
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i] < 0)
      {
        m->clients[i] = fd;
        return true;
      }
  close (fd);
  return false;
}

/* sigfd, the two outputs, the listener, the input; then the clients. */
enum
{
  P_SIG,
  P_OUT,
  P_ERR,
  P_LISTEN,
  P_IN,
  P_CLIENTS,
};

static void
fill_poll (const struct monitor *m, struct pollfd *p)
{
  bool pending = pty_buf_pending (&m->pending);

  p[P_SIG] = (struct pollfd){ m->sigfd, POLLIN, 0 };
  p[P_OUT] = (struct pollfd){ m->fds[0], POLLIN, 0 };
  p[P_ERR] = (struct pollfd){ m->fds[1], POLLIN, 0 };
  p[P_LISTEN] = (struct pollfd){ m->exited ? -1 : m->listenfd, POLLIN, 0 };
  p[P_IN] = (struct pollfd){ pending ? m->in : -1, POLLOUT, 0 };
  /* While input is pending, clients wait: their sockets fill up. */
  for (int i = 0; i < MAX_CLIENTS; i++)
    p[P_CLIENTS + i] = (struct pollfd){ pending ? -1 : m->clients[i], POLLIN, 0 };
}

static void
watch (struct monitor *m)
{
  struct cl_error err;

  while (m->fds[0] >= 0 || m->fds[1] >= 0 || !m->exited)
    {
      struct pollfd p[P_CLIENTS + MAX_CLIENTS];
      int r;

      fill_poll (m, p);
      r = poll (p, P_CLIENTS + MAX_CLIENTS, m->exited ? DRAIN_MS : -1);
      if (r == 0)
        break; /* exited, and the stragglers went quiet */
      if (r < 0)
        continue;
      if (p[P_SIG].revents)
        reap (m);
      for (int i = 0; i < 2; i++)
        if (p[P_OUT + i].revents && pump (m, i) == 1)
          close (m->fds[i]), m->fds[i] = -1;
      if (p[P_LISTEN].revents)
        accept_client (m);
      if (p[P_IN].revents && pty_buf_flush (m->in, &m->pending) < 0)
        close_input (m);
      for (int i = 0; i < MAX_CLIENTS; i++)
        if (p[P_CLIENTS + i].revents && m->clients[i] >= 0)
          serve_client (m, i);
      log_writer_flush (&m->log, &err);
    }
}

static void
nonblocking (int fd)
{
  if (fd >= 0)
    fcntl (fd, F_SETFL, O_NONBLOCK), fcntl (fd, F_SETFD, FD_CLOEXEC);
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
  m->in = atoi (argv[3]);
  m->fds[0] = atoi (argv[4]);
  m->fds[1] = atoi (argv[5]);
  m->tty = strchr (argv[6], 't') != NULL;
  m->interactive = strchr (argv[6], 'i') != NULL;
  m->listenfd = atoi (argv[7]);
  for (int i = 0; i < MAX_CLIENTS; i++)
    m->clients[i] = -1;
  if (m->sigfd < 0 || m->dirfd < 0 || m->pid <= 0)
    return -1;
  nonblocking (m->fds[0]), nonblocking (m->fds[1]), nonblocking (m->in), nonblocking (m->listenfd);
  m->lockfd = exitrec_open_lock (m->dirfd, &err);
  if (log_writer_open (&m->log, m->dirfd, atoll (argv[8]), &err) < 0)
    m->log.fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  return 0;
}

/* Attached clients learn how it ended before their socket closes. */
static void
tell_clients (struct monitor *m, int code)
{
  char msg[1 + sizeof code];

  msg[0] = ATTACH_EXIT;
  memcpy (msg + 1, &code, sizeof code);
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i] >= 0)
      {
        send (m->clients[i], msg, sizeof msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        drop_client (m, i);
      }
}

static long
ms_since (const struct timespec *t0)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* --restart: after the policy's delay, unless stopped by hand meanwhile,
   `crunlocal start` runs it again under a new monitor (this process). */
static void
restart_if_asked (const struct monitor *m, char **argv, int code, long ran_ms)
{
  struct restart_policy p;
  struct cl_error err;
  struct timespec ts;
  long delay;

  if (restart_parse (argv[9], &p, &err) < 0)
    return;
  delay = restart_delay (&p, code, atoi (argv[10]), restart_stopped (m->dirfd), ran_ms);
  if (delay < 0)
    return;
  ts = (struct timespec){ delay / 1000, (delay % 1000) * 1000000 };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  if (!restart_stopped (m->dirfd))
    execl (argv[11], "crunlocal", "start", "--restarted", argv[12], (char *)NULL);
}

/* The container's cgroups (cgrouprec.h): was it OOM-killed?  Then
   whatever is left of it is killed and they are removed. */
static bool
finish_cgroup (int dirfd)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  struct cl_error err;

  return cgrouprec_read (dirfd, &d, &err) == 0 && cgroup_dirs_finish (&d, dirfd);
}

int
main (int argc, char **argv)
{
  struct monitor m = { .exited = false };
  struct exit_record rec;
  struct cl_error err;
  struct timespec t0;

  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (argc != 13 || setup (&m, argv) < 0)
    return 125;
  /* A client queued before the container started (`start -a`) gets
     everything it wrote, even when it has exited already. */
  while (m.listenfd >= 0 && accept_client (&m))
    ;
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
  rec.oom = finish_cgroup (m.dirfd);
  if (m.exited && m.lockfd >= 0 && exitrec_write (m.dirfd, m.lockfd, &rec, &err) == 0)
    evlog_append (m.dirfd, EVLOG_FROM_CONTAINER, "container", "died", argv[12], NULL, NULL);
  tell_clients (&m, m.exited ? rec.code : -1);
  if (strchr (argv[6], 'r'))
    execl (argv[11], "crunlocal", "rm", "-f", "-v", argv[12], (char *)NULL);
  else if (m.exited)
    restart_if_asked (&m, argv, rec.code, ms_since (&t0));
  return 0;
}
