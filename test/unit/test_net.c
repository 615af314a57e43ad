#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <sys/un.h>

#include "../../net.h"
#include "../../netlink.h"
#include "../../netsup.h"
#include "tests.h"
#include "unit.h"

/* The attribute `type` among those in [p, p+len), or NULL. */
static const struct nlattr *
attr (const void *p, size_t len, uint16_t type)
{
  const unsigned char *c = p;

  for (size_t off = 0; off + NLA_HDRLEN <= len;)
    {
      const struct nlattr *a = (const struct nlattr *)(c + off);
      if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
        return NULL;
      if ((a->nla_type & NLA_TYPE_MASK) == type)
        return a;
      off += NLA_ALIGN (a->nla_len);
    }
  return NULL;
}

static const void *
payload (const struct nlattr *a)
{
  return (const unsigned char *)a + NLA_HDRLEN;
}

static size_t
plen (const struct nlattr *a)
{
  return a->nla_len - NLA_HDRLEN;
}

/* A veth whose peer is born in another namespace: IFNAME, then
   LINKINFO { KIND "veth", DATA { PEER { ifinfomsg, IFNAME, NET_NS_PID } } }. */
void
test_netlink_veth (void)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  const struct nlmsghdr *h;
  const struct nlattr *name, *info, *kind, *data, *peer, *pname, *pid;
  const unsigned char *attrs;
  size_t alen;

  nl_new_veth (&b, "cl12345678", "eth0", 4242);
  h = (const struct nlmsghdr *)b.data;
  CHECK (b.len == h->nlmsg_len);
  CHECK (h->nlmsg_type == RTM_NEWLINK);
  CHECK ((h->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL))
         == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  attrs = b.data + NLMSG_HDRLEN + NLMSG_ALIGN (sizeof (struct ifinfomsg));
  alen = h->nlmsg_len - (size_t)(attrs - b.data);
  name = attr (attrs, alen, IFLA_IFNAME);
  CHECK (name && strcmp (payload (name), "cl12345678") == 0);
  info = attr (attrs, alen, IFLA_LINKINFO);
  CHECK (info && (info->nla_type & NLA_F_NESTED));
  if (!info)
    return;
  kind = attr (payload (info), plen (info), IFLA_INFO_KIND);
  CHECK (kind && strcmp (payload (kind), "veth") == 0);
  data = attr (payload (info), plen (info), IFLA_INFO_DATA);
  peer = data ? attr (payload (data), plen (data), VETH_INFO_PEER) : NULL;
  CHECK (peer != NULL);
  if (!peer)
    return;
  pname = attr ((const unsigned char *)payload (peer) + sizeof (struct ifinfomsg),
                plen (peer) - sizeof (struct ifinfomsg), IFLA_IFNAME);
  pid = attr ((const unsigned char *)payload (peer) + sizeof (struct ifinfomsg),
              plen (peer) - sizeof (struct ifinfomsg), IFLA_NET_NS_PID);
  CHECK (pname && strcmp (payload (pname), "eth0") == 0);
  CHECK (pid && *(const uint32_t *)payload (pid) == 4242);
}

static const struct nlmsghdr *
msg_at (const struct nl_buf *b, int i)
{
  size_t off = 0;

  for (; i > 0 && off < b->len; i--)
    off += NLMSG_ALIGN (((const struct nlmsghdr *)(b->data + off))->nlmsg_len);
  return off < b->len ? (const struct nlmsghdr *)(b->data + off) : NULL;
}

#define NFT(t) ((NFNL_SUBSYS_NFTABLES << 8) | (t))

/* One batch: begin, table, chain, flush, rule, end — and only our table. */
void
test_netlink_nft_batch (void)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  static const uint16_t types[]
      = { NFNL_MSG_BATCH_BEGIN,  NFT (NFT_MSG_NEWTABLE), NFT (NFT_MSG_NEWCHAIN),
          NFT (NFT_MSG_DELRULE), NFT (NFT_MSG_NEWRULE),  NFNL_MSG_BATCH_END };
  const struct nlmsghdr *rule;
  const unsigned char *attrs;
  const struct nlattr *exprs, *tbl;
  size_t alen, n = 0, cmps = 0;
  uint32_t net;

  inet_pton (AF_INET, "10.90.3.77", &net);
  nl_nft_masquerade (&b, "crunlocal", "crunlocal3", net, 24);
  for (int i = 0; i < 6; i++)
    {
      const struct nlmsghdr *h = msg_at (&b, i);
      CHECK (h && h->nlmsg_type == types[i]);
      /* Only what the batch holds is acknowledged. */
      CHECK (h && !!(h->nlmsg_flags & NLM_F_ACK) == (i > 0 && i < 5));
      if (h && i > 0 && i < 5)
        {
          const unsigned char *a
              = (const unsigned char *)h + NLMSG_HDRLEN + NLMSG_ALIGN (sizeof (struct nfgenmsg));
          tbl = attr (a, h->nlmsg_len - (size_t)(a - (const unsigned char *)h),
                      1 /* *_TABLE / TABLE_NAME */);
          CHECK (tbl && strcmp (payload (tbl), "crunlocal") == 0);
        }
    }
  CHECK (msg_at (&b, 6) == NULL);
  rule = msg_at (&b, 4);
  if (!rule)
    return;
  attrs = (const unsigned char *)rule + NLMSG_HDRLEN + NLMSG_ALIGN (sizeof (struct nfgenmsg));
  alen = rule->nlmsg_len - (size_t)(attrs - (const unsigned char *)rule);
  exprs = attr (attrs, alen, NFTA_RULE_EXPRESSIONS);
  CHECK (exprs != NULL);
  for (size_t off = 0; exprs && off < plen (exprs);)
    {
      const struct nlattr *e
          = (const struct nlattr *)((const unsigned char *)payload (exprs) + off);
      const struct nlattr *name = attr (payload (e), plen (e), NFTA_EXPR_NAME);
      const struct nlattr *data = attr (payload (e), plen (e), NFTA_EXPR_DATA);
      n++;
      if (name && strcmp (payload (name), "cmp") == 0 && data)
        {
          const struct nlattr *op = attr (payload (data), plen (data), NFTA_CMP_OP);
          const struct nlattr *v = attr (payload (data), plen (data), NFTA_CMP_DATA);
          const struct nlattr *val = v ? attr (payload (v), plen (v), NFTA_DATA_VALUE) : NULL;
          uint32_t want;
          inet_pton (AF_INET, "10.90.3.0", &want);
          CHECK (op
                 && ntohl (*(const uint32_t *)payload (op)) == (cmps ? NFT_CMP_NEQ : NFT_CMP_EQ));
          CHECK (val && *(const uint32_t *)payload (val) == want);
          cmps++;
        }
      if (n == 7)
        CHECK (name && strcmp (payload (name), "masq") == 0);
      off += NLA_ALIGN (e->nla_len);
    }
  CHECK (n == 7 && cmps == 2);
}

void
test_net_publish (void)
{
  struct net_port *p = NULL;
  size_t n = 0;
  struct cl_error err = { 0 };
  char *s;

  CHECK (net_parse_publish ("8080:80", &p, &n, &err) == 0 && n == 1);
  CHECK (p[0].host_port == 8080 && p[0].port == 80 && !p[0].udp && p[0].host_ip == 0);
  CHECK (net_parse_publish ("127.0.0.1:5353:53/udp", &p, &n, &err) == 0 && n == 2);
  CHECK (p[1].host_ip == htonl (0x7f000001) && p[1].udp && p[1].port == 53);
  s = net_port_format (&p[1]);
  CHECK_STR (s, "127.0.0.1:5353:53/udp");
  free (s);
  CHECK (net_parse_publish ("80", &p, &n, &err) == 0 && n == 3 && p[2].host_port == 80);
  CHECK (net_parse_publish (":81", &p, &n, &err) == 0 && n == 4 && p[3].host_port == 81);
  CHECK (net_parse_publish ("8000-8002:9000-9002", &p, &n, &err) == 0 && n == 7);
  CHECK (p[6].host_port == 8002 && p[6].port == 9002);
  CHECK (net_parse_publish ("8000-8002:80", &p, &n, &err) < 0);
  CHECK (net_parse_publish ("0:80", &p, &n, &err) < 0);
  CHECK (net_parse_publish ("70000", &p, &n, &err) < 0);
  CHECK (net_parse_publish ("80/sctp", &p, &n, &err) < 0);
  CHECK (net_parse_publish ("nothere:80:80", &p, &n, &err) < 0);
  CHECK (net_parse_publish ("9-8", &p, &n, &err) < 0);
  CHECK (n == 7);
  free (p);
  {
    struct net_port r;
    CHECK (net_port_parse_record ("5432/tcp", &r) == 0 && r.host_port == 5432 && r.port == 5432);
    CHECK (net_port_parse_record ("0.0.0.0:8080:80/tcp", &r) == 0 && r.host_port == 8080
           && r.port == 80);
    CHECK (net_port_parse_record ("8000-8001:80-81", &r) < 0);
  }
}

static bool
alive_if_odd (int pid, unsigned long long start)
{
  return pid % 2 == 1;
}

/* Lowest free address; a lease whose process is gone is free again. */
void
test_net_ipam (void)
{
  uint32_t net = htonl (0x0a5a0000);

  CHECK (net_ipam_pick ("", net, 24, htonl (ntohl (net) + 1), alive_if_odd) == htonl (0x0a5a0002));
  CHECK (net_ipam_pick ("10.90.0.2 aa 1 5\n10.90.0.3 bb 3 5\n", net, 24, htonl (ntohl (net) + 1),
                        alive_if_odd)
         == htonl (0x0a5a0004));
  CHECK (net_ipam_pick ("10.90.0.2 aa 1 5\n10.90.0.3 bb 2 5\n", net, 24, htonl (ntohl (net) + 1),
                        alive_if_odd)
         == htonl (0x0a5a0003));
  CHECK (net_ipam_pick ("10.90.0.2 aa 1 5\n10.90.0.3 bb 3 5\n", net, 30, htonl (ntohl (net) + 1),
                        alive_if_odd)
         == 0);
}

static enum netsup_dest
dest4 (const char *ip, bool allow)
{
  struct netsup_opts o = { .stub_net = htonl (0x0a000200),
                           .stub_gw = htonl (0x0a000202),
                           .stub_prefix = 24,
                           .allow_host_loopback = allow };
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (80) };

  inet_pton (AF_INET, ip, &a.sin_addr);
  return netsup_classify ((struct sockaddr *)&a, sizeof a, &o);
}

static enum netsup_dest
dest6 (const char *ip, bool allow)
{
  struct netsup_opts o = { .stub_net = htonl (0x0a000200),
                           .stub_gw = htonl (0x0a000202),
                           .stub_prefix = 24,
                           .allow_host_loopback = allow };
  struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons (80) };

  inet_pton (AF_INET6, ip, &a.sin6_addr);
  return netsup_classify ((struct sockaddr *)&a, sizeof a, &o);
}

/* What stays inside, what goes out, and the host's loopback only
   through the opted-in gateway — however the address is spelt. */
void
test_netsup_classify (void)
{
  struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/run/x.sock" };
  struct sockaddr_in shorty = { .sin_family = AF_INET };
  struct netsup_opts o = { 0 };

  CHECK (dest4 ("198.51.100.2", false) == DEST_HOST);
  CHECK (dest4 ("10.0.3.1", false) == DEST_HOST);
  CHECK (dest4 ("127.0.0.1", false) == DEST_CONTAINER);
  CHECK (dest4 ("127.1.2.3", true) == DEST_CONTAINER);
  CHECK (dest4 ("0.0.0.0", false) == DEST_CONTAINER);
  CHECK (dest4 ("10.0.2.100", false) == DEST_CONTAINER);
  CHECK (dest4 ("10.0.2.2", false) == DEST_REFUSED);
  CHECK (dest4 ("10.0.2.2", true) == DEST_HOST_LOOPBACK);
  CHECK (dest4 ("224.0.0.251", false) == DEST_CONTAINER);
  CHECK (dest4 ("255.255.255.255", false) == DEST_CONTAINER);
  CHECK (dest6 ("::1", false) == DEST_CONTAINER);
  CHECK (dest6 ("::", false) == DEST_CONTAINER);
  CHECK (dest6 ("::ffff:127.0.0.1", false) == DEST_CONTAINER);
  CHECK (dest6 ("::ffff:10.0.2.2", false) == DEST_REFUSED);
  CHECK (dest6 ("::ffff:10.0.2.2", true) == DEST_HOST_LOOPBACK);
  CHECK (dest6 ("::ffff:198.51.100.2", false) == DEST_HOST);
  CHECK (dest6 ("fe80::1", false) == DEST_CONTAINER);
  CHECK (dest6 ("2001:db8::1", false) == DEST_HOST);
  CHECK (netsup_classify ((struct sockaddr *)&un, sizeof un, &o) == DEST_CONTAINER);
  CHECK (netsup_classify ((struct sockaddr *)&shorty, 4, &o) == DEST_CONTAINER);
}

/* The isolation batch: a forward chain whose one rule matches the
   bridge in, not the bridge out, and (not internal) another crunlocal
   bridge out by the name's first 9 bytes, then drops. */
static size_t
isolate_exprs (const char *prefix, size_t *prefix_len)
{
  cleanup_nl_buf struct nl_buf b = { 0 };
  const struct nlmsghdr *rule, *chain;
  const unsigned char *attrs;
  const struct nlattr *exprs, *hook, *num;
  size_t alen, n = 0;
  const char *last = NULL;

  *prefix_len = 0;
  nl_nft_isolate (&b, "crunlocal", "crunlocal1-iso", "crunlocal1", prefix);
  chain = msg_at (&b, 2);
  rule = msg_at (&b, 4);
  CHECK (chain && chain->nlmsg_type == NFT (NFT_MSG_NEWCHAIN));
  CHECK (rule && rule->nlmsg_type == NFT (NFT_MSG_NEWRULE));
  CHECK (msg_at (&b, 5) && msg_at (&b, 5)->nlmsg_type == NFNL_MSG_BATCH_END);
  if (!chain || !rule)
    return 0;
  attrs = (const unsigned char *)chain + NLMSG_HDRLEN + NLMSG_ALIGN (sizeof (struct nfgenmsg));
  hook = attr (attrs, chain->nlmsg_len - (size_t)(attrs - (const unsigned char *)chain),
               NFTA_CHAIN_HOOK);
  num = hook ? attr (payload (hook), plen (hook), NFTA_HOOK_HOOKNUM) : NULL;
  CHECK (num && ntohl (*(const uint32_t *)payload (num)) == NF_INET_FORWARD);
  attrs = (const unsigned char *)rule + NLMSG_HDRLEN + NLMSG_ALIGN (sizeof (struct nfgenmsg));
  alen = rule->nlmsg_len - (size_t)(attrs - (const unsigned char *)rule);
  exprs = attr (attrs, alen, NFTA_RULE_EXPRESSIONS);
  for (size_t off = 0; exprs && off < plen (exprs);)
    {
      const struct nlattr *e
          = (const struct nlattr *)((const unsigned char *)payload (exprs) + off);
      const struct nlattr *name = attr (payload (e), plen (e), NFTA_EXPR_NAME);
      const struct nlattr *data = attr (payload (e), plen (e), NFTA_EXPR_DATA);
      n++;
      last = name ? payload (name) : NULL;
      if (n == 6 && last && strcmp (last, "cmp") == 0 && data)
        {
          const struct nlattr *v = attr (payload (data), plen (data), NFTA_CMP_DATA);
          const struct nlattr *val = v ? attr (payload (v), plen (v), NFTA_DATA_VALUE) : NULL;
          *prefix_len = val ? plen (val) : 0;
        }
      off += NLA_ALIGN (e->nla_len);
    }
  CHECK (last && strcmp (last, "immediate") == 0);
  return n;
}

void
test_netlink_nft_isolate (void)
{
  size_t plen_ = 0;

  CHECK (isolate_exprs ("crunlocal", &plen_) == 7 && plen_ == strlen ("crunlocal"));
  CHECK (isolate_exprs (NULL, &plen_) == 5);
}
