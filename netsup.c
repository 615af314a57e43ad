#include "netsup.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pty.h"
#include "sysnr.h"
#include "util.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* ---- destinations ---- */

static enum netsup_dest
classify_v4 (uint32_t a, const struct netsup_opts *o)
{
  uint32_t h = ntohl (a), mask = o->stub_prefix ? ~0U << (32 - o->stub_prefix) : 0;

  if ((h >> 24) == 127 || (h >> 24) == 0 || (h >> 28) == 14 || h == 0xffffffffU)
    return DEST_CONTAINER; /* loopback, "this host", multicast, broadcast */
  if (a == o->stub_gw)
    return o->allow_host_loopback ? DEST_HOST_LOOPBACK : DEST_REFUSED;
  if ((h & mask) == (ntohl (o->stub_net) & mask))
    return DEST_CONTAINER;
  return DEST_HOST;
}

enum netsup_dest
netsup_classify (const struct sockaddr *sa, socklen_t len, const struct netsup_opts *o)
{
  if (sa->sa_family == AF_INET && len >= sizeof (struct sockaddr_in))
    return classify_v4 (((const struct sockaddr_in *)sa)->sin_addr.s_addr, o);
  if (sa->sa_family == AF_INET6 && len >= sizeof (struct sockaddr_in6))
    {
      const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
      uint32_t v4;
      if (IN6_IS_ADDR_V4MAPPED (a))
        {
          memcpy (&v4, &a->s6_addr[12], 4);
          return classify_v4 (v4, o);
        }
      if (IN6_IS_ADDR_LOOPBACK (a) || IN6_IS_ADDR_UNSPECIFIED (a) || IN6_IS_ADDR_LINKLOCAL (a)
          || IN6_IS_ADDR_MULTICAST (a) || IN6_IS_ADDR_V4COMPAT (a))
        return DEST_CONTAINER;
      return DEST_HOST;
    }
  return DEST_CONTAINER; /* AF_UNIX and the rest: the container's own */
}

/* ---- the supervisor ---- */

struct addr_cache;
struct sup;

static int
notif_valid (int listener, uint64_t id)
{
  return ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
}

static int
read_mem (pid_t pid, uint64_t addr, void *buf, size_t len)
{
  struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

  return process_vm_readv (pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* A copy of the caller's descriptor `fd` (its thread `tid`). */
static int
their_fd (pid_t tid, int fd)
{
  int pidfd = (int)syscall (SYS_pidfd_open, tid, 0), copy;

  if (pidfd < 0)
    pidfd = (int)syscall (SYS_pidfd_open, tid, PIDFD_THREAD);
  if (pidfd < 0)
    return -1;
  copy = (int)syscall (SYS_pidfd_getfd, pidfd, fd, 0);
  close (pidfd);
  return copy;
}

static bool
sockopt_int (int fd, int level, int name, int *v)
{
  socklen_t len = sizeof *v;

  return getsockopt (fd, level, name, v, &len) == 0;
}

/* An Internet stream or datagram socket of the container's own network
   namespace, or another (the host's: one the supervisor swapped in;
   SIOCGSKNS answers only for a namespace whose user namespace we own,
   never the host's for a rootless supervisor), or something else. */
enum sock_kind
{
  SK_OTHER,
  SK_CONTAINER,
  SK_HOST,
};

static enum sock_kind
inet_socket_kind (int fd, int *domain, int *type, int *proto)
{
  struct stat st, self;
  int ns;
  bool theirs;

  if (!sockopt_int (fd, SOL_SOCKET, SO_DOMAIN, domain)
      || !sockopt_int (fd, SOL_SOCKET, SO_TYPE, type)
      || !sockopt_int (fd, SOL_SOCKET, SO_PROTOCOL, proto))
    return SK_OTHER;
  if ((*domain != AF_INET && *domain != AF_INET6) || (*type != SOCK_STREAM && *type != SOCK_DGRAM))
    return SK_OTHER;
  ns = ioctl (fd, SIOCGSKNS);
  if (ns < 0)
    return SK_HOST;
  theirs
      = fstat (ns, &st) == 0 && stat ("/proc/self/ns/net", &self) == 0 && st.st_ino != self.st_ino;
  close (ns);
  return theirs ? SK_CONTAINER : SK_HOST;
}

/* The options a program sets before connecting that change what the
   connection does; a failure to copy one is not fatal. */
static void
copy_options (int from, int to, int domain, int type)
{
  static const struct
  {
    int level, name;
    bool stream_only, v6_only;
  } opts[] = {
    { SOL_SOCKET, SO_REUSEADDR, false, false },  { SOL_SOCKET, SO_KEEPALIVE, false, false },
    { SOL_SOCKET, SO_LINGER, false, false },     { SOL_SOCKET, SO_RCVTIMEO, false, false },
    { SOL_SOCKET, SO_SNDTIMEO, false, false },   { SOL_SOCKET, SO_BROADCAST, false, false },
    { IPPROTO_TCP, TCP_NODELAY, true, false },   { IPPROTO_TCP, TCP_KEEPIDLE, true, false },
    { IPPROTO_TCP, TCP_KEEPINTVL, true, false }, { IPPROTO_TCP, TCP_KEEPCNT, true, false },
    { IPPROTO_IPV6, IPV6_V6ONLY, false, true },
  };
  unsigned char buf[64];

  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    {
      socklen_t len = sizeof buf;
      if ((opts[i].stream_only && type != SOCK_STREAM) || (opts[i].v6_only && domain != AF_INET6))
        continue;
      if (getsockopt (from, opts[i].level, opts[i].name, buf, &len) == 0)
        setsockopt (to, opts[i].level, opts[i].name, buf, len);
    }
}

/* The host's non-loopback addresses and their interfaces, read again
   when a lookup misses or they are older than a few seconds: a netlink
   dump per connection would cost more than the rest of it. */
#define CACHE_SECONDS 5
struct if_addr
{
  int family, idx;
  unsigned char addr[16];
};

struct addr_cache
{
  struct if_addr e[64];
  size_t n;
  time_t at;
};

static const void *
addr_bytes (const struct sockaddr *a, size_t *len)
{
  *len = a->sa_family == AF_INET ? 4 : 16;
  return a->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)a)->sin_addr
                                 : (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr;
}

static void
cache_refresh (struct addr_cache *c)
{
  struct ifaddrs *ifs = NULL;
  struct timespec now;

  c->n = 0;
  clock_gettime (CLOCK_MONOTONIC, &now);
  c->at = now.tv_sec;
  if (getifaddrs (&ifs) < 0)
    return;
  for (struct ifaddrs *i = ifs; i && c->n < sizeof c->e / sizeof c->e[0]; i = i->ifa_next)
    {
      const struct sockaddr *a = i->ifa_addr;
      size_t len;
      const void *b;
      if (!a || (a->sa_family != AF_INET && a->sa_family != AF_INET6)
          || (i->ifa_flags & IFF_LOOPBACK))
        continue;
      b = addr_bytes (a, &len);
      c->e[c->n]
          = (struct if_addr){ .family = a->sa_family, .idx = (int)if_nametoindex (i->ifa_name) };
      memcpy (c->e[c->n].addr, b, len);
      c->n++;
    }
  freeifaddrs (ifs);
}

static int
cache_find (const struct addr_cache *c, const struct sockaddr *src)
{
  size_t len;
  const void *b = addr_bytes (src, &len);

  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].family == src->sa_family && memcmp (c->e[i].addr, b, len) == 0)
      return c->e[i].idx;
  return 0;
}

/* The interface the host routes `dest` through, found from the source
   address it would pick; 0 when that is a loopback one. */
static int
route_ifindex (struct addr_cache *c, const struct sockaddr *dest, socklen_t len)
{
  struct sockaddr_storage src;
  socklen_t slen = sizeof src;
  cleanup_close int probe = socket (dest->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct timespec now;
  int idx = 0;

  if (probe < 0 || connect (probe, dest, len) < 0
      || getsockname (probe, (struct sockaddr *)&src, &slen) < 0)
    return 0;
  clock_gettime (CLOCK_MONOTONIC, &now);
  if (now.tv_sec - c->at < CACHE_SECONDS)
    idx = cache_find (c, (struct sockaddr *)&src);
  if (idx == 0)
    {
      cache_refresh (c);
      idx = cache_find (c, (struct sockaddr *)&src);
    }
  return idx;
}

static int
host_socket (struct addr_cache *cache, int theirs, int domain, int type, int proto,
             const struct sockaddr *dest, socklen_t len, bool bind_route)
{
  int fd = socket (domain, type | SOCK_CLOEXEC, proto), fl = fcntl (theirs, F_GETFL), idx, e;

  if (fd < 0)
    return -1;
  copy_options (theirs, fd, domain, type);
  if (fl >= 0 && (fl & O_NONBLOCK))
    fcntl (fd, F_SETFL, O_RDWR | O_NONBLOCK);
  if (!bind_route)
    return fd;
  idx = route_ifindex (cache, dest, len);
  if (idx > 0 && setsockopt (fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof idx) == 0)
    return fd;
  e = idx > 0 ? errno : ENETUNREACH;
  close (fd);
  errno = e;
  return -1;
}

/* Was the caller's descriptor close-on-exec?  (fdinfo's flags.) */
static bool
their_cloexec (pid_t tid, int fd)
{
  char path[64], line[128];
  unsigned long flags = 0;
  FILE *f;

  snprintf (path, sizeof path, "/proc/%d/fdinfo/%d", tid, fd);
  f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "flags: %lo", &flags) == 1)
      break;
  if (f)
    fclose (f);
  return flags & O_CLOEXEC;
}

/* Our socket `mine` over the caller's descriptor `target`. */
static int
add_fd (int listener, uint64_t id, pid_t pid, int target, int mine)
{
  struct seccomp_notif_addfd a = { .id = id,
                                   .flags = SECCOMP_ADDFD_FLAG_SETFD,
                                   .srcfd = (uint32_t)mine,
                                   .newfd = (uint32_t)target,
                                   .newfd_flags = their_cloexec (pid, target) ? O_CLOEXEC : 0 };

  return ioctl (listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 ? -1 : 0;
}

/* ---- connects waiting for their answer ----

   A blocking connect() is started non-blocking here and answered when
   the socket says how it ended, while the supervisor goes on serving
   the others: the caller's thread waits in its call as it would without
   the filter. */
#define PENDING_MAX 256

struct pending
{
  uint64_t id;
  pid_t pid;
  int fd;              /* the socket connecting: ours to swap in, or a copy of theirs */
  int target;          /* the caller's descriptor number */
  bool install;        /* swap `fd` over `target` when it is connected */
  struct timespec end; /* the caller's SO_SNDTIMEO, or zero: none */
};

struct sup
{
  const struct netsup_opts *o;
  int listener;
  long connect_nr, sendto_nr;
  struct addr_cache *cache;
  struct pending pend[PENDING_MAX];
  size_t n_pend;
};

static void
respond (const struct sup *s, uint64_t id, long val, int error)
{
  struct seccomp_notif_resp r = { .id = id, .val = val, .error = error };

  ioctl (s->listener, SECCOMP_IOCTL_NOTIF_SEND, &r);
}

/* A connect that has ended (or run out of the caller's time): the
   socket swapped in when it got anywhere, the caller answered. */
static void
pending_finish (struct sup *s, size_t i, bool timed_out)
{
  struct pending *p = &s->pend[i];
  int e = 0;
  socklen_t el = sizeof e;

  if (timed_out)
    e = EINPROGRESS; /* as the kernel says when SO_SNDTIMEO runs out */
  else if (getsockopt (p->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
    e = errno;
  if (p->install && (e == 0 || e == EINPROGRESS)
      && add_fd (s->listener, p->id, p->pid, p->target, p->fd) < 0)
    e = errno;
  respond (s, p->id, 0, -e);
  close (p->fd);
  *p = s->pend[--s->n_pend];
}

static bool
past (const struct timespec *end)
{
  struct timespec now;

  if (!end->tv_sec && !end->tv_nsec)
    return false;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return now.tv_sec > end->tv_sec || (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/* Ended connects answered; callers gone (a signal, a kill) forgotten. */
static void
pending_sweep (struct sup *s, const struct pollfd *p, size_t np)
{
  for (size_t i = s->n_pend; i-- > 0;)
    {
      bool ended = false;
      for (size_t j = 0; j < np; j++)
        if (p[j].fd == s->pend[i].fd && p[j].revents)
          ended = true;
      if (ended || past (&s->pend[i].end))
        pending_finish (s, i, !ended);
      else if (notif_valid (s->listener, s->pend[i].id) < 0)
        {
          close (s->pend[i].fd);
          s->pend[i] = s->pend[--s->n_pend];
        }
    }
}

/* ---- performing the call ---- */

/* Connect `fd` to the checked address, never blocking: 0, -EINPROGRESS
   or -errno.  A blocking caller's descriptor is non-blocking only for
   the moment of the call. */
static long
connect_now (int fd, const struct sockaddr_storage *ss, socklen_t alen, bool *was_blocking)
{
  int fl = fcntl (fd, F_GETFL), r, e;

  if (fl < 0)
    return -errno;
  *was_blocking = !(fl & O_NONBLOCK);
  if (*was_blocking && fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return -errno;
  r = connect (fd, (const struct sockaddr *)ss, alen);
  e = errno;
  if (*was_blocking)
    fcntl (fd, F_SETFL, fl);
  return r == 0 ? 0 : -e;
}

/* The caller's SO_SNDTIMEO as a deadline from now, or zero. */
static struct timespec
send_deadline (int fd)
{
  struct timeval tv = { 0 };
  socklen_t len = sizeof tv;
  struct timespec end = { 0 };

  if (getsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0 || (!tv.tv_sec && !tv.tv_usec))
    return end;
  clock_gettime (CLOCK_MONOTONIC, &end);
  end.tv_sec += tv.tv_sec;
  end.tv_nsec += tv.tv_usec * 1000;
  if (end.tv_nsec >= 1000000000)
    end.tv_sec++, end.tv_nsec -= 1000000000;
  return end;
}

/* connect() on `fd` with the checked address: answered now, or (a
   blocking caller, a connection under way) later from the pending list.
   `install`: fd is ours, to swap over the caller's descriptor once it
   got anywhere.  Returns true when answered. */
static bool
do_connect (struct sup *s, const struct seccomp_notif *req, int *fd, bool install,
            const struct sockaddr_storage *ss, socklen_t alen, struct seccomp_notif_resp *resp)
{
  bool blocking = false;
  long r = connect_now (*fd, ss, alen, &blocking);

  if (r == -EINPROGRESS && blocking)
    {
      if (s->n_pend == PENDING_MAX)
        {
          resp->error = -EAGAIN;
          return true;
        }
      s->pend[s->n_pend++] = (struct pending){ .id = req->id,
                                               .pid = (pid_t)req->pid,
                                               .fd = *fd,
                                               .target = (int)req->data.args[0],
                                               .install = install,
                                               .end = send_deadline (*fd) };
      *fd = -1; /* the pending list's now */
      return false;
    }
  if (install && (r == 0 || r == -EINPROGRESS)
      && add_fd (s->listener, req->id, (pid_t)req->pid, (int)req->data.args[0], *fd) < 0)
    r = -errno;
  resp->error = r < 0 ? (int)r : 0;
  return true;
}

/* sendto() on `fd` with the checked address and the caller's bytes
   (read once, here).  A datagram goes at once or not (EAGAIN, as a full
   socket buffer says); a stream socket ignores the address when
   connected, as the kernel does. */
static long
do_sendto (const struct seccomp_notif *req, int fd, const struct sockaddr_storage *ss,
           socklen_t alen)
{
  size_t len = (size_t)req->data.args[2];
  cleanup_free char *buf = NULL;
  ssize_t n;

  if (len > 65536)
    return -EMSGSIZE;
  buf = xmalloc (len ? len : 1);
  if (read_mem (req->pid, req->data.args[1], buf, len) < 0)
    return -EFAULT;
  n = sendto (fd, buf, len, (int)req->data.args[3] | MSG_DONTWAIT | MSG_NOSIGNAL,
              (const struct sockaddr *)ss, alen);
  return n < 0 ? -errno : n;
}

/* The opted-in gateway stands for the host's loopback. */
static void
to_host_loopback (struct sockaddr_storage *ss)
{
  uint32_t lo = htonl (INADDR_LOOPBACK);

  if (ss->ss_family == AF_INET)
    ((struct sockaddr_in *)ss)->sin_addr.s_addr = lo;
  else /* ::ffff:10.0.2.2 (classified as the gateway) becomes ::ffff:127.0.0.1 */
    memcpy (&((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr[12], &lo, 4);
}

/* Decide one notification and, for an Internet socket and address,
   perform the call here with the address as read and checked: the
   kernel never re-reads it (nor the descriptor table).  Only a call that
   is not about an Internet address on an Internet socket (AF_UNIX
   paths, which must resolve in the caller's mounts) continues in the
   kernel.  Returns false when the answer comes later. */
static bool
handle (struct sup *s, const struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  bool is_connect = (long)req->data.nr == s->connect_nr;
  uint64_t aptr = req->data.args[is_connect ? 1 : 4], alen = req->data.args[is_connect ? 2 : 5];
  struct sockaddr_storage ss = { 0 };
  enum netsup_dest d;
  enum sock_kind kind;
  cleanup_close int theirs = -1, mine = -1;
  int domain, type, proto, *use;
  long r;

  resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (alen < sizeof (sa_family_t) || alen > sizeof ss || read_mem (req->pid, aptr, &ss, alen) < 0
      || notif_valid (s->listener, req->id) < 0)
    return true;
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
    return true;
  theirs = their_fd (req->pid, (int)req->data.args[0]);
  kind = theirs < 0 ? SK_OTHER : inet_socket_kind (theirs, &domain, &type, &proto);
  if (kind == SK_OTHER)
    return true; /* not an Internet socket of ours or theirs: the kernel refuses the address */
  resp->flags = 0;
  d = netsup_classify ((struct sockaddr *)&ss, (socklen_t)alen, s->o);
  if (d == DEST_REFUSED || (d == DEST_CONTAINER && kind == SK_HOST))
    {
      resp->error = is_connect ? -ECONNREFUSED : -EHOSTUNREACH;
      return true;
    }
  use = &theirs;
  if (kind == SK_CONTAINER && d != DEST_CONTAINER)
    {
      if ((domain == AF_INET) != (ss.ss_family == AF_INET))
        {
          resp->error = -EAFNOSUPPORT;
          return true;
        }
      mine = host_socket (s->cache, theirs, domain, type, proto, (struct sockaddr *)&ss,
                          (socklen_t)alen, d == DEST_HOST);
      if (mine < 0)
        {
          resp->error = -errno;
          return true;
        }
      use = &mine;
    }
  if (d == DEST_HOST_LOOPBACK)
    to_host_loopback (&ss);
  if (is_connect)
    return do_connect (s, req, use, use == &mine, &ss, (socklen_t)alen, resp);
  r = do_sendto (req, *use, &ss, (socklen_t)alen);
  if (r >= 0 && use == &mine
      && add_fd (s->listener, req->id, (pid_t)req->pid, (int)req->data.args[0], mine) < 0)
    r = -errno;
  if (r < 0)
    resp->error = (int)r;
  else
    resp->val = r;
  return true;
}

static void __attribute__ ((noreturn)) serve (struct sup *s)
{
  struct seccomp_notif_sizes sizes = { 0 };
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  struct pollfd p[PENDING_MAX + 1];

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    _exit (1);
  req = xcalloc (1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
  resp = xcalloc (1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp
                                                             : sizeof *resp);
  for (;;)
    {
      size_t np = 0;
      p[np++] = (struct pollfd){ s->listener, POLLIN, 0 };
      for (size_t i = 0; i < s->n_pend; i++)
        p[np++] = (struct pollfd){ s->pend[i].fd, POLLOUT, 0 };
      /* With connects pending, wake now and then to notice a caller
         gone or its time up. */
      if (poll (p, (nfds_t)np, s->n_pend ? 100 : -1) < 0)
        {
          if (errno == EINTR)
            continue;
          _exit (1);
        }
      if (s->n_pend)
        pending_sweep (s, p + 1, np - 1);
      if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
        _exit (0); /* no process holds the filter any more */
      if (!(p[0].revents & POLLIN))
        continue;
      memset (req, 0, sizes.seccomp_notif);
      if (ioctl (s->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
        continue;
      memset (resp, 0, sizes.seccomp_notif_resp);
      resp->id = req->id;
      if (handle (s, req, resp))
        ioctl (s->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
    }
}

static void __attribute__ ((noreturn))
supervisor_main (const struct netsup_opts *o, pid_t parent, int sock)
{
  struct sup *s = xcalloc (1, sizeof *s);
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC), fd = -1;
  char byte;

  *s = (struct sup){ .o = o,
                     .cache = xcalloc (1, sizeof (struct addr_cache)),
                     .connect_nr = sysnr_lookup ("connect", sysnr_native ()),
                     .sendto_nr = sysnr_lookup ("sendto", sysnr_native ()) };
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != parent)
    _exit (1);
  prctl (PR_SET_NAME, "crunlocal-netsup", 0, 0, 0);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (null, 2) < 0)
    _exit (1);
  if (sock != 3 && (dup2 (sock, 3) < 0 || close (sock) < 0))
    _exit (1);
  syscall (SYS_close_range, 4, ~0U, 0);
  if (pty_recv_fd (3, &byte, 1, &fd) != 1 || fd < 0)
    _exit (0); /* the container never got that far */
  close (3);
  s->listener = fd;
  serve (s);
}

int
netsup_start (const struct netsup_opts *o, int *sock, struct cl_error *err)
{
  pid_t parent = getpid (), child;
  int sv[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return cl_fail (err, errno, "socketpair");
  child = fork ();
  if (child < 0)
    {
      close (sv[0]), close (sv[1]);
      return cl_fail (err, errno, "fork the network supervisor");
    }
  if (child == 0)
    {
      close (sv[0]);
      supervisor_main (o, parent, sv[1]);
    }
  close (sv[1]);
  *sock = sv[0];
  return 0;
}

int
netsup_give (int sock, int listener, struct cl_error *err)
{
  char byte = 'L';
  ssize_t n = pty_send_fd (sock, &byte, 1, listener);
  int e = errno;

  close (listener);
  close (sock);
  if (n != 1)
    return cl_fail (err, e, "hand the listener to the network supervisor");
  return 0;
}
