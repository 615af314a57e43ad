/* save: images of the store into a docker-archive (one image or several,
   as `docker save` and `podman save` write it) or an oci-archive, to a
   file or stdout.  The config is written as stored, so the image ID (its
   digest) survives a save and load; the layers come from the blobs the
   store keeps beside each unpacked layer (store.h), checked against their
   digests as they are copied: docker-archive gets each as the
   uncompressed tar whose digest is the config's diff ID, oci-archive the
   blob as pulled, under the original manifest when it still describes
   them.  A file is written beside its destination and renamed, so a
   failed save leaves nothing behind. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "digest.h"
#include "image.h"
#include "json.h"
#include "ref.h"
#include "util.h"

#define COPY_BUF (1 << 20)
#define MT_OCI_LAYER_GZIP MT_OCI_LAYER "+gzip"
#define MT_OCI_LAYER_ZSTD MT_OCI_LAYER "+zstd"
#define REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

static const char save_usage[]
    = "Usage: crunlocal save [-o FILE] [--format FORMAT] [-q] IMAGE...\n"
      "\n"
      "Save images to a docker-archive (several images in one) or an oci-archive,\n"
      "into FILE or to stdout.  Loading the archive gives the same image IDs.\n"
      "\n"
      "Options:\n"
      "  -o, --output FILE   write FILE rather than stdout\n"
      "      --format FORMAT docker-archive (default) or oci-archive\n"
      "  -q, --quiet         no progress\n";

enum save_format
{
  FORMAT_DOCKER,
  FORMAT_OCI,
};

/* One image to save and the names it is saved under. */
struct saved
{
  struct image_record r;
  char *config; /* its config, as stored */
  size_t config_len;
  char **tags; /* canonical names, NULL when named by ID only */
};

struct save_ctx
{
  struct store *s;
  struct archive *ar;
  bool quiet;
  char **members; /* what the archive holds already (shared layers) */
  char *buf;
};

/* The destination: stdout, a file written in place (a device or FIFO),
   or a temporary file renamed onto `path` when done. */
struct output
{
  int fd;
  char *tmp;
  char *path;
};

static void
saved_free (struct saved *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      image_record_clear (&v[i].r);
      free (v[i].config);
      strv_free (v[i].tags);
    }
  free (v);
}

static void
say (const struct save_ctx *c, const char *what, const char *digest)
{
  if (!c->quiet)
    fprintf (stderr, "Copying %s %.12s done\n", what, digest_hex (digest));
}

static int
archive_fail (struct archive *a, const char *what, struct cl_error *err)
{
  return cl_fail (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "%s: %s", what,
                  archive_error_string (a) ? archive_error_string (a) : "archive error");
}

/* A member's header: a regular file of `size` bytes, or a directory.
   Owners and times are fixed, so the same images give the same archive. */
static int
begin_member (struct save_ctx *c, const char *name, long long size, bool dir, struct cl_error *err)
{
  struct archive_entry *e = archive_entry_new ();
  int r;

  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm (e, dir ? 0755 : 0644);
  archive_entry_set_size (e, dir ? 0 : size);
  archive_entry_set_mtime (e, 0, 0);
  r = archive_write_header (c->ar, e);
  archive_entry_free (e);
  if (r != ARCHIVE_OK)
    return archive_fail (c->ar, name, err);
  strv_append (&c->members, name);
  return 0;
}

static int
write_data (struct save_ctx *c, const char *name, const void *buf, size_t len, struct cl_error *err)
{
  if (len > 0 && archive_write_data (c->ar, buf, len) != (la_ssize_t)len)
    return archive_fail (c->ar, name, err);
  return 0;
}

static int
add_file (struct save_ctx *c, const char *name, const char *buf, size_t len, struct cl_error *err)
{
  if (strv_contains (c->members, name))
    return 0;
  if (begin_member (c, name, (long long)len, false, err) < 0
      || write_data (c, name, buf, len, err) < 0)
    return -1;
  return 0;
}

/* The blob as it is, its digest checked on the way. */
static int
copy_blob (struct save_ctx *c, const struct layer_blob *b, const char *name, struct cl_error *err)
{
  cleanup_sha256 struct sha256 *h = sha256_new ();
  char got[DIGEST_STR_LEN + 1];
  long long done = 0;
  ssize_t n;

  if (begin_member (c, name, b->size, false, err) < 0)
    return -1;
  while (done < b->size)
    {
      n = pread (b->fd, c->buf, COPY_BUF, done);
      if (n < 0 && errno == EINTR && !cl_interrupted)
        continue;
      if (n <= 0)
        return cl_fail (err, n < 0 ? errno : 0, "blob %s: %s", b->digest,
                        n < 0 ? "read" : "shorter than it was");
      if (cl_check_interrupt (err) < 0 || write_data (c, name, c->buf, (size_t)n, err) < 0)
        return -1;
      sha256_update (h, c->buf, (size_t)n);
      done += n;
    }
  sha256_final (h, got);
  if (strcmp (got, b->digest) != 0)
    return cl_fail (err, 0, "blob %s: the store's copy has digest %s (try: crunlocal store check)",
                    b->digest, got);
  return 0;
}

static void
cleanup_archive_readp (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* The uncompressed tar: its size was recorded at pull, its digest must be
   the diff ID, or the archive would not load. */
static int
copy_layer_tar (struct save_ctx *c, const struct layer_blob *b, const char *diff_id,
                const char *name, struct cl_error *err)
{
  __attribute__ ((cleanup (cleanup_archive_readp))) struct archive *raw = archive_read_new ();
  cleanup_sha256 struct sha256 *h = sha256_new ();
  char got[DIGEST_STR_LEN + 1];
  struct archive_entry *e;
  long long done = 0;
  la_ssize_t n;

  archive_read_support_filter_all (raw);
  archive_read_support_format_raw (raw);
  if (lseek (b->fd, 0, SEEK_SET) < 0 || archive_read_open_fd (raw, b->fd, COPY_BUF) != ARCHIVE_OK
      || archive_read_next_header (raw, &e) != ARCHIVE_OK)
    return archive_fail (raw, b->digest, err);
  if (begin_member (c, name, b->diff_size, false, err) < 0)
    return -1;
  while ((n = archive_read_data (raw, c->buf, COPY_BUF)) > 0)
    {
      if (done + n > b->diff_size)
        return cl_fail (err, 0, "layer %s: longer than the %lld bytes recorded", diff_id,
                        b->diff_size);
      if (cl_check_interrupt (err) < 0 || write_data (c, name, c->buf, (size_t)n, err) < 0)
        return -1;
      sha256_update (h, c->buf, (size_t)n);
      done += n;
    }
  if (n < 0)
    return archive_fail (raw, b->digest, err);
  sha256_final (h, got);
  if (done != b->diff_size || strcmp (got, diff_id) != 0)
    return cl_fail (err, 0, "layer %s: the store's blob gives %s (%lld bytes)", diff_id, got, done);
  return 0;
}

/* Layer `diff_id` under `name`, once per archive. */
static int
add_layer (struct save_ctx *c, const char *diff_id, const char *name, bool uncompressed,
           struct cl_error *err)
{
  struct layer_blob b = { .fd = -1 };
  int ret;

  if (strv_contains (c->members, name))
    return 0;
  if (store_layer_blob_open (c->s, diff_id, &b, err) < 0)
    return -1;
  ret = uncompressed ? copy_layer_tar (c, &b, diff_id, name, err) : copy_blob (c, &b, name, err);
  if (ret == 0)
    say (c, "blob", b.digest);
  layer_blob_clear (&b);
  return ret;
}

/* --- docker-archive: <config hex>.json, <diff ID hex>.tar, manifest.json
   (docker's and podman's layout). */

static char *
docker_manifest (const struct saved *v, size_t n, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *config = xasprintf ("%s.json", v[i].r.id);
      yajl_gen_map_open (g);
      jg_kstr (g, "Config", config);
      jg_str (g, "RepoTags");
      yajl_gen_array_open (g);
      for (size_t k = 0; v[i].tags && v[i].tags[k]; k++)
        jg_str (g, v[i].tags[k]);
      yajl_gen_array_close (g);
      jg_str (g, "Layers");
      yajl_gen_array_open (g);
      for (size_t k = 0; v[i].r.layers && v[i].r.layers[k]; k++)
        {
          cleanup_free char *tar = xasprintf ("%s.tar", digest_hex (v[i].r.layers[k]));
          jg_str (g, tar);
        }
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  return json_gen_take (g, len);
}

static int
write_docker (struct save_ctx *c, const struct saved *v, size_t n, struct cl_error *err)
{
  cleanup_free char *manifest = NULL;
  size_t len;

  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *config = xasprintf ("%s.json", v[i].r.id);
      for (size_t k = 0; v[i].r.layers && v[i].r.layers[k]; k++)
        {
          cleanup_free char *tar = xasprintf ("%s.tar", digest_hex (v[i].r.layers[k]));
          if (add_layer (c, v[i].r.layers[k], tar, true, err) < 0)
            return cl_wrap (err, "save %s", v[i].r.id);
        }
      if (add_file (c, config, v[i].config, v[i].config_len, err) < 0)
        return -1;
    }
  manifest = docker_manifest (v, n, &len);
  return add_file (c, "manifest.json", manifest, len, err);
}

/* --- oci-archive: oci-layout, index.json, blobs/sha256/<hex>. */

static const char *
layer_media_type (int fd)
{
  unsigned char m[4] = { 0 };

  if (pread (fd, m, sizeof m, 0) != (ssize_t)sizeof m)
    return MT_OCI_LAYER;
  if (m[0] == 0x1f && m[1] == 0x8b)
    return MT_OCI_LAYER_GZIP;
  if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return MT_OCI_LAYER_ZSTD;
  return MT_OCI_LAYER;
}

/* The layers' blobs, in order: digests into `digests`, an OCI manifest's
   "layers" array into g. */
static int
gen_layers (struct save_ctx *c, const struct saved *img, yajl_gen g, char ***digests,
            struct cl_error *err)
{
  yajl_gen_array_open (g);
  for (size_t k = 0; img->r.layers && img->r.layers[k]; k++)
    {
      struct layer_blob b = { .fd = -1 };
      if (store_layer_blob_open (c->s, img->r.layers[k], &b, err) < 0)
        return -1;
      jg_descriptor (g, layer_media_type (b.fd), b.digest, b.size);
      strv_append (digests, b.digest);
      layer_blob_clear (&b);
    }
  yajl_gen_array_close (g);
  return 0;
}

/* Does the stored manifest describe exactly these blobs, as OCI? */
static bool
manifest_still_fits (const char *body, const char *config_digest, char *const *digests)
{
  cleanup_manifest struct manifest m = { 0 };
  struct cl_error ignored;

  if (manifest_parse (body, &m, &ignored) < 0 || m.is_index || !m.media_type
      || strcmp (m.media_type, MT_OCI_MANIFEST) != 0 || !m.config.digest
      || strcmp (m.config.digest, config_digest) != 0 || m.n_layers != strv_len (digests))
    return false;
  for (size_t k = 0; k < m.n_layers; k++)
    if (!m.layers[k].digest || strcmp (m.layers[k].digest, digests[k]) != 0)
      return false;
  return true;
}

/* The image's OCI manifest: the stored one when it still fits (its digest
   is kept), else one written over the kept blobs. */
static int
oci_manifest (struct save_ctx *c, const struct saved *img, char **body, size_t *len,
              struct cl_error *err)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  cleanup_strv char **digests = NULL;
  cleanup_free char *config_digest = xasprintf ("sha256:%s", img->r.id);
  cleanup_free char *stored = NULL;
  size_t stored_len = 0;

  yajl_gen_map_open (g);
  jg_kint (g, "schemaVersion", 2);
  jg_kstr (g, "mediaType", MT_OCI_MANIFEST);
  jg_str (g, "config");
  jg_descriptor (g, MT_OCI_CONFIG, config_digest, (long long)img->config_len);
  jg_str (g, "layers");
  if (gen_layers (c, img, g, &digests, err) < 0)
    return -1;
  yajl_gen_map_close (g);
  if (img->r.digest && store_has_blob (c->s, img->r.digest)
      && store_read_blob (c->s, img->r.digest, MANIFEST_MAX_BYTES, &stored, &stored_len, err) == 0
      && manifest_still_fits (stored, config_digest, digests))
    {
      *body = steal_pointer (&stored);
      *len = stored_len;
      return 0;
    }
  *body = json_gen_take (g, len);
  return 0;
}

static int
add_blob_file (struct save_ctx *c, const char *digest, const char *buf, size_t len,
               struct cl_error *err)
{
  cleanup_free char *name = xasprintf ("blobs/sha256/%s", digest_hex (digest));
  return add_file (c, name, buf, len, err);
}

static char *
oci_index (const char *digest, size_t size, const char *tag, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);

  yajl_gen_map_open (g);
  jg_kint (g, "schemaVersion", 2);
  jg_str (g, "manifests");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  jg_kstr (g, "mediaType", MT_OCI_MANIFEST);
  jg_kstr (g, "digest", digest);
  jg_kint (g, "size", (long long)size);
  if (tag)
    {
      jg_str (g, "annotations");
      yajl_gen_map_open (g);
      jg_kstr (g, REF_NAME_ANNOTATION, tag);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

static int
write_oci (struct save_ctx *c, const struct saved *img, struct cl_error *err)
{
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  cleanup_free char *manifest = NULL;
  cleanup_free char *index = NULL;
  cleanup_free char *config_digest = xasprintf ("sha256:%s", img->r.id);
  char digest[DIGEST_STR_LEN + 1];
  size_t len, index_len;

  if (oci_manifest (c, img, &manifest, &len, err) < 0 || begin_member (c, "blobs", 0, true, err) < 0
      || begin_member (c, "blobs/sha256", 0, true, err) < 0)
    return cl_wrap (err, "save %s", img->r.id);
  for (size_t k = 0; img->r.layers && img->r.layers[k]; k++)
    {
      struct layer_blob b = { .fd = -1 };
      cleanup_free char *name = NULL;
      if (store_layer_blob_open (c->s, img->r.layers[k], &b, err) < 0)
        return cl_wrap (err, "save %s", img->r.id);
      name = xasprintf ("blobs/sha256/%s", digest_hex (b.digest));
      layer_blob_clear (&b);
      if (add_layer (c, img->r.layers[k], name, false, err) < 0)
        return cl_wrap (err, "save %s", img->r.id);
    }
  sha256_digest (manifest, len, digest);
  index = oci_index (digest, len, img->tags ? img->tags[0] : NULL, &index_len);
  if (add_blob_file (c, config_digest, img->config, img->config_len, err) < 0)
    return -1;
  say (c, "config", config_digest);
  if (add_blob_file (c, digest, manifest, len, err) < 0
      || add_file (c, "oci-layout", layout, sizeof layout - 1, err) < 0
      || add_file (c, "index.json", index, index_len, err) < 0)
    return -1;
  return 0;
}

/* --- the images, found and checked before anything is written. */

static int
check_blobs (struct store *s, const struct image_record *r, struct cl_error *err)
{
  for (size_t k = 0; r->layers && r->layers[k]; k++)
    {
      struct layer_blob b = { .fd = -1 };
      if (store_layer_blob_open (s, r->layers[k], &b, err) < 0)
        return -1;
      layer_blob_clear (&b);
    }
  return 0;
}

static int
add_image (struct store *s, const char *what, struct saved **v, size_t *n, struct cl_error *err)
{
  struct image_record r = { 0 };
  cleanup_free char *config_digest = NULL;
  cleanup_free char *canon = ref_canonical (what);
  const char *name;
  struct saved *img;

  if (cli_find_image (s, what, &r, err) < 0)
    return -1;
  /* As found: by its canonical name, else as typed (a short name). */
  name = store_image_name_of (&r, canon);
  if (!name)
    name = store_image_name_of (&r, what);
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i].r.id, r.id) == 0)
      {
        if (name && !strv_contains ((*v)[i].tags, name))
          strv_append (&(*v)[i].tags, name);
        image_record_clear (&r);
        return 0;
      }
  *v = xrealloc (*v, (*n + 1) * sizeof **v);
  img = &(*v)[(*n)++];
  memset (img, 0, sizeof *img);
  img->r = r;
  if (name)
    strv_append (&img->tags, name);
  config_digest = xasprintf ("sha256:%s", r.id);
  if (store_read_blob (s, config_digest, CONFIG_MAX_BYTES, &img->config, &img->config_len, err) < 0
      || check_blobs (s, &r, err) < 0)
    return cl_wrap (err, "save %s", what);
  return 0;
}

/* --- the destination. */

static void
output_discard (struct output *o)
{
  if (o->fd > 1)
    close (o->fd);
  if (o->tmp)
    unlink (o->tmp);
  free (o->tmp);
  free (o->path);
  memset (o, 0, sizeof *o);
  o->fd = -1;
}

/* `path` itself when it is a device or FIFO (a rename would replace it),
   else a temporary file in its directory. */
static int
output_open (const char *path, struct output *o, struct cl_error *err)
{
  cleanup_free char *copy = NULL;
  struct stat st;
  mode_t mask;

  o->fd = -1;
  bool exists = stat (path, &st) == 0;

  if (exists && S_ISDIR (st.st_mode))
    return cl_fail (err, EISDIR, "%s", path);
  if (exists && !S_ISREG (st.st_mode))
    {
      o->fd = open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
      return o->fd < 0 ? cl_fail (err, errno, "%s", path) : 0;
    }
  o->path = realpath (path, NULL);
  if (!o->path)
    o->path = xstrdup (path);
  copy = xstrdup (o->path);
  o->tmp = xasprintf ("%s/.%s.XXXXXX", dirname (copy), basename (o->path));
  o->fd = mkostemp (o->tmp, O_CLOEXEC);
  if (o->fd < 0)
    {
      int e = errno;
      free (o->tmp);
      o->tmp = NULL;
      return cl_fail (err, e, "%s", path);
    }
  mask = umask (0);
  umask (mask);
  if (fchmod (o->fd, 0666 & ~mask) < 0)
    return cl_fail (err, errno, "%s", path);
  return 0;
}

static int
output_commit (struct output *o, struct cl_error *err)
{
  if (!o->tmp)
    return 0;
  if (fsync (o->fd) < 0 || rename (o->tmp, o->path) < 0)
    return cl_fail (err, errno, "%s", o->path);
  free (o->tmp);
  o->tmp = NULL;
  return 0;
}

static int
write_archive (struct store *s, int fd, enum save_format format, const struct saved *v, size_t n,
               bool quiet, struct cl_error *err)
{
  cleanup_free char *buf = xmalloc (COPY_BUF);
  struct save_ctx c = { .s = s, .ar = archive_write_new (), .quiet = quiet, .buf = buf };
  int ret;

  archive_write_set_format_pax_restricted (c.ar);
  archive_write_set_bytes_in_last_block (c.ar, 1);
  if (archive_write_open_fd (c.ar, fd) != ARCHIVE_OK)
    ret = archive_fail (c.ar, "open the archive", err);
  else
    ret = format == FORMAT_OCI ? write_oci (&c, &v[0], err) : write_docker (&c, v, n, err);
  if (archive_write_close (c.ar) != ARCHIVE_OK && ret == 0)
    ret = archive_fail (c.ar, "finish the archive", err);
  archive_write_free (c.ar);
  strv_free (c.members);
  return ret;
}

static int
parse_format (const char *v, enum save_format *f)
{
  if (strcmp (v, "docker-archive") == 0)
    *f = FORMAT_DOCKER;
  else if (strcmp (v, "oci-archive") == 0)
    *f = FORMAT_OCI;
  else
    return cli_usage_error ("save", "--format: docker-archive or oci-archive, not \"%s\"", v);
  return 0;
}

static int
save_images (const char *path, enum save_format format, char **images, int count, bool quiet)
{
  cleanup_store struct store *s = NULL;
  struct output o = { .fd = 1 };
  struct saved *v = NULL;
  size_t n = 0;
  struct cl_error err = { 0 };
  int r = 0;

  if (cli_open_store_host (&s, &err) < 0)
    return cli_fail (&err);
  for (int i = 0; i < count && r == 0; i++)
    r = add_image (s, images[i], &v, &n, &err);
  if (r == 0 && path)
    r = output_open (path, &o, &err);
  if (r == 0)
    r = write_archive (s, o.fd, format, v, n, quiet, &err);
  if (r == 0)
    r = output_commit (&o, &err);
  output_discard (&o);
  saved_free (v, n);
  return r < 0 ? cli_fail (&err) : 0;
}

int
cmd_save (int argc, char **argv)
{
  static const struct option longopts[] = { { "output", required_argument, NULL, 'o' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  enum save_format format = FORMAT_DOCKER;
  const char *output = NULL;
  bool quiet = false;
  struct cl_error err = { 0 };
  int c;

  while ((c = cli_getopt (argc, argv, "save", "+o:qh", longopts)) != -1)
    switch (c)
      {
      case 'o': output = optarg; break;
      case 'F':
        if (parse_format (optarg, &format) != 0)
          return 125;
        break;
      case 'q': quiet = true; break;
      case 'h': fputs (save_usage, stdout); return 0;
      default: return 125;
      }
  if (optind >= argc)
    return cli_usage_error ("save", "\"crunlocal save\" requires at least 1 argument (IMAGE)");
  if (format == FORMAT_OCI && argc - optind > 1)
    return cli_usage_error ("save", "oci-archive holds one image: use docker-archive for several");
  /* podman's refusal, in one line: not a usage error, a protection. */
  if (!output && isatty (1))
    {
      cl_fail (&err, 0,
               "refusing to write an archive to a terminal: use -o FILE or redirect stdout");
      return cli_fail (&err);
    }
  return save_images (output, format, argv + optind, argc - optind, quiet);
}
