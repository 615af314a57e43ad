/* tree_digest: see treehash.h.  One fd per directory being listed (the
   names are read, then the fd is closed), so a deep tree cannot run out of
   descriptors; every open is relative to the tree's root fd, O_NOFOLLOW. */
#include "treehash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

#define HASH_BUF (128 * 1024)

struct walk
{
  int rootfd;
  struct sha256 *h;
  char *buf; /* HASH_BUF bytes for file contents */
};

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The sorted names in directory `rel` ("" is the root). */
static int
list_dir (struct walk *w, const char *rel, char ***out, size_t *n, struct cl_error *err)
{
  int fd = openat (w->rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  char **names = NULL;
  size_t len = 0;
  struct dirent *de;

  if (!d)
    {
      if (fd >= 0)
        close (fd);
      return cl_fail (err, errno, "open /%s", rel);
    }
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      names = xrealloc (names, (len + 1) * sizeof *names);
      names[len++] = xstrdup (de->d_name);
    }
  qsort (names, len, sizeof *names, compare_names);
  *out = names;
  *n = len;
  return 0;
}

static int
hash_contents (struct walk *w, const char *rel, struct cl_error *err)
{
  cleanup_close int fd = openat (w->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  ssize_t r;

  if (fd < 0)
    return cl_fail (err, errno, "open /%s", rel);
  while ((r = read (fd, w->buf, HASH_BUF)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return cl_fail (err, errno, "read /%s", rel);
      sha256_update (w->h, w->buf, (size_t)r);
    }
  return 0;
}

static int walk_dir (struct walk *w, const char *rel, struct cl_error *err);

/* One entry: a header line, then what its type holds. */
static int
hash_entry (struct walk *w, const char *rel, struct cl_error *err)
{
  struct stat st;
  char head[256], target[4096];
  ssize_t n;

  if (fstatat (w->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "stat /%s", rel);
  sha256_update (w->h, rel, strlen (rel) + 1);
  snprintf (head, sizeof head, "%o %o %u:%u %lld %u,%u", (unsigned)(st.st_mode & S_IFMT),
            (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid,
            S_ISREG (st.st_mode) ? (long long)st.st_size : 0LL, major (st.st_rdev),
            minor (st.st_rdev));
  sha256_update (w->h, head, strlen (head) + 1);
  if (S_ISREG (st.st_mode))
    return hash_contents (w, rel, err);
  if (S_ISLNK (st.st_mode))
    {
      n = readlinkat (w->rootfd, rel, target, sizeof target);
      if (n < 0)
        return cl_fail (err, errno, "readlink /%s", rel);
      sha256_update (w->h, target, (size_t)n);
      sha256_update (w->h, "", 1);
      return 0;
    }
  return S_ISDIR (st.st_mode) ? walk_dir (w, rel, err) : 0;
}

static int
walk_dir (struct walk *w, const char *rel, struct cl_error *err)
{
  char **names = NULL;
  size_t n = 0;
  int ret = 0;

  if (list_dir (w, rel, &names, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      char *child = *rel ? xasprintf ("%s/%s", rel, names[i]) : xstrdup (names[i]);
      if (ret == 0)
        ret = hash_entry (w, child, err);
      free (child);
      free (names[i]);
    }
  free (names);
  return ret;
}

int
tree_digest (int dirfd, char out[DIGEST_STR_LEN + 1], struct cl_error *err)
{
  cleanup_sha256 struct sha256 *h = sha256_new ();
  cleanup_free char *buf = xmalloc (HASH_BUF);
  struct walk w = { .rootfd = dirfd, .h = h, .buf = buf };

  if (walk_dir (&w, "", err) < 0)
    return -1;
  sha256_final (h, out);
  return 0;
}
