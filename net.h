/* A container's network: the modes (host, none, private), published
   ports, and what `private` sets up around ns_start.

   Root, private: one bridge per store network (`crunlocalN`, a /24 out of
   10.90.0.0/16 that no host route covers — not podman's 10.88/16, not
   docker's 172.17/16), a veth pair per container whose `eth0` is made
   straight into the container's network namespace, an address leased
   from networks/default/ipam in the store under locks/network, a default
   route via the bridge, and one masquerade rule in crunlocal's own
   nf_tables table `ip crunlocal` (netlink.h).  A lease names the
   container's process (pid + start time): it is free again once that
   process is gone, however it went (rm, exit, a monitor killed with
   -9), so nothing has to release it.

   Rootless, private: the namespace has lo and a stub eth0 (a veth pair
   with both ends inside: CONFIG_DUMMY is often off) with 10.0.2.100/24
   and a default route via 10.0.2.2; outbound connections and datagrams
   go through host sockets swapped in by the network supervisor
   (netsup.h).

   -p, both: the host ports are bound before the container starts (a
   busy port fails the run with nothing made); then a forwarder process
   (forward.c), forked between clone and "go", holds the listening
   sockets, joins the container's network namespace and per connection
   connects from inside to the container's eth0 address (a server bound
   to the container's 127.0.0.1 is not published, as with docker). */
#ifndef CL_NET_H
#define CL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ns.h"
#include "store.h"

enum net_mode
{
  NET_HOST,
  NET_NONE,
  NET_PRIVATE,
  NET_CONTAINER, /* container:NAME|ID — another container's namespace */
};

/* "host", "none", "private" (also "bridge", podman's name for it),
   "private:allow_host_loopback=true|false", "container:X", or the name
   of a bridge network (netrec.h; root): private, on that network. */
int net_mode_parse (const char *s, enum net_mode *mode);
/* The bridge network a recorded or given --network means: its name, or
   the default's ("crunlocal") for private, bridge and NULL. */
const char *net_name (const char *network);
/* Does the mode as given opt in to the host's loopback (rootless: the
   gateway 10.0.2.2 stands for the host's 127.0.0.1; netsup.h)? */
bool net_allows_host_loopback (const char *s);
const char *net_mode_name (enum net_mode mode);

/* One published port.  Addresses in network order; host_ip 0: any. */
struct net_port
{
  uint32_t host_ip;
  uint16_t host_port, port;
  bool udp;
};

/* -p [IP:][HOST:]CONTAINER[/tcp|/udp], where HOST and CONTAINER may be
   ranges (8000-8009) of the same length; no HOST: the same number.
   Appends to *ports. */
int net_parse_publish (const char *arg, struct net_port **ports, size_t *n, struct cl_error *err);
/* The record's form, "0.0.0.0:8080:80/tcp", and back (an old record's
   "80/tcp" is 80 on 80). */
char *net_port_format (const struct net_port *p);
int net_port_parse_record (const char *s, struct net_port *p);

struct container;

/* What ns_start's hook needs (ns.h) to put a container on its network. */
struct net_attach
{
  enum net_mode mode;
  struct store *store;
  const char *id;       /* the container's */
  const char *name;     /* its name, for the other members' /etc/hosts */
  const char *dir;      /* its directory: hosts is rewritten with its address */
  const char *network;  /* --network as recorded (net_name), NULL: the default */
  const char *ip;       /* --ip, or NULL: the lowest free address */
  char *const *aliases; /* --network-alias names, for the members' hosts */
  bool rootless;
  struct net_port *ports;
  size_t n_ports;
  int *listeners; /* one per port, bound by net_bind_ports */
  uint32_t addr;  /* eth0's, once attached */
  bool patient;   /* net_bind_ports retries a busy port for a few seconds */
  bool allow_host_loopback;
  int sup_sock; /* rootless: where the filter's listener goes, + 1 (0: none) */
};

/* `exec` into container c: when its network needs a supervisor (rootless
   private), start one for the new process here, still outside its
   namespaces, and make *h (before `next`) hand it the listener; else *h
   only chains to `next`.  net_attach_clear(a) afterwards. */
int net_exec_hook (const struct container *c, struct net_attach *a, struct ns_hook *h,
                   const struct ns_hook *next, struct cl_error *err);

/* The ns_start hook for `a`, before `next`; rootless private, it asks
   for the network filter's listener (ns.h) for the supervisor. */
void net_hook_init (struct ns_hook *h, struct net_attach *a, const struct ns_hook *next);

/* Close the listeners (the forwarder has its own) and an ungiven
   supervisor socket; _free: and the ports net_attach_from_record
   allocated. */
void net_attach_clear (struct net_attach *a);
void net_attach_free (struct net_attach *a);

/* For `start`: the attach a container record (container.h) asks for,
   its ports bound.  `patient`: a busy port is waited for a moment (a
   restart's old forwarder may still hold it). */
int net_attach_from_record (struct store *s, const struct container *c, bool patient,
                            struct net_attach *a, struct cl_error *err);

/* Bind every published port (before the container exists): a busy one
   fails naming it; a rootless one below the unprivileged start names
   net.ipv4.ip_unprivileged_port_start. */
int net_bind_ports (struct net_attach *a, struct cl_error *err);

/* ns_start's hook: the child `pid` exists, its command has not started.
   Lease an address, make the links and routes, fork the forwarder. */
int net_attach_hook (pid_t pid, void *arg, struct cl_error *err);

/* `network` as recorded ("container:ID"; anything else: nothing to do):
   the path of that container's network namespace, which must be
   running, into *net_path (replacing it); its full ID into *id when id
   is not NULL. */
int net_join_path (struct store *s, const char *network, char **net_path, char **id,
                   struct cl_error *err);

/* After a container is removed: the other members' /etc/hosts lose its
   name (every running member's hosts lists the others, rewritten in
   place under the network lock when one joins or is removed). */
int net_forget (struct store *s, struct cl_error *err);

/* For the unit tests: the lowest free address of net/prefix (.1 is the
   gateway) in an ipam text whose live leases `alive` says are taken;
   0 when full. */
uint32_t net_ipam_pick (const char *ipam, uint32_t net, int prefix, uint32_t gateway,
                        bool (*alive) (int pid, unsigned long long start));

/* ---- for `network` (netcmd.c), run's checks and inspect ---- */

/* Under the network lock: the default network's config, made on first
   use (its bridge and subnet chosen). */
int net_default_ensure (struct store *s, struct cl_error *err);
/* netrec_taken_fn over this namespace: a main-table route overlapping
   net/prefix, or a link named `bridge`. */
bool net_host_taken (uint32_t net, int prefix, const char *bridge);
/* Remove a network's kernel side: its nat and isolation chains in
   `ip crunlocal`, and the bridge (each may be missing). */
int net_teardown (const char *bridge, struct cl_error *err);

/* The running members of network `name` (under the network lock, or
   racing harmlessly: a snapshot). */
struct net_member
{
  char ip[32], id[80], name[256], aliases[512]; /* aliases comma-separated */
};
int net_members (struct store *s, const char *name, struct net_member **m, size_t *n,
                 struct cl_error *err);
void net_members_free (struct net_member *m, size_t n);
/* run before the container exists: the network exists, and --ip (or
   NULL) is a host address of its subnet that no running container
   (other than `id`) holds; one line when not (the attach checks again
   under the lock). */
int net_check_ip (struct store *s, const char *network, const char *ip, const char *id,
                  struct cl_error *err);

/* inspect's NetworkSettings: the bridge network container c is on and,
   while it runs, its address there; 1 when it is on none. */
struct net_info
{
  char network[72], id[65], ip[32], gateway[32];
  int prefix;
};
int net_container_info (struct store *s, const struct container *c, struct net_info *out);

#endif
