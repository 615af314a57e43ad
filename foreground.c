/* A container in the foreground of `run` and `exec`: signals forwarded
   to it, its output relayed (and logged) when it comes through pipes,
   and with -t its terminal relayed to the caller's, raw while attached
   and restored on every way out. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "exitrec.h"
#include "logfmt.h"
#include "ns.h"
#include "pty.h"
#include "util.h"

/* After the container has exited, how long its terminal may still bring
   output that was written before. */
#define DRAIN_MS 200

static bool
terminating (int sig)
{
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* A namespace's init (pid1) that does not catch a terminating signal
   would never see it (pid_namespaces(7)): such a signal kills it, and
   *asked says which signal asked. */
static void
forward (pid_t pid, int sig, bool pid1, int *asked)
{
  if (pid1 && terminating (sig) && !ns_catches (pid, sig))
    {
      *asked = sig;
      kill (pid, SIGKILL);
    }
  else
    kill (pid, sig);
}

static void
finish (int status, int asked, struct exit_record *rec)
{
  exitrec_from_status (status, rec);
  if (asked && rec->signal)
    rec->signal = asked, rec->code = 128 + asked;
}

/* Forward signals with sigwaitinfo until `pid` has exited. */
static int
forward_until_exit (pid_t pid, const sigset_t *set, bool pid1, int *asked)
{
  int status;

  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (set, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        forward (pid, sig, pid1, asked);
      else if (waitpid (pid, &status, WNOHANG) == pid)
        return status;
    }
}

struct relay
{
  pid_t pid;
  bool pid1, exited;
  int status, asked;
  int sigfd, in, master;
  int sink;   /* where input goes: the terminal or its stdin pipe */
  int out[2]; /* what comes out: stdout (or the terminal), stderr */
  struct log_writer *log;
  struct pty_buf pending; /* typed, not yet taken by the container */
};

static const char *streams[] = { "stdout", "stderr" };

/* The caller's terminal size onto the container's. */
static void
copy_size (int master)
{
  struct winsize ws;

  if (master >= 0 && pty_caller_size (&ws))
    ioctl (master, TIOCSWINSZ, &ws);
}

static void
relay_signals (struct relay *r)
{
  struct signalfd_siginfo si;

  while (read (r->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
    {
      int sig = (int)si.ssi_signo;
      if (sig == SIGCHLD)
        r->exited = r->exited || waitpid (r->pid, &r->status, WNOHANG) == r->pid;
      else if (sig == SIGWINCH && r->master >= 0)
        copy_size (r->master);
      else
        forward (r->pid, sig, r->pid1, &r->asked);
    }
}

/* EOF on the caller's side: a terminal has no end to close, so it gets
   its end-of-file character, as typing it would. */
static void
send_eof (int master)
{
  struct termios t;

  if (tcgetattr (master, &t) == 0 && (t.c_lflag & ICANON))
    {
      char c = (char)t.c_cc[VEOF];
      if (write (master, &c, 1) < 0)
        return;
    }
}

/* No more input: a terminal gets its end-of-file character, a pipe is
   closed. */
static void
end_input (struct relay *r)
{
  if (r->sink == r->master)
    send_eof (r->master);
  else if (r->sink >= 0)
    close (r->sink);
  r->sink = r->in = -1;
}

static void
relay_input (struct relay *r)
{
  char buf[PTY_BUF_SIZE];
  ssize_t n = read (r->in, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      end_input (r);
      return;
    }
  pty_buf_set (&r->pending, buf, (size_t)n);
  if (pty_buf_flush (r->sink, &r->pending) < 0)
    end_input (r);
}

/* Output i to our fd i+1 and the log; false at its end (EOF, or EIO
   once every holder of a terminal's slave is gone), or when our side is
   gone (EPIPE: `run IMG yes | head -1`). */
static bool
relay_output (struct relay *r, int i)
{
  char buf[16384];
  struct cl_error err;
  ssize_t n = read (r->out[i], buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  if (r->log)
    log_writer_put (r->log, streams[i], buf, (size_t)n, &err);
  return write_all (i + 1, buf, (size_t)n, &err) == 0 || err.errnum != EPIPE;
}

/* A pipe's end is closed, so that the container's next write to it
   fails as it would on ours; the terminal stays the caller's. */
static void
end_output (struct relay *r, int i)
{
  if (r->out[i] != r->master)
    close (r->out[i]);
  r->out[i] = -1;
}

static void
relay_loop (struct relay *r)
{
  struct cl_error ignored;

  while (r->out[0] >= 0 || r->out[1] >= 0)
    {
      bool pending = pty_buf_pending (&r->pending);
      struct pollfd p[5] = { { r->sigfd, POLLIN, 0 },
                             { pending ? -1 : r->in, POLLIN, 0 },
                             { r->out[0], POLLIN, 0 },
                             { r->out[1], POLLIN, 0 },
                             { pending ? r->sink : -1, POLLOUT, 0 } };
      int k = poll (p, 5, r->exited ? DRAIN_MS : -1);
      if (k == 0)
        break;
      if (k < 0)
        continue;
      if (p[0].revents)
        relay_signals (r);
      if (p[1].revents)
        relay_input (r);
      if (p[4].revents && pty_buf_flush (r->sink, &r->pending) < 0)
        end_input (r);
      for (int i = 0; i < 2; i++)
        if ((p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_output (r, i))
          end_output (r, i);
      if (r->log)
        log_writer_flush (r->log, &ignored);
    }
}

/* Relay until the outputs end; the container may live on without them
   (it closed them), and is then waited for as without them. */
static void
relay_until_exit (pid_t pid, const sigset_t *set, bool pid1, const struct cli_io *io,
                  struct exit_record *rec)
{
  bool tty = io->master >= 0, input = tty ? io->input : io->in >= 0;
  struct relay r = { .pid = pid,
                     .pid1 = pid1,
                     .sigfd = -1,
                     .in = input ? 0 : -1,
                     .master = io->master,
                     .sink = input ? (tty ? io->master : io->in) : -1,
                     .out = { tty ? io->master : io->out[0], tty ? -1 : io->out[1] },
                     .log = io->log };
  struct pty_saved saved = { .active = false };
  struct cl_error ignored;
  cleanup_close int sigfd = signalfd (-1, set, SFD_NONBLOCK | SFD_CLOEXEC);

  r.sigfd = sigfd;
  for (int i = 0; i < 2; i++)
    if (r.out[i] >= 0)
      fcntl (r.out[i], F_SETFL, fcntl (r.out[i], F_GETFL) | O_NONBLOCK);
  if (r.sink >= 0 && !tty)
    fcntl (r.sink, F_SETFL, fcntl (r.sink, F_GETFL) | O_NONBLOCK);
  if (tty && r.in >= 0 && isatty (0))
    pty_make_raw (0, &saved, &ignored);
  copy_size (r.master);
  if (sigfd >= 0)
    relay_loop (&r);
  for (int i = 0; i < 2; i++)
    if (r.out[i] >= 0)
      end_output (&r, i);
  if (!tty && r.sink >= 0)
    close (r.sink);
  pty_restore (&saved);
  if (!r.exited)
    r.status = forward_until_exit (r.pid, set, pid1, &r.asked);
  finish (r.status, r.asked, rec);
}

void
cli_wait_forwarding (pid_t pid, const sigset_t *set, bool pid1, const struct cli_io *io,
                     struct exit_record *rec)
{
  int asked = 0, status;

  if (io && (io->master >= 0 || io->in >= 0 || io->out[0] >= 0 || io->out[1] >= 0))
    return relay_until_exit (pid, set, pid1, io, rec);
  status = forward_until_exit (pid, set, pid1, &asked);
  finish (status, asked, rec);
}

void
cli_block_forwarded (sigset_t *set)
{
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };

  sigemptyset (set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset (set, sigs[i]);
  sigprocmask (SIG_BLOCK, set, NULL);
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

void
cli_pipes_started (struct cli_pipes *p)
{
  for (int i = 0; i < 3; i++)
    close_fd (&p->theirs[i]);
}

void
cli_pipes_close (struct cli_pipes *p)
{
  cli_pipes_started (p);
  close_fd (&p->in);
  close_fd (&p->out[0]);
  close_fd (&p->out[1]);
}

/* Like docker and podman: without -i the container reads nothing of
   ours, so a script's loop over its own stdin is not eaten. */
/* A pipe: its read end in *rd, its write end in *wr. */
static int
open_pipe (int *rd, int *wr, struct cl_error *err)
{
  int fd[2];

  if (pipe2 (fd, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  *rd = fd[0], *wr = fd[1];
  return 0;
}

int
cli_pipes_open (struct cli_pipes *p, bool interactive, bool terminal, struct cl_error *err)
{
  *p = (struct cli_pipes){ .theirs = { terminal ? -1 : NS_STDIO_NULL, -1, -1 },
                           .in = -1,
                           .out = { -1, -1 } };
  if (terminal)
    return 0;
  if (open_pipe (&p->out[0], &p->theirs[1], err) < 0
      || open_pipe (&p->out[1], &p->theirs[2], err) < 0
      || (interactive && open_pipe (&p->theirs[0], &p->in, err) < 0))
    {
      cli_pipes_close (p);
      return -1;
    }
  return 0;
}
