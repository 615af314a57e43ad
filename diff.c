/* `crunlocal diff CONTAINER`: what a container added (A), changed (C)
   and deleted (D), read from its upper directories as podman's diff reads
   them (containers/storage's overlay changes): the rootfs's upper over the
   image's layers, and the --context upper over DIR, under TARGET.  A path
   in the upper is D when it is a whiteout, C when the lower has it, A
   otherwise; a directory present in both counts only when its mode
   changed or as the parent of an A or D (docker's rule, moby#13590).
   Left out, as podman leaves them out: what the runtime itself makes
   (mount points, /etc/hosts, /etc/resolv.conf, /etc/hostname, /dev, /proc,
   /sys, /run) and the whiteouts --context made for ignored paths. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "digest.h"
#include "json.h"
#include "ocispec.h"
#include "util.h"

static const char diff_usage[]
    = "Usage: crunlocal diff [OPTIONS] CONTAINER\n"
      "\n"
      "List what a container added (A), changed (C) and deleted (D) in its root\n"
      "filesystem and in its --context directory, as podman's diff does.\n"
      "\n"
      "Options:\n"
      "      --format json            a JSON object: changed, added, deleted\n";

struct change
{
  char kind; /* 'A', 'C', 'D' */
  char *path;
};

struct changes
{
  struct change *v;
  size_t n;
  char **skip;   /* container paths left out */
  char **masked; /* context paths whited out for the ignore rules */
};

/* One tree: an upper directory over its lowers, reported under `prefix`. */
struct tree
{
  int *lowers; /* directory fds */
  size_t n_lowers;
  const char *prefix;     /* "" for the rootfs, TARGET for the context */
  const char *ctx_prefix; /* strip for the masked list (context only) */
};

static void
add (struct changes *c, char kind, const char *path)
{
  if (strv_contains (c->skip, path))
    return;
  for (size_t i = 0; i < c->n; i++)
    if (strcmp (c->v[i].path, path) == 0)
      return;
  c->v = xrealloc (c->v, (c->n + 1) * sizeof *c->v);
  c->v[c->n++] = (struct change){ kind, xstrdup (path) };
}

static bool
in_lowers (const struct tree *t, const char *rel, struct stat *st)
{
  for (size_t i = 0; i < t->n_lowers; i++)
    if (fstatat (t->lowers[i], rel, st, AT_SYMLINK_NOFOLLOW) == 0)
      return true;
  return false;
}

static bool
is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == makedev (0, 0);
}

static void
add_parent (struct changes *c, const char *path)
{
  cleanup_free char *parent = xstrdup (path);
  char *slash = strrchr (parent, '/');

  if (slash && slash != parent)
    {
      *slash = '\0';
      add (c, 'C', parent);
    }
}

static int walk (struct changes *c, const struct tree *t, int dfd, const char *rel,
                 struct cl_error *err);

static int
visit (struct changes *c, const struct tree *t, int dfd, const char *name, const char *rel,
       struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", t->prefix, rel);
  struct stat st, low;
  bool lower, report = true;
  char kind;

  if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "stat %s", path);
  if (strv_contains (c->skip, path))
    return 0;
  lower = in_lowers (t, rel, &low);
  if (is_whiteout (&st))
    {
      if (t->ctx_prefix && strv_contains (c->masked, rel))
        return 0;
      kind = 'D';
    }
  else if (lower)
    {
      kind = 'C';
      if (S_ISDIR (st.st_mode) && S_ISDIR (low.st_mode) && st.st_mode == low.st_mode)
        report = false;
    }
  else
    kind = 'A';
  if (report)
    add (c, kind, path);
  if (kind != 'C')
    add_parent (c, path);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int sub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return cl_fail (err, errno, "open %s", path);
      return walk (c, t, sub, rel, err);
    }
  return 0;
}

static int
walk (struct changes *c, const struct tree *t, int dfd, const char *rel, struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd = dup (dfd);

  if (fd < 0 || !(d = fdopendir (fd)))
    {
      if (fd >= 0)
        close (fd);
      return cl_fail (err, errno, "read %s/%s", t->prefix, rel);
    }
  while ((errno = 0, de = readdir (d)))
    {
      cleanup_free char *sub = NULL;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = *rel ? xasprintf ("%s/%s", rel, de->d_name) : xstrdup (de->d_name);
      if (visit (c, t, dirfd (d), de->d_name, sub, err) < 0)
        return -1;
    }
  return errno ? cl_fail (err, errno, "read %s/%s", t->prefix, rel) : 0;
}

static int
open_dir (const char *path)
{
  return open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* The rootfs: its upper over the image's layers (overlay snapshots
   only: a hard-link farm or a copy has no upper to read). */
static int
rootfs_changes (struct store *s, const struct container *ct, struct changes *c,
                struct cl_error *err)
{
  struct image_record img = { 0 };
  cleanup_free char *upper = xasprintf ("%s/upper", ct->dir);
  cleanup_close int up = -1;
  struct tree t = { .prefix = "" };
  int r;

  if (!ct->snapshot || strcmp (ct->snapshot, "overlay") != 0)
    return 0;
  up = open_dir (upper);
  if (up < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open %s", upper);
  if (store_image_lookup (s, ct->image_id, &img, err) != 0)
    return cl_fail (err, ENOENT, "the image %.12s of container %.12s is gone", ct->image_id,
                    ct->id);
  t.n_lowers = strv_len (img.layers);
  t.lowers = xcalloc (t.n_lowers + 1, sizeof (int));
  /* Top layer first, as overlay looks. */
  for (size_t i = 0; i < t.n_lowers; i++)
    {
      const char *id = img.layers[t.n_lowers - 1 - i];
      cleanup_free char *p = xasprintf ("%s/layers/%s/diff", s->root, digest_hex (id));
      t.lowers[i] = open_dir (p);
    }
  r = walk (c, &t, up, "", err);
  for (size_t i = 0; i < t.n_lowers; i++)
    if (t.lowers[i] >= 0)
      close (t.lowers[i]);
  free (t.lowers);
  image_record_clear (&img);
  return r;
}

static char **
read_lines (int dfd, const char *name)
{
  cleanup_free char *buf = NULL;
  struct cl_error ignored;
  char **v = xcalloc (1, sizeof (char *));
  char *save = NULL;

  if (read_file_at (dfd, name, 64 << 20, &buf, NULL, &ignored) < 0)
    return v;
  for (char *l = strtok_r (buf, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    strv_append (&v, l);
  return v;
}

/* The context: its upper over DIR, under TARGET. */
static int
context_changes (const struct container *ct, struct changes *c, struct cl_error *err)
{
  cleanup_free char *ctx = xasprintf ("%s/ctx", ct->dir);
  cleanup_close int cfd = open_dir (ctx), up = -1, low = -1;
  cleanup_strv char **target = NULL;
  struct tree t = { .n_lowers = 1, .ctx_prefix = "" };

  if (cfd < 0)
    return 0; /* no --context, or a copy (no upper to read) */
  up = openat (cfd, "upper", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  low = openat (cfd, "lower", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (up < 0)
    return 0;
  if (low < 0)
    return cl_fail (err, errno, "the context directory of container %.12s", ct->id);
  target = read_lines (cfd, "target");
  if (!target[0])
    return cl_fail (err, ENOENT, "%s/target is missing", ctx);
  c->masked = read_lines (cfd, "masked");
  t.lowers = &low;
  t.prefix = target[0];
  return walk (c, &t, up, "", err);
}

static int
by_path (const void *a, const void *b)
{
  return strcmp (((const struct change *)a)->path, ((const struct change *)b)->path);
}

static void
print_json (const struct changes *c)
{
  static const struct
  {
    const char *key;
    char kind;
  } groups[] = { { "changed", 'C' }, { "added", 'A' }, { "deleted", 'D' } };
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  const unsigned char *buf;
  size_t len;

  yajl_gen_map_open (g);
  for (size_t k = 0; k < 3; k++)
    {
      size_t n = 0;
      for (size_t i = 0; i < c->n; i++)
        n += c->v[i].kind == groups[k].kind;
      if (!n)
        continue;
      jg_str (g, groups[k].key);
      yajl_gen_array_open (g);
      for (size_t i = 0; i < c->n; i++)
        if (c->v[i].kind == groups[k].kind)
          jg_str (g, c->v[i].path);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  putchar ('\n');
}

/* What the runtime makes, never the container: podman's initInodes, and
   the spec's mount points. */
static char **
runtime_paths (const struct container *ct)
{
  static const char *fixed[] = { "/dev",  "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
                                 "/proc", "/run",          "/sys",       "/etc/mtab" };
  char **v = xcalloc (1, sizeof (char *));
  struct spec sp;
  struct cl_error ignored;

  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    strv_append (&v, fixed[i]);
  if (bundle_load (ct->dir, &sp, &ignored) == 0)
    {
      for (size_t i = 0; i < sp.n_mounts; i++)
        strv_append (&v, sp.mounts[i].destination);
      spec_clear (&sp);
    }
  return v;
}

static void
changes_clear (struct changes *c)
{
  for (size_t i = 0; i < c->n; i++)
    free (c->v[i].path);
  free (c->v);
  strv_free (c->skip);
  strv_free (c->masked);
}

static int
diff_container (struct store *s, const char *what, bool json, struct cl_error *err)
{
  struct container ct = { 0 };
  struct changes c = { 0 };
  int r = cli_find_container (s, what, &ct, err);

  if (r == 0)
    {
      c.skip = runtime_paths (&ct);
      r = rootfs_changes (s, &ct, &c, err);
    }
  if (r == 0)
    r = context_changes (&ct, &c, err);
  if (r == 0)
    {
      qsort (c.v, c.n, sizeof *c.v, by_path);
      if (json)
        print_json (&c);
      else
        for (size_t i = 0; i < c.n; i++)
          printf ("%c %s\n", c.v[i].kind, c.v[i].path);
    }
  changes_clear (&c);
  container_clear (&ct);
  return r;
}

int
cmd_diff (int argc, char **argv)
{
  static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
                                            { "format", required_argument, NULL, 'f' },
                                            { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  bool json = false;
  int c;

  while ((c = cli_getopt (argc, argv, "diff", "+h", longopts)) != -1)
    {
      if (c == 'h')
        return fputs (diff_usage, stdout), 0;
      if (c == 'f' && strcmp (optarg, "json") == 0)
        json = true;
      else if (c == 'f')
        return cli_usage_error ("diff", "--format: only json is supported, not \"%s\"", optarg);
      else
        return 125;
    }
  if (argc - optind != 1)
    return cli_usage_error ("diff", "\"crunlocal diff\" requires exactly 1 argument");
  if (cli_open_store (&s, STORE_USE, &err) < 0 || diff_container (s, argv[optind], json, &err) < 0)
    return cli_fail (&err);
  return 0;
}
