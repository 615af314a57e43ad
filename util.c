#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void
cleanup_freep (void *p)
{
  free (*(void **)p);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

void
cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
}

void
cleanup_dirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

void
cleanup_strvp (char ***v)
{
  strv_free (*v);
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (!p)
    abort ();
  return p;
}

void *
xcalloc (size_t n, size_t m)
{
  void *p = calloc (n ? n : 1, m ? m : 1);
  if (!p)
    abort ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (!p)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s ? s : "");
  if (!r)
    abort ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (!r)
    abort ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return r;
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

void
strv_append (char ***v, const char *s)
{
  size_t n = strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

bool
strv_contains (char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

int
write_all (int fd, const void *buf, size_t len, struct cl_error *err)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "write");
      p += n;
      len -= (size_t)n;
    }
  return 0;
}

/* linux/openat2.h, spelled out: the monitor is built against musl, which
   ships no kernel headers. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct cl_open_how
{
  uint64_t flags, mode, resolve;
};
#define CL_RESOLVE_NO_MAGICLINKS 0x02
#define CL_RESOLVE_BENEATH 0x08
#define CL_RESOLVE_IN_ROOT 0x10

/* Where openat2 is missing (kernels before 5.6, or a seccomp filter that
   does not know it): one component at a time, refusing every symlink and
   "..", which is stricter than openat2 but never wrong. */
int
openat_beneath_walk (int dirfd, const char *path, int flags, bool in_root)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int cur = -1;
  char *save = NULL, *comp, *next;
  int at = dirfd, fd;

  if (*path == '/' && !in_root)
    {
      errno = EXDEV;
      return -1;
    }
  next = strtok_r (copy, "/", &save);
  while ((comp = next) != NULL)
    {
      next = strtok_r (NULL, "/", &save);
      if (strcmp (comp, "..") == 0)
        {
          errno = EXDEV;
          return -1;
        }
      if (!next)
        return openat (at, comp, flags | O_NOFOLLOW | O_CLOEXEC);
      if (strcmp (comp, ".") == 0)
        continue;
      fd = openat (at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return -1;
      if (cur >= 0)
        close (cur);
      cur = at = fd;
    }
  return openat (at, ".", flags | O_CLOEXEC);
}

int
openat_beneath (int dirfd, const char *path, int flags, bool in_root, struct cl_error *err)
{
  struct cl_open_how how = {
    .flags = (uint64_t)(flags | O_CLOEXEC),
    .resolve = CL_RESOLVE_NO_MAGICLINKS | (in_root ? CL_RESOLVE_IN_ROOT : CL_RESOLVE_BENEATH),
  };
  int fd;

  do
    fd = (int)syscall (SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    fd = openat_beneath_walk (dirfd, path, flags, in_root);
  if (fd >= 0)
    return fd;
  if (errno == EXDEV)
    return cl_fail (err, 0, "%s: leads outside the directory", path);
  return cl_fail (err, errno, "open %s", path);
}

int
open_file_beneath (int dirfd, const char *path, bool in_root, struct cl_error *err)
{
  cleanup_close int fd
      = openat_beneath (dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, in_root, err);
  struct stat st;

  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    return cl_fail (err, errno, "stat %s", path);
  if (!S_ISREG (st.st_mode))
    return cl_fail (err, 0, "%s: not a regular file", path);
  return steal_fd (&fd);
}

/* One read into buf[*used, cap); *more is false at the end of the file. */
static int
read_more (int fd, char *buf, size_t cap, size_t *used, bool *more, const char *path,
           struct cl_error *err)
{
  ssize_t n;

  do
    n = read (fd, buf + *used, cap - *used);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return cl_fail (err, errno, "read %s", path);
  *more = n > 0;
  *used += (size_t)(n > 0 ? n : 0);
  return 0;
}

static int
read_fd (int fd, const char *path, size_t max, char **out, size_t *len, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  char small[2048];
  size_t used = 0, cap;
  bool more = true;

  /* Most files read here are small: on the stack first, then exactly
     their size on the heap (to musl's allocator a 4 KiB buffer for each
     read is an mmap and an munmap). */
  while (more && used < sizeof small)
    if (read_more (fd, small, sizeof small, &used, &more, path, err) < 0)
      return -1;
  cap = more ? 4096 : used;
  buf = xmalloc (cap + 1);
  memcpy (buf, small, used);
  while (more)
    {
      if (used == cap)
        {
          if (cap >= max)
            return cl_fail (err, EFBIG, "read %s: larger than %zu bytes", path, max);
          cap = cap * 2 > max ? max : cap * 2;
          buf = xrealloc (buf, cap + 1);
        }
      if (read_more (fd, buf, cap, &used, &more, path, err) < 0)
        return -1;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
              struct cl_error *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "open %s", path);
  return read_fd (fd, path, max, out, len, err);
}

int
read_file_beneath (int dirfd, const char *path, size_t max, bool in_root, char **out, size_t *len,
                   struct cl_error *err)
{
  cleanup_close int fd = open_file_beneath (dirfd, path, in_root, err);

  if (fd < 0)
    return -1;
  return read_fd (fd, path, max, out, len, err);
}

int
write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                      bool durable, struct cl_error *err)
{
  char suffix[17];
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;

  if (random_hex (suffix, 16, err) < 0)
    return -1;
  tmp = xasprintf (".%s.tmp-%s", name, suffix);
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return cl_fail (err, errno, "create %s", tmp);
  if (write_all (fd, buf, len, err) < 0
      || (durable && fsync (fd) < 0 && cl_fail (err, errno, "fsync") < 0))
    {
      unlinkat (dirfd, tmp, 0);
      return cl_wrap (err, "write %s", name);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return cl_fail (err, e, "rename %s", name);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, struct cl_error *err)
{
  cleanup_free char *p = NULL;

  /* Most often all there, or all but the last. */
  if (mkdir (path, mode) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return cl_fail (err, errno, "mkdir %s", path);
  p = xstrdup (path);
  for (char *s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "mkdir %s", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s", p);
  return 0;
}

/* chmod 0700 the directory `name` itself: never what a symlink put
   there since names it (fchmodat would follow one). */
static int
chmod_dir_nofollow (int dirfd, const char *name)
{
  cleanup_close int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  char path[64];
  struct stat st;

  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    return -1;
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  return chmod (path, 0700);
}

int
rm_rf_at (int dirfd, const char *name, struct cl_error *err)
{
  cleanup_close int dfd = -1;

  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return cl_fail (err, errno, "remove %s", name);
  dfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  /* A directory we cannot list (overlayfs leaves work/work mode 0) is
     still ours to remove. */
  if (dfd < 0 && errno == EACCES && chmod_dir_nofollow (dirfd, name) == 0)
    dfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open %s", name);
  if (rm_dir_contents (dfd, err) < 0)
    return cl_wrap (err, "remove %s", name);
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return cl_fail (err, errno, "rmdir %s", name);
  return 0;
}

void
utc_text (long long secs, char *buf, size_t len)
{
  time_t t = (time_t)secs;
  struct tm tm;

  if (!gmtime_r (&t, &tm) || strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf (buf, len, "%s", "");
}

DIR *
dir_stream (int fd)
{
  int copy = fcntl (fd, F_DUPFD_CLOEXEC, 0), e;
  DIR *d = copy >= 0 ? fdopendir (copy) : NULL;

  if (!d && copy >= 0)
    {
      e = errno;
      close (copy);
      errno = e;
    }
  return d;
}

int
rm_dir_contents (int dfd, struct cl_error *err)
{
  cleanup_dir DIR *d = dir_stream (dfd);
  struct dirent *de;

  if (!d)
    return cl_fail (err, errno, "opendir");
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (rm_rf_at (dfd, de->d_name, err) < 0)
        return -1;
    }
  return 0;
}

int
random_hex (char *buf, size_t n, struct cl_error *err)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char raw[128];
  size_t need = (n + 1) / 2;

  if (need > sizeof raw)
    return cl_fail (err, EINVAL, "random_hex: %zu too long", n);
  if (getrandom (raw, need, 0) != (ssize_t)need)
    return cl_fail (err, errno, "getrandom");
  for (size_t i = 0; i < n; i++)
    buf[i] = hex[(raw[i / 2] >> ((i % 2) * 4)) & 0xf];
  buf[n] = '\0';
  return 0;
}

void
human_size (double bytes, char *buf, size_t len)
{
  static const char *units[] = { "B", "kB", "MB", "GB", "TB" };
  size_t u = 0;

  while (bytes >= 1000 && u < 4)
    {
      bytes /= 1000;
      u++;
    }
  if (u == 0)
    snprintf (buf, len, "%.0f %s", bytes, units[u]);
  else
    snprintf (buf, len, "%.3g %s", bytes, units[u]);
}

void
human_ago (long long s, char *buf, size_t len)
{
  static const struct
  {
    long long secs;
    const char *unit;
  } steps[] = { { 365LL * 86400, "year" }, { 30LL * 86400, "month" }, { 7 * 86400, "week" },
                { 86400, "day" },          { 3600, "hour" },          { 60, "minute" } };

  if (s < 1)
    {
      snprintf (buf, len, "Less than a second ago");
      return;
    }
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (s >= steps[i].secs)
      {
        long long n = s / steps[i].secs;
        snprintf (buf, len, "%lld %s%s ago", n, steps[i].unit, n > 1 ? "s" : "");
        return;
      }
  snprintf (buf, len, "%lld second%s ago", s, s > 1 ? "s" : "");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode (const void *buf, size_t len)
{
  const unsigned char *p = buf;
  char *out = xmalloc (4 * ((len + 2) / 3) + 1);
  size_t o = 0;

  for (size_t i = 0; i < len; i += 3)
    {
      unsigned v = (unsigned)p[i] << 16;
      if (i + 1 < len)
        v |= (unsigned)p[i + 1] << 8;
      if (i + 2 < len)
        v |= p[i + 2];
      out[o++] = b64[(v >> 18) & 63];
      out[o++] = b64[(v >> 12) & 63];
      out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
      out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
  out[o] = '\0';
  return out;
}

char *
base64_decode (const char *s, size_t *len)
{
  size_t n = strlen (s), o = 0;
  cleanup_free char *out = xmalloc (n / 4 * 3 + 4);
  unsigned v = 0;
  int bits = 0;

  for (size_t i = 0; i < n; i++)
    {
      const char *c;
      if (s[i] == '=')
        break;
      if (s[i] == '\n' || s[i] == '\r')
        continue;
      c = strchr (b64, s[i]);
      if (!c || !*c)
        return NULL;
      v = (v << 6) | (unsigned)(c - b64);
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (char)((v >> bits) & 0xff);
        }
    }
  out[o] = '\0';
  if (len)
    *len = o;
  return steal_pointer (&out);
}

bool
path_has_dotdot (const char *path)
{
  for (const char *c = path; (c = strstr (c, "..")) != NULL; c += 2)
    if ((c == path || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
      return true;
  return false;
}
