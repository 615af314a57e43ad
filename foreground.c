/* A container in the foreground of `run` and `exec`: signals forwarded
   to it, and with -t its terminal relayed to the caller's, raw while
   attached and restored on every way out. */
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
  struct pty_buf pending; /* typed, not yet taken by the container */
};

/* The caller's terminal size onto the container's. */
static void
copy_size (int master)
{
  struct winsize ws;

  if (pty_get_size (0, &ws) || pty_get_size (1, &ws))
    ioctl (master, TIOCSWINSZ, &ws);
}

static void
relay_signals (struct relay *r)
{
  struct signalfd_siginfo si;

  while (read (r->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      int sig = (int) si.ssi_signo;
      if (sig == SIGCHLD)
        r->exited = r->exited || waitpid (r->pid, &r->status, WNOHANG) == r->pid;
      else if (sig == SIGWINCH)
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
      char c = (char) t.c_cc[VEOF];
      if (write (master, &c, 1) < 0)
        return;
    }
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
      send_eof (r->master);
      r->in = -1;
      return;
    }
  pty_buf_set (&r->pending, buf, (size_t) n);
  if (pty_buf_flush (r->master, &r->pending) < 0)
    r->in = -1;
}

/* false once every holder of the terminal's slave is gone (EIO). */
static bool
relay_output (struct relay *r)
{
  char buf[16384];
  struct cl_error ignored;
  ssize_t n = read (r->master, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  write_all (1, buf, (size_t) n, &ignored);
  return true;
}

static void
relay_loop (struct relay *r)
{
  while (r->master >= 0)
    {
      bool pending = pty_buf_pending (&r->pending);
      struct pollfd p[3] = { { r->sigfd, POLLIN, 0 },
                             { pending ? -1 : r->in, POLLIN, 0 },
                             { r->master, POLLIN | (pending ? POLLOUT : 0), 0 } };
      int k = poll (p, 3, r->exited ? DRAIN_MS : -1);
      if (k == 0)
        break;
      if (k < 0)
        continue;
      if (p[0].revents)
        relay_signals (r);
      if (p[1].revents)
        relay_input (r);
      if ((p[2].revents & POLLOUT) && pty_buf_flush (r->master, &r->pending) < 0)
        r->in = -1;
      if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_output (r))
        r->master = -1;
    }
}

/* Relay until the terminal is done; the container may live on without
   it (it closed its terminal), and is then waited for as without one. */
static void
wait_terminal (const struct ns_proc *proc, const sigset_t *set, bool pid1, bool input,
               struct exit_record *rec)
{
  struct relay r = { .pid = proc->pid, .pid1 = pid1, .sigfd = -1, .in = input ? 0 : -1,
                     .master = proc->console };
  struct pty_saved saved = { .active = false };
  struct cl_error ignored;
  cleanup_close int sigfd = signalfd (-1, set, SFD_NONBLOCK | SFD_CLOEXEC);

  r.sigfd = sigfd;
  fcntl (r.master, F_SETFL, fcntl (r.master, F_GETFL) | O_NONBLOCK);
  if (input && isatty (0))
    pty_make_raw (0, &saved, &ignored);
  copy_size (r.master);
  if (sigfd >= 0)
    relay_loop (&r);
  pty_restore (&saved);
  if (!r.exited)
    r.status = forward_until_exit (r.pid, set, pid1, &r.asked);
  finish (r.status, r.asked, rec);
}

void
cli_wait_forwarding (const struct ns_proc *proc, const sigset_t *set, bool pid1, bool input,
                     struct exit_record *rec)
{
  int asked = 0, status;

  if (proc->console >= 0)
    return wait_terminal (proc, set, pid1, input, rec);
  status = forward_until_exit (proc->pid, set, pid1, &asked);
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

int
cli_stdin_for (bool interactive, struct cl_error *err)
{
  cleanup_close int fd = -1;

  if (interactive)
    return 0;
  /* Like docker and podman: without -i the container reads nothing of
     ours, so a script's loop over its own stdin is not eaten. */
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || dup2 (fd, 0) < 0)
    return cl_fail (err, errno, "/dev/null as the container's stdin");
  return 0;
}
