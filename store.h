/* The per-user store: blobs by digest, layers by diff ID, image records,
   and the flock()s that replace a daemon.

   Layout under the root (every directory 0700, owned by the user):
     blobs/sha256/<hex>      manifests and configs, verified on write
     layers/<hex>/diff/      one unpacked layer, keyed by its diff ID
     layers/<hex>/blob       the layer's blob as pulled (for save)
     layers/<hex>/info.json  its compressed digest, size, entry count and
                             tree digest (treehash.h, for store check)
     images/<id>.json        one record per image (id = config digest hex)
     events.log              what commands did, a JSON line each (evlog.h)
     tmp/<rand>/ + .lock     staging; a flock on the .lock marks it live
     volumes/<name>/         volumes that outlive containers (volume.h)
     locks/                  gc (shared by users, exclusive by GC), meta
                             (image records) and one lock per digest */
#ifndef CL_STORE_H
#define CL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct store
{
  char *root;
  char *runroot;
  int rootfd;
  bool user_xattrs; /* overlay whiteouts in the user.overlay.* flavour */
  int gc_lock;      /* shared (or exclusive for GC) while the store is open */
};

enum store_mode
{
  STORE_USE, /* a command that reads or adds: gc lock shared */
  STORE_GC,  /* a command that removes: gc lock exclusive */
};

/* Root and runroot as resolved from the environment, without creating,
   for the user whose uid on the host is `host_euid` (root: the system's
   paths). */
char *store_default_root (uid_t host_euid);
char *store_default_runroot (uid_t host_euid);

int store_open (struct store **out, enum store_mode mode, uid_t host_euid, struct cl_error *err);
void store_close (struct store *s);
/* Stop holding GC off (the shared "gc" lock store_open took): for a
   command that only reads what GC never removes, then waits (logs -f,
   wait, events, attach, a foreground run once its container is
   recorded: the record keeps its image), so that rmi and prune need not
   wait for it. */
void store_release_gc (struct store *s);
void cleanup_storep (struct store **s);
#define cleanup_store __attribute__ ((cleanup (cleanup_storep)))

/* flock on locks/<name>; returns the fd holding it. */
int store_lock (struct store *s, const char *name, bool exclusive, struct cl_error *err);

/* Blobs (manifests, configs). */
bool store_has_blob (struct store *s, const char *digest);
int store_put_blob (struct store *s, const char *digest, const void *buf, size_t len,
                    struct cl_error *err);
int store_read_blob (struct store *s, const char *digest, size_t max, char **out, size_t *len,
                     struct cl_error *err);

/* Staging: a directory under tmp/ with a held lock, committed by rename. */
struct staging
{
  char *name; /* "tmp/<rand>", relative to the root */
  char *path; /* absolute */
  int dirfd;
  int lockfd;
};
int store_staging_new (struct store *s, struct staging *st, struct cl_error *err);
void store_staging_discard (struct store *s, struct staging *st);

/* Layers. */
struct layer_info
{
  char *diff_id;
  char *digest; /* compressed blob digest it came from */
  long long size;
  long long entries;
  char *tree_digest;  /* of diff/ as unpacked (treehash.h), or NULL */
  bool oci_whiteouts; /* marked with an oci-whiteouts file beside diff/ */
};
bool store_has_layer (struct store *s, const char *diff_id);
char *store_layer_diff_path (struct store *s, const char *diff_id);
/* Does the layer keep its whiteouts as OCI .wh. files (not overlay's)? */
bool store_layer_oci_whiteouts (struct store *s, const char *diff_id);
/* The uncompressed size recorded for a layer, 0 when unknown. */
long long store_layer_size (struct store *s, const char *diff_id);
/* Writes info.json into the staging dir and renames it to layers/<hex>. */
int store_layer_commit (struct store *s, struct staging *st, const struct layer_info *info,
                        struct cl_error *err);

/* The layer's blob exactly as it was pulled (compressed or not), kept
   beside diff/ so that save writes the very bytes whose digests the
   manifest and config name (see docs/design.md, "Saving images"). */
struct layer_blob
{
  int fd;              /* open for reading */
  char *digest;        /* its digest, as info.json records it */
  long long size;      /* its bytes */
  long long diff_size; /* the uncompressed tar's bytes */
};
/* Create the blob file in a layer's staging directory; returns its fd. */
int store_layer_blob_create (struct staging *st, struct cl_error *err);
/* Open layer `diff_id`'s blob; ENOENT (with a message) when the layer was
   unpacked before blobs were kept. */
int store_layer_blob_open (struct store *s, const char *diff_id, struct layer_blob *out,
                           struct cl_error *err);
void layer_blob_clear (struct layer_blob *b);

/* Take layers/<hex> away at once (into staging, then removed). */
int store_layer_remove (struct store *s, const char *diff_id, struct cl_error *err);

/* Image records. */
struct image_record
{
  char *id;      /* config digest hex */
  char *digest;  /* manifest digest */
  char **names;  /* canonical references */
  char **layers; /* diff IDs, base first */
  char *created;
  char *platform;
  long long size;
  long long pulled; /* unix time */
};
void image_record_clear (struct image_record *r);
void image_records_free (struct image_record *v, size_t n);

/* Saves `r` and gives it `name` (taken from whichever image had it). */
int store_image_save (struct store *s, const struct image_record *r, const char *name,
                      struct cl_error *err);
int store_images_list (struct store *s, struct image_record **out, size_t *n, struct cl_error *err);
/* By canonical name, short name, full ID or unambiguous ID prefix.
   Returns 0 found, 1 not found, -1 error (ambiguous…). */
int store_image_lookup (struct store *s, const char *what, struct image_record *out,
                        struct cl_error *err);
/* The name of `r` that `what` (a full or short name) refers to, or NULL. */
const char *store_image_name_of (const struct image_record *r, const char *what);
/* Untag `name` from image `id`, or remove the record when name is NULL. */
int store_image_untag (struct store *s, const char *id, const char *name, struct cl_error *err);
int store_image_remove (struct store *s, const char *id, struct cl_error *err);

#endif
