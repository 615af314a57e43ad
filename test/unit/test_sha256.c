/* sha256.c: every implementation this CPU runs, against the NIST vectors
   (FIPS 180-4 examples) and against OpenSSL on random inputs. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../../sha256.h"
#include "unit.h"

static void
hex (const unsigned char md[SHA256_LEN], char out[2 * SHA256_LEN + 1])
{
  for (int i = 0; i < SHA256_LEN; i++)
    sprintf (out + 2 * i, "%02x", md[i]);
}

static void
digest_with (enum sha256_impl impl, const void *buf, size_t len, size_t chunk,
             unsigned char md[SHA256_LEN])
{
  struct sha256_ctx ctx;
  const unsigned char *p = buf;

  sha256_init_impl (&ctx, impl);
  while (len > 0)
    {
      size_t n = chunk && chunk < len ? chunk : len;
      sha256_ctx_update (&ctx, p, n);
      p += n;
      len -= n;
    }
  sha256_ctx_final (&ctx, md);
}

static void
openssl_digest (const void *buf, size_t len, unsigned char md[SHA256_LEN])
{
  unsigned int n = 0;

  if (EVP_Digest (buf, len, md, &n, EVP_sha256 (), NULL) != 1 || n != SHA256_LEN)
    abort ();
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void
fill_random (unsigned char *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    p[i] = (unsigned char)rng ();
}

void
test_sha256_nist (void)
{
  static const struct
  {
    const char *msg;
    const char *md;
  } vectors[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
      "nopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
  };
  unsigned char md[SHA256_LEN];
  char h[2 * SHA256_LEN + 1];
  unsigned char *million = malloc (1000000);

  memset (million, 'a', 1000000);
  for (int impl = SHA256_PORTABLE; impl <= SHA256_ARMV8; impl++)
    {
      if (!sha256_impl_available (impl))
        continue;
      printf ("# sha256 %s\n", sha256_impl_name (impl));
      for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
        for (size_t chunk = 0; chunk <= 3; chunk++)
          {
            digest_with (impl, vectors[i].msg, strlen (vectors[i].msg), chunk, md);
            hex (md, h);
            CHECK_STR (h, vectors[i].md);
          }
      digest_with (impl, million, 1000000, 0, md);
      hex (md, h);
      CHECK_STR (h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
      digest_with (impl, million, 1000000, 4093, md);
      hex (md, h);
      CHECK_STR (h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
  free (million);
}

/* Every length 0-1000 and a few large ones, whole and in random chunks. */
void
test_sha256_vs_openssl (void)
{
  size_t big = (16u << 20) + 7;
  unsigned char *buf = malloc (big);
  unsigned char want[SHA256_LEN], got[SHA256_LEN];
  const size_t large[] = { 65536, 65599, 1u << 20, big };

  fill_random (buf, big);
  for (int impl = SHA256_PORTABLE; impl <= SHA256_ARMV8; impl++)
    {
      if (!sha256_impl_available (impl))
        continue;
      for (size_t len = 0; len <= 1000; len++)
        {
          const unsigned char *p = buf + rng () % 4096; /* unaligned too */
          openssl_digest (p, len, want);
          digest_with (impl, p, len, 0, got);
          CHECK (memcmp (want, got, SHA256_LEN) == 0);
          digest_with (impl, p, len, 1 + rng () % 130, got);
          CHECK (memcmp (want, got, SHA256_LEN) == 0);
        }
      for (size_t i = 0; i < sizeof large / sizeof large[0]; i++)
        {
          openssl_digest (buf, large[i], want);
          digest_with (impl, buf, large[i], 0, got);
          CHECK (memcmp (want, got, SHA256_LEN) == 0);
          digest_with (impl, buf, large[i], 1 + rng () % 100000, got);
          CHECK (memcmp (want, got, SHA256_LEN) == 0);
        }
    }
  free (buf);
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Informational: throughput of ours (best implementation) and OpenSSL's. */
void
test_sha256_speed (void)
{
  size_t len = 64u << 20;
  unsigned char *buf = calloc (1, len);
  unsigned char md[SHA256_LEN];
  double ours = 1e9, theirs = 1e9;

  for (int round = 0; round < 3; round++)
    {
      double t = now ();
      digest_with (sha256_best_impl (), buf, len, 1 << 16, md);
      t = now () - t;
      ours = t < ours ? t : ours;
      t = now ();
      openssl_digest (buf, len, md);
      t = now () - t;
      theirs = t < theirs ? t : theirs;
    }
  printf ("# sha256 %s: %.0f MB/s, OpenSSL: %.0f MB/s\n", sha256_impl_name (sha256_best_impl ()),
          len / ours / 1e6, len / theirs / 1e6);
  free (buf);
}
