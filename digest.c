#include "digest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

struct sha256
{
  struct sha256_ctx ctx;
};

struct sha256 *
sha256_new (void)
{
  struct sha256 *h = malloc (sizeof *h);

  if (!h)
    abort ();
  sha256_init (&h->ctx);
  return h;
}

void
sha256_update (struct sha256 *h, const void *buf, size_t len)
{
  sha256_ctx_update (&h->ctx, buf, len);
}

void
sha256_final (struct sha256 *h, char out[DIGEST_STR_LEN + 1])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[SHA256_LEN];

  sha256_ctx_final (&h->ctx, md);
  memcpy (out, "sha256:", 7);
  for (int i = 0; i < 32; i++)
    {
      out[7 + 2 * i] = hex[md[i] >> 4];
      out[8 + 2 * i] = hex[md[i] & 0xf];
    }
  out[DIGEST_STR_LEN] = '\0';
}

void
sha256_free (struct sha256 *h)
{
  if (!h)
    return;
  free (h);
}

void
cleanup_sha256p (struct sha256 **h)
{
  sha256_free (*h);
}

void
sha256_digest (const void *buf, size_t len, char out[DIGEST_STR_LEN + 1])
{
  cleanup_sha256 struct sha256 *h = sha256_new ();

  sha256_update (h, buf, len);
  sha256_final (h, out);
}

int
digest_validate (const char *digest, struct cl_error *err)
{
  const char *colon = strchr (digest, ':');

  if (!colon || colon == digest)
    return cl_fail (err, 0, "invalid digest \"%s\": missing algorithm", digest);
  if (strncmp (digest, "sha256:", 7) != 0)
    return cl_fail (err, 0, "unsupported digest algorithm in \"%s\" (only sha256)", digest);
  if (strlen (digest) != DIGEST_STR_LEN)
    return cl_fail (err, 0, "invalid digest \"%s\": sha256 needs 64 hex characters", digest);
  for (const char *p = digest + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return cl_fail (err, 0, "invalid digest \"%s\": not lowercase hex", digest);
  return 0;
}
