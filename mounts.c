#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot.h"
#include "store.h"
#include "util.h"
#include "volume.h"

void
mount_reqs_clear (struct mount_reqs *r)
{
  for (size_t i = 0; i < r->n; i++)
    {
      free (r->v[i].source);
      free (r->v[i].destination);
      free (r->v[i].tmpfs_opts);
      free (r->v[i].resolved);
    }
  free (r->v);
  memset (r, 0, sizeof *r);
}

/* docker: "Duplicate mount point: /x".  "/x/" and "/x" are one. */
static bool
same_path (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);

  while (la > 1 && a[la - 1] == '/')
    la--;
  while (lb > 1 && b[lb - 1] == '/')
    lb--;
  return la == lb && strncmp (a, b, la) == 0;
}

static int
append (struct mount_reqs *r, const struct mount_req *m, struct cl_error *err)
{
  if (m->destination[0] != '/')
    return cl_fail (err, EINVAL, "mount destination \"%s\" must be an absolute path",
                    m->destination);
  if (strcmp (m->destination, "/") == 0)
    return cl_fail (err, EINVAL, "a mount cannot replace the container's root (\"/\")");
  for (size_t i = 0; i < r->n; i++)
    if (same_path (r->v[i].destination, m->destination))
      return cl_fail (err, EINVAL, "duplicate mount point: %s", m->destination);
  r->v = xrealloc (r->v, (r->n + 1) * sizeof *r->v);
  r->v[r->n] = *m;
  r->v[r->n].source = m->source ? xstrdup (m->source) : NULL;
  r->v[r->n].destination = xstrdup (m->destination);
  r->v[r->n].tmpfs_opts = m->tmpfs_opts ? xstrdup (m->tmpfs_opts) : NULL;
  r->v[r->n].resolved = NULL;
  r->n++;
  return 0;
}

/* A host path, not a volume's name: podman's and docker's rule. */
static bool
is_host_path (const char *src)
{
  return src[0] == '/' || src[0] == '.' || strchr (src, '/') != NULL;
}

static int
volume_option (struct mount_req *m, const char *opt, bool *rw_seen, bool *ro_seen,
               struct cl_error *err)
{
  if (strcmp (opt, "ro") == 0 || strcmp (opt, "readonly") == 0)
    m->readonly = true, *ro_seen = true;
  else if (strcmp (opt, "rw") == 0)
    *rw_seen = true;
  else if (strcmp (opt, "z") == 0 || strcmp (opt, "Z") == 0)
    return 0; /* SELinux relabelling: nothing to do without SELinux */
  else if (strcmp (opt, "U") == 0)
    m->chown = true;
  else if (strcmp (opt, "nocopy") == 0)
    m->nocopy = true;
  else
    return cl_fail (err, EINVAL, "invalid volume option \"%s\": want ro, rw, z, Z, U or nocopy",
                    opt);
  if (*rw_seen && *ro_seen)
    return cl_fail (err, EINVAL, "invalid volume options: both ro and rw");
  return 0;
}

static int
volume_options (struct mount_req *m, char *opts, struct cl_error *err)
{
  bool rw = false, ro = false;
  char *save = NULL;

  if (!*opts)
    return cl_fail (err, EINVAL, "empty volume options");
  for (char *o = strtok_r (opts, ",", &save); o; o = strtok_r (NULL, ",", &save))
    if (volume_option (m, o, &rw, &ro, err) < 0)
      return -1;
  return 0;
}

int
mounts_parse_volume (struct mount_reqs *r, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  char *fields[3] = { copy, NULL, NULL };
  struct mount_req m = { .kind = MOUNT_BIND, .make_source = true };
  size_t n = 1;

  for (char *p = copy; *p; p++)
    {
      if (*p != ':')
        continue;
      if (n == 3)
        return cl_fail (err, EINVAL, "invalid volume \"%s\": want [SRC:]DST[:OPTIONS]", arg);
      *p = '\0';
      fields[n++] = p + 1;
    }
  if (n == 1 && copy[0] == '/')
    {
      m.kind = MOUNT_VOLUME; /* -v /dst: anonymous */
      m.destination = copy;
      return append (r, &m, err);
    }
  if (n == 1 || !*fields[0] || !*fields[1])
    return cl_fail (err, EINVAL, "invalid volume \"%s\": want [SRC:]DST[:OPTIONS]", arg);
  if (n == 3 && volume_options (&m, fields[2], err) < 0)
    return cl_wrap (err, "-v %s", arg);
  m.source = fields[0];
  m.destination = fields[1];
  if (!is_host_path (m.source))
    {
      m.kind = MOUNT_VOLUME;
      if (!volume_name_valid (m.source))
        return cl_fail (err, EINVAL,
                        "invalid volume name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]+ "
                        "(or a path: /abs, ./rel)",
                        m.source);
    }
  return append (r, &m, err);
}

/* --mount as it is read: the request, and what has no place in it yet. */
struct mount_parse
{
  struct mount_req m;
  bool typed;
  char *tmpfs;
};

/* One key=value of --mount. */
static int
mount_key (struct mount_parse *p, const char *k, const char *v, bool has_v, struct cl_error *err)
{
  struct mount_req *m = &p->m;
  char **tmpfs = &p->tmpfs;

  if (strcmp (k, "type") == 0)
    {
      if (strcmp (v, "bind") && strcmp (v, "volume") && strcmp (v, "tmpfs"))
        return cl_fail (err, EINVAL, "--mount type \"%s\" is not supported (bind, volume, tmpfs)",
                        v);
      m->kind = strcmp (v, "bind") == 0     ? MOUNT_BIND
                : strcmp (v, "volume") == 0 ? MOUNT_VOLUME
                                            : MOUNT_TMPFS;
      p->typed = true;
    }
  else if (strcmp (k, "source") == 0 || strcmp (k, "src") == 0)
    m->source = *v ? (char *)v : NULL;
  else if (strcmp (k, "target") == 0 || strcmp (k, "destination") == 0 || strcmp (k, "dst") == 0)
    m->destination = (char *)v;
  else if (strcmp (k, "readonly") == 0 || strcmp (k, "ro") == 0)
    m->readonly = !has_v || strcmp (v, "true") == 0 || strcmp (v, "1") == 0;
  else if (strcmp (k, "volume-nocopy") == 0)
    m->nocopy = !has_v || strcmp (v, "true") == 0 || strcmp (v, "1") == 0;
  else if (strcmp (k, "tmpfs-size") == 0 || strcmp (k, "tmpfs-mode") == 0)
    {
      char *more = xasprintf ("%s%s%s=%s", *tmpfs ? *tmpfs : "", *tmpfs ? "," : "",
                              k + strlen ("tmpfs-"), v);
      free (*tmpfs);
      *tmpfs = more;
    }
  else if (strcmp (k, "bind-propagation") != 0 && strcmp (k, "relabel") != 0)
    return cl_fail (err, EINVAL, "--mount: unknown option \"%s\"", k);
  return 0;
}

static int
mount_keys (struct mount_parse *p, char *text, struct cl_error *err)
{
  char *save = NULL;

  for (char *kv = strtok_r (text, ",", &save); kv; kv = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (kv, '=');
      if (eq)
        *eq = '\0';
      if (mount_key (p, kv, eq ? eq + 1 : "", eq != NULL, err) < 0)
        return -1;
    }
  return 0;
}

int
mounts_parse_mount (struct mount_reqs *r, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  struct mount_parse p = { { .kind = MOUNT_BIND }, false, NULL };
  int ret = mount_keys (&p, copy, err);
  cleanup_free char *tmpfs = p.tmpfs;
  struct mount_req m = p.m;

  if (ret < 0)
    return -1;
  if (!p.typed || !m.destination)
    return cl_fail (err, EINVAL, "--mount %s: type= and target= are required", arg);
  if (m.kind == MOUNT_BIND && !m.source)
    return cl_fail (err, EINVAL, "--mount %s: type=bind needs source=", arg);
  if (m.kind == MOUNT_VOLUME && m.source && !volume_name_valid (m.source))
    return cl_fail (err, EINVAL,
                    "--mount %s: invalid volume name \"%s\": want "
                    "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
                    arg, m.source);
  if (m.kind == MOUNT_TMPFS && m.source)
    return cl_fail (err, EINVAL, "--mount %s: type=tmpfs takes no source", arg);
  if (tmpfs && m.kind != MOUNT_TMPFS)
    return cl_fail (err, EINVAL, "--mount %s: tmpfs-* options need type=tmpfs", arg);
  m.tmpfs_opts = tmpfs;
  return append (r, &m, err);
}

static bool
taken (const struct mount_reqs *r, char *const *tmpfs, const char *dst)
{
  for (size_t i = 0; i < r->n; i++)
    if (same_path (r->v[i].destination, dst))
      return true;
  for (size_t i = 0; tmpfs && tmpfs[i]; i++)
    {
      cleanup_free char *t = xstrdup (tmpfs[i]);
      char *colon = strchr (t, ':');
      if (colon)
        *colon = '\0';
      if (same_path (t, dst))
        return true;
    }
  return false;
}

void
mounts_add_image_volumes (struct mount_reqs *r, char *const *volumes, char *const *tmpfs)
{
  struct cl_error ignored;

  for (size_t i = 0; volumes && volumes[i]; i++)
    {
      struct mount_req m = { .kind = MOUNT_VOLUME, .destination = volumes[i] };
      if (!taken (r, tmpfs, volumes[i]))
        append (r, &m, &ignored); /* "/" or a relative path: not a volume docker makes either */
    }
}

static int
resolve_bind (struct mount_req *m, struct cl_error *err)
{
  if (access (m->source, F_OK) < 0)
    {
      if (!m->make_source)
        return cl_fail (err, errno, "bind source path %s does not exist", m->source);
      /* docker's -v makes a missing host directory. */
      if (mkdir_p (m->source, 0755, err) < 0)
        return cl_wrap (err, "volume %s", m->source);
    }
  m->resolved = realpath (m->source, NULL);
  return m->resolved ? 0 : cl_fail (err, errno, "volume %s", m->source);
}

int
mounts_resolve_binds (struct mount_reqs *r, struct cl_error *err)
{
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].kind == MOUNT_BIND && !r->v[i].resolved && resolve_bind (&r->v[i], err) < 0)
      return -1;
  return 0;
}

static bool
dir_empty (int dfd)
{
  int fd = dup (dfd);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;

  if (!d)
    {
      if (fd >= 0)
        close (fd);
      return false;
    }
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return false;
  return true;
}

/* docker copies the image's content in whenever the volume is empty at
   mount time (a new one, or one emptied since). */
static int
copy_up (struct store *s, const struct image_record *img, const struct mount_req *m,
         const struct volume *v, struct cl_error *err)
{
  cleanup_close int dfd = open (v->mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", v->mountpoint);
  if (!dir_empty (dfd))
    return 0;
  if (snapshot_copy_dir (s, img, m->destination, dfd, err) < 0)
    return cl_wrap (err, "volume %s: copy %s from the image", v->name, m->destination);
  return 0;
}

static void
add_bind (struct spec_opts *o, const char *src, const char *dst, bool ro, bool volume)
{
  o->volumes = xrealloc (o->volumes, (o->n_volumes + 1) * sizeof *o->volumes);
  o->volumes[o->n_volumes++] = (struct spec_volume){ xstrdup (src), xstrdup (dst), ro, volume };
}

static int
prepare_volume (struct store *s, const struct image_record *img, struct mount_req *m,
                struct spec_opts *o, char ***names, struct cl_error *err)
{
  struct volume v;
  bool created;

  if (volume_create (s, m->source, m->source == NULL, &v, &created, err) < 0)
    return -1;
  strv_append (names, v.name);
  if (!m->nocopy && img && copy_up (s, img, m, &v, err) < 0)
    {
      volume_clear (&v);
      return -1;
    }
  m->resolved = steal_pointer (&v.mountpoint);
  volume_clear (&v);
  add_bind (o, m->resolved, m->destination, m->readonly, true);
  return 0;
}

static size_t
depth (const char *path)
{
  size_t n = 0;

  for (const char *p = path; *p; p++)
    if (*p == '/' && p[1] && p[1] != '/')
      n++;
  return n;
}

/* Stable, by the destination's depth: /data before /data/sub. */
static void
sort_by_depth (struct mount_reqs *r)
{
  for (size_t i = 1; i < r->n; i++)
    for (size_t j = i; j > 0 && depth (r->v[j - 1].destination) > depth (r->v[j].destination); j--)
      {
        struct mount_req t = r->v[j];
        r->v[j] = r->v[j - 1];
        r->v[j - 1] = t;
      }
}

int
mounts_prepare (struct store *s, const struct image_record *img, struct mount_reqs *r,
                struct spec_opts *o, char ***names, struct cl_error *err)
{
  if (!*names)
    *names = xcalloc (1, sizeof (char *));
  sort_by_depth (r);
  for (size_t i = 0; i < r->n; i++)
    {
      struct mount_req *m = &r->v[i];
      if (m->kind == MOUNT_BIND)
        add_bind (o, m->resolved, m->destination, m->readonly, false);
      else if (m->kind == MOUNT_VOLUME && prepare_volume (s, img, m, o, names, err) < 0)
        return -1;
      else if (m->kind == MOUNT_TMPFS)
        {
          cleanup_free char *t = m->tmpfs_opts ? xasprintf ("%s:%s", m->destination, m->tmpfs_opts)
                                               : xstrdup (m->destination);
          strv_append (&o->tmpfs, t);
        }
    }
  return 0;
}

/* A container id as this process's namespace knows it. */
static int
map_id (unsigned long id, const struct spec_idmap *maps, size_t n, unsigned long *out)
{
  *out = id;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (id >= maps[i].container && id - maps[i].container < maps[i].size)
      {
        *out = maps[i].host + (id - maps[i].container);
        return 0;
      }
  return -1;
}

static int
chown_tree (int dfd, uid_t uid, gid_t gid, int depth, struct cl_error *err)
{
  int fd = dup (dfd);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;

  if (!d)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      return cl_fail (err, e, "list a directory");
    }
  if (depth > 256)
    return cl_fail (err, ELOOP, "too deep");
  if (fchown (dfd, uid, gid) < 0)
    return cl_fail (err, errno, "chown to %u:%u", uid, gid);
  while ((de = readdir (d)))
    {
      cleanup_close int sub = -1;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fchownat (dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return cl_fail (err, errno, "chown %s to %u:%u", de->d_name, uid, gid);
      if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
        continue;
      sub = openat (dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0 && chown_tree (sub, uid, gid, depth + 1, err) < 0)
        return cl_wrap (err, "%s", de->d_name);
    }
  return 0;
}

static int
chown_source (const char *path, uid_t uid, gid_t gid, struct cl_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) < 0)
    return cl_fail (err, errno, ":U %s", path);
  if (!S_ISDIR (st.st_mode) && fchown (fd, uid, gid) < 0)
    return cl_fail (err, errno, ":U %s: chown to %u:%u", path, uid, gid);
  if (S_ISDIR (st.st_mode) && chown_tree (fd, uid, gid, 0, err) < 0)
    return cl_wrap (err, ":U %s", path);
  return 0;
}

int
mounts_chown (const struct mount_reqs *r, const struct spec *sp, struct cl_error *err)
{
  unsigned long hu, hg;

  for (size_t i = 0; i < r->n; i++)
    {
      if (!r->v[i].chown || r->v[i].kind == MOUNT_TMPFS)
        continue;
      if (map_id (sp->uid, sp->uid_maps, sp->n_uid_maps, &hu) < 0
          || map_id (sp->gid, sp->gid_maps, sp->n_gid_maps, &hg) < 0)
        return cl_fail (err, EINVAL,
                        ":U %s: the container's user %u:%u has no id outside it "
                        "(no subordinate ids)",
                        r->v[i].destination, sp->uid, sp->gid);
      if (chown_source (r->v[i].resolved, (uid_t)hu, (gid_t)hg, err) < 0)
        return -1;
    }
  return 0;
}
