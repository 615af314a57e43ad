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
int creds_lookup (const char *domain, const char *repo, struct creds *out, struct cl_error *err);

/* The auth file `login` writes and `logout` edits, as podman picks it:
   $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
   /run/containers/0/auth.json (root) or /run/user/UID/containers/auth.json. */
char *creds_auth_file (void);

/* Set (creds non-NULL) or remove the "auths" entry `key` of `file` (0600,
   written atomically, other entries and keys kept).  Removing: key NULL
   removes every entry; returns 1 when there was nothing to remove. */
int creds_store (const char *file, const char *key, const struct creds *c, struct cl_error *err);

#endif
