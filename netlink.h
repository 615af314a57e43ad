/* Netlink, written directly: building rtnetlink and nf_tables messages
   into a buffer, and sending them over a socket with every reply
   checked.  No libmnl (no static archive on Debian) and no libnftnl
   (GPL): the few messages crunlocal needs are below, each a pure
   function of its arguments so the unit tests can read the bytes back.

   Numbers in nf_tables attributes are big-endian; rtnetlink's are the
   host's order.  A nested attribute carries NLA_F_NESTED. */
#ifndef CL_NETLINK_H
#define CL_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct nl_buf
{
  unsigned char *data;
  size_t len, cap;
  size_t msg;   /* offset of the message being built */
  uint32_t seq; /* of the last message begun */
};

void nl_buf_clear (struct nl_buf *b);
#define cleanup_nl_buf __attribute__ ((cleanup (nl_buf_clear)))

/* A message of `type` with its family header (`hdr`, `hdrlen` bytes);
   NLM_F_REQUEST and NLM_F_ACK are added.  Attributes go into the last
   message begun. */
void nl_msg_begin (struct nl_buf *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen);
void nl_put (struct nl_buf *b, uint16_t type, const void *data, size_t len);
void nl_put_u32 (struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_be32 (struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_str (struct nl_buf *b, uint16_t type, const char *s);
size_t nl_nest_begin (struct nl_buf *b, uint16_t type);
void nl_nest_end (struct nl_buf *b, size_t nest);

/* Messages (addresses are IPv4 in network order). */
void nl_new_bridge (struct nl_buf *b, const char *name);
/* A veth pair: `name` here, `peer` in the network namespace of process
   `peer_pid` (0: here as well). */
void nl_new_veth (struct nl_buf *b, const char *name, const char *peer, pid_t peer_pid);
/* The same, with `name` up and (master > 0) enslaved to the bridge of
   that index, in one message (master < 0: nl_new_veth). */
void nl_new_veth_up (struct nl_buf *b, const char *name, const char *peer, pid_t peer_pid,
                     int master);
/* Up, and (master > 0) enslaved to the bridge of that index. */
void nl_link_up (struct nl_buf *b, int ifindex, int master);
/* RTM_DELLINK of the link `ifindex`. */
void nl_del_link (struct nl_buf *b, int ifindex);
void nl_new_addr (struct nl_buf *b, int ifindex, uint32_t addr, int prefix);
void nl_new_default_route (struct nl_buf *b, uint32_t gateway);
/* One atomic nf_tables batch: table `ip TABLE` and its base chain
   CHAIN (nat, postrouting) made if missing, the chain emptied, and one
   rule `ip saddr NET/PREFIX ip daddr != NET/PREFIX masquerade`.  It
   names no other table. */
void nl_nft_masquerade (struct nl_buf *b, const char *table, const char *chain, uint32_t net,
                        int prefix);

/* One atomic batch: the base chain CHAIN (filter, forward) of `ip TABLE`
   made if missing and emptied, with one rule that drops what comes in
   from `bridge` and goes out another interface — only one whose name
   starts with `prefix` (another crunlocal network's bridge), or with
   prefix NULL any other (an internal network reaches nothing). */
void nl_nft_isolate (struct nl_buf *b, const char *table, const char *chain, const char *bridge,
                     const char *prefix);
/* One batch emptying and deleting chain CHAIN of `ip TABLE` (ENOENT
   when it is not there). */
void nl_nft_del_chain (struct nl_buf *b, const char *table, const char *chain);

/* A read-only question: does chain CHAIN of `ip TABLE` exist?  (The
   acknowledgement is ENOENT when not.)  Asking costs no commit, where
   every batch above waits for the ruleset's generation to turn over. */
void nl_nft_get_chain (struct nl_buf *b, const char *table, const char *chain);

/* A NETLINK_ROUTE or NETLINK_NETFILTER socket. */
int nl_open (int protocol, struct cl_error *err);
/* Send every message in b and wait for each one's acknowledgement; the
   first error fails, with the kernel's own message when it gives one.
   `ok_errno`: an errno taken as success (EEXIST for idempotent makes),
   or 0. */
int nl_talk (int fd, struct nl_buf *b, int ok_errno, struct cl_error *err);

#endif
