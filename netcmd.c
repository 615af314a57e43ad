/* `crunlocal network`: create, ls, inspect, rm and prune root's bridge
   networks, as podman's `network` commands do.  The records are
   netrec.h's, the kernel side (bridge, nf_tables chains) net.h's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "json.h"
#include "net.h"
#include "netrec.h"
#include "template.h"
#include "userns.h"
#include "util.h"

static const char network_usage[]
    = "Usage: crunlocal network COMMAND\n"
      "\n"
      "Manage root's bridge networks.  Containers on one network reach each other\n"
      "by name and --network-alias; containers on different networks cannot reach\n"
      "each other.  The default network, crunlocal (--network private), always\n"
      "exists and cannot be removed.\n"
      "\n"
      "Commands:\n"
      "  create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] [-d|--driver bridge]\n"
      "         NAME\n"
      "                                    create a network (no --subnet: the first free /24\n"
      "                                    of 10.90.0.0/16); print its name\n"
      "  ls [-q] [--format json|TEMPLATE]  list networks ({{.Name}} {{.ID}} {{.Driver}}\n"
      "                                    {{.NetworkInterface}} {{.Subnet}} {{.Gateway}}\n"
      "                                    {{.Internal}} {{.Created}} {{.Labels}})\n"
      "  inspect [--format TEMPLATE] NAME...  show networks as JSON, with their running\n"
      "                                    containers\n"
      "  rm [-f] NAME...                   remove networks; one that containers use (running\n"
      "                                    or not) is refused; -f removes those containers\n"
      "                                    first, as podman does\n"
      "  prune [-f]                        remove every network no container uses\n";

static int
show_usage (FILE *to)
{
  fputs (network_usage, to);
  return to == stdout ? 0 : 125;
}

/* The store with the network lock held, half-done work of a killed
   command finished, and the default network's record made. */
static int
need_root (struct cl_error *err)
{
  if (userns_host_euid () != 0)
    return cl_fail (err, 0,
                    "crunlocal network: named networks need root (a rootless container has "
                    "a network of its own: --network private)");
  return 0;
}

static int
open_networks (struct store **s, int *lock, struct cl_error *err)
{
  if (need_root (err) < 0 || cli_open_store (s, STORE_USE, err) < 0
      || (*lock = store_lock (*s, "network", true, err)) < 0)
    return -1;
  netrec_tidy (*s, net_teardown);
  return net_default_ensure (*s, err);
}

/* ---- create ---- */

static int
network_create_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "subnet", required_argument, NULL, 's' },
                                            { "gateway", required_argument, NULL, 'g' },
                                            { "internal", no_argument, NULL, 'i' },
                                            { "label", required_argument, NULL, 'l' },
                                            { "driver", required_argument, NULL, 'd' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  struct cl_error err = { 0 };
  struct netrec n = { 0 };
  const char *gateway = NULL;
  struct in_addr a;
  int c, r;

  while ((c = cli_getopt (argc, argv, "network create", "+d:h", longopts)) != -1)
    switch (c)
      {
      case 'h': netrec_clear (&n); return show_usage (stdout);
      case 's':
        if (netrec_parse_cidr (optarg, &n.subnet, &n.prefix, &err) < 0)
          {
            netrec_clear (&n);
            return cli_usage_error ("network create", "%s", err.msg);
          }
        break;
      case 'g': gateway = optarg; break;
      case 'i': n.internal = true; break;
      case 'l':
        if (!strchr (optarg, '=') || optarg[0] == '=')
          {
            netrec_clear (&n);
            return cli_usage_error ("network create", "invalid --label %s: want KEY=VALUE", optarg);
          }
        strv_append (&n.labels, optarg);
        break;
      case 'd':
        if (strcmp (optarg, "bridge") != 0)
          {
            netrec_clear (&n);
            return cli_usage_error ("network create", "driver \"%s\" is not supported (bridge)",
                                    optarg);
          }
        break;
      default: netrec_clear (&n); return 125;
      }
  if (argc - optind != 1)
    {
      netrec_clear (&n);
      return cli_usage_error ("network create", "\"crunlocal network create\" takes 1 name");
    }
  if (gateway && (!n.prefix || inet_pton (AF_INET, gateway, &a) != 1))
    {
      netrec_clear (&n);
      return cli_usage_error ("network create",
                              "invalid --gateway %s: want an IPv4 address, with --subnet", gateway);
    }
  n.gateway = gateway ? a.s_addr : 0;
  n.name = xstrdup (argv[optind]);
  r = netrec_name_check (n.name, &err);
  if (r == 0)
    r = open_networks (&s, &lock, &err);
  if (r == 0)
    r = netrec_create (s, &n, net_host_taken, &err);
  if (r == 0)
    puts (n.name);
  netrec_clear (&n);
  return r < 0 ? cli_fail (&err) : 0;
}

/* ---- ls and inspect ---- */

static void
subnet_text (const struct netrec *n, char *buf, size_t len)
{
  char ip[INET_ADDRSTRLEN];

  inet_ntop (AF_INET, &n->subnet, ip, sizeof ip);
  snprintf (buf, len, "%s/%d", ip, n->prefix);
}

static const char *
network_field (const char *f, const void *arg, char *buf, size_t len)
{
  const struct netrec *n = arg;

  if (strcmp (f, "Name") == 0)
    return n->name ? n->name : "";
  if (strcmp (f, "ID") == 0)
    {
      snprintf (buf, len, "%.12s", n->id);
      return buf;
    }
  if (strcmp (f, "Driver") == 0)
    return "bridge";
  if (strcmp (f, "NetworkInterface") == 0)
    return n->bridge;
  if (strcmp (f, "Subnet") == 0 || strcmp (f, "Subnets") == 0)
    {
      subnet_text (n, buf, len);
      return buf;
    }
  if (strcmp (f, "Gateway") == 0)
    return inet_ntop (AF_INET, &n->gateway, buf, (socklen_t)len);
  if (strcmp (f, "Internal") == 0)
    return n->internal ? "true" : "false";
  if (strcmp (f, "Created") == 0)
    {
      utc_text (n->created, buf, len);
      return buf;
    }
  if (strcmp (f, "Labels") == 0)
    {
      buf[0] = '\0';
      for (size_t i = 0; n->labels && n->labels[i]; i++)
        snprintf (buf + strlen (buf), len - strlen (buf), "%s%s", i ? "," : "", n->labels[i]);
      return buf;
    }
  return NULL;
}

static void
gen_labels (yajl_gen g, char *const *labels)
{
  jg_str (g, "labels");
  yajl_gen_map_open (g);
  for (size_t i = 0; labels && labels[i]; i++)
    {
      cleanup_free char *k = xstrdup (labels[i]);
      char *eq = strchr (k, '=');
      if (eq)
        *eq = '\0';
      jg_kstr (g, k, eq ? eq + 1 : "");
    }
  yajl_gen_map_close (g);
}

static void
gen_members (yajl_gen g, struct store *s, const struct netrec *n)
{
  struct net_member *m = NULL;
  size_t nm = 0;
  struct cl_error ignored;
  char gw[INET_ADDRSTRLEN];

  inet_ntop (AF_INET, &n->gateway, gw, sizeof gw);
  net_members (s, n->name, &m, &nm, &ignored);
  jg_str (g, "containers");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < nm; i++)
    {
      cleanup_free char *ipnet = xasprintf ("%s/%d", m[i].ip, n->prefix);
      jg_str (g, m[i].id);
      yajl_gen_map_open (g);
      jg_kstr (g, "name", m[i].name);
      jg_str (g, "interfaces");
      yajl_gen_map_open (g);
      jg_str (g, "eth0");
      yajl_gen_map_open (g);
      jg_str (g, "subnets");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      jg_kstr (g, "ipnet", ipnet);
      jg_kstr (g, "gateway", gw);
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  net_members_free (m, nm);
}

/* podman's `network inspect` object. */
static void
gen_network (yajl_gen g, struct store *s, const struct netrec *n, bool members)
{
  char sub[64], gw[INET_ADDRSTRLEN], when[64];

  subnet_text (n, sub, sizeof sub);
  inet_ntop (AF_INET, &n->gateway, gw, sizeof gw);
  utc_text (n->created, when, sizeof when);
  yajl_gen_map_open (g);
  jg_kstr (g, "name", n->name);
  jg_kstr (g, "id", n->id);
  jg_kstr (g, "driver", "bridge");
  jg_kstr (g, "network_interface", n->bridge);
  jg_kstr (g, "created", when);
  jg_str (g, "subnets");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  jg_kstr (g, "subnet", sub);
  jg_kstr (g, "gateway", gw);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  jg_kbool (g, "ipv6_enabled", false);
  jg_kbool (g, "internal", n->internal);
  jg_kbool (g, "dns_enabled", false);
  gen_labels (g, n->labels);
  jg_str (g, "ipam_options");
  yajl_gen_map_open (g);
  jg_kstr (g, "driver", "host-local");
  yajl_gen_map_close (g);
  if (members)
    gen_members (g, s, n);
  yajl_gen_map_close (g);
}

static char *
networks_json (struct store *s, const struct netrec *v, size_t n, bool members)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    gen_network (g, s, &v[i], members);
  yajl_gen_array_close (g);
  return json_gen_take (g, NULL);
}

static int
check_format (const char *cmd, const char *format)
{
  static const struct netrec none = { 0 };

  return cli_check_format (cmd, format, network_field, &none);
}

static int
network_ls_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "quiet", no_argument, NULL, 'q' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  static const struct template_header headers[]
      = { { "ID", "NETWORK ID" }, { "Name", "NAME" }, { "Driver", "DRIVER" }, { NULL, NULL } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  struct cl_error err = { 0 };
  const char *format = "table";
  struct netrec *v = NULL;
  size_t n = 0;
  bool quiet = false;
  int c;

  while ((c = cli_getopt (argc, argv, "network ls", "+qh", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'q': quiet = true; break;
      case 'F': format = optarg; break;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("network ls", "unexpected argument \"%s\"", argv[optind]);
  if (check_format ("network ls", format) != 0)
    return 125;
  if (open_networks (&s, &lock, &err) < 0 || netrec_list (s, &v, &n, &err) < 0)
    return cli_fail (&err);
  if (strcmp (format, "json") == 0)
    {
      cleanup_free char *text = networks_json (s, v, n, false);
      puts (text);
    }
  else
    template_print (quiet                           ? "{{.Name}}"
                    : strcmp (format, "table") == 0 ? "table {{.ID}}\t{{.Name}}\t{{.Driver}}"
                                                    : format,
                    network_field, v, sizeof *v, n, headers);
  netrec_list_free (v, n);
  return 0;
}

static int
network_inspect_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  cleanup_free char *text = NULL;
  struct cl_error err = { 0 };
  const char *format = NULL;
  struct netrec *v = NULL;
  size_t n = 0;
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "network inspect", "+hf:", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f':
      case 'F': format = optarg; break;
      default: return 125;
      }
  if (optind >= argc)
    return cli_usage_error ("network inspect",
                            "\"crunlocal network inspect\" requires at least 1 name");
  if (open_networks (&s, &lock, &err) < 0)
    return cli_fail (&err);
  for (int i = optind; i < argc; i++)
    {
      int r;
      v = xrealloc (v, (n + 1) * sizeof *v);
      r = netrec_load (s, argv[i], &v[n], &err);
      if (r == 0)
        n++;
      else if (r == 1)
        {
          fprintf (stderr, "crunlocal: network %s: no such network\n", argv[i]);
          ret = 125;
        }
      else
        ret = cli_fail (&err);
    }
  text = networks_json (s, v, n, true);
  if (!format || strcmp (format, "json") == 0)
    puts (text);
  else
    {
      cleanup_json yajl_val doc = NULL;
      if (json_parse (text, &doc, &err) < 0)
        ret = cli_fail (&err);
      for (size_t i = 0; doc && YAJL_IS_ARRAY (doc) && i < doc->u.array.len; i++)
        {
          cleanup_free char *out = NULL;
          if (template_render_json (format, doc->u.array.values[i], &out, &err) < 0)
            {
              ret = cli_usage_error ("network inspect", "%s", err.msg);
              break;
            }
          puts (out);
        }
    }
  netrec_list_free (v, n);
  return ret;
}

/* ---- rm and prune ---- */

static int
by_text (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The containers (any state) on network `name`: their names, sorted. */
static int
network_users (struct store *s, const char *name, char ***users, struct cl_error *err)
{
  struct container *v;
  size_t n;

  *users = NULL;
  if (container_list (s, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      enum net_mode m;
      if (v[i].network && net_mode_parse (v[i].network, &m) == 0 && m == NET_PRIVATE
          && strcmp (net_name (v[i].network), name) == 0)
        strv_append (users, v[i].name);
    }
  container_list_free (v, n);
  if (*users)
    qsort (*users, strv_len (*users), sizeof **users, by_text);
  return 0;
}

/* Under the lock: refused while a container uses it; then the record
   goes out of the way first, the kernel side next, the directory last
   (a killed rm is finished by the next network command). */
static int
remove_network (struct store *s, const char *name, struct cl_error *err)
{
  cleanup_strv char **users = NULL;
  char bridge[IFNAMSIZ];

  if (strcmp (name, NETREC_DEFAULT) == 0)
    return cl_fail (err, 0, "network %s is the default network: it cannot be removed", name);
  if (network_users (s, name, &users, err) < 0)
    return -1;
  if (users)
    {
      cleanup_free char *list = xstrdup (users[0]);
      for (size_t i = 1; users[i]; i++)
        {
          char *next = xasprintf ("%s, %s", list, users[i]);
          free (list);
          list = next;
        }
      return cl_fail (err, 0,
                      "network %s is used by container%s %s: remove %s first, or use "
                      "network rm -f",
                      name, users[1] ? "s" : "", list, users[1] ? "them" : "it");
    }
  if (netrec_retire (s, name, bridge, err) < 0)
    return -1;
  if (net_teardown (bridge, err) < 0)
    return -1;
  netrec_tidy (s, net_teardown);
  return 0;
}

/* rm -f: the network's containers go first, without the network lock
   (removing one takes it). */
static int
remove_users (const char *name, struct cl_error *err)
{
  cleanup_store struct store *s = NULL;
  cleanup_strv char **users = NULL;

  if (cli_open_store (&s, STORE_USE, err) < 0 || network_users (s, name, &users, err) < 0)
    return -1;
  for (size_t i = 0; users && users[i]; i++)
    if (cli_remove_container (s, users[i], true, false, err) < 0)
      return -1;
  return 0;
}

static int
network_rm_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  bool force = false;
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "network rm", "+fh", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f': force = true; break;
      default: return 125;
      }
  if (optind >= argc)
    return cli_usage_error ("network rm", "\"crunlocal network rm\" requires at least 1 name");
  if (need_root (&err) < 0)
    return cli_fail (&err);
  for (int i = optind; i < argc; i++)
    {
      cleanup_store struct store *s = NULL;
      cleanup_close int lock = -1;
      int r = 0;
      if (force && strcmp (argv[i], NETREC_DEFAULT) != 0)
        r = remove_users (argv[i], &err);
      if (r == 0)
        r = open_networks (&s, &lock, &err);
      if (r == 0)
        r = remove_network (s, argv[i], &err);
      if (r == 0)
        puts (argv[i]);
      else
        ret = cli_fail (&err);
    }
  return ret;
}

static int
network_prune_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  struct cl_error err = { 0 };
  struct netrec *v = NULL;
  size_t n = 0;
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "network prune", "+fh", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f': break; /* nothing is asked: -f is accepted for podman's sake */
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("network prune", "unexpected argument \"%s\"", argv[optind]);
  if (open_networks (&s, &lock, &err) < 0 || netrec_list (s, &v, &n, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_strv char **users = NULL;
      if (strcmp (v[i].name, NETREC_DEFAULT) == 0)
        continue;
      if (network_users (s, v[i].name, &users, &err) < 0 || users)
        {
          if (!users)
            ret = cli_fail (&err);
          continue;
        }
      if (remove_network (s, v[i].name, &err) == 0)
        puts (v[i].name);
      else
        ret = cli_fail (&err);
    }
  netrec_list_free (v, n);
  return ret;
}

int
cmd_network (int argc, char **argv)
{
  static const struct cli_sub sub[] = {
    { "create", network_create_cmd },   { "ls", network_ls_cmd }, { "list", network_ls_cmd },
    { "inspect", network_inspect_cmd }, { "rm", network_rm_cmd }, { "remove", network_rm_cmd },
    { "prune", network_prune_cmd },
  };

  return cli_subcommand ("network", sub, sizeof sub / sizeof sub[0], show_usage, argc, argv);
}
