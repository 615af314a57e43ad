/* The records of root's bridge networks in the store: networks/NAME/
   holds `config` (lines "key value": bridge, subnet, gateway, id,
   created, internal, label) and `ipam` (the leases, net.c).  The default
   network, `crunlocal` (what --network private uses), lives in
   networks/default/ and is made on first use; a named one is made by
   `network create` (netcmd.c).

   Consistency: a new network is written into networks/.new-XXXX and
   renamed into place, a removed one renamed to networks/.rm-XXXX before
   its bridge and nf_tables chains go; every command that takes the
   network lock finishes what a killed one left (netrec_tidy).  The
   kernel's side (bridge, chains) is made when the first container joins
   (net.c). */
#ifndef CL_NETREC_H
#define CL_NETREC_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define NETREC_DEFAULT "crunlocal"
#define NETREC_DEFAULT_DIR "networks/default"

struct netrec
{
  char *name;
  char id[65];
  char bridge[IFNAMSIZ];
  uint32_t subnet, gateway; /* network order */
  int prefix;
  bool internal;
  char **labels; /* "K=V" */
  long long created;
};

void netrec_clear (struct netrec *n);

/* Its directory in the store ("networks/default" for the default). */
char *netrec_dir (const char *name);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64, and none of the mode words
   (host, none, private, bridge, container, default, crunlocal). */
int netrec_name_check (const char *name, struct cl_error *err);

/* "10.91.0.0/24": the network and its prefix (8-30, no host bits). */
int netrec_parse_cidr (const char *s, uint32_t *net, int *prefix, struct cl_error *err);
/* Do a/pa and b/pb share an address? */
bool netrec_overlap (uint32_t a, int pa, uint32_t b, int pb);
/* Is addr a host address of net/prefix (not the network, not broadcast)? */
bool netrec_host_of (uint32_t addr, uint32_t net, int prefix);

/* The config text and back (an old default's has only bridge and
   subnet: the gateway is then the first address). */
char *netrec_format (const struct netrec *n);
int netrec_parse (const char *text, struct netrec *n, struct cl_error *err);

/* Under the network lock (store_lock "network").  Load one: 1 when
   there is no such network. */
int netrec_load (struct store *s, const char *name, struct netrec *n, struct cl_error *err);
/* Every network, the default first (when its config exists). */
int netrec_list (struct store *s, struct netrec **v, size_t *n, struct cl_error *err);
void netrec_list_free (struct netrec *v, size_t n);

/* What the host already uses: a route covering net/prefix, or a link of
   that name (net.c answers from the kernel; the tests from a table). */
typedef bool (*netrec_taken_fn) (uint32_t net, int prefix, const char *bridge);

/* A new network `n` (name, and subnet/gateway when given, labels,
   internal) written atomically; what is not given is chosen: the first
   crunlocalN bridge and /24 of 10.90.0.0/16 that no network has and
   `taken` does not refuse.  A given subnet that overlaps another
   network's, or a host route, is refused. */
int netrec_create (struct store *s, struct netrec *n, netrec_taken_fn taken, struct cl_error *err);

/* Rename networks/NAME out of the way (its kernel side goes next, then
   netrec_tidy removes it); *bridge gets its bridge's name. */
int netrec_retire (struct store *s, const char *name, char bridge[IFNAMSIZ], struct cl_error *err);
/* Finish what a killed create or remove left: .new-* dirs go; for each
   .rm-* dir, `teardown` its bridge (0: done), then the dir goes. */
void netrec_tidy (struct store *s, int (*teardown) (const char *bridge, struct cl_error *err));

#endif
