#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

void
nl_buf_clear (struct nl_buf *b)
{
  free (b->data);
  *b = (struct nl_buf){ 0 };
}

static void *
reserve (struct nl_buf *b, size_t n)
{
  size_t need = b->len + NLMSG_ALIGN (n);
  void *p;

  if (need > b->cap)
    {
      b->cap = need > 2 * b->cap ? need + 256 : 2 * b->cap;
      b->data = xrealloc (b->data, b->cap);
    }
  p = b->data + b->len;
  memset (p, 0, NLMSG_ALIGN (n));
  b->len = need;
  return p;
}

static struct nlmsghdr *
current (struct nl_buf *b)
{
  return (struct nlmsghdr *)(b->data + b->msg);
}

void
nl_msg_begin (struct nl_buf *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen)
{
  struct nlmsghdr *h;

  b->msg = b->len;
  h = reserve (b, sizeof *h);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  h->nlmsg_seq = ++b->seq;
  if (hdrlen)
    memcpy (reserve (b, hdrlen), hdr, hdrlen);
  current (b)->nlmsg_len = (uint32_t)(b->len - b->msg);
}

void
nl_put (struct nl_buf *b, uint16_t type, const void *data, size_t len)
{
  struct nlattr *a = reserve (b, NLA_HDRLEN + len);

  a->nla_type = type;
  a->nla_len = (uint16_t)(NLA_HDRLEN + len);
  if (len)
    memcpy ((unsigned char *)a + NLA_HDRLEN, data, len);
  current (b)->nlmsg_len = (uint32_t)(b->len - b->msg);
}

void
nl_put_u32 (struct nl_buf *b, uint16_t type, uint32_t v)
{
  nl_put (b, type, &v, sizeof v);
}

void
nl_put_be32 (struct nl_buf *b, uint16_t type, uint32_t v)
{
  nl_put_u32 (b, type, htonl (v));
}

void
nl_put_str (struct nl_buf *b, uint16_t type, const char *s)
{
  nl_put (b, type, s, strlen (s) + 1);
}

size_t
nl_nest_begin (struct nl_buf *b, uint16_t type)
{
  size_t at = b->len;

  nl_put (b, type | NLA_F_NESTED, NULL, 0);
  return at;
}

void
nl_nest_end (struct nl_buf *b, size_t nest)
{
  struct nlattr *a = (struct nlattr *)(b->data + nest);

  a->nla_len = (uint16_t)(b->len - nest);
}

/* ---- rtnetlink ---- */

static void
link_msg (struct nl_buf *b, uint16_t flags, int ifindex)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

  nl_msg_begin (b, RTM_NEWLINK, flags, &ifi, sizeof ifi);
}

void
nl_new_bridge (struct nl_buf *b, const char *name)
{
  uint8_t off = 0;
  size_t info, data;

  link_msg (b, NLM_F_CREATE | NLM_F_EXCL, 0);
  nl_put_str (b, IFLA_IFNAME, name);
  info = nl_nest_begin (b, IFLA_LINKINFO);
  nl_put_str (b, IFLA_INFO_KIND, "bridge");
  data = nl_nest_begin (b, IFLA_INFO_DATA);
  nl_put (b, IFLA_BR_MCAST_SNOOPING, &off, 1);
  nl_nest_end (b, data);
  nl_nest_end (b, info);
}

void
nl_new_veth (struct nl_buf *b, const char *name, const char *peer, pid_t peer_pid)
{
  nl_new_veth_up (b, name, peer, peer_pid, -1);
}

/* One queue each way, as veth_init_queues would cut it down to: made
   with as many as CPUs, a veth shrinks to one in the kernel with an
   expedited RCU grace period, ~0.3 ms of every start spent waiting. */
static void
one_queue (struct nl_buf *b)
{
  nl_put_u32 (b, IFLA_NUM_TX_QUEUES, 1);
  nl_put_u32 (b, IFLA_NUM_RX_QUEUES, 1);
}

void
nl_new_veth_up (struct nl_buf *b, const char *name, const char *peer, pid_t peer_pid, int master)
{
  /* The flags apply once the pair is made (rtnl_configure_link); the
     peer's would apply before its other end is linked (ENOTCONN). */
  unsigned up = master >= 0 ? IFF_UP : 0;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC }, *h;
  size_t info, data, p;

  link_msg (b, NLM_F_CREATE | NLM_F_EXCL, 0);
  h = NLMSG_DATA (current (b));
  h->ifi_flags = h->ifi_change = up;
  nl_put_str (b, IFLA_IFNAME, name);
  if (master > 0)
    nl_put_u32 (b, IFLA_MASTER, (uint32_t)master);
  one_queue (b);
  info = nl_nest_begin (b, IFLA_LINKINFO);
  nl_put_str (b, IFLA_INFO_KIND, "veth");
  data = nl_nest_begin (b, IFLA_INFO_DATA);
  /* VETH_INFO_PEER holds an ifinfomsg, then the peer's attributes. */
  p = nl_nest_begin (b, VETH_INFO_PEER);
  memcpy (reserve (b, sizeof ifi), &ifi, sizeof ifi);
  nl_put_str (b, IFLA_IFNAME, peer);
  one_queue (b);
  if (peer_pid > 0)
    nl_put_u32 (b, IFLA_NET_NS_PID, (uint32_t)peer_pid);
  nl_nest_end (b, p);
  nl_nest_end (b, data);
  nl_nest_end (b, info);
}

void
nl_link_up (struct nl_buf *b, int ifindex, int master)
{
  struct ifinfomsg ifi = {
    .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP
  };

  nl_msg_begin (b, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  if (master > 0)
    nl_put_u32 (b, IFLA_MASTER, (uint32_t)master);
}

void
nl_del_link (struct nl_buf *b, int ifindex)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

  nl_msg_begin (b, RTM_DELLINK, 0, &ifi, sizeof ifi);
}

void
nl_new_addr (struct nl_buf *b, int ifindex, uint32_t addr, int prefix)
{
  struct ifaddrmsg ifa = { .ifa_family = AF_INET,
                           .ifa_prefixlen = (unsigned char)prefix,
                           .ifa_index = (unsigned)ifindex };

  nl_msg_begin (b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  nl_put (b, IFA_LOCAL, &addr, 4);
  nl_put (b, IFA_ADDRESS, &addr, 4);
}

void
nl_new_default_route (struct nl_buf *b, uint32_t gateway)
{
  struct rtmsg rt = { .rtm_family = AF_INET,
                      .rtm_table = RT_TABLE_MAIN,
                      .rtm_protocol = RTPROT_STATIC,
                      .rtm_scope = RT_SCOPE_UNIVERSE,
                      .rtm_type = RTN_UNICAST };

  nl_msg_begin (b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
  nl_put (b, RTA_GATEWAY, &gateway, 4);
}

/* ---- nf_tables ---- */

static void
nft_msg (struct nl_buf *b, uint16_t type, uint16_t flags, int family)
{
  struct nfgenmsg g = { .nfgen_family = (uint8_t)family, .version = NFNETLINK_V0 };

  nl_msg_begin (b, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags, &g, sizeof g);
}

/* Batch markers are not acknowledged: only what they hold is. */
static void
nft_batch_mark (struct nl_buf *b, uint16_t type)
{
  struct nfgenmsg g = { .nfgen_family = AF_UNSPEC,
                        .version = NFNETLINK_V0,
                        .res_id = htons (NFNL_SUBSYS_NFTABLES) };

  nl_msg_begin (b, type, 0, &g, sizeof g);
  current (b)->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
}

static size_t
expr_begin (struct nl_buf *b, const char *name)
{
  size_t e = nl_nest_begin (b, NFTA_LIST_ELEM);

  nl_put_str (b, NFTA_EXPR_NAME, name);
  return e;
}

static void
data_value (struct nl_buf *b, uint16_t type, const void *v, size_t len)
{
  size_t d = nl_nest_begin (b, type);

  nl_put (b, NFTA_DATA_VALUE, v, len);
  nl_nest_end (b, d);
}

/* A "cmp" expression: reg1 `op` the `len` bytes at v. */
static void
cmp_reg1 (struct nl_buf *b, int op, const void *v, size_t len)
{
  size_t e = expr_begin (b, "cmp"), d = nl_nest_begin (b, NFTA_EXPR_DATA);

  nl_put_be32 (b, NFTA_CMP_SREG, NFT_REG_1);
  nl_put_be32 (b, NFTA_CMP_OP, (uint32_t)op);
  data_value (b, NFTA_CMP_DATA, v, len);
  nl_nest_end (b, d);
  nl_nest_end (b, e);
}

/* reg1 = the IPv4 header's 4 bytes at `offset` & mask; compare with net. */
static void
match_prefix (struct nl_buf *b, uint32_t offset, uint32_t net, uint32_t mask, int op)
{
  uint32_t zero = 0;
  size_t e, d;

  e = expr_begin (b, "payload");
  d = nl_nest_begin (b, NFTA_EXPR_DATA);
  nl_put_be32 (b, NFTA_PAYLOAD_DREG, NFT_REG_1);
  nl_put_be32 (b, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
  nl_put_be32 (b, NFTA_PAYLOAD_OFFSET, offset);
  nl_put_be32 (b, NFTA_PAYLOAD_LEN, 4);
  nl_nest_end (b, d);
  nl_nest_end (b, e);

  e = expr_begin (b, "bitwise");
  d = nl_nest_begin (b, NFTA_EXPR_DATA);
  nl_put_be32 (b, NFTA_BITWISE_SREG, NFT_REG_1);
  nl_put_be32 (b, NFTA_BITWISE_DREG, NFT_REG_1);
  nl_put_be32 (b, NFTA_BITWISE_LEN, 4);
  data_value (b, NFTA_BITWISE_MASK, &mask, 4);
  data_value (b, NFTA_BITWISE_XOR, &zero, 4);
  nl_nest_end (b, d);
  nl_nest_end (b, e);

  cmp_reg1 (b, op, &net, 4);
}

void
nl_nft_get_chain (struct nl_buf *b, const char *table, const char *chain)
{
  nft_msg (b, NFT_MSG_GETCHAIN, 0, NFPROTO_IPV4);
  nl_put_str (b, NFTA_CHAIN_TABLE, table);
  nl_put_str (b, NFTA_CHAIN_NAME, chain);
}

/* A batch begun: table `ip TABLE` and its base chain CHAIN (hook,
   priority, type) made if missing (NLM_F_CREATE without EXCL keeps what
   exists), the chain emptied (a DELRULE naming only the chain), and a
   rule appended to it opened: its expressions' nest is returned, for the
   caller to fill and close before the batch's end. */
static size_t
base_chain_rule (struct nl_buf *b, const char *table, const char *chain, uint32_t hooknum,
                 uint32_t priority, const char *type)
{
  size_t hook;

  nft_batch_mark (b, NFNL_MSG_BATCH_BEGIN);
  nft_msg (b, NFT_MSG_NEWTABLE, NLM_F_CREATE, NFPROTO_IPV4);
  nl_put_str (b, NFTA_TABLE_NAME, table);

  nft_msg (b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, NFPROTO_IPV4);
  nl_put_str (b, NFTA_CHAIN_TABLE, table);
  nl_put_str (b, NFTA_CHAIN_NAME, chain);
  hook = nl_nest_begin (b, NFTA_CHAIN_HOOK);
  nl_put_be32 (b, NFTA_HOOK_HOOKNUM, hooknum);
  nl_put_be32 (b, NFTA_HOOK_PRIORITY, priority);
  nl_nest_end (b, hook);
  nl_put_be32 (b, NFTA_CHAIN_POLICY, NF_ACCEPT);
  nl_put_str (b, NFTA_CHAIN_TYPE, type);

  nft_msg (b, NFT_MSG_DELRULE, 0, NFPROTO_IPV4);
  nl_put_str (b, NFTA_RULE_TABLE, table);
  nl_put_str (b, NFTA_RULE_CHAIN, chain);

  nft_msg (b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, NFPROTO_IPV4);
  nl_put_str (b, NFTA_RULE_TABLE, table);
  nl_put_str (b, NFTA_RULE_CHAIN, chain);
  return nl_nest_begin (b, NFTA_RULE_EXPRESSIONS);
}

void
nl_nft_masquerade (struct nl_buf *b, const char *table, const char *chain, uint32_t net, int prefix)
{
  uint32_t mask = prefix ? htonl (~0U << (32 - prefix)) : 0;
  size_t exprs, e;

  net &= mask;
  exprs = base_chain_rule (b, table, chain, NF_INET_POST_ROUTING, 100 /* srcnat */, "nat");
  match_prefix (b, 12, net, mask, NFT_CMP_EQ);  /* ip saddr */
  match_prefix (b, 16, net, mask, NFT_CMP_NEQ); /* ip daddr */
  e = expr_begin (b, "masq");
  nl_nest_end (b, e);
  nl_nest_end (b, exprs);
  nft_batch_mark (b, NFNL_MSG_BATCH_END);
}

/* reg1 = the name of the packet's input (or output) interface; compared
   with `name`: all of it with its NUL, or only its first `len` bytes
   (len > 0: a prefix, nft's "crunlocal*"). */
static void
match_ifname (struct nl_buf *b, uint32_t key, const char *name, size_t len, int op)
{
  size_t e, d;

  e = expr_begin (b, "meta");
  d = nl_nest_begin (b, NFTA_EXPR_DATA);
  nl_put_be32 (b, NFTA_META_DREG, NFT_REG_1);
  nl_put_be32 (b, NFTA_META_KEY, key);
  nl_nest_end (b, d);
  nl_nest_end (b, e);

  cmp_reg1 (b, op, name, len ? len : strlen (name) + 1);
}

void
nl_nft_isolate (struct nl_buf *b, const char *table, const char *chain, const char *bridge,
                const char *prefix)
{
  size_t exprs, e, d, imm, v;

  exprs = base_chain_rule (b, table, chain, NF_INET_FORWARD, 0 /* filter */, "filter");
  match_ifname (b, NFT_META_IIFNAME, bridge, 0, NFT_CMP_EQ);
  match_ifname (b, NFT_META_OIFNAME, bridge, 0, NFT_CMP_NEQ);
  if (prefix)
    match_ifname (b, NFT_META_OIFNAME, prefix, strlen (prefix), NFT_CMP_EQ);
  e = expr_begin (b, "immediate");
  d = nl_nest_begin (b, NFTA_EXPR_DATA);
  nl_put_be32 (b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
  imm = nl_nest_begin (b, NFTA_IMMEDIATE_DATA);
  v = nl_nest_begin (b, NFTA_DATA_VERDICT);
  nl_put_be32 (b, NFTA_VERDICT_CODE, NF_DROP);
  nl_nest_end (b, v);
  nl_nest_end (b, imm);
  nl_nest_end (b, d);
  nl_nest_end (b, e);
  nl_nest_end (b, exprs);
  nft_batch_mark (b, NFNL_MSG_BATCH_END);
}

void
nl_nft_del_chain (struct nl_buf *b, const char *table, const char *chain)
{
  nft_batch_mark (b, NFNL_MSG_BATCH_BEGIN);
  nft_msg (b, NFT_MSG_DELRULE, 0, NFPROTO_IPV4);
  nl_put_str (b, NFTA_RULE_TABLE, table);
  nl_put_str (b, NFTA_RULE_CHAIN, chain);
  nft_msg (b, NFT_MSG_DELCHAIN, 0, NFPROTO_IPV4);
  nl_put_str (b, NFTA_CHAIN_TABLE, table);
  nl_put_str (b, NFTA_CHAIN_NAME, chain);
  nft_batch_mark (b, NFNL_MSG_BATCH_END);
}

/* ---- the socket ---- */

int
nl_open (int protocol, struct cl_error *err)
{
  int one = 1;
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

  if (fd < 0)
    return cl_fail (err, errno, "open a netlink socket");
  /* The kernel's reason as text, and no copy of our request in errors. */
  setsockopt (fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt (fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return fd;
}

static size_t
count_acks (const struct nl_buf *b)
{
  size_t n = 0;

  for (size_t off = 0; off < b->len;)
    {
      const struct nlmsghdr *h = (const struct nlmsghdr *)(b->data + off);
      n += (h->nlmsg_flags & NLM_F_ACK) != 0;
      off += NLMSG_ALIGN (h->nlmsg_len);
    }
  return n;
}

/* The extended ack's message, if any. */
static const char *
ack_text (const struct nlmsghdr *h)
{
  const struct nlmsgerr *e = NLMSG_DATA (h);
  size_t off = NLMSG_HDRLEN + sizeof *e;

  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
    return NULL;
  if (!(h->nlmsg_flags & NLM_F_CAPPED))
    off += NLMSG_ALIGN (e->msg.nlmsg_len) - NLMSG_HDRLEN;
  while (off + NLA_HDRLEN <= h->nlmsg_len)
    {
      const struct nlattr *a = (const struct nlattr *)((const char *)h + off);
      if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
        break;
      if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN)
        return (const char *)a + NLA_HDRLEN;
      off += NLA_ALIGN (a->nla_len);
    }
  return NULL;
}

int
nl_talk (int fd, struct nl_buf *b, int ok_errno, struct cl_error *err)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  size_t want = count_acks (b), got = 0;
  cleanup_free char *buf = xmalloc (32768);

  if (sendto (fd, b->data, b->len, 0, (struct sockaddr *)&kernel, sizeof kernel) != (ssize_t)b->len)
    return cl_fail (err, errno, "send a netlink request");
  while (got < want)
    {
      ssize_t n = recv (fd, buf, 32768, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return cl_fail (err, n < 0 ? errno : EIO, "read a netlink reply");
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK (h, (size_t)n);
           h = NLMSG_NEXT (h, n))
        {
          const struct nlmsgerr *e = NLMSG_DATA (h);
          const char *why;
          if (h->nlmsg_type != NLMSG_ERROR)
            continue;
          if (e->error == 0 || (ok_errno && -e->error == ok_errno))
            {
              got++;
              continue;
            }
          why = ack_text (h);
          return cl_fail (err, -e->error, "netlink%s%s", why ? ": " : "", why ? why : "");
        }
    }
  return 0;
}
