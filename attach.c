#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"
#include "pty.h"
#include "util.h"

/* The path can outgrow sun_path; through the directory's fd it cannot. */
static int
socket_at (const char *dir, bool server, struct cl_error *err)
{
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  if (fd < 0)
    return cl_fail (err, errno, "socket");
  snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dfd, ATTACH_SOCKET);
  if (server)
    {
      unlinkat (dfd, ATTACH_SOCKET, 0);
      if (bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 8) < 0)
        return cl_fail (err, errno, "attach socket in %s", dir);
    }
  else if (connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cl_fail (err, errno, "connect to the container's monitor");
  return steal_fd (&fd);
}

int
attach_listen (const char *dir, struct cl_error *err)
{
  return socket_at (dir, true, err);
}

int
attach_connect (const char *dir, struct cl_error *err)
{
  return socket_at (dir, false, err);
}

struct session
{
  int sock, sigfd, in; /* in: our input, -1 when not passed */
  bool tty, detached, done;
  int code; /* from the monitor; -1 until it says */
  struct pty_detach keys;
};

static int
send_msg (int sock, char kind, const void *data, size_t len)
{
  char msg[1 + ATTACH_DATA_MAX];

  msg[0] = kind;
  if (len)
    memcpy (msg + 1, data, len);
  return send (sock, msg, len + 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void
send_size (const struct session *a)
{
  struct winsize ws;
  uint16_t rc[2];

  if (a->tty && pty_caller_size (&ws))
    {
      rc[0] = ws.ws_row, rc[1] = ws.ws_col;
      send_msg (a->sock, ATTACH_RESIZE, rc, sizeof rc);
    }
}

static void
from_monitor (struct session *a)
{
  char msg[1 + ATTACH_DATA_MAX];
  struct cl_error ignored;
  ssize_t n = recv (a->sock, msg, sizeof msg, 0);

  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0)
    {
      a->done = true;
      return;
    }
  if ((msg[0] == ATTACH_STDOUT || msg[0] == ATTACH_STDERR) && n > 1)
    write_all (msg[0] == ATTACH_STDOUT ? 1 : 2, msg + 1, (size_t)n - 1, &ignored);
  else if (msg[0] == ATTACH_EXIT && n == 1 + (ssize_t)sizeof a->code)
    memcpy (&a->code, msg + 1, sizeof a->code), a->done = true;
}

/* Detach keys only on a terminal: piped input is data. */
static void
from_stdin (struct session *a)
{
  char buf[ATTACH_DATA_MAX - PTY_DETACH_MAX], out[ATTACH_DATA_MAX];
  size_t len;
  ssize_t n = read (a->in, buf, sizeof buf);

  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0)
    {
      if (!a->tty)
        send_msg (a->sock, ATTACH_CLOSE, NULL, 0);
      a->in = -1;
      return;
    }
  if (!a->tty)
    memcpy (out, buf, (size_t)n), len = (size_t)n;
  else
    a->detached = pty_detach_scan (&a->keys, buf, (size_t)n, out, &len);
  if (len > 0 && send_msg (a->sock, ATTACH_INPUT, out, len) < 0)
    a->done = true;
}

static void
on_signals (struct session *a)
{
  struct signalfd_siginfo si;

  while (read (a->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
    if (si.ssi_signo == SIGWINCH)
      send_size (a);
    else
      a->detached = true, a->code = 128 + (int)si.ssi_signo;
}

static void
session_loop (struct session *a)
{
  while (!a->done && !a->detached)
    {
      struct pollfd p[3]
          = { { a->sock, POLLIN, 0 }, { a->sigfd, POLLIN, 0 }, { a->in, POLLIN, 0 } };
      if (poll (p, 3, -1) < 0)
        continue;
      if (p[0].revents)
        from_monitor (a);
      if (p[1].revents)
        on_signals (a);
      if (p[2].revents && !a->done)
        from_stdin (a);
    }
}

int
attach_session (int sock, bool tty, int in, struct pty_detach *keys, int *code, bool *detached,
                struct cl_error *err)
{
  struct session a = { .sock = sock, .tty = tty, .code = -1, .in = in, .keys = *keys };
  struct pty_saved saved = { .active = false };
  struct cl_error ignored;
  cleanup_close int sigfd = -1;
  sigset_t set;
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH };

  sigemptyset (&set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset (&set, sigs[i]);
  sigprocmask (SIG_BLOCK, &set, NULL);
  if ((sigfd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
    return cl_fail (err, errno, "signalfd");
  a.sigfd = sigfd;
  if (tty && in >= 0 && isatty (in) && pty_make_raw (in, &saved, err) < 0)
    return -1;
  send_size (&a);
  session_loop (&a);
  pty_restore (&saved);
  /* The container's prompt is where the cursor was: start a new line. */
  if (a.detached && tty && isatty (1))
    write_all (1, "\r\n", 2, &ignored);
  *detached = a.detached;
  *code = a.detached && a.code < 0 ? 0 : a.code;
  return 0;
}
