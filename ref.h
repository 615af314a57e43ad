/* Image references: Docker's grammar and normalisation, plus the local
   transports oci:, oci-archive: and docker-archive:. */
#ifndef CL_REF_H
#define CL_REF_H

#include "error.h"

enum ref_transport
{
  REF_REGISTRY,
  REF_OCI_DIR,
  REF_OCI_ARCHIVE,
  REF_DOCKER_ARCHIVE,
};

struct image_ref
{
  enum ref_transport transport;
  char *domain; /* registry: "docker.io", "127.0.0.1:5000", "[::1]:5000" */
  char *path;   /* registry: "library/alpine" */
  char *tag;    /* "latest" by default; NULL when only a digest was given;
                   for local transports the optional tag/reference */
  char *digest; /* "sha256:…" or NULL */
  char *file;   /* local transports: the directory or archive */
  char *name;   /* canonical: "docker.io/library/alpine:latest",
                   "oci:/dir:tag" */
};

/* Parse `s` into `ref` (zeroed first); one-line error naming the bad part. */
int ref_parse (const char *s, struct image_ref *ref, struct cl_error *err);
void ref_clear (struct image_ref *ref);
void cleanup_refp (struct image_ref *ref);
#define cleanup_ref __attribute__ ((cleanup (cleanup_refp)))

/* What the user typed, normalised so that "busybox" finds
   docker.io/library/busybox:latest; a copy of `what` when it does not
   parse (an image ID, a prefix). */
char *ref_canonical (const char *what);

/* "domain/path" of a registry reference. */
char *ref_repo (const struct image_ref *ref);

#endif
