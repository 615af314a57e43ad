/* Processes that reach into a container's network namespace from the
   caller of ns_start (run in the foreground, or the process that becomes
   the monitor): a short-lived one that configures links inside, and the
   -p forwarder that stays.  Both are forks of crunlocal running from its
   sealed copy (sealed.h); each is non-dumpable, holds no fd but its own,
   dies with its parent (PR_SET_PDEATHSIG) and joins the container's user
   namespace first when it has one of its own — setns(CLONE_NEWNET) needs
   CAP_SYS_ADMIN over the namespace's owner. */
#ifndef CL_FORWARD_H
#define CL_FORWARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "net.h"

/* Run fn(arg) in a child that has joined the network namespace of
   process `pid`; its failure comes back as ours. */
int forward_in_netns (pid_t pid, int (*fn) (void *arg, struct cl_error *err), void *arg,
                      struct cl_error *err);

/* Fork the forwarder: it keeps `listeners` (bound on the host for
   ports[i]), joins pid's network namespace, and per TCP connection
   connects from inside to addr:ports[i].port, copying both ways with
   splice from one epoll loop and half-closing on EOF; a UDP port relays
   datagrams per client.  It ends when process `pid` does.  Returns once
   it has joined (or failed to). */
int forward_start (pid_t pid, uint32_t addr, const struct net_port *ports, const int *listeners,
                   size_t n, struct cl_error *err);

#endif
