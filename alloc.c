/* The static build's malloc.  musl's (mallocng) maps a fresh group for a
   few medium-sized blocks and unmaps it as soon as they are freed: a
   `run` made ~100 mmap/munmap pairs and paid their page faults again
   and again, an eighth of its CPU time.  This one keeps what it gets:
   size classes (16-byte steps to 128, then four to each doubling) with
   free lists, carved from 1 MiB chunks that are never given back;
   blocks above 128 KiB are mapped alone and unmapped when freed.  One
   lock, taken around fork by pthread_atfork (registered by the first
   malloc; the registration mallocs itself).

   Linked into static/crunlocal only: musl's own malloc, free & co. are
   weak, so a static program's replace them.  The unit tests build it
   with the names prefixed (CL_ALLOC_TEST) and call it directly. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#ifdef CL_ALLOC_TEST
#define A(name) cl_alloc_##name
#else
#define A(name) name
#endif

void *A (malloc) (size_t n);
void *A (calloc) (size_t m, size_t n);
void *A (realloc) (void *p, size_t n);
void A (free) (void *p);
void *A (aligned_alloc) (size_t align, size_t n);
int A (posix_memalign) (void **out, size_t align, size_t n);
void *A (memalign) (size_t align, size_t n);
size_t A (malloc_usable_size) (void *p);

#define HDR 16                 /* keeps payloads 16-byte aligned */
#define SMALL_MAX (128 * 1024) /* the largest class */
#define NCLASS 48
#define CHUNK (1024 * 1024)
#define PAGE 4096

/* The header's first word: a class, a mapping's length | BIG, or ALIGNED
   (then the second is the distance back to the block's own payload). */
#define BIG ((size_t)1 << (sizeof (size_t) * 8 - 1))
#define ALIGNED ((size_t)-2)

struct hdr
{
  size_t what;
  size_t back;
};

struct heap
{
  pthread_mutex_t lock;
  void *free_list[NCLASS];
  char *cur, *end; /* the chunk being carved */
  int forks;       /* pthread_atfork called (it mallocs: no pthread_once) */
};

static struct heap heap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t
class_size (int c)
{
  int b, sub;

  if (c < 8)
    return (size_t)(c + 1) * 16;
  b = 7 + (c - 8) / 4;
  sub = (c - 8) % 4;
  return ((size_t)1 << b) + (size_t)(sub + 1) * ((size_t)1 << (b - 2));
}

static int
class_of (size_t n)
{
  int b;

  if (n <= 128)
    return n == 0 ? 0 : (int)((n + 15) / 16) - 1;
  b = 63 - __builtin_clzll ((unsigned long long)(n - 1));
  return 8 + (b - 7) * 4 + (int)(((n - 1) >> (b - 2)) & 3);
}

static struct hdr *
hdr_of (void *p)
{
  return (struct hdr *)((char *)p - HDR);
}

static void
lock_heap (void)
{
  pthread_mutex_lock (&heap.lock);
}

static void
unlock_heap (void)
{
  pthread_mutex_unlock (&heap.lock);
}

static void
register_fork (void)
{
  if (!__atomic_load_n (&heap.forks, __ATOMIC_ACQUIRE)
      && !__atomic_exchange_n (&heap.forks, 1, __ATOMIC_ACQ_REL))
    pthread_atfork (lock_heap, unlock_heap, unlock_heap);
}

static void *
map (size_t len)
{
  void *m = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  return m == MAP_FAILED ? NULL : m;
}

static void *
big_alloc (size_t n)
{
  size_t len = (n + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
  struct hdr *h;

  if (n > SIZE_MAX / 2 - HDR - PAGE)
    {
      errno = ENOMEM;
      return NULL;
    }
  h = map (len);
  if (!h)
    return NULL;
  h->what = len | BIG;
  return (char *)h + HDR;
}

/* Under the lock. */
static void *
carve (int c)
{
  size_t need = HDR + class_size (c);
  struct hdr *h;

  if (!heap.cur || (size_t)(heap.end - heap.cur) < need)
    {
      char *m = map (CHUNK);
      if (!m)
        return NULL;
      heap.cur = m;
      heap.end = m + CHUNK;
    }
  h = (struct hdr *)heap.cur;
  heap.cur += need;
  h->what = (size_t)c;
  return (char *)h + HDR;
}

void *
A (malloc) (size_t n)
{
  int c;
  void *p;

  if (n > SMALL_MAX)
    return big_alloc (n);
  register_fork ();
  c = class_of (n);
  lock_heap ();
  p = heap.free_list[c];
  if (p)
    heap.free_list[c] = *(void **)p;
  else
    p = carve (c);
  unlock_heap ();
  if (!p)
    errno = ENOMEM;
  return p;
}

void
A (free) (void *p)
{
  struct hdr *h;

  if (!p)
    return;
  h = hdr_of (p);
  if (h->what == ALIGNED)
    {
      A (free) ((char *)p - h->back);
      return;
    }
  if (h->what & BIG)
    {
      munmap (h, h->what & ~BIG);
      return;
    }
  lock_heap ();
  *(void **)p = heap.free_list[h->what];
  heap.free_list[h->what] = p;
  unlock_heap ();
}

size_t
A (malloc_usable_size) (void *p)
{
  struct hdr *h;

  if (!p)
    return 0;
  h = hdr_of (p);
  if (h->what == ALIGNED)
    return A (malloc_usable_size) ((char *)p - h->back) - h->back;
  if (h->what & BIG)
    return (h->what & ~BIG) - HDR;
  return class_size ((int)h->what);
}

void *
A (calloc) (size_t m, size_t n)
{
  void *p;

  if (n && m > SIZE_MAX / n)
    {
      errno = ENOMEM;
      return NULL;
    }
  p = A (malloc) (m * n);
  /* A mapping of its own comes zeroed. */
  if (p && m * n <= SMALL_MAX)
    memset (p, 0, m * n);
  return p;
}

void *
A (realloc) (void *p, size_t n)
{
  struct hdr *h;
  size_t have;
  void *q;

  if (!p)
    return A (malloc) (n);
  h = hdr_of (p);
  have = A (malloc_usable_size) (p);
  if (n <= have && (h->what == ALIGNED || (h->what & BIG) || n > have / 4 || have <= 128))
    return p;
  if ((h->what & BIG) && h->what != ALIGNED && n > SMALL_MAX)
    {
      size_t len = (n + HDR + PAGE - 1) & ~(size_t)(PAGE - 1);
      struct hdr *m
          = n > SIZE_MAX / 2 ? MAP_FAILED : mremap (h, h->what & ~BIG, len, MREMAP_MAYMOVE);
      if (m == MAP_FAILED)
        {
          errno = ENOMEM;
          return NULL;
        }
      m->what = len | BIG;
      return (char *)m + HDR;
    }
  q = A (malloc) (n);
  if (!q)
    return NULL;
  memcpy (q, p, n < have ? n : have);
  A (free) (p);
  return q;
}

void *
A (aligned_alloc) (size_t align, size_t n)
{
  char *raw, *p;
  struct hdr *h;

  if (align == 0 || (align & (align - 1)) != 0)
    {
      errno = EINVAL;
      return NULL;
    }
  if (align <= HDR)
    return A (malloc) (n);
  if (n > SIZE_MAX / 2 - align - HDR)
    {
      errno = ENOMEM;
      return NULL;
    }
  raw = A (malloc) (n + align + HDR);
  if (!raw)
    return NULL;
  p = (char *)(((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1));
  h = hdr_of (p);
  h->what = ALIGNED;
  h->back = (size_t)(p - raw);
  return p;
}

int
A (posix_memalign) (void **out, size_t align, size_t n)
{
  void *p;

  if (align < sizeof (void *) || (align & (align - 1)) != 0)
    return EINVAL;
  p = A (aligned_alloc) (align, n);
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}

void *
A (memalign) (size_t align, size_t n)
{
  return A (aligned_alloc) (align, n);
}
