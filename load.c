/* load: images from a docker-archive (what `docker save` and `podman
   save` write, one image or several) or an oci-archive, from a file or
   stdin, through the pull pipeline — so everything in it is verified
   against its digests and unpacked with the safe unpacker, and a hostile
   archive fails like a hostile registry, leaving the store as it was.
   stdin is first copied into a staging directory of the store (the
   archive is read more than once), which the store's prune cleans if
   we are killed. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "pull.h"
#include "ref.h"
#include "util.h"

/* manifest.json is a list of small entries; more is not an archive. */
#define LOAD_MANIFEST_MAX (4 << 20)
#define LOAD_MAX_IMAGES 1000

static const char load_usage[]
    = "Usage: crunlocal load [-i FILE] [-q]\n"
      "\n"
      "Load images from a docker-archive (docker save, podman save: one image or\n"
      "several) or an oci-archive, from FILE or stdin.  Every blob is checked\n"
      "against its digest, as for pull.\n"
      "\n"
      "Options:\n"
      "  -i, --input FILE   read FILE rather than stdin\n"
      "  -q, --quiet        no progress\n";

enum archive_kind
{
  KIND_UNKNOWN,
  KIND_DOCKER,
  KIND_OCI,
};

static void
cleanup_archive_readp (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* A small JSON file of the archive's (at most LOAD_MANIFEST_MAX). */
static int
read_member (struct archive *ar, struct archive_entry *e, const char *path, char **out,
             struct cl_error *err)
{
  la_int64_t size = archive_entry_size (e);

  free (*out);
  *out = NULL;
  if (size < 0 || size > LOAD_MANIFEST_MAX)
    return cl_fail (err, 0, "%s: %s is too large", path, archive_entry_pathname (e));
  *out = xmalloc ((size_t)size + 1);
  if (archive_read_data (ar, *out, (size_t)size) != size)
    return cl_fail (err, 0, "%s: %s: %s", path, archive_entry_pathname (e),
                    archive_error_string (ar));
  (*out)[size] = '\0';
  return 0;
}

/* Which archive it is, and its manifest.json (docker) or index.json
   (OCI) text. */
static int
probe_archive (const char *path, enum archive_kind *kind, char **index, struct cl_error *err)
{
  __attribute__ ((cleanup (cleanup_archive_readp))) struct archive *ar = archive_read_new ();
  cleanup_free char *docker = NULL;
  cleanup_free char *oci = NULL;
  struct archive_entry *e;
  bool layout = false;
  int r;

  archive_read_support_filter_all (ar);
  archive_read_support_format_tar (ar);
  if (archive_read_open_filename (ar, path, 65536) != ARCHIVE_OK)
    return cl_fail (err, 0, "%s: %s", path, archive_error_string (ar));
  while ((r = archive_read_next_header (ar, &e)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (e);
      if (name && str_has_prefix (name, "./"))
        name += 2;
      if (name && strcmp (name, "oci-layout") == 0)
        layout = true;
      else if (name && strcmp (name, "manifest.json") == 0
               && read_member (ar, e, path, &docker, err) < 0)
        return -1;
      else if (name && strcmp (name, "index.json") == 0 && read_member (ar, e, path, &oci, err) < 0)
        return -1;
    }
  if (r != ARCHIVE_EOF)
    return cl_fail (err, 0, "%s: %s", path, archive_error_string (ar));
  *kind = layout && oci ? KIND_OCI : docker ? KIND_DOCKER : KIND_UNKNOWN;
  if (*kind == KIND_UNKNOWN)
    return cl_fail (err, 0, "%s: neither a docker-archive nor an oci-archive", path);
  *index = steal_pointer (*kind == KIND_OCI ? &oci : &docker);
  return 0;
}

/* stdin into `st`/load.tar. */
static int
stdin_to_staging (const struct staging *st, char **path, struct cl_error *err)
{
  cleanup_close int fd
      = openat (st->dirfd, "load.tar", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  char buf[65536];

  if (fd < 0)
    return cl_fail (err, errno, "%s/load.tar", st->path);
  for (;;)
    {
      ssize_t n = read (0, buf, sizeof buf);
      if (n < 0 && errno == EINTR && !cl_interrupted)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "read stdin");
      if (n == 0)
        break;
      if (write_all (fd, buf, (size_t)n, err) < 0)
        return cl_wrap (err, "%s/load.tar", st->path);
    }
  *path = xasprintf ("%s/load.tar", st->path);
  return 0;
}

static void
print_loaded (struct store *s, const char *id, char *const *tags)
{
  struct image_record r = { 0 };
  struct cl_error ignored;

  if (tags && tags[0])
    for (size_t i = 0; tags[i]; i++)
      printf ("Loaded image: %s\n", tags[i]);
  else if (store_image_lookup (s, id, &r, &ignored) == 0 && r.names && r.names[0])
    printf ("Loaded image: %s\n", r.names[0]);
  else
    printf ("Loaded image: sha256:%s\n", id);
  image_record_clear (&r);
}

/* Its other RepoTags (pull recorded the first). */
static int
tag_rest (struct store *s, const char *id, char *const *tags, struct cl_error *err)
{
  struct image_record r = { 0 };
  int ret = 0;

  for (size_t i = 1; tags && tags[i] && ret == 0; i++)
    {
      cleanup_free char *canon = ref_canonical (tags[i]);
      if (store_image_lookup (s, id, &r, err) != 0)
        return cl_fail (err, ENOENT, "image %.12s vanished while loading", id);
      ret = store_image_save (s, &r, canon, err);
      image_record_clear (&r);
    }
  return ret;
}

static int
load_docker (struct store *s, const char *path, const char *manifest, const struct pull_opts *o,
             bool quiet, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  char id[DIGEST_HEX_LEN + 1];

  if (json_parse (manifest, &root, err) < 0)
    return cl_wrap (err, "%s: manifest.json", path);
  if (!YAJL_IS_ARRAY (root) || root->u.array.len == 0)
    return cl_fail (err, 0, "%s: manifest.json lists no image", path);
  if (root->u.array.len > LOAD_MAX_IMAGES)
    return cl_fail (err, 0, "%s: more than %d images", path, LOAD_MAX_IMAGES);
  for (size_t i = 0; i < root->u.array.len; i++)
    {
      cleanup_free char *ref = xasprintf ("docker-archive:%s:@%zu", path, i);
      cleanup_strv char **tags = json_get_strv (root->u.array.values[i], "RepoTags");
      if (pull_image (s, ref, o, id, err) < 0 || tag_rest (s, id, tags, err) < 0)
        return root->u.array.len > 1 ? cl_wrap (err, "image %zu of %s", i + 1, path) : -1;
      if (!quiet)
        print_loaded (s, id, tags);
    }
  return 0;
}

/* Every image index.json lists, by its ref.name when there are several. */
static int
load_oci (struct store *s, const char *path, const char *index, const struct pull_opts *o,
          bool quiet, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  yajl_val m;
  char id[DIGEST_HEX_LEN + 1];

  if (json_parse (index, &root, err) < 0)
    return cl_wrap (err, "%s: index.json", path);
  m = json_get_arr (root, "manifests");
  if (!m || m->u.array.len == 0)
    return cl_fail (err, 0, "%s: index.json lists no image", path);
  if (m->u.array.len > LOAD_MAX_IMAGES)
    return cl_fail (err, 0, "%s: more than %d images", path, LOAD_MAX_IMAGES);
  for (size_t i = 0; i < m->u.array.len; i++)
    {
      yajl_val ann = json_get_obj (m->u.array.values[i], "annotations");
      const char *tag = ann ? json_get_str (ann, "org.opencontainers.image.ref.name") : NULL;
      cleanup_free char *ref = NULL;
      if (!tag && m->u.array.len > 1)
        return cl_fail (err, 0, "%s: image %zu of %zu has no ref.name", path, i + 1,
                        m->u.array.len);
      ref = tag ? xasprintf ("oci-archive:%s:%s", path, tag) : xasprintf ("oci-archive:%s", path);
      if (pull_image (s, ref, o, id, err) < 0)
        return -1;
      if (!quiet)
        print_loaded (s, id, NULL);
    }
  return 0;
}

static int
load_file (struct store *s, const char *path, bool quiet, struct cl_error *err)
{
  struct pull_opts o = { .progress = PROGRESS_QUIET };
  cleanup_free char *index = NULL;
  enum archive_kind kind;

  /* The transports split FILE:TAG at the first ':'. */
  if (strchr (path, ':'))
    return cl_fail (err, EINVAL, "%s: a path with ':' cannot be loaded (use stdin)", path);
  if (probe_archive (path, &kind, &index, err) < 0)
    return -1;
  return kind == KIND_DOCKER ? load_docker (s, path, index, &o, quiet, err)
                             : load_oci (s, path, index, &o, quiet, err);
}

int
cmd_load (int argc, char **argv)
{
  static const struct option longopts[] = { { "input", required_argument, NULL, 'i' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *input = NULL;
  bool quiet = false;
  cleanup_store struct store *s = NULL;
  cleanup_free char *staged = NULL;
  struct staging st = { .dirfd = -1, .lockfd = -1 };
  struct cl_error err = { 0 };
  int c, r;

  while ((c = cli_getopt (argc, argv, "load", "+i:qh", longopts)) != -1)
    switch (c)
      {
      case 'i': input = optarg; break;
      case 'q': quiet = true; break;
      case 'h': fputs (load_usage, stdout); return 0;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("load", "\"crunlocal load\" accepts no arguments (-i FILE)");
  if (!input && isatty (0))
    return cli_usage_error ("load", "no input: -i FILE, or an archive on stdin");
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    return cli_fail (&err);
  if (!input && (store_staging_new (s, &st, &err) < 0 || stdin_to_staging (&st, &staged, &err) < 0))
    r = -1;
  else
    r = load_file (s, input ? input : staged, quiet, &err);
  if (st.name)
    store_staging_discard (s, &st);
  return r < 0 ? cli_fail (&err) : 0;
}
