/* Rootless outbound with no helper binary and no tun: the network
   supervisor.  A rootless private container's processes carry a seccomp
   user-notification filter (seccomp.h) that sends connect(), and
   sendto() with an address, here.  For a destination outside the
   container (anything but its loopback, its own stub subnet, multicast
   and broadcast) the supervisor opens a socket of the same domain, type
   and protocol in the host's network namespace, copies the options that
   matter, binds it to the interface the host would route the destination
   through (SO_BINDTOIFINDEX), performs the connect() or sendto() itself
   with the address it read and checked, and swaps its socket over the
   container's descriptor (SECCOMP_IOCTL_NOTIF_ADDFD with
   SECCOMP_ADDFD_FLAG_SETFD).  It never lets the kernel carry on with an
   Internet address (SECCOMP_USER_NOTIF_FLAG_CONTINUE would read it again
   from the caller's memory, where a second thread may have swapped it
   after the check): a call that stays inside is performed here too, on a
   copy of the caller's own socket (pidfd_getfd), which still lives in
   the container's namespace.  A blocking connect() is started
   non-blocking and answered when it ends (or the caller's SO_SNDTIMEO
   runs out), so one slow peer holds up no other call.  Only calls with
   no Internet address or on no Internet stream/datagram socket (AF_UNIX
   paths, which resolve in the caller's mounts) continue in the kernel;
   a thread that dup2()s a host socket over the descriptor meanwhile
   gets one bound to an outside interface, which cannot reach the host's
   loopback and which only CAP_NET_RAW over the host's namespace could
   unbind.  A host socket aimed back inside (127.0.0.1, the stub) is
   refused.  A host socket reaches what the user's own processes could
   reach over that interface, nothing more: the kernel, not the
   supervisor, checks the privileged-port and routing rules.

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
