#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "image.h"
#include "json.h"
#include "unpack.h"
#include "util.h"

#define ARCHIVE_MANIFEST_MAX (1 << 20)

struct archive_blob
{
  char *digest;
  char *path; /* relative to dirfd */
};

struct source
{
  const struct image_ref *ref;
  struct registry *reg; /* registry transport */
  int dirfd;            /* local layouts: the layout directory */
  struct store *store;
  struct staging staging; /* archives: where they were unpacked */
  bool staged;
  char *name;
  /* docker-archive: a synthesized manifest and where its blobs are */
  char *synth_manifest;
  struct archive_blob *blobs;
  size_t n_blobs;
};

static int
read_small_blob (int dirfd, const char *digest, size_t max, char **body, size_t *len,
                 struct cl_error *err)
{
  cleanup_free char *path = NULL;

  if (digest_validate (digest, err) < 0)
    return -1;
  path = xasprintf ("blobs/sha256/%s", digest_hex (digest));
  if (read_file_beneath (dirfd, path, max, false, body, len, err) < 0)
    return err->errnum == ENOENT ? cl_fail (err, ENOENT, "blob %s not found in the layout", digest)
                                 : -1;
  return 0;
}

/* Stream a local file into the sink in large chunks. */
static int
stream_file (int dirfd, const char *path, blob_sink sink, void *arg, struct cl_error *err)
{
  cleanup_close int fd = open_file_beneath (dirfd, path, false, err);
  cleanup_free char *buf = xmalloc (1 << 20);
  ssize_t n;

  if (fd < 0)
    return -1;
  while ((n = read (fd, buf, 1 << 20)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "read %s", path);
      if (cl_check_interrupt (err) < 0 || sink (buf, (size_t)n, arg) < 0)
        return -1;
    }
  return 0;
}

/* "localhost/NAME:TAG" for images from local files, as podman names them,
   or the reference itself when the tag is a full one. */
static char *
local_name (const char *tag, const char *file)
{
  struct image_ref r;
  struct cl_error ignored;
  const char *base = strrchr (file, '/');
  cleanup_free char *cand = NULL;
  char *name;

  if (tag && (strchr (tag, '/') || strchr (tag, ':')))
    cand = xstrdup (tag);
  else
    {
      cleanup_free char *b = xstrdup (base ? base + 1 : file);
      char *dot = strrchr (b, '.');
      if (dot && dot != b)
        *dot = '\0';
      for (char *p = b; *p; p++)
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
      cand = xasprintf ("localhost/%s:%s", b, tag ? tag : "latest");
    }
  if (ref_parse (cand, &r, &ignored) < 0)
    return NULL;
  name = steal_pointer (&r.name);
  ref_clear (&r);
  return name;
}

static int
oci_top (struct source *src, char **body, size_t *len, struct cl_error *err)
{
  cleanup_free char *index = NULL;
  cleanup_manifest struct manifest m = { 0 };
  const struct descriptor *pick = NULL;

  if (read_file_beneath (src->dirfd, "index.json", MANIFEST_MAX_BYTES, false, &index, NULL, err)
      < 0)
    return cl_wrap (err, "%s: not an OCI layout", src->ref->file);
  if (manifest_parse (index, &m, err) < 0)
    return cl_wrap (err, "%s/index.json", src->ref->file);
  if (!m.is_index)
    return cl_fail (err, 0, "%s/index.json is not an index", src->ref->file);
  for (size_t i = 0; i < m.n_manifests; i++)
    {
      const char *rn = m.manifests[i].ref_name;
      if (src->ref->tag ? (rn && strcmp (rn, src->ref->tag) == 0) : m.n_manifests == 1)
        pick = &m.manifests[i];
    }
  if (!pick)
    return cl_fail (err, ENOENT, "%s: %s", src->ref->file,
                    src->ref->tag ? "no image with that tag"
                                  : "several images: name one with :TAG");
  return read_small_blob (src->dirfd, pick->digest, MANIFEST_MAX_BYTES, body, len, err);
}

static int
open_layout_dir (struct source *src, const char *path, struct cl_error *err)
{
  src->dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src->dirfd < 0)
    return cl_fail (err, errno, "open %s", path);
  return 0;
}

/* Archives are unpacked (safely, as a layer would be) into staging. */
static int
stage_archive (struct source *src, struct cl_error *err)
{
  cleanup_close int fd = open (src->ref->file, O_RDONLY | O_CLOEXEC);
  struct unpack_opts o = { .user_xattrs = true };
  struct unpack_result res;

  if (fd < 0)
    return cl_fail (err, errno, "open %s", src->ref->file);
  if (store_staging_new (src->store, &src->staging, err) < 0)
    return -1;
  src->staged = true;
  if (unpack_layer (fd, src->staging.dirfd, &o, &res, err) < 0)
    return cl_wrap (err, "read %s", src->ref->file);
  src->dirfd = dup (src->staging.dirfd);
  return src->dirfd < 0 ? cl_fail (err, errno, "dup") : 0;
}

static void
add_archive_blob (struct source *src, const char *digest, const char *path)
{
  src->blobs = xrealloc (src->blobs, (src->n_blobs + 1) * sizeof *src->blobs);
  src->blobs[src->n_blobs].digest = xstrdup (digest);
  src->blobs[src->n_blobs].path = xstrdup (path);
  src->n_blobs++;
}

/* A file manifest.json names: only a regular file inside the archive (an
   absolute or climbing path could pull in any host file, /dev/zero would
   hash forever). */
static int
file_digest (struct source *src, const char *path, char out[DIGEST_STR_LEN + 1], long long *size,
             struct cl_error *err)
{
  cleanup_close int fd = open_file_beneath (src->dirfd, path, false, err);
  cleanup_sha256 struct sha256 *h = sha256_new ();
  cleanup_free char *buf = xmalloc (1 << 20);
  ssize_t n;

  *size = 0;
  if (fd < 0)
    return cl_wrap (err, "%s: manifest.json", src->ref->file);
  while ((n = read (fd, buf, 1 << 20)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "%s: read %s", src->ref->file, path);
      if (cl_check_interrupt (err) < 0)
        return -1;
      sha256_update (h, buf, (size_t)n);
      *size += n;
    }
  sha256_final (h, out);
  return 0;
}

/* docker-archive:FILE:@N names the archive's Nth image (containers/
   image's "@source-index", as `load` reads several); else the first. */
static int
archive_index (const struct image_ref *ref, size_t n, size_t *index, struct cl_error *err)
{
  char *end;
  unsigned long long i;

  *index = 0;
  if (!ref->tag || ref->tag[0] != '@')
    return 0;
  errno = 0;
  i = strtoull (ref->tag + 1, &end, 10);
  if (ref->tag[1] < '0' || ref->tag[1] > '9' || *end || errno || i >= n)
    return cl_fail (err, 0, "%s: no image %s (it holds %zu)", ref->file, ref->tag, n);
  *index = (size_t)i;
  return 0;
}

/* docker save's manifest.json → an OCI manifest over the archive's files. */
static int
docker_archive_synth (struct source *src, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  char digest[DIGEST_STR_LEN + 1];
  const char *config;
  yajl_val first, layers, tags;
  long long size;
  size_t index;

  if (read_file_beneath (src->dirfd, "manifest.json", ARCHIVE_MANIFEST_MAX, false, &buf, NULL, err)
          < 0
      || json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "%s: not a docker archive", src->ref->file);
  if (!YAJL_IS_ARRAY (root) || root->u.array.len == 0)
    return cl_fail (err, 0, "%s: manifest.json lists no image", src->ref->file);
  if (archive_index (src->ref, root->u.array.len, &index, err) < 0)
    return -1;
  first = root->u.array.values[index];
  config = json_get_str (first, "Config");
  layers = json_get_arr (first, "Layers");
  tags = json_get_arr (first, "RepoTags");
  if (!config || !layers)
    return cl_fail (err, 0, "%s: manifest.json entry without Config or Layers", src->ref->file);
  if (tags && tags->u.array.len > 0 && YAJL_IS_STRING (tags->u.array.values[0]) && !src->name)
    src->name = local_name (tags->u.array.values[0]->u.string, src->ref->file);
  if (file_digest (src, config, digest, &size, err) < 0)
    return -1;
  add_archive_blob (src, digest, config);
  yajl_gen_map_open (g);
  jg_kint (g, "schemaVersion", 2);
  jg_kstr (g, "mediaType", MT_OCI_MANIFEST);
  jg_str (g, "config");
  jg_descriptor (g, MT_OCI_CONFIG, digest, size);
  jg_str (g, "layers");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < layers->u.array.len; i++)
    {
      const char *p
          = YAJL_IS_STRING (layers->u.array.values[i]) ? layers->u.array.values[i]->u.string : NULL;
      if (!p || file_digest (src, p, digest, &size, err) < 0)
        return p ? -1 : cl_fail (err, 0, "%s: bad layer entry", src->ref->file);
      add_archive_blob (src, digest, p);
      jg_descriptor (g, MT_OCI_LAYER, digest, size);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  src->synth_manifest = json_gen_take (g, NULL);
  return 0;
}

int
source_open (const struct image_ref *ref, const struct registry_opts *opts, struct store *s,
             struct source **out, struct cl_error *err)
{
  struct source *src = xcalloc (1, sizeof *src);
  int ret = 0;

  src->ref = ref;
  src->store = s;
  src->dirfd = -1;
  switch (ref->transport)
    {
    case REF_REGISTRY:
      ret = registry_open (ref, opts, &src->reg, err);
      src->name = xstrdup (ref->name);
      break;
    case REF_OCI_DIR: ret = open_layout_dir (src, ref->file, err); break;
    case REF_OCI_ARCHIVE: ret = stage_archive (src, err); break;
    case REF_DOCKER_ARCHIVE:
      ret = stage_archive (src, err);
      if (ret == 0)
        ret = docker_archive_synth (src, err);
      break;
    }
  if (ret == 0 && !src->name)
    src->name = local_name (ref->tag, ref->file);
  if (ret < 0)
    {
      source_close (src);
      return -1;
    }
  *out = src;
  return 0;
}

void
source_close (struct source *src)
{
  if (!src)
    return;
  registry_close (src->reg);
  if (src->dirfd >= 0)
    close (src->dirfd);
  if (src->staged)
    store_staging_discard (src->store, &src->staging);
  for (size_t i = 0; i < src->n_blobs; i++)
    {
      free (src->blobs[i].digest);
      free (src->blobs[i].path);
    }
  free (src->blobs);
  free (src->synth_manifest);
  free (src->name);
  free (src);
}

void
cleanup_sourcep (struct source **src)
{
  source_close (*src);
}

const char *
source_name (struct source *src)
{
  return src->name;
}

int
source_get_top (struct source *src, char **body, size_t *len, struct cl_error *err)
{
  if (src->reg)
    {
      cleanup_free char *mt = NULL;
      const char *reference = src->ref->digest ? src->ref->digest : src->ref->tag;
      return registry_get_manifest (src->reg, reference, body, len, &mt, err);
    }
  if (src->synth_manifest)
    {
      *body = xstrdup (src->synth_manifest);
      *len = strlen (*body);
      return 0;
    }
  return oci_top (src, body, len, err);
}

int
source_get_manifest (struct source *src, const char *digest, char **body, size_t *len,
                     struct cl_error *err)
{
  if (src->reg)
    {
      cleanup_free char *mt = NULL;
      return registry_get_manifest (src->reg, digest, body, len, &mt, err);
    }
  return read_small_blob (src->dirfd, digest, MANIFEST_MAX_BYTES, body, len, err);
}

int
source_get_blob (struct source *src, const char *digest, blob_sink sink, void *arg,
                 struct cl_error *err)
{
  cleanup_free char *path = NULL;

  if (src->reg)
    return registry_get_blob (src->reg, digest, sink, arg, err);
  for (size_t i = 0; i < src->n_blobs; i++)
    if (strcmp (src->blobs[i].digest, digest) == 0)
      return stream_file (src->dirfd, src->blobs[i].path, sink, arg, err);
  if (digest_validate (digest, err) < 0)
    return -1;
  path = xasprintf ("blobs/sha256/%s", digest_hex (digest));
  return stream_file (src->dirfd, path, sink, arg, err);
}
