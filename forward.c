#include "forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PIPE_SIZE (1 << 20)
#define UDP_IDLE_SECONDS 90
#define UDP_MAX 65536

/* How a child's setup failure comes home: nothing (EOF) is success. */
struct report
{
  int errnum;
  char msg[900];
};

static void __attribute__ ((noreturn)) child_fail (int fd, const struct cl_error *err)
{
  struct report r = { .errnum = err->errnum };

  snprintf (r.msg, sizeof r.msg, "%s", err->msg);
  if (write (fd, &r, sizeof r) < 0)
    _exit (1);
  _exit (1);
}

static int
read_report (int fd, struct cl_error *err)
{
  struct report r;
  ssize_t n;

  while ((n = read (fd, &r, sizeof r)) < 0 && errno == EINTR)
    ;
  if (n == 0)
    return 0;
  if (n != (ssize_t)sizeof r)
    return cl_fail (err, errno, "a network helper died");
  return cl_fail (err, r.errnum, "%s", r.msg);
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* Close every fd above stdio but the `n` in keep. */
static void
close_others (const int *fds, size_t n)
{
  cleanup_free int *keep = xcalloc (n, sizeof *keep);
  int from = 3;

  memcpy (keep, fds, n * sizeof *keep);
  qsort (keep, n, sizeof *keep, cmp_int);
  for (size_t i = 0; i < n; i++)
    {
      if (keep[i] > from)
        syscall (SYS_close_range, from, keep[i] - 1, 0);
      if (keep[i] + 1 > from)
        from = keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
}

static bool
same_ns (int fd, const char *self)
{
  struct stat a, b;

  return fstat (fd, &a) == 0 && stat (self, &b) == 0 && a.st_ino == b.st_ino
         && a.st_dev == b.st_dev;
}

/* The first steps of every helper: owned by nobody inside, stdio
   /dev/null (not the container's pipes, whose EOF is its own), dying with
   the parent. */
static int
helper_setup (pid_t parent, struct cl_error *err)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != parent)
    _exit (1);
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "make the network helper non-dumpable");
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (null, 2) < 0)
    return cl_fail (err, errno, "/dev/null");
  close (null);
  return 0;
}

static int
open_ns (pid_t pid, const char *name, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/ns/%s", pid, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "open %s", path);
  return fd;
}

static int
join (int userfd, int netfd, struct cl_error *err)
{
  if (!same_ns (userfd, "/proc/self/ns/user") && setns (userfd, CLONE_NEWUSER) < 0)
    return cl_fail (err, errno, "join the container's user namespace");
  if (setns (netfd, CLONE_NEWNET) < 0)
    return cl_fail (err, errno, "join the container's network namespace");
  close (userfd);
  close (netfd);
  return 0;
}

int
forward_in_netns (pid_t pid, int (*fn) (void *arg, struct cl_error *err), void *arg,
                  struct cl_error *err)
{
  pid_t parent = getpid (), child;
  int p[2], status, r;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    {
      close (p[0]), close (p[1]);
      return cl_fail (err, errno, "fork");
    }
  if (child == 0)
    {
      struct cl_error e = { 0 };
      int keep[3] = { p[1] };
      close (p[0]);
      if (helper_setup (parent, &e) < 0 || (keep[1] = open_ns (pid, "user", &e)) < 0
          || (keep[2] = open_ns (pid, "net", &e)) < 0)
        child_fail (p[1], &e);
      close_others (keep, 3);
      if (join (keep[1], keep[2], &e) < 0 || fn (arg, &e) < 0)
        child_fail (p[1], &e);
      _exit (0);
    }
  close (p[1]);
  r = read_report (p[0], err);
  close (p[0]);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  return r;
}

/* ---- the forwarder ---- */

struct fwd;

/* What an epoll event is about. */
enum kind
{
  K_PIDFD,
  K_LISTENER,
  K_CONN,
  K_UDP,
  K_FLOW,
};

struct tag
{
  enum kind kind;
  void *ptr;
  int side; /* K_CONN: 0 the client's socket, 1 the container's */
};

struct listener
{
  struct tag tag;
  int fd;
  struct net_port port;
  struct flow *flows; /* UDP */
};

/* One TCP connection: fd[0] the client's (host), fd[1] ours inside;
   pipe[d] carries what fd[d] sends to fd[1-d]. */
struct conn
{
  struct tag tag[2];
  int fd[2];
  int pipe[2][2];
  size_t queued[2], cap[2];
  bool eof[2], shut[2], connecting;
  bool dead; /* closed; freed once the batch of events is done */
  struct conn *next_dead;
  uint32_t events[2];
};

/* One UDP client: the datagrams of `peer` to the listener go out of
   `fd`, a socket inside connected to the container's port. */
struct flow
{
  struct tag tag;
  struct flow *next;
  struct listener *l;
  int fd;
  struct sockaddr_in peer;
  time_t last;
};

struct fwd
{
  int ep;
  uint32_t addr;
  char *buf;         /* UDP */
  struct conn *dead; /* closed in this batch of events, which may still name them */
};

static void
conn_close (struct fwd *f, struct conn *c)
{
  for (int i = 0; i < 2; i++)
    {
      if (c->fd[i] >= 0)
        {
          epoll_ctl (f->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
          close (c->fd[i]);
        }
      for (int k = 0; k < 2; k++)
        if (c->pipe[i][k] >= 0)
          close (c->pipe[i][k]);
    }
  c->dead = true;
  c->next_dead = f->dead;
  f->dead = c;
}

static void
bury_dead (struct fwd *f)
{
  while (f->dead)
    {
      struct conn *c = f->dead;
      f->dead = c->next_dead;
      free (c);
    }
}

/* Move what can be moved from fd[d] to fd[1-d]; -1 on an error. */
static int
pump (struct conn *c, int d)
{
  bool moved = true;

  while (moved)
    {
      moved = false;
      if (!c->eof[d] && c->queued[d] < c->cap[d])
        {
          ssize_t n = splice (c->fd[d], NULL, c->pipe[d][1], NULL, c->cap[d] - c->queued[d],
                              SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            c->queued[d] += (size_t)n, moved = true;
          else if (n == 0)
            c->eof[d] = true;
          else if (errno != EAGAIN && errno != EINTR)
            return -1;
        }
      if (c->queued[d] > 0)
        {
          ssize_t n = splice (c->pipe[d][0], NULL, c->fd[1 - d], NULL, c->queued[d],
                              SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            c->queued[d] -= (size_t)n, moved = true;
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        }
    }
  /* Half-close: the other side learns of the EOF once all has gone. */
  if (c->eof[d] && c->queued[d] == 0 && !c->shut[d])
    {
      shutdown (c->fd[1 - d], SHUT_WR);
      c->shut[d] = true;
    }
  return 0;
}

/* What each socket waits for now. */
static void
conn_rearm (struct fwd *f, struct conn *c)
{
  for (int i = 0; i < 2; i++)
    {
      uint32_t ev = 0;
      if (i == 1 && c->connecting)
        ev = EPOLLOUT;
      else
        {
          if (!c->eof[i] && c->queued[i] < c->cap[i] && !c->connecting)
            ev |= EPOLLIN;
          if (c->queued[1 - i] > 0)
            ev |= EPOLLOUT;
        }
      /* A socket with nothing to wait for leaves the set: EPOLLHUP would
         still wake us for it, over and over. */
      if (ev != c->events[i])
        {
          struct epoll_event e = { .events = ev, .data.ptr = &c->tag[i] };
          epoll_ctl (f->ep,
                     !ev             ? EPOLL_CTL_DEL
                     : !c->events[i] ? EPOLL_CTL_ADD
                                     : EPOLL_CTL_MOD,
                     c->fd[i], &e);
          c->events[i] = ev;
        }
    }
}

/* Readable: what this side sends moves; writable: what goes to it.
   A hang-up, an error, or the connect just done: both ways.  Pumping
   only the direction an event concerns saves a one-way transfer two
   splices that would find nothing (EAGAIN) on every wake-up. */
static void
conn_event (struct fwd *f, struct conn *c, int side, uint32_t ev)
{
  bool all = (ev & (EPOLLHUP | EPOLLERR)) != 0;

  if (c->dead)
    return;
  if (c->connecting)
    {
      int e = 0;
      socklen_t len = sizeof e;
      if (side != 1)
        return;
      if (getsockopt (c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
        {
          conn_close (f, c);
          return;
        }
      c->connecting = false;
      all = true;
    }
  if (((all || (ev & EPOLLIN)) && pump (c, side) < 0)
      || ((all || (ev & EPOLLOUT)) && pump (c, 1 - side) < 0) || (c->shut[0] && c->shut[1]))
    {
      conn_close (f, c);
      return;
    }
  conn_rearm (f, c);
}

static int
make_pipe (int p[2], size_t *cap)
{
  int sz;

  if (pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
    return -1;
  /* Bigger pipes move more per splice; past pipe-user-pages-soft the
     kernel refuses, and the default size still works. */
  fcntl (p[1], F_SETPIPE_SZ, PIPE_SIZE);
  sz = fcntl (p[1], F_GETPIPE_SZ);
  *cap = sz > 0 ? (size_t)sz : 65536;
  return 0;
}

static void
conn_new (struct fwd *f, struct listener *l, int client)
{
  struct conn *c = xcalloc (1, sizeof *c);
  struct sockaddr_in to
      = { .sin_family = AF_INET, .sin_port = htons (l->port.port), .sin_addr = { f->addr } };

  c->fd[0] = client;
  c->fd[1] = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  c->pipe[0][0] = c->pipe[0][1] = c->pipe[1][0] = c->pipe[1][1] = -1;
  if (c->fd[1] < 0 || make_pipe (c->pipe[0], &c->cap[0]) < 0
      || make_pipe (c->pipe[1], &c->cap[1]) < 0
      || (connect (c->fd[1], (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS))
    {
      conn_close (f, c);
      return;
    }
  c->connecting = true;
  for (int i = 0; i < 2; i++)
    c->tag[i] = (struct tag){ K_CONN, c, i };
  conn_rearm (f, c);
}

static void
tcp_accept (struct fwd *f, struct listener *l)
{
  for (;;)
    {
      int fd = accept4 (l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        return; /* EAGAIN, or out of fds: the backlog waits */
      conn_new (f, l, fd);
    }
}

static void
flow_close (struct fwd *f, struct flow *fl)
{
  for (struct flow **p = &fl->l->flows; *p; p = &(*p)->next)
    if (*p == fl)
      {
        *p = fl->next;
        break;
      }
  epoll_ctl (f->ep, EPOLL_CTL_DEL, fl->fd, NULL);
  close (fl->fd);
  free (fl);
}

static struct flow *
flow_for (struct fwd *f, struct listener *l, const struct sockaddr_in *peer)
{
  struct sockaddr_in to
      = { .sin_family = AF_INET, .sin_port = htons (l->port.port), .sin_addr = { f->addr } };
  struct flow *fl;
  struct epoll_event e = { .events = EPOLLIN };

  for (fl = l->flows; fl; fl = fl->next)
    if (fl->peer.sin_addr.s_addr == peer->sin_addr.s_addr && fl->peer.sin_port == peer->sin_port)
      return fl;
  fl = xcalloc (1, sizeof *fl);
  fl->fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fl->fd < 0 || connect (fl->fd, (struct sockaddr *)&to, sizeof to) < 0)
    {
      if (fl->fd >= 0)
        close (fl->fd);
      free (fl);
      return NULL;
    }
  fl->tag = (struct tag){ K_FLOW, fl, 0 };
  fl->l = l;
  fl->peer = *peer;
  fl->next = l->flows;
  l->flows = fl;
  e.data.ptr = &fl->tag;
  epoll_ctl (f->ep, EPOLL_CTL_ADD, fl->fd, &e);
  return fl;
}

static void
udp_in (struct fwd *f, struct listener *l)
{
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  ssize_t n;

  while ((n = recvfrom (l->fd, f->buf, UDP_MAX, 0, (struct sockaddr *)&peer, &len)) >= 0)
    {
      struct flow *fl = flow_for (f, l, &peer);
      if (fl)
        {
          fl->last = time (NULL);
          send (fl->fd, f->buf, (size_t)n, 0);
        }
      len = sizeof peer;
    }
}

static void
udp_back (struct fwd *f, struct flow *fl)
{
  ssize_t n;

  while ((n = recv (fl->fd, f->buf, UDP_MAX, 0)) >= 0)
    {
      fl->last = time (NULL);
      sendto (fl->l->fd, f->buf, (size_t)n, 0, (struct sockaddr *)&fl->peer, sizeof fl->peer);
    }
}

static void
udp_expire (struct fwd *f, struct listener *ls, size_t n)
{
  time_t now = time (NULL);

  for (size_t i = 0; i < n; i++)
    for (struct flow *fl = ls[i].flows, *next; fl; fl = next)
      {
        next = fl->next;
        if (now - fl->last > UDP_IDLE_SECONDS)
          flow_close (f, fl);
      }
}

static void __attribute__ ((noreturn))
forward_loop (int pidfd, uint32_t addr, const struct net_port *ports, const int *fds, size_t n)
{
  struct fwd f = { .ep = epoll_create1 (EPOLL_CLOEXEC), .addr = addr, .buf = xmalloc (UDP_MAX) };
  struct listener *ls = xcalloc (n, sizeof *ls);
  struct tag pid_tag = { K_PIDFD, NULL, 0 };
  struct epoll_event e = { .events = EPOLLIN, .data.ptr = &pid_tag };

  if (f.ep < 0 || epoll_ctl (f.ep, EPOLL_CTL_ADD, pidfd, &e) < 0)
    _exit (1);
  for (size_t i = 0; i < n; i++)
    {
      ls[i] = (struct listener){ .tag = { ports[i].udp ? K_UDP : K_LISTENER, &ls[i], 0 },
                                 .fd = fds[i],
                                 .port = ports[i] };
      e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &ls[i].tag };
      epoll_ctl (f.ep, EPOLL_CTL_ADD, fds[i], &e);
    }
  for (;;)
    {
      struct epoll_event ev[64];
      int k = epoll_wait (f.ep, ev, 64, 30000);
      for (int i = 0; i < k; i++)
        {
          struct tag *t = ev[i].data.ptr;
          switch (t->kind)
            {
            case K_PIDFD: _exit (0); /* the container has ended */
            case K_LISTENER: tcp_accept (&f, t->ptr); break;
            case K_CONN: conn_event (&f, t->ptr, t->side, ev[i].events); break;
            case K_UDP: udp_in (&f, t->ptr); break;
            case K_FLOW: udp_back (&f, t->ptr); break;
            }
        }
      bury_dead (&f);
      udp_expire (&f, ls, n);
    }
}

/* Each connection costs two sockets and four pipe ends. */
static void
raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

int
forward_start (pid_t pid, uint32_t addr, const struct net_port *ports, const int *listeners,
               size_t n, struct cl_error *err)
{
  pid_t parent = getpid (), child;
  int p[2], r;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  child = fork ();
  if (child < 0)
    {
      close (p[0]), close (p[1]);
      return cl_fail (err, errno, "fork the port forwarder");
    }
  if (child == 0)
    {
      struct cl_error e = { 0 };
      int *keep = xcalloc (n + 4, sizeof *keep), pidfd, userfd, netfd;
      close (p[0]);
      prctl (PR_SET_NAME, "crunlocal-fwd", 0, 0, 0);
      if (helper_setup (parent, &e) < 0)
        child_fail (p[1], &e);
      pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
      if (pidfd < 0)
        child_fail (p[1], (cl_fail (&e, errno, "pidfd_open the container"), &e));
      if ((userfd = open_ns (pid, "user", &e)) < 0 || (netfd = open_ns (pid, "net", &e)) < 0)
        child_fail (p[1], &e);
      memcpy (keep, listeners, n * sizeof *keep);
      keep[n] = p[1], keep[n + 1] = pidfd, keep[n + 2] = userfd, keep[n + 3] = netfd;
      close_others (keep, n + 4);
      free (keep);
      if (join (userfd, netfd, &e) < 0)
        child_fail (p[1], &e);
      raise_nofile ();
      close (p[1]);
      forward_loop (pidfd, addr, ports, listeners, n);
    }
  close (p[1]);
  r = read_report (p[0], err);
  close (p[0]);
  return r < 0 ? cl_wrap (err, "the port forwarder") : 0;
}
