/* sha256 content digests ("sha256:<64 hex>"), streaming. */
#ifndef CL_DIGEST_H
#define CL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_LEN (7 + DIGEST_HEX_LEN) /* "sha256:" + hex */

struct sha256;

struct sha256 *sha256_new (void);
void sha256_update (struct sha256 *h, const void *buf, size_t len);
/* Writes "sha256:<hex>" (DIGEST_STR_LEN + 1 bytes) and resets nothing. */
void sha256_final (struct sha256 *h, char out[DIGEST_STR_LEN + 1]);
void sha256_free (struct sha256 *h);
void cleanup_sha256p (struct sha256 **h);
#define cleanup_sha256 __attribute__ ((cleanup (cleanup_sha256p)))

void sha256_digest (const void *buf, size_t len, char out[DIGEST_STR_LEN + 1]);

/* A digest we accept: "sha256:" + 64 lowercase hex.  Other algorithms are
   refused with a clear error rather than trusted unverified. */
int digest_validate (const char *digest, struct cl_error *err);

/* The hex part of a validated digest. */
static inline const char *
digest_hex (const char *digest)
{
  return digest + 7;
}

#endif
