/* A created container's namespaces for its rootless owner: the socket
   `create` binds, the waiting process's answer, `exec`'s question
   (nsserve.h says why). */
#include "nsserve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

const struct nsserve_kind nsserve_order[NSSERVE_N]
    = { { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },
        { "net", CLONE_NEWNET },   { "cgroup", CLONE_NEWCGROUP }, { "pid", CLONE_NEWPID },
        { "mnt", CLONE_NEWNS } };

/* DIRFD/ns.sock, reached through the directory fd (no path to race). */
static void
socket_path (struct sockaddr_un *a, int dirfd)
{
  memset (a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf (a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", dirfd, NSSERVE_SOCKET);
}

int
nsserve_listen (int dirfd, struct cl_error *err)
{
  struct sockaddr_un a;
  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return cl_fail (err, errno, "socket");
  socket_path (&a, dirfd);
  unlinkat (dirfd, NSSERVE_SOCKET, 0);
  if (bind (fd, (struct sockaddr *)&a, sizeof a) < 0
      || fchmodat (dirfd, NSSERVE_SOCKET, 0600, 0) < 0 || listen (fd, 4) < 0)
    {
      cl_fail (err, errno, "bind %s", NSSERVE_SOCKET);
      close (fd);
      return -1;
    }
  return fd;
}

static bool
is_fs (int fd, unsigned long magic)
{
  struct statfs sf;

  return fstatfs (fd, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

/* Our namespaces through the container's /proc, each checked to be the
   kind it names: a procfs mounted there is the kernel's; a rootfs's own
   files (no /proc mounted) yield nothing. */
static int
open_own (int fds[NSSERVE_N])
{
  cleanup_close int proc = open ("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char path[64];

  if (proc < 0 || !is_fs (proc, PROC_SUPER_MAGIC))
    return -1;
  for (int i = 0; i < NSSERVE_N; i++)
    {
      snprintf (path, sizeof path, "thread-self/ns/%s", nsserve_order[i].name);
      fds[i] = openat (proc, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fds[i] < 0 || !is_fs (fds[i], NSFS_MAGIC)
          || ioctl (fds[i], NS_GET_NSTYPE) != nsserve_order[i].type)
        return -1;
    }
  return 0;
}

void
nsserve_close (int fds[NSSERVE_N])
{
  for (int i = 0; i < NSSERVE_N; i++)
    if (fds[i] >= 0)
      close (fds[i]), fds[i] = -1;
}

/* The namespace's owner, as this process sees ids. */
static bool
from_owner (int conn, int userns)
{
  struct ucred peer;
  socklen_t len = sizeof peer;
  uid_t owner;

  return getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0
         && ioctl (userns, NS_GET_OWNER_UID, &owner) == 0 && peer.uid == owner;
}

/* One message: 'n' with the fds, or 'e' and none. */
static void
answer (int conn, const int fds[NSSERVE_N])
{
  char ctl[CMSG_SPACE (sizeof (int) * NSSERVE_N)] = { 0 };
  char b = fds ? 'n' : 'e';
  struct iovec iov = { &b, 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *c;

  if (fds)
    {
      m.msg_control = ctl;
      m.msg_controllen = sizeof ctl;
      c = CMSG_FIRSTHDR (&m);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int) * NSSERVE_N);
      memcpy (CMSG_DATA (c), fds, sizeof (int) * NSSERVE_N);
    }
  (void)!sendmsg (conn, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
nsserve_answer (int listener)
{
  cleanup_close int conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  int fds[NSSERVE_N];

  if (conn < 0)
    return;
  for (int i = 0; i < NSSERVE_N; i++)
    fds[i] = -1;
  if (open_own (fds) == 0 && from_owner (conn, fds[0]))
    answer (conn, fds);
  else
    answer (conn, NULL);
  nsserve_close (fds);
}

static int
take_fds (struct msghdr *m, int fds[NSSERVE_N])
{
  struct cmsghdr *c = CMSG_FIRSTHDR (m);
  bool whole = c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
               && c->cmsg_len == CMSG_LEN (sizeof (int) * NSSERVE_N)
               && !(m->msg_flags & MSG_CTRUNC);

  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    {
      size_t n = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      int got[NSSERVE_N * 2];

      memcpy (got, CMSG_DATA (c), sizeof (int) * (n < NSSERVE_N * 2 ? n : NSSERVE_N * 2));
      for (size_t i = 0; i < n && i < NSSERVE_N * 2; i++)
        if (whole && i < NSSERVE_N)
          fds[i] = got[i];
        else
          close (got[i]);
    }
  return whole ? 0 : -1;
}

int
nsserve_fetch (int dirfd, int fds[NSSERVE_N], struct cl_error *err)
{
  cleanup_close int s = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  char ctl[CMSG_SPACE (sizeof (int) * NSSERVE_N * 2)] = { 0 };
  char b = 0;
  struct iovec iov = { &b, 1 };
  struct msghdr m
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  struct sockaddr_un a;
  ssize_t r;

  for (int i = 0; i < NSSERVE_N; i++)
    fds[i] = -1;
  if (s < 0)
    return cl_fail (err, errno, "socket");
  socket_path (&a, dirfd);
  if (connect (s, (struct sockaddr *)&a, sizeof a) < 0)
    return cl_fail (err, errno, "ask the container's process for its namespaces");
  do
    r = recvmsg (s, &m, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cl_fail (err, errno, "ask the container's process for its namespaces");
  if (take_fds (&m, fds) < 0 || b != 'n')
    {
      nsserve_close (fds);
      return cl_fail (err, r == 0 ? ECONNREFUSED : EPERM,
                      "the container's process did not hand out its namespaces "
                      "(it needs /proc mounted)");
    }
  return 0;
}
