/* A client for one repository of a registry (distribution API v2): ping,
   Bearer and Basic auth from the WWW-Authenticate challenge, manifests and
   blobs.  Blob transfers may run from several threads at once. */
#ifndef CL_REGISTRY_H
#define CL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ref.h"

struct registry_opts
{
  bool tls_verify;      /* false: also allows plain HTTP */
  const char *creds;    /* "user:pass" from --creds, or NULL */
  const char *cert_dir; /* --cert-dir: ca.crt for this registry */
};

struct registry;

int registry_open (const struct image_ref *ref, const struct registry_opts *opts,
                   struct registry **out, struct cl_error *err);
void registry_close (struct registry *r);
void cleanup_registryp (struct registry **r);
#define cleanup_registry __attribute__ ((cleanup (cleanup_registryp)))

/* GET /v2/<repo>/manifests/<reference>; body is NUL-terminated. */
int registry_get_manifest (struct registry *r, const char *reference, char **body, size_t *len,
                           char **media_type, struct cl_error *err);

/* Called with each chunk of a blob; returns 0, or -1 to abort. */
typedef int (*blob_sink) (const void *buf, size_t len, void *arg);

/* GET /v2/<repo>/blobs/<digest> into `sink`, following redirects (without
   our credentials when they leave the registry's host), retrying transient
   failures and resuming with Range where the server allows. */
int registry_get_blob (struct registry *r, const char *digest, blob_sink sink, void *arg,
                       struct cl_error *err);

/* Check opts->creds against registry `domain`: its /v2/ answered with
   them (Basic), or a token issued for them (Bearer).  EACCES when they
   are refused. */
/* The value of auth-param `key` in a WWW-Authenticate challenge
   (`Bearer realm="…",service=…`), or NULL; exposed for the fuzzers. */
char *registry_challenge_param (const char *challenge, const char *key);

int registry_login (const char *domain, const struct registry_opts *opts, struct cl_error *err);

#endif
