/* Network records in the store (netrec.h): parsing, listing, making and
   retiring networks/NAME/ atomically. */
#include "netrec.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define NAME_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define DEFAULT_POOL 0x0a5a0000U /* 10.90.0.0/16, in host order */

void
netrec_clear (struct netrec *n)
{
  free (n->name);
  strv_free (n->labels);
  memset (n, 0, sizeof *n);
}

char *
netrec_dir (const char *name)
{
  if (strcmp (name, NETREC_DEFAULT) == 0)
    return xstrdup (NETREC_DEFAULT_DIR);
  return xasprintf ("networks/%s", name);
}

int
netrec_name_check (const char *name, struct cl_error *err)
{
  static const char *const reserved[]
      = { "host", "none", "private", "bridge", "container", "default", NETREC_DEFAULT, NULL };

  if (!name[0] || !strchr (NAME_FIRST, name[0]) || name[strspn (name, NAME_FIRST "_.-")] != '\0'
      || strlen (name) > 64)
    return cl_fail (
        err, 0, "invalid network name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64", name);
  for (size_t i = 0; reserved[i]; i++)
    if (strcmp (name, reserved[i]) == 0)
      return cl_fail (err, 0, "network name \"%s\" is reserved", name);
  return 0;
}

static uint32_t
mask_of (int prefix)
{
  return prefix ? htonl (~0U << (32 - prefix)) : 0;
}

int
netrec_parse_cidr (const char *s, uint32_t *net, int *prefix, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (s);
  char *slash = strchr (copy, '/'), *end;
  struct in_addr a;
  long p;

  if (!slash)
    return cl_fail (err, 0, "invalid subnet %s: want an IPv4 CIDR such as 10.91.0.0/24", s);
  *slash = '\0';
  p = strtol (slash + 1, &end, 10);
  if (inet_pton (AF_INET, copy, &a) != 1 || end == slash + 1 || *end || p < 8 || p > 30)
    return cl_fail (err, 0,
                    "invalid subnet %s: want an IPv4 CIDR such as 10.91.0.0/24 (prefix 8-30)", s);
  if (a.s_addr & ~mask_of ((int)p))
    return cl_fail (err, 0, "invalid subnet %s: host bits are set (the network is %s/%ld?)", s,
                    inet_ntoa ((struct in_addr){ a.s_addr & mask_of ((int)p) }), p);
  *net = a.s_addr;
  *prefix = (int)p;
  return 0;
}

bool
netrec_overlap (uint32_t a, int pa, uint32_t b, int pb)
{
  return ((a ^ b) & mask_of (pa < pb ? pa : pb)) == 0;
}

bool
netrec_host_of (uint32_t addr, uint32_t net, int prefix)
{
  uint32_t m = mask_of (prefix);

  return (addr & m) == net && addr != net && (addr | m) != 0xffffffffU;
}

char *
netrec_format (const struct netrec *n)
{
  char sub[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
  char *out;

  inet_ntop (AF_INET, &n->subnet, sub, sizeof sub);
  inet_ntop (AF_INET, &n->gateway, gw, sizeof gw);
  out = xasprintf ("bridge %s\nsubnet %s/%d\ngateway %s\nid %s\ncreated %lld\n%s", n->bridge, sub,
                   n->prefix, gw, n->id, n->created, n->internal ? "internal\n" : "");
  for (size_t i = 0; n->labels && n->labels[i]; i++)
    {
      char *next = xasprintf ("%slabel %s\n", out, n->labels[i]);
      free (out);
      out = next;
    }
  return out;
}

static int
parse_line (const char *key, const char *v, struct netrec *n, struct cl_error *err)
{
  struct in_addr a;

  if (strcmp (key, "bridge") == 0 && strlen (v) < IFNAMSIZ)
    snprintf (n->bridge, sizeof n->bridge, "%s", v);
  else if (strcmp (key, "subnet") == 0)
    return netrec_parse_cidr (v, &n->subnet, &n->prefix, err);
  else if (strcmp (key, "gateway") == 0 && inet_pton (AF_INET, v, &a) == 1)
    n->gateway = a.s_addr;
  else if (strcmp (key, "id") == 0 && strlen (v) == 64)
    memcpy (n->id, v, 65);
  else if (strcmp (key, "created") == 0)
    n->created = strtoll (v, NULL, 10);
  else if (strcmp (key, "internal") == 0)
    n->internal = true;
  else if (strcmp (key, "label") == 0)
    strv_append (&n->labels, v);
  return 0;
}

int
netrec_parse (const char *text, struct netrec *n, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (text);
  char *save = NULL;

  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (l, ' ');
      if (sp)
        *sp = '\0';
      if (parse_line (l, sp ? sp + 1 : "", n, err) < 0)
        return -1;
    }
  if (!n->bridge[0] || !n->prefix)
    return cl_fail (err, EINVAL, "not a network's config (no bridge or subnet)");
  if (!n->gateway)
    n->gateway = htonl (ntohl (n->subnet) + 1);
  return 0;
}

/* The default's id, which it never recorded: a fixed one, as podman's. */
static void
default_id (struct netrec *n)
{
  if (!n->id[0])
    snprintf (n->id, sizeof n->id, "%s",
              "c1a55e5d0ca1c1a55e5d0ca1c1a55e5d0ca1c1a55e5d0ca1c1a55e5d0ca1c1a5");
}

int
netrec_load (struct store *s, const char *name, struct netrec *n, struct cl_error *err)
{
  cleanup_free char *dir = netrec_dir (name), *path = xasprintf ("%s/config", dir);
  cleanup_free char *text = NULL;
  struct stat st;

  memset (n, 0, sizeof *n);
  if (read_file_at (s->rootfd, path, 1 << 16, &text, NULL, err) < 0)
    return err->errnum == ENOENT ? 1 : -1;
  n->name = xstrdup (name);
  if (netrec_parse (text, n, err) < 0)
    {
      netrec_clear (n);
      return cl_wrap (err, "network %s", name);
    }
  if (strcmp (name, NETREC_DEFAULT) == 0)
    default_id (n);
  if (!n->created && fstatat (s->rootfd, path, &st, 0) == 0)
    n->created = (long long)st.st_mtime;
  return 0;
}

void
netrec_list_free (struct netrec *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    netrec_clear (&v[i]);
  free (v);
}

static int
by_name (const void *a, const void *b)
{
  const struct netrec *x = a, *y = b;
  bool dx = strcmp (x->name, NETREC_DEFAULT) == 0, dy = strcmp (y->name, NETREC_DEFAULT) == 0;

  if (dx != dy)
    return dx ? -1 : 1;
  return strcmp (x->name, y->name);
}

int
netrec_list (struct store *s, struct netrec **v, size_t *n, struct cl_error *err)
{
  cleanup_close int dfd = openat (s->rootfd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct dirent *e;

  *v = NULL;
  *n = 0;
  if (dfd < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open networks/");
  d = fdopendir (dfd);
  if (!d)
    return cl_fail (err, errno, "read networks/");
  dfd = -1;
  while ((e = readdir (d)))
    {
      const char *name = strcmp (e->d_name, "default") == 0 ? NETREC_DEFAULT : e->d_name;
      struct netrec r;
      if (e->d_name[0] == '.' || (name == e->d_name && netrec_name_check (name, err) < 0))
        continue;
      if (netrec_load (s, name, &r, err) != 0)
        continue; /* half-made or foreign: not a network */
      *v = xrealloc (*v, (*n + 1) * sizeof **v);
      (*v)[(*n)++] = r;
    }
  if (*n)
    qsort (*v, *n, sizeof **v, by_name);
  return 0;
}

static bool
bridge_used (const struct netrec *v, size_t n, const char *bridge)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i].bridge, bridge) == 0)
      return true;
  return false;
}

static const struct netrec *
subnet_user (const struct netrec *v, size_t n, uint32_t net, int prefix)
{
  for (size_t i = 0; i < n; i++)
    if (netrec_overlap (v[i].subnet, v[i].prefix, net, prefix))
      return &v[i];
  return NULL;
}

/* The subnet (given or chosen) and the gateway. */
static int
choose_subnet (struct netrec *n, const struct netrec *v, size_t nv, netrec_taken_fn taken,
               struct cl_error *err)
{
  char sub[INET_ADDRSTRLEN];
  const struct netrec *other;

  if (n->prefix)
    {
      inet_ntop (AF_INET, &n->subnet, sub, sizeof sub);
      if ((other = subnet_user (v, nv, n->subnet, n->prefix)))
        return cl_fail (err, 0, "subnet %s/%d overlaps network %s's", sub, n->prefix, other->name);
      if (taken (n->subnet, n->prefix, NULL))
        return cl_fail (err, 0, "subnet %s/%d is already routed on the host", sub, n->prefix);
    }
  else
    for (uint32_t i = 0;; i++)
      {
        if (i > 255)
          return cl_fail (err, EADDRNOTAVAIL, "no free /24 left in 10.90.0.0/16");
        n->subnet = htonl (DEFAULT_POOL | i << 8);
        n->prefix = 24;
        if (!subnet_user (v, nv, n->subnet, 24) && !taken (n->subnet, 24, NULL))
          break;
      }
  inet_ntop (AF_INET, &n->subnet, sub, sizeof sub);
  if (!n->gateway)
    n->gateway = htonl (ntohl (n->subnet) + 1);
  else if (!netrec_host_of (n->gateway, n->subnet, n->prefix))
    return cl_fail (err, 0, "gateway %s is not a host address of subnet %s/%d",
                    inet_ntoa ((struct in_addr){ n->gateway }), sub, n->prefix);
  return 0;
}

static int
write_new (struct store *s, const struct netrec *n, struct cl_error *err)
{
  char tmp[32], rnd[9];
  cleanup_free char *text = netrec_format (n), *dir = netrec_dir (n->name);
  cleanup_close int dfd = -1;

  if (random_hex (rnd, 8, err) < 0)
    return -1;
  snprintf (tmp, sizeof tmp, "networks/.new-%s", rnd);
  if (mkdirat (s->rootfd, tmp, 0700) < 0)
    return cl_fail (err, errno, "create %s", tmp);
  dfd = openat (s->rootfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || write_file_atomic_at (dfd, "config", text, strlen (text), 0644, true, err) < 0)
    return dfd < 0 ? cl_fail (err, errno, "open %s", tmp) : -1;
  /* renameat fails on an existing non-empty directory: names stay unique. */
  if (renameat (s->rootfd, tmp, s->rootfd, dir) < 0)
    {
      int e = errno;
      struct cl_error ignored;
      rm_rf_at (s->rootfd, tmp, &ignored);
      return cl_fail (err, e, "create %s", dir);
    }
  return 0;
}

int
netrec_create (struct store *s, struct netrec *n, netrec_taken_fn taken, struct cl_error *err)
{
  struct netrec *v = NULL, existing;
  size_t nv = 0;
  int r;

  if (netrec_name_check (n->name, err) < 0)
    return -1;
  r = netrec_load (s, n->name, &existing, err);
  if (r == 0)
    {
      netrec_clear (&existing);
      return cl_fail (err, 0, "network %s already exists", n->name);
    }
  if (r < 0 || netrec_list (s, &v, &nv, err) < 0)
    return -1;
  for (unsigned i = 0; !n->bridge[0]; i++)
    {
      char br[IFNAMSIZ];
      snprintf (br, sizeof br, "crunlocal%u", i);
      if (!bridge_used (v, nv, br) && !taken (0, 0, br))
        memcpy (n->bridge, br, sizeof br);
    }
  r = choose_subnet (n, v, nv, taken, err);
  netrec_list_free (v, nv);
  if (r < 0 || random_hex (n->id, 64, err) < 0)
    return -1;
  n->created = (long long)time (NULL);
  if (mkdirat (s->rootfd, "networks", 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "create networks/");
  return write_new (s, n, err);
}

int
netrec_retire (struct store *s, const char *name, char bridge[IFNAMSIZ], struct cl_error *err)
{
  struct netrec n;
  char rm[32], rnd[9];
  cleanup_free char *dir = netrec_dir (name);
  int r = netrec_load (s, name, &n, err);

  if (r == 1)
    return cl_fail (err, 0, "network %s: no such network", name);
  if (r < 0)
    return -1;
  memcpy (bridge, n.bridge, IFNAMSIZ);
  netrec_clear (&n);
  if (random_hex (rnd, 8, err) < 0)
    return -1;
  snprintf (rm, sizeof rm, "networks/.rm-%s", rnd);
  if (renameat (s->rootfd, dir, s->rootfd, rm) < 0)
    return cl_fail (err, errno, "remove %s", dir);
  return 0;
}

void
netrec_tidy (struct store *s, int (*teardown) (const char *bridge, struct cl_error *err))
{
  cleanup_close int dfd = openat (s->rootfd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  struct cl_error ignored;

  if (dfd < 0 || !(d = fdopendir (dfd)))
    return;
  dfd = -1;
  while ((e = readdir (d)))
    {
      cleanup_free char *path = xasprintf ("networks/%s", e->d_name);
      cleanup_free char *cfg = xasprintf ("%s/config", path), *text = NULL;
      struct netrec n = { 0 };
      bool gone = true;
      if (str_has_prefix (e->d_name, ".rm-")
          && read_file_at (s->rootfd, cfg, 1 << 16, &text, NULL, &ignored) == 0
          && netrec_parse (text, &n, &ignored) == 0)
        gone = teardown (n.bridge, &ignored) == 0;
      netrec_clear (&n);
      if (gone && (str_has_prefix (e->d_name, ".rm-") || str_has_prefix (e->d_name, ".new-")))
        rm_rf_at (s->rootfd, path, &ignored);
    }
}
