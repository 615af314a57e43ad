#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#endif

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* FIPS 180-4, section 6.2.2. */
static inline uint32_t
ror (uint32_t x, int n)
{
  return (x >> n) | (x << (32 - n));
}

static inline uint32_t
load_be32 (const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
blocks_portable (uint32_t state[8], const unsigned char *data, size_t n)
{
  for (; n > 0; n--, data += 64)
    {
      uint32_t w[64], s[8];

      for (int i = 0; i < 16; i++)
        w[i] = load_be32 (data + 4 * i);
      for (int i = 16; i < 64; i++)
        {
          uint32_t s0 = ror (w[i - 15], 7) ^ ror (w[i - 15], 18) ^ (w[i - 15] >> 3);
          uint32_t s1 = ror (w[i - 2], 17) ^ ror (w[i - 2], 19) ^ (w[i - 2] >> 10);
          w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
      memcpy (s, state, sizeof s);
      for (int i = 0; i < 64; i++)
        {
          uint32_t t1 = s[7] + (ror (s[4], 6) ^ ror (s[4], 11) ^ ror (s[4], 25))
                        + ((s[4] & s[5]) ^ (~s[4] & s[6])) + K[i] + w[i];
          uint32_t t2 = (ror (s[0], 2) ^ ror (s[0], 13) ^ ror (s[0], 22))
                        + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
          memmove (s + 1, s, 7 * sizeof s[0]);
          s[4] += t1;
          s[0] = t1 + t2;
        }
      for (int i = 0; i < 8; i++)
        state[i] += s[i];
    }
}

#if defined(__x86_64__)
/* Intel's SHA extensions keep the state as ABEF/CDGH halves; sha256rnds2
   does two rounds, sha256msg1/msg2 the message schedule (Intel, "New
   Instructions Supporting the Secure Hash Algorithm on Intel Architecture
   Processors", 2013). */
__attribute__ ((target ("sha,sse4.1"))) static void
blocks_shani (uint32_t state[8], const unsigned char *data, size_t n)
{
  const __m128i bswap = _mm_set_epi64x (0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_shuffle_epi32 (_mm_loadu_si128 ((const __m128i *)&state[0]), 0xb1);
  __m128i st1 = _mm_shuffle_epi32 (_mm_loadu_si128 ((const __m128i *)&state[4]), 0x1b);
  __m128i st0 = _mm_alignr_epi8 (tmp, st1, 8); /* ABEF */

  st1 = _mm_blend_epi16 (st1, tmp, 0xf0); /* CDGH */
  for (; n > 0; n--, data += 64)
    {
      __m128i abef = st0, cdgh = st1, m[4];

#pragma GCC unroll 16
      for (int k = 0; k < 16; k++)
        {
          __m128i w;
          if (k < 4)
            m[k] = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *)(data + 16 * k)), bswap);
          else
            {
              /* W[4k..4k+3] from the four vectors before it. */
              w = _mm_sha256msg1_epu32 (m[k & 3], m[(k + 1) & 3]);
              w = _mm_add_epi32 (w, _mm_alignr_epi8 (m[(k + 3) & 3], m[(k + 2) & 3], 4));
              m[k & 3] = _mm_sha256msg2_epu32 (w, m[(k + 3) & 3]);
            }
          w = _mm_add_epi32 (m[k & 3], _mm_loadu_si128 ((const __m128i *)&K[4 * k]));
          st1 = _mm_sha256rnds2_epu32 (st1, st0, w);
          st0 = _mm_sha256rnds2_epu32 (st0, st1, _mm_shuffle_epi32 (w, 0x0e));
        }
      st0 = _mm_add_epi32 (st0, abef);
      st1 = _mm_add_epi32 (st1, cdgh);
    }
  tmp = _mm_shuffle_epi32 (st0, 0x1b);                                       /* FEBA */
  st1 = _mm_shuffle_epi32 (st1, 0xb1);                                       /* DCHG */
  _mm_storeu_si128 ((__m128i *)&state[0], _mm_blend_epi16 (tmp, st1, 0xf0)); /* DCBA */
  _mm_storeu_si128 ((__m128i *)&state[4], _mm_alignr_epi8 (st1, tmp, 8));    /* HGFE */
}

static bool
cpu_has_shani (void)
{
  unsigned a, b, c, d;

  /* SHA (leaf 7, EBX bit 29) with SSSE3 and SSE4.1 (leaf 1, ECX bits 9, 19). */
  if (!__get_cpuid (1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
    return false;
  return __get_cpuid_count (7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#elif defined(__aarch64__)
/* vsha256hq/h2q do four rounds on ABCD/EFGH, su0/su1 the schedule. */
__attribute__ ((target ("+crypto"))) static void
blocks_armv8 (uint32_t state[8], const unsigned char *data, size_t n)
{
  uint32x4_t st0 = vld1q_u32 (&state[0]), st1 = vld1q_u32 (&state[4]);

  for (; n > 0; n--, data += 64)
    {
      uint32x4_t abcd = st0, efgh = st1, m[4];

      for (int k = 0; k < 4; k++)
        m[k] = vreinterpretq_u32_u8 (vrev32q_u8 (vld1q_u8 (data + 16 * k)));
#pragma GCC unroll 16
      for (int k = 0; k < 16; k++)
        {
          uint32x4_t w = vaddq_u32 (m[k & 3], vld1q_u32 (&K[4 * k])), prev = st0;
          if (k < 12)
            m[k & 3] = vsha256su1q_u32 (vsha256su0q_u32 (m[k & 3], m[(k + 1) & 3]), m[(k + 2) & 3],
                                        m[(k + 3) & 3]);
          st0 = vsha256hq_u32 (st0, st1, w);
          st1 = vsha256h2q_u32 (st1, prev, w);
        }
      st0 = vaddq_u32 (st0, abcd);
      st1 = vaddq_u32 (st1, efgh);
    }
  vst1q_u32 (&state[0], st0);
  vst1q_u32 (&state[4], st1);
}
#endif

bool
sha256_impl_available (enum sha256_impl impl)
{
  switch (impl)
    {
    case SHA256_PORTABLE: return true;
#if defined(__x86_64__)
    case SHA256_SHANI: return cpu_has_shani ();
#elif defined(__aarch64__) && defined(HWCAP_SHA2)
    case SHA256_ARMV8: return (getauxval (AT_HWCAP) & HWCAP_SHA2) != 0;
#endif
    default: return false;
    }
}

enum sha256_impl
sha256_best_impl (void)
{
  /* cpuid traps to the hypervisor in a VM: ask once.  Every thread
     computes the same answer, so the race is benign. */
  static int best = -1;
  int b = __atomic_load_n (&best, __ATOMIC_RELAXED);

  if (b < 0)
    {
      b = sha256_impl_available (SHA256_SHANI)   ? SHA256_SHANI
          : sha256_impl_available (SHA256_ARMV8) ? SHA256_ARMV8
                                                 : SHA256_PORTABLE;
      __atomic_store_n (&best, b, __ATOMIC_RELAXED);
    }
  return (enum sha256_impl)b;
}

const char *
sha256_impl_name (enum sha256_impl impl)
{
  switch (impl)
    {
    case SHA256_SHANI: return "sha-ni";
    case SHA256_ARMV8: return "armv8-crypto";
    default: return "portable";
    }
}

void
sha256_init_impl (struct sha256_ctx *ctx, enum sha256_impl impl)
{
  memset (ctx, 0, sizeof *ctx);
  memcpy (ctx->state, H0, sizeof H0);
  ctx->blocks = blocks_portable;
#if defined(__x86_64__)
  if (impl == SHA256_SHANI)
    ctx->blocks = blocks_shani;
#elif defined(__aarch64__)
  if (impl == SHA256_ARMV8)
    ctx->blocks = blocks_armv8;
#endif
  if (impl != SHA256_PORTABLE && !sha256_impl_available (impl))
    abort ();
}

void
sha256_init (struct sha256_ctx *ctx)
{
  sha256_init_impl (ctx, sha256_best_impl ());
}

void
sha256_ctx_update (struct sha256_ctx *ctx, const void *data, size_t len)
{
  const unsigned char *p = data;

  ctx->total += len;
  if (ctx->used > 0)
    {
      size_t take = 64 - ctx->used < len ? 64 - ctx->used : len;
      memcpy (ctx->buf + ctx->used, p, take);
      ctx->used += take;
      p += take;
      len -= take;
      if (ctx->used < 64)
        return;
      ctx->blocks (ctx->state, ctx->buf, 1);
      ctx->used = 0;
    }
  if (len >= 64)
    {
      ctx->blocks (ctx->state, p, len / 64);
      p += len / 64 * 64;
      len %= 64;
    }
  memcpy (ctx->buf, p, len);
  ctx->used = len;
}

void
sha256_ctx_final (struct sha256_ctx *ctx, unsigned char md[SHA256_LEN])
{
  uint64_t bits = ctx->total * 8;
  unsigned char pad[72] = { 0x80 };
  size_t padlen = (ctx->used < 56 ? 56 : 120) - ctx->used;

  for (int i = 0; i < 8; i++)
    pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_ctx_update (ctx, pad, padlen + 8);
  for (int i = 0; i < 8; i++)
    {
      md[4 * i] = (unsigned char)(ctx->state[i] >> 24);
      md[4 * i + 1] = (unsigned char)(ctx->state[i] >> 16);
      md[4 * i + 2] = (unsigned char)(ctx->state[i] >> 8);
      md[4 * i + 3] = (unsigned char)ctx->state[i];
    }
}
