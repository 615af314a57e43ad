/* `crunlocal port CONTAINER [PORT[/PROTO]]`: the container's published
   ports as podman prints them, "80/tcp -> 0.0.0.0:8080". */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "net.h"
#include "util.h"

static const char port_usage[] = "Usage: crunlocal port CONTAINER [PORT[/PROTO]]\n"
                                 "\n"
                                 "List the container's published ports (all, or PORT's).\n";

/* "80", "80/tcp", "53/udp" against a record. */
static bool
port_matches (const struct net_port *p, const char *want)
{
  char text[24];

  if (!want)
    return true;
  snprintf (text, sizeof text, "%u/%s", p->port, p->udp ? "udp" : "tcp");
  return strcmp (want, text) == 0 || (!strchr (want, '/') && !p->udp && atoi (want) == p->port);
}

static int
print_ports (const struct container *c, const char *want, struct cl_error *err)
{
  bool found = false;

  for (size_t i = 0; c->ports && c->ports[i]; i++)
    {
      struct net_port p;
      char ip[INET_ADDRSTRLEN];
      if (net_port_parse_record (c->ports[i], &p) < 0 || !port_matches (&p, want))
        continue;
      inet_ntop (AF_INET, &p.host_ip, ip, sizeof ip);
      found = true;
      if (want)
        printf ("%s:%u\n", ip, p.host_port);
      else
        printf ("%u/%s -> %s:%u\n", p.port, p.udp ? "udp" : "tcp", ip, p.host_port);
    }
  /* As podman: asked for one, none is an error. */
  if (want && !found)
    return cl_fail (err, 0, "failed to find published port \"%s\"", want);
  return 0;
}

int
cmd_port (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct container c = { 0 };
  int opt, r;

  while ((opt = cli_getopt (argc, argv, "port", "+h", longopts)) != -1)
    {
      if (opt == -2)
        return 125;
      if (opt == 'h')
        {
          fputs (port_usage, stdout);
          return 0;
        }
    }
  if (optind >= argc || argc - optind > 2)
    return cli_usage_error ("port", "\"crunlocal port\" requires a container and at most one port");
  r = cli_open_store_host (&s, &err);
  if (r == 0)
    r = cli_find_container (s, argv[optind], &c, &err);
  if (r == 0)
    r = print_ports (&c, argc - optind == 2 ? argv[optind + 1] : NULL, &err);
  container_clear (&c);
  return r < 0 ? cli_fail (&err) : 0;
}
