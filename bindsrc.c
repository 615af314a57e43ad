#include "bindsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pty.h"
#include "util.h"

void
bind_sources_init (struct bind_sources *b, size_t n)
{
  b->fd = xcalloc (n + 1, sizeof *b->fd);
  b->n = n;
  for (size_t i = 0; i < n; i++)
    b->fd[i] = -1;
}

void
bind_sources_clear (struct bind_sources *b)
{
  for (size_t i = 0; b->fd && i < b->n; i++)
    if (b->fd[i] >= 0)
      close (b->fd[i]);
  free (b->fd);
  *b = (struct bind_sources){ 0 };
}

int
bind_sources_fd (const struct bind_sources *b, size_t i)
{
  return b && i < b->n ? b->fd[i] : -1;
}

bool
bindsrc_is_bind (const struct spec_mount *m)
{
  return strcmp (m->type, "bind") == 0 || strv_contains (m->options, "bind")
         || strv_contains (m->options, "rbind");
}

int
bindsrc_take (struct bind_sources *b, const struct bindsrc_msg *m, int fd, struct cl_error *err)
{
  if (m->kind != BINDSRC_MSG || fd < 0 || m->index >= b->n || b->fd[m->index] >= 0)
    {
      if (fd >= 0)
        close (fd);
      return cl_fail (err, EPROTO, "a bind mount source the caller sent is not one asked for");
    }
  b->fd[m->index] = fd;
  return 0;
}

/* Root makes the user namespace: its root is another user, who may not
   reach what root does.  (With no mount namespace of its own the child
   binds nothing new for the container.) */
static bool
sources_wanted (const struct spec *s)
{
  if (!(s->namespaces & NS_USER) || !(s->namespaces & NS_MOUNT) || geteuid () != 0)
    return false;
  for (size_t i = 0; i < s->n_mounts; i++)
    if (bindsrc_is_bind (&s->mounts[i]))
      return true;
  return false;
}

static bool
path_within (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  if (strcmp (dir, "/") == 0)
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* One source (relative ones to the caller's working directory, which
   the child keeps and this helper, in a namespace it joined, has not);
   0 also when it is left to the child. */
static int
send_source (const struct spec_mount *m, uint32_t index, const char *cwd, const char *root,
             int sock)
{
  cleanup_free char *abs = NULL, *real = NULL;
  cleanup_close int fd = -1;
  struct bindsrc_msg msg = { .kind = BINDSRC_MSG, .index = index };

  if (m->source[0] != '/' && !cwd)
    return 0;
  abs = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", cwd, m->source);
  real = realpath (abs, NULL);
  if (!real || (root && path_within (real, root)))
    return 0;
  fd = open (real, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return 0;
  return pty_send_fd (sock, &msg, sizeof msg, fd) == (ssize_t)sizeof msg ? 0 : -1;
}

static int
close_fds_but (int keep)
{
  if (keep > 3 && syscall (SYS_close_range, 3, keep - 1, 0) < 0)
    return -1;
  return (int)syscall (SYS_close_range, keep < 3 ? 3 : keep + 1, ~0U, 0);
}

static void __attribute__ ((noreturn)) helper_exit (void)
{
  _exit (errno > 0 && errno < 256 ? errno : EIO);
}

/* The helper: it enters the container's mount namespace, so first the
   rules of any process that does — no fd of ours but the socket, not
   dumpable — then it opens and sends.  Its exit status: 0 or an errno. */
static void __attribute__ ((noreturn)) helper_main (const struct spec *s, pid_t pid, int sock)
{
  cleanup_free char *cwd = getcwd (NULL, 0), *root = NULL;
  char ns[64];
  int mnt;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0
      || close_fds_but (sock) < 0)
    helper_exit ();
  snprintf (ns, sizeof ns, "/proc/%d/ns/mnt", pid);
  mnt = open (ns, O_RDONLY | O_CLOEXEC);
  if (mnt < 0 || setns (mnt, CLONE_NEWNS) < 0)
    helper_exit ();
  close (mnt);
  root = realpath (s->root_path, NULL);
  for (size_t i = 0; i < s->n_mounts && i < UINT32_MAX; i++)
    if (bindsrc_is_bind (&s->mounts[i])
        && send_source (&s->mounts[i], (uint32_t)i, cwd, root, sock) < 0)
      helper_exit ();
  _exit (0);
}

int
bindsrc_send (const struct spec *s, pid_t pid, int sock, struct cl_error *err)
{
  pid_t helper;
  int status;

  if (!sources_wanted (s))
    return 0;
  helper = fork ();
  if (helper < 0)
    return cl_fail (err, errno, "fork to open the bind mount sources");
  if (helper == 0)
    helper_main (s, pid, sock);
  while (waitpid (helper, &status, 0) < 0)
    if (errno != EINTR)
      return cl_fail (err, errno, "wait for the bind mount sources");
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  return cl_fail (err, WIFEXITED (status) ? WEXITSTATUS (status) : 0,
                  "open the bind mount sources in the container's mount namespace");
}
