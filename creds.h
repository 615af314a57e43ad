/* Registry credentials: --creds, or the auth files docker and podman
   write ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
   ~/.docker/config.json), first match wins. */
#ifndef CL_CREDS_H
#define CL_CREDS_H

#include "error.h"

struct creds
{
  char *user, *pass;
};

void creds_clear (struct creds *c);

/* "user:pass" (the password may contain ':'). */
int creds_parse (const char *s, struct creds *out, struct cl_error *err);

/* Credentials for registry `domain` (repository `repo` for per-repo keys);
   0 found, 1 none, -1 a malformed file. */
int creds_lookup (const char *domain, const char *repo, struct creds *out,
                  struct cl_error *err);

#endif
