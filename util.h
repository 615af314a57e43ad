/* Ownership helpers (cleanup attributes, steal) and checked I/O. */
#ifndef CL_UTIL_H
#define CL_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
void cleanup_filep (FILE **f);
void cleanup_dirp (DIR **d);
void cleanup_strvp (char ***v);

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (cleanup_filep)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_dirp)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

static inline void *
steal_ptr (void *pp)
{
  void **p = (void **)pp;
  void *ret = *p;
  *p = NULL;
  return ret;
}
#define steal_pointer(pp) steal_ptr (pp)

static inline int
steal_fd (int *fd)
{
  int ret = *fd;
  *fd = -1;
  return ret;
}

/* Allocation failure is not an error we can report usefully: abort. */
void *xmalloc (size_t n);
void *xcalloc (size_t n, size_t m);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t strv_len (char *const *v);
void strv_free (char **v);
void strv_append (char ***v, const char *s);
bool strv_contains (char *const *v, const char *s);

bool str_has_prefix (const char *s, const char *prefix);

/* Does `path` have a ".." component? */
bool path_has_dotdot (const char *path);

int write_all (int fd, const void *buf, size_t len, struct cl_error *err);

/* Read a whole file (at most `max` bytes, else EFBIG), NUL-terminated. */
int read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                  struct cl_error *err);

/* Open `path` beneath `dirfd` and never outside it, whatever symlinks or
   ".." it holds: openat2 RESOLVE_BENEATH (escapes refused), or with
   `in_root` RESOLVE_IN_ROOT (resolved as if dirfd were "/", as a container
   would see it); magic links never.  Without openat2, a walk that refuses
   symlinks and "..".  An escape fails with errnum 0 and "leads outside". */
int openat_beneath (int dirfd, const char *path, int flags, bool in_root, struct cl_error *err);
/* Its fallback, exposed for the unit tests: -1 and errno (EXDEV for an
   escape). */
int openat_beneath_walk (int dirfd, const char *path, int flags, bool in_root);
/* The same for reading a regular file (anything else is refused, so a
   FIFO or /dev/zero cannot hang the reader). */
int open_file_beneath (int dirfd, const char *path, bool in_root, struct cl_error *err);
int read_file_beneath (int dirfd, const char *path, size_t max, bool in_root, char **out,
                       size_t *len, struct cl_error *err);

/* Write `name` in `dirfd` through a temp file and rename, so readers see
   the old or the new content, never a torn one.  fsync before the rename
   when `durable`. */
int write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                          bool durable, struct cl_error *err);

int mkdir_p (const char *path, mode_t mode, struct cl_error *err);

/* Remove `name` under dirfd recursively, never following symlinks. */
int rm_rf_at (int dirfd, const char *name, struct cl_error *err);
/* Empty the directory `dfd` the same way. */
int rm_dir_contents (int dfd, struct cl_error *err);
/* A directory stream over a close-on-exec copy of `fd` (its own DIR to
   close; `fd` stays open); NULL with errno set. */
DIR *dir_stream (int fd);
/* Seconds since the epoch as RFC 3339 in UTC ("2026-12-01T03:04:05Z"),
   "" when out of range. */
void utc_text (long long secs, char *buf, size_t len);

/* Random lowercase hex of `n` chars into buf (n+1 bytes). */
int random_hex (char *buf, size_t n, struct cl_error *err);

/* "12.3MB"-style human size, like podman's. */
void human_size (double bytes, char *buf, size_t len);

/* "3 minutes ago"-style, like podman's CREATED column. */
void human_ago (long long seconds, char *buf, size_t len);

/* RFC 4648 base64 (used by registry Basic auth and auth.json). */
char *base64_encode (const void *buf, size_t len);
/* Returns NULL on malformed input. */
char *base64_decode (const char *s, size_t *len);

#endif
