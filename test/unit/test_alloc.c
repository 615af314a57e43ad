/* The static build's allocator (alloc.c), built here with its names
   prefixed: classes, contents kept, alignment, zeroing, threads. */
#define CL_ALLOC_TEST
#include "../../alloc.c"

#include <pthread.h>
#include <stdlib.h>

#include "unit.h"

void test_alloc_classes (void);
void test_alloc_random (void);
void test_alloc_aligned (void);
void test_alloc_threads (void);

void
test_alloc_classes (void)
{
  int bad = 0;

  CHECK (class_of (0) == 0 && class_of (1) == 0 && class_of (16) == 0 && class_of (17) == 1);
  CHECK (class_of (SMALL_MAX) == NCLASS - 1 && class_size (NCLASS - 1) == SMALL_MAX);
  for (size_t n = 1; n <= SMALL_MAX; n += n < 4096 ? 1 : 61)
    {
      int c = class_of (n);
      /* The smallest class that holds n. */
      if (c < 0 || c >= NCLASS || class_size (c) < n || (c > 0 && class_size (c - 1) >= n))
        bad++;
    }
  CHECK (bad == 0);
}

static unsigned
next_rand (unsigned *s)
{
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

static size_t
random_size (unsigned *s)
{
  unsigned r = next_rand (s);
  /* Mostly small, some above the largest class. */
  return (size_t)(r % 1000) < 5 ? 128 * 1024 + r % (200 * 1024) : (size_t)1 << (r % 15) | (r & 255);
}

static void
fill (unsigned char *p, size_t n, unsigned char v)
{
  memset (p, v, n);
}

static int
holds (const unsigned char *p, size_t n, unsigned char v)
{
  for (size_t i = 0; i < n; i++)
    if (p[i] != v)
      return 0;
  return 1;
}

#define SLOTS 400

void
test_alloc_random (void)
{
  unsigned char *p[SLOTS] = { 0 };
  size_t len[SLOTS] = { 0 };
  unsigned s = 12345;
  int bad = 0;

  for (int i = 0; i < 40000; i++)
    {
      unsigned k = next_rand (&s) % SLOTS;
      unsigned char v = (unsigned char)k;
      if (p[k] && !holds (p[k], len[k], v))
        bad++;
      switch (next_rand (&s) % 4)
        {
        case 0:
          cl_alloc_free (p[k]);
          p[k] = NULL;
          break;
        case 1:
          {
            size_t n = random_size (&s);
            unsigned char *q = cl_alloc_realloc (p[k], n);
            if (!q || (p[k] && !holds (q, len[k] < n ? len[k] : n, v)))
              bad++;
            p[k] = q;
            len[k] = n;
            fill (q, n, v);
            break;
          }
        case 2:
          {
            size_t n = random_size (&s);
            cl_alloc_free (p[k]);
            p[k] = cl_alloc_calloc (1, n);
            len[k] = n;
            if (!p[k] || !holds (p[k], n, 0))
              bad++;
            fill (p[k], n, v);
            break;
          }
        default:
          cl_alloc_free (p[k]);
          len[k] = random_size (&s);
          p[k] = cl_alloc_malloc (len[k]);
          if (!p[k] || ((uintptr_t)p[k] & 15) != 0 || cl_alloc_malloc_usable_size (p[k]) < len[k])
            bad++;
          fill (p[k], len[k], v);
        }
    }
  for (int k = 0; k < SLOTS; k++)
    {
      if (p[k] && !holds (p[k], len[k], (unsigned char)k))
        bad++;
      cl_alloc_free (p[k]);
    }
  CHECK (bad == 0);
  errno = 0;
  CHECK (cl_alloc_calloc ((size_t)1 << 40, (size_t)1 << 40) == NULL && errno == ENOMEM);
  CHECK (cl_alloc_malloc (SIZE_MAX - 8) == NULL);
  cl_alloc_free (NULL);
}

void
test_alloc_aligned (void)
{
  static const size_t aligns[] = { 8, 16, 32, 64, 4096, 65536 };
  void *q = NULL;

  for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
    for (size_t n = 1; n < 300000; n = n * 7 + 3)
      {
        unsigned char *p = cl_alloc_aligned_alloc (aligns[i], n);
        CHECK (p && ((uintptr_t)p & (aligns[i] - 1)) == 0);
        CHECK (p && cl_alloc_malloc_usable_size (p) >= n);
        if (!p)
          continue;
        fill (p, n, 0x5a);
        p = cl_alloc_realloc (p, n + 100);
        CHECK (p && holds (p, n, 0x5a));
        cl_alloc_free (p);
      }
  CHECK (cl_alloc_posix_memalign (&q, 3, 10) == EINVAL);
  CHECK (cl_alloc_posix_memalign (&q, 128, 10) == 0 && ((uintptr_t)q & 127) == 0);
  cl_alloc_free (q);
  CHECK (cl_alloc_aligned_alloc (24, 10) == NULL && errno == EINVAL);
}

static void *
churn (void *arg)
{
  unsigned s = (unsigned)(uintptr_t)arg;
  unsigned char *p[64] = { 0 };
  size_t len[64] = { 0 };
  intptr_t bad = 0;

  for (int i = 0; i < 20000; i++)
    {
      unsigned k = next_rand (&s) % 64;
      if (p[k] && !holds (p[k], len[k], (unsigned char)(k + (uintptr_t)arg)))
        bad++;
      cl_alloc_free (p[k]);
      len[k] = random_size (&s) % 5000;
      p[k] = cl_alloc_malloc (len[k]);
      if (p[k])
        fill (p[k], len[k], (unsigned char)(k + (uintptr_t)arg));
    }
  for (int k = 0; k < 64; k++)
    cl_alloc_free (p[k]);
  return (void *)bad;
}

void
test_alloc_threads (void)
{
  pthread_t t[4];
  intptr_t bad = 0;

  for (uintptr_t i = 0; i < 4; i++)
    CHECK (pthread_create (&t[i], NULL, churn, (void *)(i + 1)) == 0);
  for (int i = 0; i < 4; i++)
    {
      void *r;
      pthread_join (t[i], &r);
      bad += (intptr_t)r;
    }
  CHECK (bad == 0);
}
