/* Rootless outbound with no helper binary and no tun: the network
   supervisor.  A rootless private container's processes carry a seccomp
   user-notification filter (seccomp.h) that sends connect(), and
   sendto() with an address, here.  For a destination outside the
   container (anything but its loopback, its own stub subnet, multicast
   and broadcast) the supervisor opens a socket of the same domain, type
   and protocol in the host's network namespace, copies the options that
   matter, binds it to the interface the host would route the destination
   through (SO_BINDTOIFINDEX), swaps it over the container's descriptor
   (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SETFD) and lets the
   kernel carry on with the call on it (bypass4netns's design).

   Why continuing is safe here although the kernel re-reads the address
   (and the descriptor table) after our check: the confinement does not
   rest on the check.  A socket bound to a non-loopback interface cannot
   reach the host's loopback, whatever address a racing thread writes or
   whichever of its host sockets it dup2()s in, and it can be unbound
   only with CAP_NET_RAW over the host's namespace, which the container
   never has.  A host socket reaches what the user's own processes could
   reach over that interface, nothing more: the kernel, not the
   supervisor, checks the privileged-port and routing rules.  Calls that
   stay inside (AF_UNIX, the container's loopback) continue on the
   container's own socket in its own namespaces, as without the filter.

   The host's loopback is reached only with the opt-in
   (--network private:allow_host_loopback=true, slirp4netns's
   spelling): the stub gateway 10.0.2.2 then stands for the host's
   127.0.0.1; that one call is done here with the address rewritten, on
   an unbound socket.  Without it 10.0.2.2 is refused.  The supervisor is
   a fork of the process that starts the container, in the host's
   network namespace; it ends when every process holding the filter has
   (the listener hangs up) or with its parent. */
#ifndef CL_NETSUP_H
#define CL_NETSUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

struct netsup_opts
{
  uint32_t stub_net, stub_gw; /* network order */
  int stub_prefix;
  bool allow_host_loopback;
};

enum netsup_dest
{
  DEST_CONTAINER,     /* stays inside: the call continues unchanged */
  DEST_HOST,          /* out through a host socket */
  DEST_HOST_LOOPBACK, /* the gateway, opted in: the host's loopback */
  DEST_REFUSED,       /* the gateway, not opted in */
};

/* What a destination address means (pure: the unit tests call it). */
enum netsup_dest netsup_classify (const struct sockaddr *sa, socklen_t len,
                                  const struct netsup_opts *o);

/* Fork the supervisor; *sock is where its listener goes (netsup_give).
   Closing *sock without giving one ends it. */
int netsup_start (const struct netsup_opts *o, int *sock, struct cl_error *err);

/* Hand it the filter's listener; closes both fds. */
int netsup_give (int sock, int listener, struct cl_error *err);

#endif
