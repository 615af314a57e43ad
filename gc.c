#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "json.h"
#include "treehash.h"
#include "util.h"

static int
open_subdir (struct store *s, const char *name, DIR **out, struct cl_error *err)
{
  int fd = openat (s->rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "open %s", name);
  *out = fdopendir (fd);
  if (!*out)
    {
      close (fd);
      return cl_fail (err, errno, "opendir %s", name);
    }
  return 0;
}

/* A staging entry is dead when nobody holds its lock. */
static bool
staging_is_dead (int dfd, const char *base)
{
  cleanup_free char *lockname = xasprintf ("%s.lock", base);
  cleanup_close int fd = openat (dfd, lockname, O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return errno == ENOENT;
  return flock (fd, LOCK_EX | LOCK_NB) == 0;
}

static bool
is_temp_name (const char *n)
{
  return n[0] == '.' && strstr (n, ".tmp-") != NULL;
}

/* Atomic writes that a kill -9 interrupted leave ".NAME.tmp-RAND". */
static int
remove_temp_files (struct store *s, const char *dir, long long *removed, struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (open_subdir (s, dir, &d, err) < 0)
    return -1;
  while ((de = readdir (d)))
    if (is_temp_name (de->d_name) && unlinkat (dirfd (d), de->d_name, 0) == 0)
      (*removed)++;
  return 0;
}

int
store_clean_staging (struct store *s, long long *removed, struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (open_subdir (s, "tmp", &d, err) < 0)
    return -1;
  while ((de = readdir (d)))
    {
      size_t len = strlen (de->d_name);
      cleanup_free char *base = NULL;
      if (de->d_name[0] == '.')
        continue;
      base = len > 5 && strcmp (de->d_name + len - 5, ".lock") == 0 ? xstrndup (de->d_name, len - 5)
                                                                    : xstrdup (de->d_name);
      if (!staging_is_dead (dirfd (d), base))
        continue;
      if (rm_rf_at (dirfd (d), base, err) < 0)
        return -1;
      if (strcmp (base, de->d_name) != 0)
        unlinkat (dirfd (d), de->d_name, 0);
      (*removed)++;
    }
  if (remove_temp_files (s, "images", removed, err) < 0
      || remove_temp_files (s, "blobs/sha256", removed, err) < 0)
    return -1;
  return 0;
}

/* Hex digests every image record references: manifests, configs, layers. */
static int
referenced (struct store *s, char ***blobs, char ***layers, struct cl_error *err)
{
  struct image_record *all = NULL;
  size_t n = 0;

  if (store_images_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      strv_append (blobs, all[i].id);
      if (str_has_prefix (all[i].digest, "sha256:"))
        strv_append (blobs, digest_hex (all[i].digest));
      for (size_t k = 0; all[i].layers[k]; k++)
        if (str_has_prefix (all[i].layers[k], "sha256:"))
          strv_append (layers, digest_hex (all[i].layers[k]));
    }
  image_records_free (all, n);
  return 0;
}

static int
remove_unreferenced (struct store *s, const char *dir, char **keep, long long *count,
                     struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (open_subdir (s, dir, &d, err) < 0)
    return -1;
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || strv_contains (keep, de->d_name))
        continue;
      if (rm_rf_at (dirfd (d), de->d_name, err) < 0)
        return cl_wrap (err, "%s", dir);
      (*count)++;
    }
  return 0;
}

int
store_gc (struct store *s, struct gc_stats *st, struct cl_error *err)
{
  cleanup_strv char **blobs = NULL;
  cleanup_strv char **layers = NULL;

  memset (st, 0, sizeof *st);
  if (store_clean_staging (s, &st->staging, err) < 0)
    return -1;
  if (referenced (s, &blobs, &layers, err) < 0)
    return -1;
  if (remove_unreferenced (s, "blobs/sha256", blobs, &st->blobs, err) < 0
      || remove_unreferenced (s, "layers", layers, &st->layers, err) < 0)
    return -1;
  return 0;
}

static void reportf (void (*report) (const char *, void *), void *arg, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
reportf (void (*report) (const char *, void *), void *arg, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  report (buf, arg);
}

/* Hash a blob file in chunks: configs are small but we never trust it. */
static int
blob_digest_of (int dfd, const char *name, char out[DIGEST_STR_LEN + 1])
{
  cleanup_close int fd = openat (dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  cleanup_sha256 struct sha256 *h = sha256_new ();
  char buf[65536];
  ssize_t n;

  if (fd < 0)
    return -1;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    sha256_update (h, buf, (size_t)n);
  if (n < 0)
    return -1;
  sha256_final (h, out);
  return 0;
}

static int
check_blobs (struct store *s, void (*report) (const char *, void *), void *arg,
             struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int damage = 0;

  if (open_subdir (s, "blobs/sha256", &d, err) < 0)
    return -1;
  while ((de = readdir (d)))
    {
      char actual[DIGEST_STR_LEN + 1];
      if (de->d_name[0] == '.')
        continue;
      if (blob_digest_of (dirfd (d), de->d_name, actual) < 0)
        {
          reportf (report, arg, "blob sha256:%s: unreadable: %s", de->d_name, strerror (errno));
          damage++;
        }
      else if (strcmp (digest_hex (actual), de->d_name) != 0)
        {
          reportf (report, arg, "blob sha256:%s: content has digest %s", de->d_name, actual);
          damage++;
        }
    }
  return damage;
}

/* The tree under diff/ against the digest taken when it was unpacked:
   a hard-link farm's container writing a file in place shows up here. */
static bool
tree_unchanged (int ldfd, const char *recorded, char *why, size_t whylen)
{
  cleanup_close int dfd = openat (ldfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char now[DIGEST_STR_LEN + 1];
  struct cl_error e;

  if (dfd < 0 || tree_digest (dfd, now, &e) < 0)
    {
      snprintf (why, whylen, "content unreadable: %s", dfd < 0 ? strerror (errno) : e.msg);
      return false;
    }
  if (strcmp (now, recorded) == 0)
    return true;
  snprintf (why, whylen, "content changed since it was unpacked (tree %s, recorded %s)", now,
            recorded);
  return false;
}

/* The blob kept for save (store.h) against the digest it was pulled
   with; layers unpacked before blobs were kept have none. */
static bool
blob_unchanged (int ldfd, const char *recorded, char *why, size_t whylen)
{
  char now[DIGEST_STR_LEN + 1];

  if (faccessat (ldfd, "blob", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
    return true;
  if (blob_digest_of (ldfd, "blob", now) < 0)
    {
      snprintf (why, whylen, "blob unreadable: %s", strerror (errno));
      return false;
    }
  if (recorded && strcmp (now, recorded) == 0)
    return true;
  snprintf (why, whylen, "blob has digest %s, recorded %s", now, recorded ? recorded : "none");
  return false;
}

static bool
layer_ok (int ldfd, const char *hex, char *why, size_t whylen)
{
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  struct cl_error e;
  struct stat st;
  const char *diff_id, *tree;

  if (read_file_at (ldfd, "info.json", 1 << 20, &buf, NULL, &e) < 0
      || json_parse (buf, &root, &e) < 0)
    {
      snprintf (why, whylen, "info.json: %s", e.msg);
      return false;
    }
  diff_id = json_get_str (root, "diff_id");
  if (!diff_id || !str_has_prefix (diff_id, "sha256:") || strcmp (diff_id + 7, hex) != 0)
    {
      snprintf (why, whylen, "info.json names another layer");
      return false;
    }
  if (fstatat (ldfd, "diff", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    {
      snprintf (why, whylen, "content directory missing");
      return false;
    }
  if (!blob_unchanged (ldfd, json_get_str (root, "digest"), why, whylen))
    return false;
  /* Layers unpacked before tree digests were recorded have none. */
  tree = json_get_str (root, "tree_digest");
  return !tree || tree_unchanged (ldfd, tree, why, whylen);
}

bool
store_layer_intact (struct store *s, const char *diff_id, char *why, size_t whylen)
{
  cleanup_free char *dir = xasprintf ("layers/%s", digest_hex (diff_id));
  cleanup_close int ldfd = openat (s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (ldfd < 0)
    {
      snprintf (why, whylen, "missing");
      return false;
    }
  return layer_ok (ldfd, digest_hex (diff_id), why, whylen);
}

static int
check_layers (struct store *s, void (*report) (const char *, void *), void *arg,
              struct cl_error *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int damage = 0;

  if (open_subdir (s, "layers", &d, err) < 0)
    return -1;
  while ((de = readdir (d)))
    {
      cleanup_close int ldfd = -1;
      char why[512];
      if (de->d_name[0] == '.')
        continue;
      ldfd = openat (dirfd (d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (ldfd < 0)
        snprintf (why, sizeof why, "%s", strerror (errno));
      if (ldfd < 0 || !layer_ok (ldfd, de->d_name, why, sizeof why))
        {
          reportf (report, arg, "layer sha256:%s: %s", de->d_name, why);
          damage++;
        }
    }
  return damage;
}

static int
check_images (struct store *s, void (*report) (const char *, void *), void *arg,
              struct cl_error *err)
{
  struct image_record *all = NULL;
  size_t n = 0;
  int damage = 0;

  if (store_images_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *config = xasprintf ("sha256:%s", all[i].id);
      if (!store_has_blob (s, all[i].digest))
        reportf (report, arg, "image %.12s: manifest %s missing", all[i].id, all[i].digest),
            damage++;
      if (!store_has_blob (s, config))
        reportf (report, arg, "image %.12s: config %s missing", all[i].id, config), damage++;
      for (size_t k = 0; all[i].layers[k]; k++)
        if (!store_has_layer (s, all[i].layers[k]))
          reportf (report, arg, "image %.12s: layer %s missing", all[i].id, all[i].layers[k]),
              damage++;
    }
  image_records_free (all, n);
  return damage;
}

int
store_check (struct store *s, void (*report) (const char *msg, void *arg), void *arg,
             struct cl_error *err)
{
  long long cleaned = 0;
  int a, b, c;

  if (store_clean_staging (s, &cleaned, err) < 0)
    return -1;
  if ((a = check_blobs (s, report, arg, err)) < 0 || (b = check_layers (s, report, arg, err)) < 0
      || (c = check_images (s, report, arg, err)) < 0)
    return -1;
  return a + b + c;
}
