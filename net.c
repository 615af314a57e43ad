#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "container.h"
#include "forward.h"
#include "netlink.h"
#include "netrec.h"
#include "netsup.h"
#include "userns.h"
#include "util.h"

#define NET_DIR NETREC_DEFAULT_DIR
#define TABLE "crunlocal"
#define PREFIX 24
/* Rootless: the stub's address and its (absent) gateway, slirp4netns's. */
#define STUB_ADDR "10.0.2.100"
#define STUB_GW "10.0.2.2"
#define STUB_NET "10.0.2.0"

int
net_mode_parse (const char *s, enum net_mode *mode)
{
  if (strcmp (s, "host") == 0)
    *mode = NET_HOST;
  else if (strcmp (s, "none") == 0)
    *mode = NET_NONE;
  else if (strcmp (s, "private") == 0 || strcmp (s, "bridge") == 0
           || strcmp (s, "private:allow_host_loopback=true") == 0
           || strcmp (s, "private:allow_host_loopback=false") == 0)
    *mode = NET_PRIVATE;
  else if (str_has_prefix (s, "container:") && s[strlen ("container:")])
    *mode = NET_CONTAINER;
  else if (netrec_name_check (s, &(struct cl_error){ 0 }) == 0 || strcmp (s, NETREC_DEFAULT) == 0)
    *mode = NET_PRIVATE; /* a bridge network by name */
  else
    return -1;
  return 0;
}

const char *
net_name (const char *network)
{
  enum net_mode m;

  if (!network || net_mode_parse (network, &m) < 0 || m != NET_PRIVATE
      || strcmp (network, "private") == 0 || str_has_prefix (network, "private:")
      || strcmp (network, "bridge") == 0)
    return NETREC_DEFAULT;
  return network;
}

bool
net_allows_host_loopback (const char *s)
{
  return s && strcmp (s, "private:allow_host_loopback=true") == 0;
}

const char *
net_mode_name (enum net_mode mode)
{
  return mode == NET_NONE        ? "none"
         : mode == NET_PRIVATE   ? "private"
         : mode == NET_CONTAINER ? "container"
                                 : "host";
}

int
net_join_path (struct store *s, const char *network, char **net_path, char **id,
               struct cl_error *err)
{
  const char *what;
  struct container c = { 0 };
  int r;

  if (!network || !str_has_prefix (network, "container:"))
    return 0;
  what = network + strlen ("container:");
  r = container_find (s, what, &c, err);
  if (r == 1)
    r = cl_fail (err, 0, "--network container:%s: no such container", what);
  else if (r == 0 && !container_running (&c))
    r = cl_fail (err, 0, "--network container:%s: the container is not running", what);
  if (r == 0)
    {
      free (*net_path);
      *net_path = xasprintf ("/proc/%d/ns/net", c.pid);
      if (id)
        *id = xstrdup (c.id);
    }
  container_clear (&c);
  return r;
}

/* ---- ports ---- */

static int
port_range (const char *s, long *lo, long *hi)
{
  char *end;

  *lo = strtol (s, &end, 10);
  *hi = *lo;
  if (end != s && *end == '-')
    *hi = strtol (end + 1, &end, 10);
  return end != s && !*end && *lo >= 1 && *hi <= 65535 && *lo <= *hi ? 0 : -1;
}

int
net_parse_publish (const char *arg, struct net_port **ports, size_t *n, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  char *proto = strchr (copy, '/'), *last = strrchr (copy, ':'), *host = NULL, *ip = NULL;
  long lo, hi, hlo, hhi;
  struct in_addr a = { 0 };

  if (proto)
    *proto++ = '\0';
  if (proto && strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0)
    return cl_fail (err, 0, "invalid -p %s: the protocol is tcp or udp", arg);
  if (last)
    {
      *last = '\0';
      host = strrchr (copy, ':') ? strrchr (copy, ':') + 1 : copy;
      if (host != copy)
        host[-1] = '\0', ip = copy;
    }
  if (port_range (last ? last + 1 : copy, &lo, &hi) < 0
      || (host && *host && port_range (host, &hlo, &hhi) < 0))
    return cl_fail (err, 0,
                    "invalid -p %s: want [IP:][HOSTPORT:]PORT[/tcp|udp], ports 1-65535 "
                    "or ranges like 8000-8009",
                    arg);
  if (!host || !*host)
    hlo = lo, hhi = hi;
  if (hhi - hlo != hi - lo)
    return cl_fail (err, 0, "invalid -p %s: the host and container ranges differ in length", arg);
  if (ip && *ip && inet_pton (AF_INET, ip, &a) != 1)
    return cl_fail (err, 0, "invalid -p %s: %s is not an IPv4 address", arg, ip);
  for (long i = 0; i <= hi - lo; i++)
    {
      *ports = xrealloc (*ports, (*n + 1) * sizeof **ports);
      (*ports)[(*n)++] = (struct net_port){ .host_ip = a.s_addr,
                                            .host_port = (uint16_t)(hlo + i),
                                            .port = (uint16_t)(lo + i),
                                            .udp = proto && strcmp (proto, "udp") == 0 };
    }
  return 0;
}

char *
net_port_format (const struct net_port *p)
{
  char ip[INET_ADDRSTRLEN];
  struct in_addr a = { p->host_ip };

  inet_ntop (AF_INET, &a, ip, sizeof ip);
  return xasprintf ("%s:%u:%u/%s", ip, p->host_port, p->port, p->udp ? "udp" : "tcp");
}

int
net_port_parse_record (const char *s, struct net_port *p)
{
  struct net_port *v = NULL;
  size_t n = 0;
  struct cl_error ignored;
  int r = net_parse_publish (s, &v, &n, &ignored);

  if (r == 0 && n == 1)
    *p = v[0];
  free (v);
  return r == 0 && n == 1 ? 0 : -1;
}

/* ---- binding ---- */

static int
unprivileged_port_start (void)
{
  cleanup_file FILE *f = fopen ("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
  int v = 1024;

  if (f && fscanf (f, "%d", &v) != 1)
    v = 1024;
  return v;
}

/* Host port 0 (-P): the kernel's choice of a free one, written back. */
static int
bind_one (struct net_port *p, bool rootless, struct cl_error *err)
{
  struct sockaddr_in sa
      = { .sin_family = AF_INET, .sin_port = htons (p->host_port), .sin_addr = { p->host_ip } };
  int one = 1;
  cleanup_close int fd
      = socket (AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  cleanup_free char *name = net_port_format (p);

  if (fd < 0)
    return cl_fail (err, errno, "-p %s: socket", name);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    {
      int e = errno;
      if (e == EACCES && rootless && p->host_port < unprivileged_port_start ())
        return cl_fail (err, e,
                        "-p %s: host port %u is below net.ipv4.ip_unprivileged_port_start "
                        "(%d), which an unprivileged user may not bind",
                        name, p->host_port, unprivileged_port_start ());
      return cl_fail (err, e, "-p %s: cannot bind host port %u", name, p->host_port);
    }
  if (!p->udp && listen (fd, 4096) < 0)
    return cl_fail (err, errno, "-p %s: listen", name);
  if (p->host_port == 0)
    {
      socklen_t len = sizeof sa;
      if (getsockname (fd, (struct sockaddr *)&sa, &len) < 0)
        return cl_fail (err, errno, "-p %s: getsockname", name);
      p->host_port = ntohs (sa.sin_port);
    }
  return steal_fd (&fd);
}

int
net_bind_ports (struct net_attach *a, struct cl_error *err)
{
  a->listeners = xcalloc (a->n_ports + 1, sizeof *a->listeners);
  for (size_t i = 0; i < a->n_ports; i++)
    a->listeners[i] = -1;
  for (size_t i = 0; i < a->n_ports; i++)
    for (int tries = 0; (a->listeners[i] = bind_one (&a->ports[i], a->rootless, err)) < 0; tries++)
      {
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        if (!a->patient || err->errnum != EADDRINUSE || tries >= 50)
          return -1;
        nanosleep (&ts, NULL);
      }
  return 0;
}

int
net_attach_from_record (struct store *s, const struct container *c, bool patient,
                        struct net_attach *a, struct cl_error *err)
{
  *a = (struct net_attach){ .store = s,
                            .id = c->id,
                            .name = c->name,
                            .dir = c->dir,
                            .patient = patient,
                            .allow_host_loopback = net_allows_host_loopback (c->network),
                            .network = c->network,
                            .ip = c->net_ip,
                            .aliases = c->net_aliases,
                            .rootless = userns_host_euid () != 0 };
  if (!c->network || net_mode_parse (c->network, &a->mode) < 0 || a->mode != NET_PRIVATE)
    return 0;
  for (size_t i = 0; c->ports && c->ports[i]; i++)
    {
      a->ports = xrealloc (a->ports, (a->n_ports + 1) * sizeof *a->ports);
      if (net_port_parse_record (c->ports[i], &a->ports[a->n_ports]) < 0)
        return cl_fail (err, EINVAL, "container %s: bad port record %s", c->name, c->ports[i]);
      a->n_ports++;
    }
  return net_bind_ports (a, err);
}

static void
close_listeners (struct net_attach *a)
{
  for (size_t i = 0; a->listeners && i < a->n_ports; i++)
    if (a->listeners[i] >= 0)
      close (a->listeners[i]);
  free (a->listeners);
  a->listeners = NULL;
}

void
net_attach_clear (struct net_attach *a)
{
  close_listeners (a);
  if (a->sup_sock > 0)
    close (a->sup_sock - 1);
  a->sup_sock = 0;
}

void
net_attach_free (struct net_attach *a)
{
  net_attach_clear (a);
  free (a->ports);
  a->ports = NULL;
  a->n_ports = 0;
}

/* ---- the address lease ---- */

static uint32_t
ipv4 (const char *s)
{
  struct in_addr a = { 0 };

  inet_pton (AF_INET, s, &a);
  return a.s_addr;
}

static char *
ipv4_text (uint32_t addr, char buf[INET_ADDRSTRLEN])
{
  struct in_addr a = { addr };

  inet_ntop (AF_INET, &a, buf, INET_ADDRSTRLEN);
  return buf;
}

/* ipam: "IP ID PID START" per lease. */
uint32_t
net_ipam_pick (const char *ipam, uint32_t net, int prefix, uint32_t gateway,
               bool (*alive) (int pid, unsigned long long start))
{
  uint32_t size = 1U << (32 - prefix), base = ntohl (net);

  for (uint32_t host = 1; host < size - 1; host++)
    {
      uint32_t want = htonl (base + host);
      bool taken = want == gateway;
      for (const char *l = ipam; l && *l && !taken;
           l = strchr (l, '\n') ? strchr (l, '\n') + 1 : "")
        {
          char ip[32];
          int pid;
          unsigned long long start;
          if (sscanf (l, "%31s %*s %d %llu", ip, &pid, &start) == 3 && ipv4 (ip) == want)
            taken = alive (pid, start);
        }
      if (!taken)
        return want;
    }
  return 0;
}

static bool
lease_alive (int pid, unsigned long long start)
{
  return pid > 0 && container_pid_start (pid) == start;
}

/* --network-alias names, comma-separated ("-": none). */
static char *
aliases_field (char *const *aliases)
{
  char *out = xstrdup ("");

  for (size_t i = 0; aliases && aliases[i]; i++)
    {
      char *next = xasprintf ("%s%s%s", out, i ? "," : "", aliases[i]);
      free (out);
      out = next;
    }
  if (!*out)
    {
      free (out);
      out = xstrdup ("-");
    }
  return out;
}

/* The leases still alive, plus ours. */
static char *
ipam_renew (const char *old, uint32_t addr, const struct net_attach *a, pid_t pid)
{
  char ip[INET_ADDRSTRLEN];
  cleanup_free char *copy = xstrdup (old ? old : ""), *al = aliases_field (a->aliases);
  const char *id = a->id;
  char *save = NULL, *out = xasprintf ("%s %s %d %llu %s %s\n", ipv4_text (addr, ip), id, pid,
                                       container_pid_start (pid), a->name ? a->name : id, al);

  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      char lid[80];
      int lpid;
      unsigned long long start;
      if (sscanf (l, "%*s %79s %d %llu", lid, &lpid, &start) == 3 && strcmp (lid, id) != 0
          && lease_alive (lpid, start))
        {
          char *next = xasprintf ("%s%s\n", out, l);
          free (out);
          out = next;
        }
    }
  return out;
}

/* The network's config (made once): its bridge and subnet. */
struct network
{
  char bridge[IFNAMSIZ];
  uint32_t subnet, gateway;
  int prefix;
  bool internal;
  char dir[96]; /* in the store */
  char name[72];
};

/* Does a route of this namespace cover net/24, or is the bridge name
   taken?  /proc/net/route lists the main table. */
static bool
subnet_in_use (uint32_t net, const char *bridge)
{
  cleanup_file FILE *f = fopen ("/proc/net/route", "re");
  char line[256], ifname[64];
  unsigned dst, mask;

  if (if_nametoindex (bridge) > 0)
    return true;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "%63s %x %*x %*x %*d %*d %*d %x", ifname, &dst, &mask) == 3 && mask != 0
        && ((net ^ dst) & mask & htonl (0xffffff00)) == 0)
      return true;
  return false;
}

static int
network_load (struct store *s, const char *name, struct network *nw, struct cl_error *err)
{
  struct netrec r;
  cleanup_free char *dir = netrec_dir (name);
  int rc = netrec_load (s, name, &r, err);

  if (rc == 1)
    return cl_fail (err, 0, "network %s: no such network", name);
  if (rc < 0)
    return -1;
  memcpy (nw->bridge, r.bridge, sizeof nw->bridge);
  nw->subnet = r.subnet;
  nw->gateway = r.gateway;
  nw->prefix = r.prefix;
  nw->internal = r.internal;
  snprintf (nw->name, sizeof nw->name, "%s", name);
  snprintf (nw->dir, sizeof nw->dir, "%s", dir);
  netrec_clear (&r);
  return 0;
}

static int
network_ensure_config (struct store *s, struct network *nw, struct cl_error *err)
{
  cleanup_close int dfd = -1;
  char ip[INET_ADDRSTRLEN];

  if (faccessat (s->rootfd, NET_DIR "/config", F_OK, 0) == 0)
    return network_load (s, NETREC_DEFAULT, nw, err);
  for (unsigned i = 0; i < 256; i++)
    {
      cleanup_free char *text = NULL;
      snprintf (nw->bridge, sizeof nw->bridge, "crunlocal%u", i);
      nw->subnet = htonl (0x0a5a0000 | i << 8); /* 10.90.i.0 */
      if (subnet_in_use (nw->subnet, nw->bridge))
        continue;
      nw->gateway = htonl (ntohl (nw->subnet) + 1);
      if (mkdirat (s->rootfd, "networks", 0700) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "create networks/");
      if (mkdirat (s->rootfd, NET_DIR, 0700) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "create " NET_DIR);
      dfd = openat (s->rootfd, NET_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0)
        return cl_fail (err, errno, "open " NET_DIR);
      text
          = xasprintf ("bridge %s\nsubnet %s/%d\n", nw->bridge, ipv4_text (nw->subnet, ip), PREFIX);
      if (write_file_atomic_at (dfd, "config", text, strlen (text), 0644, true, err) < 0)
        return -1;
      return network_load (s, NETREC_DEFAULT, nw, err);
    }
  return cl_fail (err, EADDRNOTAVAIL, "no free /24 in 10.90.0.0/16 for the default network");
}

/* --ip: a host address of the subnet, not the gateway, and no other
   live container's. */
static int
ip_usable (const char *ipam, const struct network *nw, const char *ip, const char *id,
           struct cl_error *err)
{
  char sub[INET_ADDRSTRLEN];
  uint32_t want = ipv4 (ip);

  if (!want || !netrec_host_of (want, nw->subnet, nw->prefix) || want == nw->gateway)
    return cl_fail (err, 0, "--ip %s: not a free host address of network %s (%s/%d, gateway .%u)",
                    ip, nw->name, ipv4_text (nw->subnet, sub), nw->prefix,
                    ntohl (nw->gateway) & 0xff);
  for (const char *l = ipam; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : "")
    {
      char lip[32], lid[80], lname[256];
      int pid;
      unsigned long long start;
      if (sscanf (l, "%31s %79s %d %llu %255s", lip, lid, &pid, &start, lname) == 5
          && ipv4 (lip) == want && strcmp (lid, id) != 0 && lease_alive (pid, start))
        return cl_fail (err, 0, "--ip %s: the address is taken by container %s", ip, lname);
    }
  return 0;
}

static int
read_ipam (int dfd, char **out, struct cl_error *err)
{
  *out = NULL;
  if (read_file_at (dfd, "ipam", 1 << 20, out, NULL, err) < 0)
    {
      if (err->errnum != ENOENT)
        return -1;
      *out = NULL;
    }
  return 0;
}

/* *addr leased to process pid; *live: how many leases are live now,
   ours included (ipam_renew keeps only those). */
static int
lease (struct store *s, const struct network *nw, const struct net_attach *a, pid_t pid,
       uint32_t *addr, size_t *live, struct cl_error *err)
{
  cleanup_close int dfd = openat (s->rootfd, nw->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *old = NULL, *renewed = NULL;

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", nw->dir);
  if (read_ipam (dfd, &old, err) < 0)
    return -1;
  if (a->ip && ip_usable (old, nw, a->ip, a->id, err) < 0)
    return -1;
  *addr = a->ip ? ipv4 (a->ip)
                : net_ipam_pick (old, nw->subnet, nw->prefix, nw->gateway, lease_alive);
  if (!*addr)
    return cl_fail (err, EADDRNOTAVAIL, "the network has no free address");
  renewed = ipam_renew (old, *addr, a, pid);
  *live = 0;
  for (const char *l = strchr (renewed, '\n'); l; l = strchr (l + 1, '\n'))
    (*live)++;
  return write_file_atomic_at (dfd, "ipam", renewed, strlen (renewed), 0644, false, err);
}

/* ---- links ---- */

static int
talk (int protocol, struct nl_buf *b, int ok_errno, struct cl_error *err)
{
  cleanup_close int fd = nl_open (protocol, err);

  return fd < 0 ? -1 : nl_talk (fd, b, ok_errno, err);
}

static int
write_sysctl (const char *path, const char *v, struct cl_error *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write_all (fd, v, strlen (v), err) < 0)
    return cl_fail (err, errno, "write %s", path);
  return 0;
}

/* The chain is made with its one rule in one batch, so a chain that
   exists has it: only a missing one costs a commit (milliseconds, every
   run otherwise). */
static int
masquerade_ensure (const struct network *nw, struct cl_error *err)
{
  cleanup_nl_buf struct nl_buf b = { 0 };

  nl_nft_get_chain (&b, TABLE, nw->bridge);
  if (talk (NETLINK_NETFILTER, &b, 0, err) == 0)
    return 0;
  if (err->errnum != ENOENT)
    return -1;
  nl_buf_clear (&b);
  nl_nft_masquerade (&b, TABLE, nw->bridge, nw->subnet, nw->prefix);
  return talk (NETLINK_NETFILTER, &b, 0, err);
}

/* Isolation: nothing from this network's bridge is forwarded to another
   crunlocal network's (an internal network's: to anything), in a
   filter chain of its own, "BRIDGE-iso", made once as the nat chain is. */
static int
isolation_ensure (const struct network *nw, struct cl_error *err)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  char chain[IFNAMSIZ + 8];

  snprintf (chain, sizeof chain, "%s-iso", nw->bridge);
  nl_nft_get_chain (&b, TABLE, chain);
  if (talk (NETLINK_NETFILTER, &b, 0, err) == 0)
    return 0;
  if (err->errnum != ENOENT)
    return -1;
  nl_buf_clear (&b);
  nl_nft_isolate (&b, TABLE, chain, nw->bridge, nw->internal ? NULL : "crunlocal");
  return talk (NETLINK_NETFILTER, &b, 0, err);
}

int
net_teardown (const char *bridge, struct cl_error *err)
{
  char chain[IFNAMSIZ + 8];
  int idx = (int)if_nametoindex (bridge);

  snprintf (chain, sizeof chain, "%s-iso", bridge);
  for (int i = 0; i < 2; i++)
    {
      cleanup_nl_buf struct nl_buf b = { 0 };
      nl_nft_del_chain (&b, TABLE, i ? chain : bridge);
      if (talk (NETLINK_NETFILTER, &b, ENOENT, err) < 0)
        return cl_wrap (err, "delete chain %s of table ip " TABLE, i ? chain : bridge);
    }
  if (idx > 0)
    {
      cleanup_nl_buf struct nl_buf b = { 0 };
      nl_del_link (&b, idx);
      if (talk (NETLINK_ROUTE, &b, ENODEV, err) < 0)
        return cl_wrap (err, "delete bridge %s", bridge);
    }
  return 0;
}

static int
forwarding_on (struct cl_error *err)
{
  static const char path[] = "/proc/sys/net/ipv4/ip_forward";
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  char v = 0;

  if (fd >= 0 && read (fd, &v, 1) == 1 && v == '1')
    return 0;
  return write_sysctl (path, "1", err);
}

/* Is the bridge there, up, with the gateway address?  Two ioctls: every
   run after the first skips the netlink requests. */
static bool
bridge_ready (const struct network *nw)
{
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };

  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", nw->bridge);
  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP)
      || ioctl (fd, SIOCGIFADDR, &ifr) < 0)
    return false;
  return ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr == nw->gateway;
}

/* The bridge with its gateway address, up, unless it is already. */
static int
bridge_ensure (const struct network *nw, struct cl_error *err)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  int br;

  if (bridge_ready (nw))
    return 0;
  nl_new_bridge (&b, nw->bridge);
  if (talk (NETLINK_ROUTE, &b, EEXIST, err) < 0)
    return cl_wrap (err, "create bridge %s", nw->bridge);
  br = (int)if_nametoindex (nw->bridge);
  if (br <= 0)
    return cl_fail (err, errno, "bridge %s", nw->bridge);
  nl_buf_clear (&b);
  nl_new_addr (&b, br, nw->gateway, nw->prefix);
  nl_link_up (&b, br, 0);
  if (talk (NETLINK_ROUTE, &b, EEXIST, err) < 0)
    return cl_wrap (err, "address bridge %s", nw->bridge);
  return 0;
}

/* The bridge; the masquerade rule; the isolation chain; and forwarding
   on (host-wide, as podman and docker do).  Each idempotent. */
static int
network_ensure_links (const struct network *nw, struct cl_error *err)
{
  if (bridge_ensure (nw, err) < 0)
    return -1;
  if ((!nw->internal && masquerade_ensure (nw, err) < 0) || isolation_ensure (nw, err) < 0)
    return cl_wrap (err, "nf_tables table ip " TABLE);
  return nw->internal ? 0 : forwarding_on (err);
}

/* The host end of a container's veth (named after it) can outlive its
   last run by a moment: the kernel tears a network namespace down
   asynchronously.  A restart then finds the name taken: delete that
   stale link and make the pair again, once. */
static int
veth_again (struct nl_buf *b, const char *host, pid_t pid, int br, struct cl_error *err)
{
  int idx = (int)if_nametoindex (host);

  if (idx <= 0)
    return -1;
  nl_buf_clear (b);
  nl_del_link (b, idx);
  if (talk (NETLINK_ROUTE, b, ENODEV, err) < 0)
    return -1;
  nl_buf_clear (b);
  nl_new_veth_up (b, host, "eth0", pid, br);
  return talk (NETLINK_ROUTE, b, 0, err);
}

/* One message: the pair made, the host end enslaved, both ends up. */
static int
veth_to (const struct network *nw, const char *id, pid_t pid, struct cl_error *err)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  char host[IFNAMSIZ];
  int br = (int)if_nametoindex (nw->bridge);

  snprintf (host, sizeof host, "cl%.8s", id);
  if (br <= 0)
    return cl_fail (err, errno, "bridge %s", nw->bridge);
  nl_new_veth_up (&b, host, "eth0", pid, br);
  if (talk (NETLINK_ROUTE, &b, 0, err) < 0
      && (err->errnum != EEXIST || veth_again (&b, host, pid, br, err) < 0))
    return cl_wrap (err, "create veth %s on %s", host, nw->bridge);
  return 0;
}

/* Inside the container's namespace: eth0 (made there, or for the stub
   made here with its peer) addressed, up, with the default route. */
struct inside
{
  uint32_t addr, gateway; /* gateway 0: no default route (internal) */
  int prefix;
  bool stub;
};

static int
configure_inside (void *arg, struct cl_error *err)
{
  const struct inside *in = arg;
  cleanup_nl_buf struct nl_buf b = { 0 };
  int eth0, lo = (int)if_nametoindex ("lo");

  if (in->stub)
    {
      nl_new_veth (&b, "eth0", "eth0peer", 0);
      if (talk (NETLINK_ROUTE, &b, 0, err) < 0)
        return cl_wrap (err, "create the stub eth0");
      nl_buf_clear (&b);
      nl_link_up (&b, (int)if_nametoindex ("eth0peer"), 0);
    }
  eth0 = (int)if_nametoindex ("eth0");
  if (eth0 <= 0)
    return cl_fail (err, errno, "the container's eth0");
  nl_link_up (&b, lo, 0);
  nl_new_addr (&b, eth0, in->addr, in->prefix ? in->prefix : PREFIX);
  nl_link_up (&b, eth0, 0);
  if (in->gateway)
    nl_new_default_route (&b, in->gateway);
  if (talk (NETLINK_ROUTE, &b, 0, err) < 0)
    return cl_wrap (err, "configure the container's eth0");
  return 0;
}

/* Root: fn in the network namespace of process pid, by this thread
   going there and back (root may; a fork costs milliseconds). */
static int
in_netns_here (pid_t pid, int (*fn) (void *arg, struct cl_error *err), void *arg,
               struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/ns/net", pid);
  cleanup_close int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  cleanup_close int theirs = open (path, O_RDONLY | O_CLOEXEC);
  int r;

  if (self < 0 || theirs < 0)
    return cl_fail (err, errno, "open %s", self < 0 ? "/proc/self/ns/net" : path);
  if (setns (theirs, CLONE_NEWNET) < 0)
    return cl_fail (err, errno, "join the container's network namespace");
  r = fn (arg, err);
  if (setns (self, CLONE_NEWNET) < 0)
    return cl_fail (err, errno, "return from the container's network namespace");
  return r;
}

/* ---- names: every member's hosts lists the others ---- */

#define MEMBER_MARK "\t# network member"

struct member
{
  char ip[32], id[80], name[256], aliases[512];
};

static size_t
live_members (const char *ipam, struct member **out)
{
  cleanup_free char *copy = xstrdup (ipam ? ipam : "");
  char *save = NULL;
  size_t n = 0;

  *out = NULL;
  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      struct member m = { 0 };
      int pid;
      unsigned long long start;
      if (sscanf (l, "%31s %79s %d %llu %255s %511s", m.ip, m.id, &pid, &start, m.name, m.aliases)
              >= 5
          && lease_alive (pid, start))
        {
          *out = xrealloc (*out, (n + 1) * sizeof **out);
          (*out)[n++] = m;
        }
    }
  return n;
}

static int
read_all (int fd, char **out)
{
  size_t len = 0, cap = 4096;
  char *buf = xmalloc (cap);
  ssize_t n;

  while ((n = read (fd, buf + len, cap - len - 1)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || len + (size_t)n >= (1 << 20))
        {
          free (buf);
          return -1;
        }
      len += (size_t)n;
      if (cap - len < 2)
        buf = xrealloc (buf, cap *= 2);
    }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

/* The whole text first, then the truncation. */
static int
write_in_place (int fd, const char *path, const char *text, struct cl_error *err)
{
  if (pwrite (fd, text, strlen (text), 0) != (ssize_t)strlen (text)
      || ftruncate (fd, (off_t)strlen (text)) < 0)
    return cl_fail (err, errno, "rewrite %s", path);
  return 0;
}

/* hosts: the hostname's line names the container's address; `extra`
   (or NULL) is a line added after it.  In place, as every rewrite of
   the file (hosts_rewrite): the child may have bound it already, since
   it sets up its filesystem while this runs (ns.h, `alongside`).
   *members (when not NULL): does it list other members (a restarted
   container's may, from its last run)? */
static int
hosts_address (const char *dir, uint32_t addr, const char *extra, bool *members,
               struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("%s/hosts", dir);
  cleanup_close int fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *text = NULL, *out = NULL;
  char ip[INET_ADDRSTRLEN];
  char *line;

  if (fd < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open %s", path); /* --no-hosts */
  if (read_all (fd, &text) < 0)
    return cl_fail (err, errno, "read %s", path);
  if (members)
    *members = strstr (text, MEMBER_MARK) != NULL;
  line = strstr (text, "127.0.1.1\t");
  if (!line)
    return 0;
  *line = '\0';
  out = xasprintf ("%s%s%s%s", text, ipv4_text (addr, ip), line + strlen ("127.0.1.1"),
                   extra ? extra : "");
  return write_in_place (fd, path, out, err);
}

/* In place: the bind mount pins the inode, so a rename would not be
   seen inside. */
static int
hosts_rewrite (int rootfd, const struct member *self, const struct member *all, size_t n,
               struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("containers/%s/hosts", self->id);
  cleanup_close int fd = openat (rootfd, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *text = NULL;
  char *out, *save = NULL;
  int r;

  if (fd < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open %s", path);
  if (read_all (fd, &text) < 0)
    return cl_fail (err, errno, "read %s", path);
  out = xstrdup ("");
  for (char *l = strtok_r (text, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    if (!strstr (l, MEMBER_MARK))
      {
        char *next = xasprintf ("%s%s\n", out, l);
        free (out);
        out = next;
      }
  for (size_t i = 0; i < n; i++)
    if (strcmp (all[i].id, self->id) != 0)
      {
        bool named = strncmp (all[i].name, all[i].id, 12) != 0;
        cleanup_free char *al = xstrdup (strcmp (all[i].aliases, "-") == 0 ? "" : all[i].aliases);
        for (char *c = strchr (al, ','); c; c = strchr (c, ','))
          *c = ' ';
        char *next
            = xasprintf ("%s%s\t%s%s%.12s%s%s" MEMBER_MARK "\n", out, all[i].ip,
                         named ? all[i].name : "", named ? " " : "", all[i].id, *al ? " " : "", al);
        free (out);
        out = next;
      }
  r = write_in_place (fd, path, out, err);
  free (out);
  return r;
}

/* Under the network lock: the members of the network in `dir`. */
static int
members_refresh (struct store *s, const char *dir, struct cl_error *err)
{
  cleanup_free char *ipam = NULL, *path = xasprintf ("%s/ipam", dir);
  cleanup_free struct member *m = NULL;
  size_t n;

  if (read_file_at (s->rootfd, path, 1 << 20, &ipam, NULL, err) < 0)
    return err->errnum == ENOENT ? 0 : -1;
  n = live_members (ipam, &m);
  for (size_t i = 0; i < n; i++)
    if (hosts_rewrite (s->rootfd, &m[i], m, n, err) < 0)
      return -1;
  return 0;
}

int
net_forget (struct store *s, struct cl_error *err)
{
  cleanup_close int lock = -1;
  struct netrec *v = NULL;
  size_t n = 0;
  int r = 0;

  if (faccessat (s->rootfd, NET_DIR "/ipam", F_OK, 0) < 0
      && faccessat (s->rootfd, "networks", F_OK, 0) < 0)
    return 0;
  lock = store_lock (s, "network", true, err);
  if (lock < 0 || netrec_list (s, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      cleanup_free char *dir = netrec_dir (v[i].name);
      r = members_refresh (s, dir, err);
    }
  netrec_list_free (v, n);
  return r;
}

static int
attach_root (struct net_attach *a, pid_t pid, struct cl_error *err)
{
  cleanup_close int lock = store_lock (a->store, "network", true, err);
  const char *name = net_name (a->network);
  bool dflt = strcmp (name, NETREC_DEFAULT) == 0;
  struct network nw;
  struct inside in;
  size_t live = 0;
  bool listed = false;

  if (lock < 0
      || (dflt ? network_ensure_config (a->store, &nw, err)
               : network_load (a->store, name, &nw, err))
             < 0)
    return dflt ? cl_wrap (err, "the default network") : -1;
  if (lease (a->store, &nw, a, pid, &a->addr, &live, err) < 0)
    return cl_wrap (err, "network %s", name);
  if (network_ensure_links (&nw, err) < 0 || veth_to (&nw, a->id, pid, err) < 0)
    return -1;
  in = (struct inside){ .addr = a->addr,
                        .gateway = nw.internal ? 0 : nw.gateway,
                        .prefix = nw.prefix };
  if (in_netns_here (pid, configure_inside, &in, err) < 0
      || (a->dir && hosts_address (a->dir, a->addr, NULL, &listed, err) < 0))
    return -1;
  /* Alone on the network, and ours lists no one: no hosts changes. */
  return live > 1 || listed ? members_refresh (a->store, nw.dir, err) : 0;
}

/* ---- for `network` (netcmd.c) and inspect ---- */

int
net_default_ensure (struct store *s, struct cl_error *err)
{
  struct network nw;

  return network_ensure_config (s, &nw, err);
}

bool
net_host_taken (uint32_t net, int prefix, const char *bridge)
{
  cleanup_file FILE *f = NULL;
  char line[256], ifname[64];
  unsigned dst, mask;

  if (bridge)
    return if_nametoindex (bridge) > 0;
  f = fopen ("/proc/net/route", "re");
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "%63s %x %*x %*x %*d %*d %*d %x", ifname, &dst, &mask) == 3 && mask != 0
        && netrec_overlap (dst, __builtin_popcount (mask), net, prefix))
      return true;
  return false;
}

void
net_members_free (struct net_member *m, size_t n)
{
  (void)n;
  free (m);
}

int
net_members (struct store *s, const char *name, struct net_member **out, size_t *n,
             struct cl_error *err)
{
  cleanup_free char *dir = netrec_dir (name), *path = xasprintf ("%s/ipam", dir);
  cleanup_free char *ipam = NULL;
  cleanup_free struct member *m = NULL;

  *out = NULL;
  *n = 0;
  if (read_file_at (s->rootfd, path, 1 << 20, &ipam, NULL, err) < 0)
    return err->errnum == ENOENT ? 0 : -1;
  *n = live_members (ipam, &m);
  *out = xcalloc (*n + 1, sizeof **out);
  for (size_t i = 0; i < *n; i++)
    {
      struct net_member *o = &(*out)[i];
      snprintf (o->ip, sizeof o->ip, "%s", m[i].ip);
      snprintf (o->id, sizeof o->id, "%s", m[i].id);
      snprintf (o->name, sizeof o->name, "%s", m[i].name);
      snprintf (o->aliases, sizeof o->aliases, "%s",
                strcmp (m[i].aliases, "-") == 0 ? "" : m[i].aliases);
    }
  return 0;
}

int
net_check_ip (struct store *s, const char *network, const char *ip, const char *id,
              struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "network", true, err);
  const char *name = net_name (network);
  cleanup_free char *ipam = NULL;
  cleanup_close int dfd = -1;
  struct network nw;

  if (lock < 0
      || (strcmp (name, NETREC_DEFAULT) == 0 ? network_ensure_config (s, &nw, err)
                                             : network_load (s, name, &nw, err))
             < 0)
    return -1;
  dfd = openat (s->rootfd, nw.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0 && read_ipam (dfd, &ipam, err) < 0)
    return -1;
  return ip ? ip_usable (ipam, &nw, ip, id ? id : "-", err) : 0;
}

static struct netsup_opts
stub_netsup_opts (bool allow_host_loopback)
{
  return (struct netsup_opts){ .stub_net = ipv4 (STUB_NET),
                               .stub_gw = ipv4 (STUB_GW),
                               .stub_prefix = PREFIX,
                               .allow_host_loopback = allow_host_loopback };
}

/* The stub eth0, and the supervisor that takes the filter's listener
   once the child has it. */
static int
attach_rootless (struct net_attach *a, pid_t pid, struct cl_error *err)
{
  struct inside in = { .addr = ipv4 (STUB_ADDR), .gateway = ipv4 (STUB_GW), .stub = true };
  struct netsup_opts o = stub_netsup_opts (a->allow_host_loopback);
  int sock;

  a->addr = in.addr;
  if (forward_in_netns (pid, configure_inside, &in, err) < 0
      || (a->dir
          && hosts_address (a->dir, a->addr,
                            a->allow_host_loopback ? STUB_GW "\thost.containers.internal\n" : NULL,
                            NULL, err)
                 < 0))
    return -1;
  if (netsup_start (&o, &sock, err) < 0)
    return -1;
  if (a->sup_sock > 0)
    close (a->sup_sock - 1);
  a->sup_sock = sock + 1;
  return 0;
}

int
net_attach_hook (pid_t pid, void *arg, struct cl_error *err)
{
  struct net_attach *a = arg;
  int r;

  if (a->mode != NET_PRIVATE)
    r = 0;
  else if (!a->rootless)
    r = attach_root (a, pid, err);
  else
    r = attach_rootless (a, pid, err);
  if (r == 0 && a->n_ports > 0)
    r = forward_start (pid, a->addr, a->ports, a->listeners, a->n_ports, err);
  /* The forwarder holds them now. */
  close_listeners (a);
  return r;
}

static int
take_listener (int fd, void *arg, struct cl_error *err)
{
  struct net_attach *a = arg;
  int sock = a->sup_sock - 1;

  a->sup_sock = 0;
  if (sock < 0)
    {
      close (fd);
      return cl_fail (err, 0, "no network supervisor for the container");
    }
  return netsup_give (sock, fd, err);
}

int
net_exec_hook (const struct container *c, struct net_attach *a, struct ns_hook *h,
               const struct ns_hook *next, struct cl_error *err)
{
  struct netsup_opts o = stub_netsup_opts (net_allows_host_loopback (c->network));
  int sock;

  *a = (struct net_attach){ .rootless = userns_host_euid () != 0 };
  *h = (struct ns_hook){ .next = next };
  if (!a->rootless || !c->network || net_mode_parse (c->network, &a->mode) < 0
      || a->mode != NET_PRIVATE)
    return 0;
  if (netsup_start (&o, &sock, err) < 0)
    return -1;
  a->sup_sock = sock + 1;
  h->arg = a;
  h->listener = take_listener;
  return 0;
}

void
net_hook_init (struct ns_hook *h, struct net_attach *a, const struct ns_hook *next)
{
  /* Root's runs alongside (ns.h): it rewrites the hosts file the child
     binds only in place.  A user's not: its forwarder and stub join the
     child's namespaces through /proc/PID/ns, which the child's own set-up
     (its credentials changed) may close to us meanwhile. */
  *h = (struct ns_hook){ .fn = net_attach_hook,
                         .arg = a,
                         .next = next,
                         .alongside = !a->rootless,
                         .listener = a->mode == NET_PRIVATE && a->rootless ? take_listener : NULL };
}

int
net_container_info (struct store *s, const struct container *c, struct net_info *out)
{
  enum net_mode m;
  const char *name;
  struct netrec r;
  struct net_member *mem = NULL;
  size_t n = 0;
  struct cl_error ignored;
  bool running = container_running (c);

  memset (out, 0, sizeof *out);
  if (!c->network || net_mode_parse (c->network, &m) < 0 || m != NET_PRIVATE)
    return 1;
  if (userns_host_euid () != 0)
    {
      snprintf (out->network, sizeof out->network, "private");
      snprintf (out->ip, sizeof out->ip, "%s", running ? STUB_ADDR : "");
      snprintf (out->gateway, sizeof out->gateway, "%s", running ? STUB_GW : "");
      out->prefix = running ? PREFIX : 0;
      return 0;
    }
  name = net_name (c->network);
  snprintf (out->network, sizeof out->network, "%s", name);
  if (netrec_load (s, name, &r, &ignored) != 0)
    return 0;
  snprintf (out->id, sizeof out->id, "%s", r.id);
  if (running && net_members (s, name, &mem, &n, &ignored) == 0)
    for (size_t i = 0; i < n; i++)
      if (strcmp (mem[i].id, c->id) == 0)
        {
          char gw[INET_ADDRSTRLEN];
          snprintf (out->ip, sizeof out->ip, "%s", mem[i].ip);
          snprintf (out->gateway, sizeof out->gateway, "%s",
                    r.internal ? "" : ipv4_text (r.gateway, gw));
          out->prefix = r.prefix;
        }
  net_members_free (mem, n);
  netrec_clear (&r);
  return 0;
}
