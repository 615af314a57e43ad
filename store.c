#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "json.h"
#include "util.h"

#define LAYER_OCI_WHITEOUTS "oci-whiteouts"
#define LAYER_BLOB "blob"

#define RECORD_MAX_BYTES (1 << 20)

static const char *store_dirs[] = { "blobs", "blobs/sha256", "layers", "images", "tmp", "locks" };

char *
store_default_root (uid_t host_euid)
{
  const char *env = getenv ("CRUNLOCAL_ROOT");
  const char *xdg = getenv ("XDG_DATA_HOME");
  const char *home = getenv ("HOME");

  if (env && *env)
    return xstrdup (env);
  if (host_euid == 0)
    return xstrdup ("/var/lib/crunlocal");
  if (xdg && *xdg)
    return xasprintf ("%s/crunlocal", xdg);
  return xasprintf ("%s/.local/share/crunlocal", home ? home : "/tmp");
}

char *
store_default_runroot (uid_t host_euid)
{
  const char *env = getenv ("CRUNLOCAL_RUNROOT");
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (env && *env)
    return xstrdup (env);
  if (host_euid == 0)
    return xstrdup ("/run/crunlocal");
  if (xdg && *xdg)
    return xasprintf ("%s/crunlocal", xdg);
  return xasprintf ("/tmp/crunlocal-run-%u", host_euid);
}

/* A store another user owns, or one anybody may write in, would let
   others swap our layers and records: refuse it with the reason. */
static int
check_owned_dir (const char *path, struct cl_error *err)
{
  struct stat st;

  if (mkdir_p (path, 0700, err) < 0)
    return -1;
  if (stat (path, &st) < 0)
    return cl_fail (err, errno, "stat %s", path);
  if (!S_ISDIR (st.st_mode))
    return cl_fail (err, ENOTDIR, "%s", path);
  if (st.st_uid != geteuid ())
    return cl_fail (err, EPERM, "%s belongs to uid %u, not to uid %u", path, st.st_uid, geteuid ());
  if (st.st_mode & S_IWOTH)
    return cl_fail (err, EPERM,
                    "%s is world-writable (mode %04o): anybody could replace its contents", path,
                    (unsigned)(st.st_mode & 07777));
  if ((st.st_mode & S_IWGRP) && chmod (path, 0700) < 0)
    return cl_fail (err, errno, "chmod %s", path);
  return 0;
}

/* The whiteout flavour is fixed when the store is made: root's stores use
   trusted.overlay.*, users' stores user.overlay.* (overlay's userxattr). */
static int
load_store_meta (struct store *s, uid_t host_euid, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  cleanup_json_gen yajl_gen g = NULL;
  cleanup_free char *text = NULL;
  size_t len;
  const char *flavour;

  if (read_file_at (s->rootfd, "store.json", RECORD_MAX_BYTES, &buf, NULL, err) == 0)
    {
      if (json_parse (buf, &root, err) < 0)
        return cl_wrap (err, "%s/store.json", s->root);
      flavour = json_get_str (root, "xattrs");
      s->user_xattrs = !flavour || strcmp (flavour, "user") == 0;
      return 0;
    }
  if (err->errnum != ENOENT)
    return -1;
  s->user_xattrs = host_euid != 0;
  g = json_gen_new (true);
  yajl_gen_map_open (g);
  jg_kint (g, "version", 1);
  jg_kstr (g, "xattrs", s->user_xattrs ? "user" : "trusted");
  yajl_gen_map_close (g);
  text = json_gen_take (g, &len);
  return write_file_atomic_at (s->rootfd, "store.json", text, len, 0600, true, err);
}

int
store_open (struct store **out, enum store_mode mode, uid_t host_euid, struct cl_error *err)
{
  cleanup_store struct store *s = xcalloc (1, sizeof *s);

  s->rootfd = -1;
  s->gc_lock = -1;
  s->root = store_default_root (host_euid);
  s->runroot = store_default_runroot (host_euid);
  if (check_owned_dir (s->root, err) < 0 || check_owned_dir (s->runroot, err) < 0)
    return cl_wrap (err, "store");
  s->rootfd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0)
    return cl_fail (err, errno, "open %s", s->root);
  for (size_t i = 0; i < sizeof store_dirs / sizeof store_dirs[0]; i++)
    if (mkdirat (s->rootfd, store_dirs[i], 0700) < 0 && errno != EEXIST)
      return cl_fail (err, errno, "mkdir %s/%s", s->root, store_dirs[i]);
  if (load_store_meta (s, host_euid, err) < 0)
    return -1;
  s->gc_lock = store_lock (s, "gc", mode == STORE_GC, err);
  if (s->gc_lock < 0)
    return -1;
  *out = steal_pointer (&s);
  return 0;
}

void
store_release_gc (struct store *s)
{
  if (s->gc_lock >= 0)
    close (s->gc_lock);
  s->gc_lock = -1;
}

void
store_close (struct store *s)
{
  if (!s)
    return;
  store_release_gc (s);
  if (s->rootfd >= 0)
    close (s->rootfd);
  free (s->root);
  free (s->runroot);
  free (s);
}

void
cleanup_storep (struct store **s)
{
  store_close (*s);
}

static int
flock_retry (int fd, int op)
{
  int ret;
  do
    ret = flock (fd, op);
  while (ret < 0 && errno == EINTR && !cl_interrupted);
  return ret;
}

int
store_lock (struct store *s, const char *name, bool exclusive, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("locks/%s", name);
  cleanup_close int fd = openat (s->rootfd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "open lock %s", path);
  if (flock_retry (fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    return cl_fail (err, errno, "lock %s", path);
  return steal_fd (&fd);
}

static char *
blob_path (const char *digest)
{
  return xasprintf ("blobs/sha256/%s", digest_hex (digest));
}

bool
store_has_blob (struct store *s, const char *digest)
{
  cleanup_free char *p = blob_path (digest);
  return faccessat (s->rootfd, p, F_OK, 0) == 0;
}

int
store_put_blob (struct store *s, const char *digest, const void *buf, size_t len,
                struct cl_error *err)
{
  char actual[DIGEST_STR_LEN + 1];
  cleanup_close int dfd = -1;

  sha256_digest (buf, len, actual);
  if (strcmp (actual, digest) != 0)
    return cl_fail (err, 0, "blob %s: content has digest %s", digest, actual);
  dfd = openat (s->rootfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return cl_fail (err, errno, "open blobs");
  return write_file_atomic_at (dfd, digest_hex (digest), buf, len, 0600, true, err);
}

int
store_read_blob (struct store *s, const char *digest, size_t max, char **out, size_t *len,
                 struct cl_error *err)
{
  cleanup_free char *p = blob_path (digest);
  return read_file_at (s->rootfd, p, max, out, len, err);
}

int
store_staging_new (struct store *s, struct staging *st, struct cl_error *err)
{
  char rnd[17];
  cleanup_free char *lockname = NULL;
  cleanup_close int lockfd = -1;

  memset (st, 0, sizeof *st);
  st->dirfd = st->lockfd = -1;
  if (random_hex (rnd, 16, err) < 0)
    return -1;
  lockname = xasprintf ("tmp/%s.lock", rnd);
  /* Lock first, then the directory: a cleaner that sees the directory
     without a held lock may remove it. */
  lockfd = openat (s->rootfd, lockname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (lockfd < 0 || flock (lockfd, LOCK_EX | LOCK_NB) < 0)
    return cl_fail (err, errno, "create %s", lockname);
  st->name = xasprintf ("tmp/%s", rnd);
  if (mkdirat (s->rootfd, st->name, 0700) < 0)
    {
      int e = errno;
      unlinkat (s->rootfd, lockname, 0);
      free (st->name);
      st->name = NULL;
      return cl_fail (err, e, "mkdir tmp/%s", rnd);
    }
  st->path = xasprintf ("%s/%s", s->root, st->name);
  st->dirfd = openat (s->rootfd, st->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  st->lockfd = steal_fd (&lockfd);
  if (st->dirfd < 0)
    {
      int e = errno;
      store_staging_discard (s, st);
      return cl_fail (err, e, "open staging");
    }
  return 0;
}

void
store_staging_discard (struct store *s, struct staging *st)
{
  struct cl_error ignored;

  if (st->dirfd >= 0)
    close (st->dirfd);
  if (st->name)
    {
      cleanup_free char *lockname = xasprintf ("%s.lock", st->name);
      rm_rf_at (s->rootfd, st->name, &ignored);
      unlinkat (s->rootfd, lockname, 0);
    }
  if (st->lockfd >= 0)
    close (st->lockfd);
  free (st->name);
  free (st->path);
  memset (st, 0, sizeof *st);
  st->dirfd = st->lockfd = -1;
}

static char *
layer_dir (const char *diff_id)
{
  return xasprintf ("layers/%s", digest_hex (diff_id));
}

bool
store_has_layer (struct store *s, const char *diff_id)
{
  cleanup_free char *d = layer_dir (diff_id);
  cleanup_free char *info = xasprintf ("%s/info.json", d);
  return faccessat (s->rootfd, info, F_OK, 0) == 0;
}

char *
store_layer_diff_path (struct store *s, const char *diff_id)
{
  return xasprintf ("%s/layers/%s/diff", s->root, digest_hex (diff_id));
}

long long
store_layer_size (struct store *s, const char *diff_id)
{
  cleanup_free char *path = xasprintf ("layers/%s/info.json", digest_hex (diff_id));
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  struct cl_error ignored;
  long long size = 0;

  if (read_file_at (s->rootfd, path, RECORD_MAX_BYTES, &buf, NULL, &ignored) < 0
      || json_parse (buf, &root, &ignored) < 0)
    return 0;
  json_get_int (root, "size", &size);
  return size;
}

int
store_layer_blob_create (struct staging *st, struct cl_error *err)
{
  int fd = openat (st->dirfd, LAYER_BLOB, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "%s/" LAYER_BLOB, st->path);
  return fd;
}

void
layer_blob_clear (struct layer_blob *b)
{
  if (b->fd >= 0)
    close (b->fd);
  free (b->digest);
  memset (b, 0, sizeof *b);
  b->fd = -1;
}

int
store_layer_blob_open (struct store *s, const char *diff_id, struct layer_blob *out,
                       struct cl_error *err)
{
  cleanup_free char *dir = layer_dir (diff_id);
  cleanup_free char *info = xasprintf ("%s/info.json", dir);
  cleanup_free char *blob = xasprintf ("%s/" LAYER_BLOB, dir);
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  const char *digest;
  struct stat st;

  memset (out, 0, sizeof *out);
  out->fd = -1;
  if (read_file_at (s->rootfd, info, RECORD_MAX_BYTES, &buf, NULL, err) < 0
      || json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "layer %s", diff_id);
  digest = json_get_str (root, "digest");
  if (!digest || !json_get_int (root, "size", &out->diff_size))
    return cl_fail (err, 0, "layer %s: info.json without digest or size", diff_id);
  out->fd = openat (s->rootfd, blob, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (out->fd < 0 && errno == ENOENT)
    return cl_fail (err, ENOENT,
                    "layer %s was unpacked before crunlocal kept layer blobs: remove the "
                    "images that use it and pull them again",
                    diff_id);
  if (out->fd < 0 || fstat (out->fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      int e = out->fd >= 0 && S_ISREG (st.st_mode) ? errno : out->fd < 0 ? errno : EINVAL;
      layer_blob_clear (out);
      return cl_fail (err, e, "layer %s: open its blob", diff_id);
    }
  out->size = st.st_size;
  out->digest = xstrdup (digest);
  return 0;
}

static char *
layer_info_json (const struct layer_info *info, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);

  yajl_gen_map_open (g);
  jg_kstr (g, "diff_id", info->diff_id);
  jg_kstr (g, "digest", info->digest);
  jg_kint (g, "size", info->size);
  jg_kint (g, "entries", info->entries);
  if (info->tree_digest)
    jg_kstr (g, "tree_digest", info->tree_digest);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

bool
store_layer_oci_whiteouts (struct store *s, const char *diff_id)
{
  cleanup_free char *dir = layer_dir (diff_id);
  cleanup_free char *path = xasprintf ("%s/" LAYER_OCI_WHITEOUTS, dir);

  return faccessat (s->rootfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
store_layer_commit (struct store *s, struct staging *st, const struct layer_info *info,
                    struct cl_error *err)
{
  cleanup_free char *dest = layer_dir (info->diff_id);
  size_t len;
  cleanup_free char *text = layer_info_json (info, &len);

  /* syncfs once for the whole layer: fsync of every file would cost more
     than the unpack itself on a slow disk, and a crash must not leave a
     committed layer with empty files. */
  if (syncfs (st->dirfd) < 0)
    return cl_fail (err, errno, "syncfs");
  if (write_file_atomic_at (st->dirfd, "info.json", text, len, 0600, true, err) < 0)
    return -1;
  if (info->oci_whiteouts
      && write_file_atomic_at (st->dirfd, LAYER_OCI_WHITEOUTS, "", 0, 0600, false, err) < 0)
    return -1;
  if (renameat (s->rootfd, st->name, s->rootfd, dest) < 0)
    {
      /* Another pull committed the same layer first: keep theirs. */
      if (errno == ENOTEMPTY || errno == EEXIST)
        return 0;
      return cl_fail (err, errno, "commit layer %s", info->diff_id);
    }
  return 0;
}

int
store_layer_remove (struct store *s, const char *diff_id, struct cl_error *err)
{
  cleanup_free char *dir = layer_dir (diff_id);
  cleanup_free char *dest = NULL;
  struct staging st;

  if (store_staging_new (s, &st, err) < 0)
    return -1;
  dest = xasprintf ("%s/layer", st.name);
  if (renameat (s->rootfd, dir, s->rootfd, dest) < 0 && errno != ENOENT)
    {
      cl_fail (err, errno, "remove layer %s", diff_id);
      store_staging_discard (s, &st);
      return -1;
    }
  store_staging_discard (s, &st);
  return 0;
}

void
image_record_clear (struct image_record *r)
{
  free (r->id);
  free (r->digest);
  strv_free (r->names);
  strv_free (r->layers);
  free (r->created);
  free (r->platform);
  memset (r, 0, sizeof *r);
}

void
image_records_free (struct image_record *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    image_record_clear (&v[i]);
  free (v);
}

static char *
record_json (const struct image_record *r, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);

  yajl_gen_map_open (g);
  jg_kstr (g, "id", r->id);
  jg_kstr (g, "digest", r->digest);
  jg_kstrv (g, "names", r->names);
  jg_kstrv (g, "layers", r->layers);
  jg_kstr (g, "created", r->created);
  jg_kstr (g, "platform", r->platform);
  jg_kint (g, "size", r->size);
  jg_kint (g, "pulled", r->pulled);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

static int
record_parse (const char *buf, struct image_record *r, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  const char *id, *digest;

  memset (r, 0, sizeof *r);
  if (json_parse (buf, &root, err) < 0)
    return -1;
  id = json_get_str (root, "id");
  digest = json_get_str (root, "digest");
  r->names = json_get_strv (root, "names");
  r->layers = json_get_strv (root, "layers");
  if (!id || !digest || !r->names || !r->layers)
    {
      image_record_clear (r);
      return cl_fail (err, 0, "incomplete image record");
    }
  r->id = xstrdup (id);
  r->digest = xstrdup (digest);
  r->created = xstrdup (json_get_str (root, "created"));
  r->platform = xstrdup (json_get_str (root, "platform"));
  json_get_int (root, "size", &r->size);
  json_get_int (root, "pulled", &r->pulled);
  return 0;
}

static int
record_write (struct store *s, const struct image_record *r, struct cl_error *err)
{
  size_t len;
  cleanup_free char *text = record_json (r, &len);
  cleanup_free char *name = xasprintf ("%s.json", r->id);
  cleanup_close int dfd = openat (s->rootfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open images");
  return write_file_atomic_at (dfd, name, text, len, 0600, true, err);
}

static int
record_read (struct store *s, const char *id, struct image_record *r, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("images/%s.json", id);
  cleanup_free char *buf = NULL;

  if (read_file_at (s->rootfd, path, RECORD_MAX_BYTES, &buf, NULL, err) < 0)
    return -1;
  if (record_parse (buf, r, err) < 0)
    return cl_wrap (err, "image record %s", id);
  return 0;
}

static void
strv_remove (char **v, const char *s)
{
  size_t j = 0;
  for (size_t i = 0; v && v[i]; i++)
    {
      if (strcmp (v[i], s) == 0)
        free (v[i]);
      else
        v[j++] = v[i];
    }
  if (v)
    v[j] = NULL;
}

int
store_images_list (struct store *s, struct image_record **out, size_t *n, struct cl_error *err)
{
  cleanup_close int dfd = openat (s->rootfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct image_record *v = NULL;
  size_t count = 0;
  struct dirent *de;

  if (dfd < 0 || !(d = fdopendir (dfd)))
    return cl_fail (err, errno, "open images");
  dfd = -1;
  while ((de = readdir (d)))
    {
      size_t len = strlen (de->d_name);
      cleanup_free char *id = NULL;
      struct cl_error ignored;
      if (de->d_name[0] == '.' || len != DIGEST_HEX_LEN + 5
          || strcmp (de->d_name + DIGEST_HEX_LEN, ".json") != 0)
        continue;
      id = xstrndup (de->d_name, DIGEST_HEX_LEN);
      v = xrealloc (v, (count + 1) * sizeof *v);
      /* A record removed between readdir and read is simply gone. */
      if (record_read (s, id, &v[count], &ignored) == 0)
        count++;
    }
  *out = v;
  *n = count;
  return 0;
}

int
store_image_save (struct store *s, const struct image_record *r, const char *name,
                  struct cl_error *err)
{
  cleanup_close int meta = store_lock (s, "meta", true, err);
  struct image_record *all = NULL;
  struct image_record mine = { 0 };
  size_t n = 0;
  int ret = 0;

  if (meta < 0 || store_images_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      if (strcmp (all[i].id, r->id) == 0 || !strv_contains (all[i].names, name))
        continue;
      strv_remove (all[i].names, name);
      ret = record_write (s, &all[i], err);
    }
  if (ret == 0)
    {
      struct image_record existing;
      struct cl_error ignored;
      mine = *r;
      mine.names = NULL;
      if (record_read (s, r->id, &existing, &ignored) == 0)
        {
          mine.names = steal_pointer (&existing.names);
          mine.pulled = existing.pulled;
          image_record_clear (&existing);
        }
      for (size_t i = 0; r->names && r->names[i]; i++)
        if (!strv_contains (mine.names, r->names[i]))
          strv_append (&mine.names, r->names[i]);
      if (name && !strv_contains (mine.names, name))
        strv_append (&mine.names, name);
      if (!mine.names)
        mine.names = xcalloc (1, sizeof (char *));
      ret = record_write (s, &mine, err);
      strv_free (mine.names);
    }
  image_records_free (all, n);
  return ret;
}

/* Does canonical `name` answer to the short name `what` ("busybox",
   "busybox:1", "library/busybox")?  As podman does for local images. */
static bool
short_name_matches (const char *name, const char *what)
{
  size_t nl = strlen (name), wl = strlen (what);
  bool has_tag = strchr (what, ':') != NULL || strchr (what, '@') != NULL;
  cleanup_free char *want = has_tag ? xstrdup (what) : xasprintf ("%s:latest", what);

  wl = strlen (want);
  return nl > wl && strcmp (name + nl - wl, want) == 0 && name[nl - wl - 1] == '/';
}

static bool
id_matches (const char *id, const char *what)
{
  size_t wl;

  if (str_has_prefix (what, "sha256:"))
    what += 7;
  wl = strlen (what);
  if (wl < 3 || wl > DIGEST_HEX_LEN)
    return false;
  for (const char *p = what; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return strncmp (id, what, wl) == 0;
}

static int
pick_unique (struct image_record *all, size_t n, const char *what,
             bool (*match) (const struct image_record *, const char *), struct image_record *out,
             struct cl_error *err)
{
  ssize_t found = -1;

  for (size_t i = 0; i < n; i++)
    {
      if (!match (&all[i], what))
        continue;
      if (found >= 0)
        return cl_fail (err, 0, "\"%s\" is ambiguous: more than one image matches", what);
      found = (ssize_t)i;
    }
  if (found < 0)
    return 1;
  *out = all[found];
  memset (&all[found], 0, sizeof all[found]);
  return 0;
}

static bool
match_full_name (const struct image_record *r, const char *what)
{
  return strv_contains (r->names, what);
}

static bool
match_short_name (const struct image_record *r, const char *what)
{
  for (size_t i = 0; r->names[i]; i++)
    if (short_name_matches (r->names[i], what))
      return true;
  return false;
}

static bool
match_id (const struct image_record *r, const char *what)
{
  return id_matches (r->id, what);
}

int
store_image_lookup (struct store *s, const char *what, struct image_record *out,
                    struct cl_error *err)
{
  struct image_record *all = NULL;
  size_t n = 0;
  int ret;

  memset (out, 0, sizeof *out);
  if (store_images_list (s, &all, &n, err) < 0)
    return -1;
  ret = pick_unique (all, n, what, match_full_name, out, err);
  if (ret == 1)
    ret = pick_unique (all, n, what, match_id, out, err);
  if (ret == 1)
    ret = pick_unique (all, n, what, match_short_name, out, err);
  image_records_free (all, n);
  return ret;
}

const char *
store_image_name_of (const struct image_record *r, const char *what)
{
  for (size_t i = 0; r->names && r->names[i]; i++)
    if (strcmp (r->names[i], what) == 0)
      return r->names[i];
  /* A short name means a local one first, as podman resolves it
     (`tag IMG busybox` made localhost/busybox:latest). */
  for (size_t i = 0; r->names && r->names[i]; i++)
    if (str_has_prefix (r->names[i], "localhost/") && short_name_matches (r->names[i], what))
      return r->names[i];
  for (size_t i = 0; r->names && r->names[i]; i++)
    if (short_name_matches (r->names[i], what))
      return r->names[i];
  return NULL;
}

int
store_image_untag (struct store *s, const char *id, const char *name, struct cl_error *err)
{
  cleanup_close int meta = store_lock (s, "meta", true, err);
  struct image_record r;
  int ret;

  if (meta < 0 || record_read (s, id, &r, err) < 0)
    return -1;
  strv_remove (r.names, name);
  ret = record_write (s, &r, err);
  image_record_clear (&r);
  return ret;
}

int
store_image_remove (struct store *s, const char *id, struct cl_error *err)
{
  cleanup_close int meta = store_lock (s, "meta", true, err);
  cleanup_free char *path = xasprintf ("images/%s.json", id);

  if (meta < 0)
    return -1;
  if (unlinkat (s->rootfd, path, 0) < 0 && errno != ENOENT)
    return cl_fail (err, errno, "remove image %s", id);
  return 0;
}
