/* `cp`'s engine (copytree.h): entries walked from a directory or read
   from a tar, put into a directory or a tar.  Nothing is ever written
   through an existing file: a file in the way is unlinked and made anew,
   so a hard-link farm's shared layer file or a symlink planted by the
   container is replaced, never written through. */
#include "copytree.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unpack.h"
#include "util.h"

/* Deeper trees are refused rather than run out of fds. */
#define COPY_MAX_DEPTH 128

struct copy_sink
{
  int dirfd; /* a directory sink: where entries go (not owned) */
  struct copy_opts opts;
  struct archive *tar; /* a tar sink */
};

/* One entry on its way: `path` relative to the sink ("a/b"); the data of
   a regular file from `fd` or from the archive being read. */
struct entry
{
  const char *path;
  struct stat st;
  const char *link;     /* a symlink's target */
  const char *hardlink; /* a tar's hard link: the path it names */
  int fd;
  struct archive *from;
};

struct copy_sink *
copy_sink_dir (int dirfd, const struct copy_opts *opts)
{
  struct copy_sink *k = xcalloc (1, sizeof *k);

  k->dirfd = dirfd;
  if (opts)
    k->opts = *opts;
  return k;
}

int
copy_sink_tar (int fd, struct copy_sink **out, struct cl_error *err)
{
  struct copy_sink *k = xcalloc (1, sizeof *k);

  k->dirfd = -1;
  k->tar = archive_write_new ();
  if (!k->tar || archive_write_set_format_pax_restricted (k->tar) != ARCHIVE_OK
      || archive_write_open_fd (k->tar, fd) != ARCHIVE_OK)
    {
      cl_fail (err, 0, "tar stream: %s", k->tar ? archive_error_string (k->tar) : "no memory");
      copy_sink_free (k);
      return -1;
    }
  *out = k;
  return 0;
}

void
copy_sink_free (struct copy_sink *k)
{
  if (!k)
    return;
  if (k->tar)
    archive_write_free (k->tar);
  free (k);
}

void
cleanup_copy_sinkp (struct copy_sink **k)
{
  copy_sink_free (*k);
}

int
copy_sink_close (struct copy_sink *k, struct cl_error *err)
{
  int r = 0;

  if (k->tar && archive_write_close (k->tar) != ARCHIVE_OK)
    r = cl_fail (err, 0, "tar stream: %s", archive_error_string (k->tar));
  copy_sink_free (k);
  return r;
}

void
copy_split_path (const char *path, char **parent, char **base)
{
  size_t n = strlen (path);
  const char *slash;

  while (n > 1 && path[n - 1] == '/')
    n--;
  {
    cleanup_free char *p = xstrndup (path, n);
    slash = strrchr (p, '/');
    if (!slash)
      {
        *parent = xstrdup (".");
        *base = xstrdup (p);
      }
    else if (slash == p)
      {
        *parent = xstrdup ("/");
        *base = xstrdup (p[1] ? p + 1 : "/");
      }
    else
      {
        *parent = xstrndup (p, (size_t)(slash - p));
        *base = xstrdup (slash + 1);
      }
  }
}

/* The directory holding `path` under the sink's directory, each
   component opened with O_NOFOLLOW; *base points into path. */
static int
sink_parent (const struct copy_sink *k, const char *path, const char **base, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int fd = fcntl (k->dirfd, F_DUPFD_CLOEXEC, 3);
  char *slash = strrchr (copy, '/'), *save = NULL;

  *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  if (fd < 0)
    return cl_fail (err, errno, "dup");
  if (!slash)
    return steal_fd (&fd);
  *slash = '\0';
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      int next = openat (fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return cl_fail (err, errno == ELOOP ? ENOTDIR : errno, "%s: a component is not a directory",
                        path);
      close (fd);
      fd = next;
    }
  return steal_fd (&fd);
}

/* Clear the way for a non-directory: whatever is there goes (a
   directory only when empty, as tar does). */
static int
clear_name (int dfd, const char *name, const char *path, struct cl_error *err)
{
  if (unlinkat (dfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno == EISDIR && unlinkat (dfd, name, AT_REMOVEDIR) == 0)
    return 0;
  if (errno == ENOTEMPTY || errno == EEXIST || errno == EISDIR)
    return cl_fail (err, EISDIR, "cannot overwrite directory %s with a non-directory", path);
  return cl_fail (err, errno, "remove %s", path);
}

static int
put_data (int out, const struct entry *e, struct cl_error *err)
{
  char buf[65536];

  for (;;)
    {
      ssize_t n
          = e->from ? archive_read_data (e->from, buf, sizeof buf) : read (e->fd, buf, sizeof buf);
      if (n < 0 && !e->from && errno == EINTR)
        continue;
      if (n < 0)
        return e->from ? cl_fail (err, 0, "%s: %s", e->path, archive_error_string (e->from))
                       : cl_fail (err, errno, "read %s", e->path);
      if (n == 0)
        return 0;
      if (write_all (out, buf, (size_t)n, err) < 0)
        return cl_wrap (err, "write %s", e->path);
    }
}

static int
put_dir (int dfd, const char *name, const struct entry *e, bool keep_owners, struct cl_error *err)
{
  cleanup_close int fd = -1;
  struct stat st;

  if (mkdirat (dfd, name, 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s", e->path);
  if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "stat %s", e->path);
  if (!S_ISDIR (st.st_mode))
    return cl_fail (err, ENOTDIR, "cannot overwrite non-directory %s with a directory", e->path);
  fd = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fchmod (fd, e->st.st_mode & (keep_owners ? 07777 : 01777)) < 0)
    return cl_fail (err, errno, "chmod %s", e->path);
  return 0;
}

/* Without -a the file is the writer's: a set-id bit would make it the
   writer's set-id program (a container's file copied out by root). */
static int
put_file (int dfd, const char *name, const struct entry *e, bool keep_owners, struct cl_error *err)
{
  cleanup_close int fd = -1;
  struct timespec times[2] = { e->st.st_atim, e->st.st_mtim };
  mode_t mode = e->st.st_mode & (keep_owners ? 07777 : 01777);

  if (clear_name (dfd, name, e->path, err) < 0)
    return -1;
  fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return cl_fail (err, errno, "create %s", e->path);
  if (put_data (fd, e, err) < 0)
    return -1;
  if (fchmod (fd, mode) < 0 || futimens (fd, times) < 0)
    return cl_fail (err, errno, "set the mode of %s", e->path);
  return 0;
}

static int
put_hardlink (const struct copy_sink *k, int dfd, const char *name, const struct entry *e,
              struct cl_error *err)
{
  char target[PATH_MAX];
  const char *tbase;
  cleanup_close int tfd = -1;

  if (unpack_clean_path (e->hardlink, target, sizeof target) <= 0)
    return cl_fail (err, 0, "hard link %s points outside (\"%s\")", e->path, e->hardlink);
  if ((tfd = sink_parent (k, target, &tbase, err)) < 0 || clear_name (dfd, name, e->path, err) < 0)
    return -1;
  if (linkat (tfd, tbase, dfd, name, 0) < 0)
    return cl_fail (err, errno, "hard link %s to %s", e->path, target);
  return 0;
}

static int
put_entry_dir (const struct copy_sink *k, const struct entry *e, struct cl_error *err)
{
  const char *name;
  cleanup_close int dfd = sink_parent (k, e->path, &name, err);
  int r;

  if (dfd < 0)
    return -1;
  if (e->hardlink)
    return put_hardlink (k, dfd, name, e, err);
  if (S_ISDIR (e->st.st_mode))
    r = put_dir (dfd, name, e, k->opts.keep_owners, err);
  else if (S_ISREG (e->st.st_mode))
    r = put_file (dfd, name, e, k->opts.keep_owners, err);
  else if (S_ISLNK (e->st.st_mode))
    {
      if (clear_name (dfd, name, e->path, err) < 0)
        return -1;
      r = symlinkat (e->link, dfd, name) < 0 ? cl_fail (err, errno, "symlink %s", e->path) : 0;
    }
  else
    return 0; /* devices, FIFOs, sockets: not copied */
  if (r == 0 && k->opts.keep_owners
      && fchownat (dfd, name, e->st.st_uid, e->st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "chown %s to %u:%u", e->path, (unsigned)e->st.st_uid,
                    (unsigned)e->st.st_gid);
  return r;
}

static int
put_entry_tar (const struct copy_sink *k, const struct entry *e, struct cl_error *err)
{
  struct archive_entry *ae = archive_entry_new ();
  int r = 0;

  archive_entry_copy_stat (ae, &e->st);
  archive_entry_set_pathname (ae, e->path);
  if (S_ISLNK (e->st.st_mode))
    archive_entry_set_symlink (ae, e->link);
  if (!S_ISREG (e->st.st_mode))
    archive_entry_set_size (ae, 0);
  if (archive_write_header (k->tar, ae) != ARCHIVE_OK)
    r = cl_fail (err, 0, "tar %s: %s", e->path, archive_error_string (k->tar));
  archive_entry_free (ae);
  if (r < 0 || !S_ISREG (e->st.st_mode))
    return r;
  for (;;)
    {
      char buf[65536];
      ssize_t n = read (e->fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "read %s", e->path);
      if (n == 0)
        return 0;
      if (archive_write_data (k->tar, buf, (size_t)n) != n)
        return cl_fail (err, 0, "tar %s: %s", e->path, archive_error_string (k->tar));
    }
}

static int
put_entry (const struct copy_sink *k, const struct entry *e, struct cl_error *err)
{
  return k->tar ? put_entry_tar (k, e, err) : put_entry_dir (k, e, err);
}

static int walk (int fd, const struct stat *st, const char *path, struct copy_sink *k, int depth,
                 struct cl_error *err);

static int
walk_children (int dirfd, const char *path, struct copy_sink *k, int depth, struct cl_error *err)
{
  int dup_fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;

  if (!d)
    {
      if (dup_fd >= 0)
        close (dup_fd);
      return cl_fail (err, errno, "read directory %s", path);
    }
  while ((errno = 0, de = readdir (d)))
    {
      cleanup_free char *sub = NULL;
      cleanup_close int fd = -1;
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      sub = strcmp (path, ".") == 0 ? xstrdup (de->d_name) : xasprintf ("%s/%s", path, de->d_name);
      fd = openat (dirfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT)
        continue; /* gone meanwhile */
      if (fd < 0 || fstat (fd, &st) < 0)
        return cl_fail (err, errno, "open %s", sub);
      if (walk (fd, &st, sub, k, depth + 1, err) < 0)
        return -1;
    }
  if (errno)
    return cl_fail (err, errno, "read directory %s", path);
  return 0;
}

/* Reopen an O_PATH fd for reading, checking it is still what was seen
   (a FIFO swapped in would hang us). */
static int
reopen_file (int fd, const struct stat *st, const char *path, struct cl_error *err)
{
  char proc[64];
  cleanup_close int rfd = -1;
  struct stat now;

  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  rfd = open (proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (rfd < 0 || fstat (rfd, &now) < 0)
    return cl_fail (err, errno, "open %s", path);
  if (!S_ISREG (now.st_mode) || now.st_ino != st->st_ino || now.st_dev != st->st_dev)
    return cl_fail (err, 0, "%s changed while it was copied", path);
  return steal_fd (&rfd);
}

static int
walk (int fd, const struct stat *st, const char *path, struct copy_sink *k, int depth,
      struct cl_error *err)
{
  char link[PATH_MAX];
  struct entry e = { .path = path, .st = *st, .fd = -1 };
  cleanup_close int rfd = -1;
  cleanup_close int dfd = -1;

  if (depth > COPY_MAX_DEPTH)
    return cl_fail (err, 0, "%s: more than %d directories deep", path, COPY_MAX_DEPTH);
  if (S_ISLNK (st->st_mode))
    {
      ssize_t n = readlinkat (fd, "", link, sizeof link - 1);
      if (n < 0)
        return cl_fail (err, errno, "readlink %s", path);
      link[n] = '\0';
      e.link = link;
    }
  else if (S_ISREG (st->st_mode))
    {
      if ((rfd = reopen_file (fd, st, path, err)) < 0)
        return -1;
      e.fd = rfd;
    }
  else if (S_ISDIR (st->st_mode))
    {
      dfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0)
        return cl_fail (err, errno, "open %s", path);
    }
  /* "." : a directory's entries go straight into the sink. */
  if (strcmp (path, ".") != 0 && put_entry (k, &e, err) < 0)
    return -1;
  return dfd >= 0 ? walk_children (dfd, path, k, depth, err) : 0;
}

int
copy_tree (int fd, const char *name, struct copy_sink *k, struct cl_error *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return cl_fail (err, errno, "stat %s", name);
  if (strcmp (name, ".") == 0 && !S_ISDIR (st.st_mode))
    return cl_fail (err, ENOTDIR, "not a directory");
  return walk (fd, &st, name, k, 0, err);
}

static void
cleanup_archive_readp (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* One tar entry, its path cleaned (no "..", no leading "/"). */
static int
tar_entry (struct archive *ar, struct archive_entry *ae, struct copy_sink *k, struct cl_error *err)
{
  char path[PATH_MAX];
  const char *name = archive_entry_pathname (ae);
  struct entry e = { .path = path, .fd = -1, .from = ar };

  if (!name || unpack_clean_path (name, path, sizeof path) < 0)
    return cl_fail (err, 0, "tar entry \"%s\" leads outside the destination", name ? name : "");
  if (!path[0])
    return 0; /* "./" itself */
  e.st = *archive_entry_stat (ae);
  e.link = archive_entry_symlink (ae);
  e.hardlink = archive_entry_hardlink (ae);
  if (S_ISLNK (e.st.st_mode) && !e.link)
    return cl_fail (err, 0, "tar entry %s: a symlink without a target", path);
  return put_entry (k, &e, err);
}

int
copy_from_tar (int fd, struct copy_sink *k, struct cl_error *err)
{
  __attribute__ ((cleanup (cleanup_archive_readp))) struct archive *ar = archive_read_new ();
  struct archive_entry *ae;
  int r;

  archive_read_support_filter_all (ar);
  archive_read_support_format_tar (ar);
  if (archive_read_open_fd (ar, fd, 65536) != ARCHIVE_OK)
    return cl_fail (err, 0, "tar stream: %s", archive_error_string (ar));
  while ((r = archive_read_next_header (ar, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    if (tar_entry (ar, ae, k, err) < 0)
      return -1;
  if (r != ARCHIVE_EOF)
    return cl_fail (err, 0, "tar stream: %s", archive_error_string (ar));
  return 0;
}
