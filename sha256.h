/* SHA-256 without a crypto library: SHA-NI on x86-64 and the ARMv8 crypto
   extensions where the CPU has them (checked at run time), portable C
   otherwise.  OpenSSL's SHA-NI code runs at ~1.5 GB/s where portable C
   manages ~200 MB/s, and every layer we pull is hashed. */
#ifndef CL_SHA256_H
#define CL_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

enum sha256_impl
{
  SHA256_PORTABLE,
  SHA256_SHANI, /* x86-64 SHA extensions */
  SHA256_ARMV8, /* ARMv8 crypto extensions */
};

struct sha256_ctx
{
  uint32_t state[8];
  uint64_t total; /* bytes hashed so far */
  unsigned char buf[64];
  size_t used; /* bytes waiting in buf */
  void (*blocks) (uint32_t state[8], const unsigned char *data, size_t n);
};

/* The fastest implementation this CPU runs. */
enum sha256_impl sha256_best_impl (void);
bool sha256_impl_available (enum sha256_impl impl);
const char *sha256_impl_name (enum sha256_impl impl);

void sha256_init (struct sha256_ctx *ctx);
/* For tests: a given implementation, which must be available. */
void sha256_init_impl (struct sha256_ctx *ctx, enum sha256_impl impl);
void sha256_ctx_update (struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_ctx_final (struct sha256_ctx *ctx, unsigned char md[SHA256_LEN]);

#endif
