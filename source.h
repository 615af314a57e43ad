/* Where an image comes from: a registry, or a local OCI layout directory,
   OCI archive or docker-archive (what `docker save` writes).  The pull
   pipeline sees one interface and verifies everything it gets. */
#ifndef CL_SOURCE_H
#define CL_SOURCE_H

#include <stddef.h>

#include "error.h"
#include "ref.h"
#include "registry.h"
#include "store.h"

struct source;

/* Opening an archive unpacks it into store staging, removed on close. */
int source_open (const struct image_ref *ref, const struct registry_opts *opts, struct store *s,
                 struct source **out, struct cl_error *err);
void source_close (struct source *src);
void cleanup_sourcep (struct source **src);
#define cleanup_source __attribute__ ((cleanup (cleanup_sourcep)))

/* The top manifest (or index) the reference names. */
int source_get_top (struct source *src, char **body, size_t *len, struct cl_error *err);
/* A manifest by digest (an index entry). */
int source_get_manifest (struct source *src, const char *digest, char **body, size_t *len,
                         struct cl_error *err);
int source_get_blob (struct source *src, const char *digest, blob_sink sink, void *arg,
                     struct cl_error *err);
/* The name to record the image under, or NULL for none. */
const char *source_name (struct source *src);

#endif
