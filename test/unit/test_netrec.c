/* netrec.h's pure parts: names, CIDRs, overlap, the config text. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../../net.h"
#include "../../netrec.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static uint32_t
ip (const char *s)
{
  struct in_addr a = { 0 };

  inet_pton (AF_INET, s, &a);
  return a.s_addr;
}

void
test_netrec_names (void)
{
  struct cl_error err = { 0 };
  enum net_mode m;

  CHECK (netrec_name_check ("app-net_1.x", &err) == 0);
  CHECK (netrec_name_check ("", &err) < 0);
  CHECK (netrec_name_check ("-x", &err) < 0);
  CHECK (netrec_name_check ("a/b", &err) < 0);
  CHECK (netrec_name_check ("host", &err) < 0 && strstr (err.msg, "reserved"));
  CHECK (netrec_name_check ("crunlocal", &err) < 0);
  CHECK (netrec_name_check ("default", &err) < 0);
  /* A name is a private network; the default's spellings name the default. */
  CHECK (net_mode_parse ("app", &m) == 0 && m == NET_PRIVATE);
  CHECK (net_mode_parse ("a b", &m) < 0);
  CHECK_STR (net_name ("app"), "app");
  CHECK_STR (net_name ("privatenet"), "privatenet");
  CHECK_STR (net_name ("private"), NETREC_DEFAULT);
  CHECK_STR (net_name ("private:allow_host_loopback=true"), NETREC_DEFAULT);
  CHECK_STR (net_name ("bridge"), NETREC_DEFAULT);
  CHECK_STR (net_name ("crunlocal"), NETREC_DEFAULT);
  CHECK_STR (net_name (NULL), NETREC_DEFAULT);
  {
    char *d = netrec_dir ("crunlocal");
    CHECK_STR (d, "networks/default");
    free (d);
    d = netrec_dir ("app");
    CHECK_STR (d, "networks/app");
    free (d);
  }
}

void
test_netrec_cidr (void)
{
  struct cl_error err = { 0 };
  uint32_t net;
  int p;

  CHECK (netrec_parse_cidr ("10.91.0.0/24", &net, &p, &err) == 0 && net == ip ("10.91.0.0")
         && p == 24);
  CHECK (netrec_parse_cidr ("10.91.0.1/24", &net, &p, &err) < 0 && strstr (err.msg, "host bits"));
  CHECK (netrec_parse_cidr ("10.91.0.0/31", &net, &p, &err) < 0);
  CHECK (netrec_parse_cidr ("10.91.0.0/7", &net, &p, &err) < 0);
  CHECK (netrec_parse_cidr ("10.91.0.0", &net, &p, &err) < 0);
  CHECK (netrec_parse_cidr ("10.91.0.0/24x", &net, &p, &err) < 0);
  CHECK (netrec_parse_cidr ("nonsense/24", &net, &p, &err) < 0);
  CHECK (netrec_overlap (ip ("10.88.0.0"), 16, ip ("10.88.5.0"), 24));
  CHECK (netrec_overlap (ip ("10.88.5.0"), 24, ip ("10.88.0.0"), 16));
  CHECK (!netrec_overlap (ip ("10.90.0.0"), 24, ip ("10.90.1.0"), 24));
  CHECK (netrec_overlap (ip ("0.0.0.0"), 0, ip ("10.90.1.0"), 24));
  CHECK (netrec_host_of (ip ("10.90.1.5"), ip ("10.90.1.0"), 24));
  CHECK (!netrec_host_of (ip ("10.90.1.0"), ip ("10.90.1.0"), 24));
  CHECK (!netrec_host_of (ip ("10.90.1.255"), ip ("10.90.1.0"), 24));
  CHECK (!netrec_host_of (ip ("10.90.2.5"), ip ("10.90.1.0"), 24));
}

void
test_netrec_config (void)
{
  struct cl_error err = { 0 };
  struct netrec n = { 0 }, back = { 0 };
  char *text;

  /* An old default's config: the gateway is the first address. */
  CHECK (netrec_parse ("bridge crunlocal0\nsubnet 10.90.0.0/24\n", &back, &err) == 0);
  CHECK_STR (back.bridge, "crunlocal0");
  CHECK (back.gateway == ip ("10.90.0.1") && back.prefix == 24 && !back.internal);
  netrec_clear (&back);
  CHECK (netrec_parse ("subnet 10.90.0.0/24\n", &back, &err) < 0);
  netrec_clear (&back);

  snprintf (n.bridge, sizeof n.bridge, "crunlocal7");
  n.subnet = ip ("10.123.0.0");
  n.prefix = 16;
  n.gateway = ip ("10.123.0.254");
  n.internal = true;
  n.created = 1700000000;
  memset (n.id, 'a', 64);
  strv_append (&n.labels, "team=blue");
  text = netrec_format (&n);
  CHECK (netrec_parse (text, &back, &err) == 0);
  CHECK_STR (back.bridge, "crunlocal7");
  CHECK (back.subnet == n.subnet && back.prefix == 16 && back.gateway == n.gateway);
  CHECK (back.internal && back.created == 1700000000 && strcmp (back.id, n.id) == 0);
  CHECK (back.labels && strcmp (back.labels[0], "team=blue") == 0 && !back.labels[1]);
  free (text);
  netrec_clear (&n);
  netrec_clear (&back);
}

/* --ip's neighbour: the gateway is never handed out, wherever it is. */
static bool
none_alive (int pid, unsigned long long start)
{
  return false;
}

void
test_net_ipam_gateway (void)
{
  CHECK (net_ipam_pick ("", ip ("10.123.0.0"), 24, ip ("10.123.0.1"), none_alive)
         == ip ("10.123.0.2"));
  /* A gateway at the top: .1 is a container's. */
  CHECK (net_ipam_pick ("", ip ("10.123.0.0"), 24, ip ("10.123.0.254"), none_alive)
         == ip ("10.123.0.1"));
}
