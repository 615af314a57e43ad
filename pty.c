#include "pty.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

/* The slave by its master (Linux 4.13), else by its number: the peer
   ioctl cannot be fooled by a /dev/pts that is not the master's. */
static int
open_slave (int master, unsigned *num, struct cl_error *err)
{
  int fd;
  cleanup_free char *path = NULL;

  if (ioctl (master, TIOCGPTN, num) < 0)
    return cl_fail (err, errno, "the PTY's number");
  fd = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0 || (errno != EINVAL && errno != ENOTTY))
    return fd >= 0 ? fd : cl_fail (err, errno, "open the PTY's slave");
  path = xasprintf ("/dev/pts/%u", *num);
  fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  return fd >= 0 ? fd : cl_fail (err, errno, "open %s", path);
}

/* /dev/console is the container's terminal, as runc and crun make it. */
static int
bind_console (unsigned num, struct cl_error *err)
{
  char src[32];
  int fd = open ("/dev/console", O_CREAT | O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "create /dev/console");
  close (fd);
  snprintf (src, sizeof src, "/dev/pts/%u", num);
  if (mount (src, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return cl_fail (err, errno, "bind the terminal on /dev/console");
  return 0;
}

int
pty_open_console (const struct winsize *ws, uid_t uid, bool console, struct cl_error *err)
{
  cleanup_close int master = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  cleanup_close int slave = -1;
  unsigned num = 0;
  int unlock = 0;

  if (master < 0)
    return cl_fail (err, errno, "open the container's /dev/ptmx");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return cl_fail (err, errno, "unlock the PTY");
  slave = open_slave (master, &num, err);
  if (slave < 0)
    return -1;
  if (ws && ws->ws_row && ws->ws_col && ioctl (slave, TIOCSWINSZ, ws) < 0)
    return cl_fail (err, errno, "set the terminal's size");
  /* The user it runs as owns its terminal (a single-id namespace may not
     map it: then root keeps it, and mode 0620 still lets it write). */
  if (fchown (slave, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
    return cl_fail (err, errno, "chown the terminal");
  if (console && bind_console (num, err) < 0)
    return -1;
  if ((getsid (0) != getpid () && setsid () < 0) || ioctl (slave, TIOCSCTTY, 0) < 0)
    return cl_fail (err, errno, "make the PTY the controlling terminal");
  if (dup2 (slave, 0) < 0 || dup2 (slave, 1) < 0 || dup2 (slave, 2) < 0)
    return cl_fail (err, errno, "dup2 the terminal");
  return steal_fd (&master);
}

ssize_t
pty_send_fd (int sock, const void *msg, size_t len, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { (void *)msg, len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *cm;

  if (fd >= 0)
    {
      memset (&u, 0, sizeof u);
      mh.msg_control = u.buf;
      mh.msg_controllen = sizeof u.buf;
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof fd);
    }
  return sendmsg (sock, &mh, MSG_NOSIGNAL);
}

ssize_t
pty_recv_fd (int sock, void *msg, size_t len, int *fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { msg, len };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n;

  *fd = -1;
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR (&mh) : NULL; cm; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      memcpy (fd, CMSG_DATA (cm), sizeof *fd);
  return n;
}

int
pty_make_raw (int fd, struct pty_saved *saved, struct cl_error *err)
{
  struct termios raw;

  saved->active = false;
  saved->fd = fd;
  if (tcgetattr (fd, &saved->tio) < 0)
    return cl_fail (err, errno, "read the terminal's settings");
  raw = saved->tio;
  cfmakeraw (&raw);
  if (tcsetattr (fd, TCSADRAIN, &raw) < 0)
    return cl_fail (err, errno, "put the terminal in raw mode");
  saved->active = true;
  return 0;
}

void
pty_restore (struct pty_saved *saved)
{
  if (!saved->active)
    return;
  while (tcsetattr (saved->fd, TCSADRAIN, &saved->tio) < 0 && errno == EINTR)
    ;
  saved->active = false;
}

static bool
size_of (int fd, struct winsize *ws)
{
  memset (ws, 0, sizeof *ws);
  return ioctl (fd, TIOCGWINSZ, ws) == 0 && ws->ws_row && ws->ws_col;
}

bool
pty_caller_size (struct winsize *ws)
{
  return size_of (0, ws) || size_of (1, ws);
}

void
pty_buf_set (struct pty_buf *b, const char *data, size_t n)
{
  if (n > sizeof b->data)
    n = sizeof b->data;
  memcpy (b->data, data, n);
  b->off = 0;
  b->len = n;
}

int
pty_buf_flush (int fd, struct pty_buf *b)
{
  while (pty_buf_pending (b))
    {
      ssize_t n = write (fd, b->data + b->off, b->len - b->off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        {
          b->off = b->len = 0;
          return -1;
        }
      b->off += (size_t)n;
    }
  return 0;
}

/* "ctrl-X" for X in a-z @ [ \ ] ^ _, or one character. */
static int
detach_key (const char *k, size_t len)
{
  if (len == 1)
    return (unsigned char)k[0];
  if (len == 6 && strncasecmp (k, "ctrl-", 5) == 0)
    {
      int c = tolower ((unsigned char)k[5]);
      if (c >= 'a' && c <= 'z')
        return c - 'a' + 1;
      if (strchr ("@[\\]^_", c))
        return c == '@' ? 0 : c - '[' + 27;
    }
  return -1;
}

int
pty_detach_parse (const char *spec, struct pty_detach *d, struct cl_error *err)
{
  const char *p = spec;

  memset (d, 0, sizeof *d);
  while (*p)
    {
      size_t len = strcspn (p, ",");
      int k = detach_key (p, len);
      if (k < 0 || d->n == PTY_DETACH_MAX)
        return cl_fail (err, 0, "invalid detach keys \"%s\": want e.g. ctrl-p,ctrl-q", spec);
      d->keys[d->n++] = (unsigned char)k;
      p += len;
      if (*p == ',' && *++p == '\0')
        return cl_fail (err, 0, "invalid detach keys \"%s\": want e.g. ctrl-p,ctrl-q", spec);
    }
  return 0;
}

bool
pty_detach_scan (struct pty_detach *d, const char *in, size_t n, char *out, size_t *outn)
{
  *outn = 0;
  for (size_t i = 0; i < n; i++)
    {
      unsigned char b = (unsigned char)in[i];
      if (d->matched && b != d->keys[d->matched])
        {
          /* Not the sequence after all: what was held back is input. */
          memcpy (out + *outn, d->keys, d->matched);
          *outn += d->matched;
          d->matched = 0;
        }
      if (d->n && b == d->keys[d->matched])
        {
          if (++d->matched < d->n)
            continue;
          d->matched = 0;
          return true;
        }
      out[(*outn)++] = (char)b;
    }
  return false;
}
