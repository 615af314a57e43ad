/* OCI hooks for the OCI runtime (see rthooks.h). */
#include "rthooks.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ns.h"
#include "seccomp.h"
#include "util.h"

static void __attribute__ ((noreturn))
hook_child (const struct spec_hook *h, int in, pid_t join, const struct bpf_prog *filter)
{
  struct cl_error err = { 0 };
  char *argv0[] = { h->path, NULL }, *noenv[] = { NULL };

  sigset_t none;

  /* From a container's waiting process, every signal was blocked. */
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (dup2 (in, 0) < 0)
    _exit (127);
  /* Nothing of ours but stdio for the hook (and none for the container). */
  syscall (SYS_close_range, 3, ~0U, 0);
  if (join > 0 && ns_join (join, -1, &err) < 0)
    {
      dprintf (2, "%s: %s: %s\n", h->path, err.msg, strerror (err.errnum));
      _exit (127);
    }
  /* startContainer runs under the container's filter, as in runc;
     without CAP_SYS_ADMIN a filter needs no_new_privs */
  if (filter && seccomp_install (filter, &err) < 0
      && (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install (filter, &err) < 0))
    _exit (127);
  signal (SIGPIPE, SIG_DFL);
  execve (h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : noenv);
  _exit (127);
}

/* Wait for the hook, killing it after its timeout. */
static int
await_hook (pid_t pid, long long timeout, int *status)
{
  struct timespec tick = { 0, 5 * 1000 * 1000 };
  long long waited_ms = 0;

  for (;;)
    {
      pid_t r = waitpid (pid, status, timeout ? WNOHANG : 0);
      if (r == pid)
        return 0;
      if (r < 0 && errno != EINTR)
        return -1;
      if (timeout && waited_ms >= timeout * 1000)
        {
          kill (pid, SIGKILL);
          waitpid (pid, status, 0);
          return 1;
        }
      nanosleep (&tick, NULL);
      waited_ms += 5;
    }
}

static int
run_one (const struct spec_hook *h, size_t i, const char *kind, const char *state, pid_t join,
         const struct bpf_prog *filter, struct cl_error *err)
{
  int p[2], status = 0, r;
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return cl_fail (err, errno, "fork");
    }
  if (pid == 0)
    hook_child (h, p[0], join, filter);
  close (p[0]);
  /* A hook that does not read its stdin is fine (EPIPE ignored). */
  if (write (p[1], state, strlen (state)) < 0 && errno != EPIPE)
    r = errno;
  close (p[1]);
  r = await_hook (pid, h->timeout, &status);
  if (r < 0)
    return cl_fail (err, errno, "wait for the %s hook %s", kind, h->path);
  if (r > 0)
    return cl_fail (err, ETIMEDOUT, "error running %s hook #%zu (%s): timed out after %llds", kind,
                    i, h->path, h->timeout);
  if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
    return cl_fail (err, 0, "error running hook #%zu (%s, %s): exit status %d", i, kind, h->path,
                    WEXITSTATUS (status));
  /* Go's wording, as runc's: "signal: bad system call" */
  if (!WIFEXITED (status))
    {
      char name[64];
      snprintf (name, sizeof name, "%s", strsignal (WTERMSIG (status)));
      name[0] = (char)tolower ((unsigned char)name[0]);
      return cl_fail (err, 0, "error running hook #%zu (%s, %s): signal: %s", i, kind, h->path,
                      name);
    }
  return 0;
}

int
rthooks_run_filtered (const struct spec_hook *hooks, size_t n, const char *kind, const char *state,
                      pid_t join, const struct bpf_prog *filter, struct cl_error *err)
{
  for (size_t i = 0; i < n; i++)
    if (run_one (&hooks[i], i, kind, state, join, filter, err) < 0)
      return -1;
  return 0;
}

int
rthooks_run (const struct spec_hook *hooks, size_t n, const char *kind, const char *state,
             pid_t join, struct cl_error *err)
{
  return rthooks_run_filtered (hooks, n, kind, state, join, NULL, err);
}
