#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define READ_BUF (256 * 1024)
#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

struct input
{
  int fd;
  struct sha256 *h;
  long long size;
  char *buf;
};

struct diff_stream
{
  struct archive *raw;
  struct sha256 *h;
  long long size, max;
  const struct input *in; /* for the ratio */
  bool refused;           /* over a limit: do not decompress the rest */
  char why[160];
  char *buf;
};

struct dir_fixup
{
  char *path;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  struct timespec times[2];
};

struct unpacker
{
  int rootfd;
  const struct unpack_opts *opts;
  char *cached_dir; /* the parent directory resolved last … */
  int cached_fd;    /* … and its fd, since tar entries come grouped */
  struct dir_fixup *dirs;
  size_t n_dirs;
  bool noticed_devices, noticed_xattrs;
  bool oci_whiteouts;
  long long entries, max_entries;
};

static la_ssize_t
input_read (struct archive *a, void *arg, const void **buf)
{
  struct input *in = arg;
  ssize_t n;

  do
    n = read (in->fd, in->buf, READ_BUF);
  while (n < 0 && errno == EINTR && !cl_interrupted);
  if (n < 0)
    {
      archive_set_error (a, errno, "read layer stream");
      return -1;
    }
  sha256_update (in->h, in->buf, (size_t)n);
  in->size += n;
  *buf = in->buf;
  return n;
}

/* A hostile layer stops here, before it fills the disk; `why` says so. */
static bool
diff_within_limits (struct diff_stream *d)
{
  long long in = d->in->size > 0 ? d->in->size : 1;

  if (d->size > d->max)
    snprintf (d->why, sizeof d->why, "layer decompresses to more than %lld bytes (the limit)",
              d->max);
  else if (d->size > LAYER_RATIO_FLOOR && d->size / in > LAYER_MAX_RATIO)
    snprintf (d->why, sizeof d->why,
              "layer decompresses to more than %lld times its compressed size "
              "(%lld bytes from %lld): a decompression bomb",
              LAYER_MAX_RATIO, d->size, d->in->size);
  else
    return true;
  d->refused = true;
  return false;
}

/* Feeds the tar reader with the decompressed bytes, hashing them. */
static la_ssize_t
diff_read (struct archive *a, void *arg, const void **buf)
{
  struct diff_stream *d = arg;
  la_ssize_t n = archive_read_data (d->raw, d->buf, READ_BUF);

  if (n < 0)
    {
      archive_set_error (a, archive_errno (d->raw), "%s", archive_error_string (d->raw));
      return -1;
    }
  sha256_update (d->h, d->buf, (size_t)n);
  d->size += n;
  *buf = d->buf;
  if (diff_within_limits (d))
    return n;
  archive_set_error (a, -1, "%s", d->why);
  return -1;
}

int
unpack_clean_path (const char *name, char *out, size_t outlen)
{
  size_t used = 0;
  int count = 0;
  const char *p = name;

  while (*p)
    {
      const char *end = strchr (p, '/');
      size_t n = end ? (size_t)(end - p) : strlen (p);
      if (n == 2 && p[0] == '.' && p[1] == '.')
        return -1;
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          if (used + n + 2 > outlen)
            return -1;
          if (used)
            out[used++] = '/';
          memcpy (out + used, p, n);
          used += n;
          count++;
        }
      p += n;
      if (*p == '/')
        p++;
    }
  out[used] = '\0';
  return count;
}

/* Open (creating as needed) the directory `rel` below the root, one
   component at a time with O_NOFOLLOW: a symlink anywhere on the way is an
   error, so no entry can be steered outside the layer. */
static int
open_dir_beneath (struct unpacker *u, const char *rel, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (rel);
  cleanup_close int fd = dup (u->rootfd);
  char *save = NULL;

  if (fd < 0)
    return cl_fail (err, errno, "dup");
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      int next = openat (fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0 && errno == ENOENT)
        {
          if (mkdirat (fd, c, 0755) < 0 && errno != EEXIST)
            return cl_fail (err, errno, "mkdir %s", rel);
          next = openat (fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      if (next < 0 && (errno == ELOOP || errno == ENOTDIR))
        return cl_fail (err, 0,
                        "\"%s\" goes through a symlink or a non-directory "
                        "(refusing to write outside the layer)",
                        rel);
      if (next < 0)
        return cl_fail (err, errno, "open %s", rel);
      close (fd);
      fd = next;
    }
  return steal_fd (&fd);
}

/* The parent directory fd of `path` (clean, relative); borrowed. */
static int
parent_fd (struct unpacker *u, const char *path, const char **base, struct cl_error *err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *dir = slash ? xstrndup (path, (size_t)(slash - path)) : xstrdup ("");

  *base = slash ? slash + 1 : path;
  if (u->cached_dir && strcmp (u->cached_dir, dir) == 0)
    return u->cached_fd;
  if (u->cached_fd >= 0)
    close (u->cached_fd);
  free (u->cached_dir);
  u->cached_dir = NULL;
  u->cached_fd = open_dir_beneath (u, dir, err);
  if (u->cached_fd < 0)
    return -1;
  u->cached_dir = steal_pointer (&dir);
  return u->cached_fd;
}

/* Make room for a new entry: a later entry replaces an earlier one, except
   that a directory over a directory merges. */
static int
clear_slot (int dfd, const char *base, bool want_dir, struct cl_error *err)
{
  struct stat st;

  if (fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "stat %s", base);
  if (want_dir && S_ISDIR (st.st_mode))
    return 1;
  return rm_rf_at (dfd, base, err);
}

static void
notice_once (struct unpacker *u, bool *flag, const char *msg)
{
  if (*flag || !u->opts->notice)
    return;
  *flag = true;
  u->opts->notice (msg, u->opts->notice_arg);
}

/* The filesystem under the store will not hold overlay whiteouts (the
   store itself on overlayfs, as inside another container). */
static bool
overlay_refused (int e)
{
  return e == EPERM || e == EOPNOTSUPP || e == EINVAL || e == ENOTSUP;
}

/* Keep the OCI form (an empty .wh. file) for the flattening snapshots,
   which are the only kind such a store can mount anyway. */
static int
keep_oci_marker (struct unpacker *u, int dfd, const char *path, const char *base,
                 struct cl_error *err)
{
  int fd = openat (dfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "whiteout %s", path);
  close (fd);
  u->oci_whiteouts = true;
  return 0;
}

static int
apply_whiteout (struct unpacker *u, int dfd, const char *path, const char *base,
                struct cl_error *err)
{
  const char *victim = base + strlen (WHITEOUT_PREFIX);
  char attr[64];

  if (strcmp (base, OPAQUE_MARKER) == 0)
    {
      snprintf (attr, sizeof attr, "%s.overlay.opaque", u->opts->user_xattrs ? "user" : "trusted");
      if (fsetxattr (dfd, attr, "y", 1, 0) == 0)
        return 0;
      if (!overlay_refused (errno))
        return cl_fail (err, errno, "mark %s opaque", path);
      return keep_oci_marker (u, dfd, path, base, err);
    }
  if (str_has_prefix (victim, ".wh.")) /* aufs metadata (.wh..wh.plnk…) */
    return 0;
  if (*victim == '\0' || strcmp (victim, ".") == 0 || strcmp (victim, "..") == 0)
    return cl_fail (err, 0, "whiteout \"%s\" names no file in its directory", path);
  if (clear_slot (dfd, victim, false, err) < 0)
    return -1;
  /* A 0/0 character device is overlayfs' whiteout; the kernel lets
     unprivileged users make this one device (Linux 5.8+). */
  if (mknodat (dfd, victim, S_IFCHR | 0, makedev (0, 0)) == 0)
    return 0;
  if (!overlay_refused (errno))
    return cl_fail (err, errno, "whiteout %s", path);
  return keep_oci_marker (u, dfd, path, base, err);
}

static bool
is_overlay_xattr (const char *name)
{
  return str_has_prefix (name, "trusted.overlay.") || str_has_prefix (name, "user.overlay.");
}

/* xattrs the kernel will not let us set here (trusted.* as a user,
   security.* without privilege) are dropped with one notice. */
static void
apply_xattrs (struct unpacker *u, int fd, struct archive_entry *e)
{
  const char *name;
  const void *value;
  size_t size;

  archive_entry_xattr_reset (e);
  while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    {
      /* A layer must not forge overlay metadata (opaque dirs, redirects). */
      if (is_overlay_xattr (name))
        continue;
      if (fsetxattr (fd, name, value, size, 0) < 0)
        notice_once (u, &u->noticed_xattrs, "some extended attributes could not be kept");
    }
}

static int
apply_owner_mode (struct unpacker *u, int fd, struct archive_entry *e, const char *path,
                  struct cl_error *err)
{
  if (u->opts->keep_owners
      && fchown (fd, (uid_t)archive_entry_uid (e), (gid_t)archive_entry_gid (e)) < 0)
    return cl_fail (err, errno, "chown %s to %lld:%lld", path, (long long)archive_entry_uid (e),
                    (long long)archive_entry_gid (e));
  /* After chown, which clears setuid/setgid. */
  if (fchmod (fd, archive_entry_perm (e)) < 0)
    return cl_fail (err, errno, "chmod %s", path);
  return 0;
}

static void
entry_times (struct archive_entry *e, struct timespec ts[2])
{
  ts[0].tv_sec = archive_entry_atime_is_set (e) ? archive_entry_atime (e) : archive_entry_mtime (e);
  ts[0].tv_nsec = archive_entry_atime_is_set (e) ? archive_entry_atime_nsec (e)
                                                 : archive_entry_mtime_nsec (e);
  ts[1].tv_sec = archive_entry_mtime (e);
  ts[1].tv_nsec = archive_entry_mtime_nsec (e);
}

static int
write_data (struct archive *a, struct archive_entry *e, int fd, const char *path,
            struct cl_error *err)
{
  const void *buf;
  size_t size;
  la_int64_t offset, end = archive_entry_size (e);
  int r;

  while ((r = archive_read_data_block (a, &buf, &size, &offset)) == ARCHIVE_OK)
    {
      const char *p = buf;
      while (size > 0)
        {
          ssize_t n = pwrite (fd, p, size, offset);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return cl_fail (err, errno, "write %s", path);
          p += n;
          offset += n;
          size -= (size_t)n;
        }
      if (offset > end)
        end = offset;
    }
  if (r != ARCHIVE_EOF)
    return cl_fail (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "read %s: %s", path,
                    archive_error_string (a));
  /* A sparse file may end in a hole: its size is the entry's, not where
     the last data block ends. */
  if (end < 0 || ftruncate (fd, end) < 0)
    return cl_fail (err, errno, "truncate %s", path);
  return 0;
}

static int
make_file (struct unpacker *u, struct archive *a, struct archive_entry *e, int dfd,
           const char *base, const char *path, struct cl_error *err)
{
  struct timespec ts[2];
  cleanup_close int fd
      = openat (dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "create %s", path);
  if (archive_entry_size (e) > 0 && write_data (a, e, fd, path, err) < 0)
    return -1;
  if (apply_owner_mode (u, fd, e, path, err) < 0)
    return -1;
  apply_xattrs (u, fd, e);
  entry_times (e, ts);
  futimens (fd, ts);
  return 0;
}

static int
make_hardlink (struct unpacker *u, struct archive_entry *e, int dfd, const char *base,
               const char *path, struct cl_error *err)
{
  char target[PATH_MAX];
  const char *tbase;
  int tfd;

  if (unpack_clean_path (archive_entry_hardlink (e), target, sizeof target) <= 0)
    return cl_fail (err, 0, "hard link \"%s\" points outside the layer (\"%s\")", path,
                    archive_entry_hardlink (e));
  /* dfd is the cached fd, which parent_fd may replace: keep our own. */
  {
    cleanup_close int own = dup (dfd);
    if (own < 0)
      return cl_fail (err, errno, "dup");
    tfd = parent_fd (u, target, &tbase, err);
    if (tfd < 0)
      return cl_wrap (err, "hard link %s", path);
    if (linkat (tfd, tbase, own, base, 0) < 0)
      return cl_fail (err, errno, "hard link %s to %s", path, target);
  }
  return 0;
}

static int
make_other (struct unpacker *u, struct archive_entry *e, int dfd, const char *base,
            const char *path, struct cl_error *err)
{
  mode_t type = archive_entry_filetype (e);
  struct timespec ts[2];

  entry_times (e, ts);
  if (type == AE_IFLNK)
    {
      /* A symlink header may carry no target at all (found by fuzz_tar). */
      if (!archive_entry_symlink (e))
        return cl_fail (err, 0, "symlink %s has no target", path);
      if (symlinkat (archive_entry_symlink (e), dfd, base) < 0)
        return cl_fail (err, errno, "symlink %s", path);
      if (u->opts->keep_owners
          && fchownat (dfd, base, (uid_t)archive_entry_uid (e), (gid_t)archive_entry_gid (e),
                       AT_SYMLINK_NOFOLLOW)
                 < 0)
        return cl_fail (err, errno, "chown %s", path);
      utimensat (dfd, base, ts, AT_SYMLINK_NOFOLLOW);
      return 0;
    }
  if ((type == AE_IFCHR || type == AE_IFBLK) && !u->opts->make_devices)
    {
      notice_once (u, &u->noticed_devices, "device nodes in the image are skipped (rootless)");
      return 0;
    }
  if (mknodat (dfd, base, type | archive_entry_perm (e), archive_entry_rdev (e)) < 0)
    return cl_fail (err, errno, "mknod %s", path);
  if (u->opts->keep_owners
      && fchownat (dfd, base, (uid_t)archive_entry_uid (e), (gid_t)archive_entry_gid (e),
                   AT_SYMLINK_NOFOLLOW)
             < 0)
    return cl_fail (err, errno, "chown %s", path);
  fchmodat (dfd, base, archive_entry_perm (e), 0);
  utimensat (dfd, base, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* Directories get their final mode, owner and times after every entry is
   in: a read-only directory must still take its children, and adding a
   child changes the mtime. */
static int
make_dir (struct unpacker *u, struct archive_entry *e, int dfd, const char *base, const char *path,
          struct cl_error *err)
{
  struct dir_fixup *f;

  if (*base && mkdirat (dfd, base, 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s", path);
  u->dirs = xrealloc (u->dirs, (u->n_dirs + 1) * sizeof *u->dirs);
  f = &u->dirs[u->n_dirs++];
  f->path = xstrdup (path);
  f->mode = archive_entry_perm (e);
  f->uid = (uid_t)archive_entry_uid (e);
  f->gid = (gid_t)archive_entry_gid (e);
  entry_times (e, f->times);
  return 0;
}

static int
fix_dirs (struct unpacker *u, struct cl_error *err)
{
  for (size_t i = u->n_dirs; i-- > 0;)
    {
      struct dir_fixup *f = &u->dirs[i];
      cleanup_close int fd = open_dir_beneath (u, f->path, err);
      if (fd < 0)
        return cl_wrap (err, "directory %s", f->path);
      if (u->opts->keep_owners && fchown (fd, f->uid, f->gid) < 0)
        return cl_fail (err, errno, "chown %s", f->path);
      if (fchmod (fd, f->mode) < 0)
        return cl_fail (err, errno, "chmod %s", f->path);
      futimens (fd, f->times);
    }
  return 0;
}

static int
unpack_entry (struct unpacker *u, struct archive *a, struct archive_entry *e, struct cl_error *err)
{
  char path[PATH_MAX];
  const char *base;
  mode_t type = archive_entry_filetype (e);
  int dfd, r;

  if (strlen (archive_entry_pathname (e)) >= sizeof path)
    return cl_fail (err, 0, "an entry name is %zu bytes long, at most %zu",
                    strlen (archive_entry_pathname (e)), sizeof path - 1);
  if (unpack_clean_path (archive_entry_pathname (e), path, sizeof path) < 0)
    return cl_fail (err, 0, "entry \"%s\" escapes the layer", archive_entry_pathname (e));
  if (++u->entries > u->max_entries)
    return cl_fail (err, 0, "layer holds more than %lld entries (the limit)", u->max_entries);
  if (*path == '\0')
    return type == AE_IFDIR ? make_dir (u, e, u->rootfd, "", "", err) : 0;
  dfd = parent_fd (u, path, &base, err);
  if (dfd < 0)
    return cl_wrap (err, "entry %s", path);
  if (str_has_prefix (base, WHITEOUT_PREFIX))
    return apply_whiteout (u, dfd, path, base, err);
  r = clear_slot (dfd, base, type == AE_IFDIR, err);
  if (r < 0)
    return -1;
  if (archive_entry_hardlink (e))
    return make_hardlink (u, e, dfd, base, path, err);
  if (type == AE_IFDIR)
    return make_dir (u, e, dfd, base, path, err);
  if (type == AE_IFREG)
    return make_file (u, a, e, dfd, base, path, err);
  return make_other (u, e, dfd, base, path, err);
}

static void
unpacker_clear (struct unpacker *u)
{
  if (u->cached_fd >= 0)
    close (u->cached_fd);
  free (u->cached_dir);
  for (size_t i = 0; i < u->n_dirs; i++)
    free (u->dirs[i].path);
  free (u->dirs);
}

static void
cleanup_archivep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}
#define cleanup_archive __attribute__ ((cleanup (cleanup_archivep)))

static int
unpack_entries (struct unpacker *u, struct archive *tar, struct cl_error *err)
{
  struct archive_entry *e;
  int r;

  while ((r = archive_read_next_header (tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      if (cl_check_interrupt (err) < 0 || unpack_entry (u, tar, e, err) < 0)
        return -1;
    }
  if (r != ARCHIVE_EOF)
    return cl_fail (err, archive_errno (tar) > 0 ? archive_errno (tar) : 0, "%s",
                    archive_error_string (tar) ? archive_error_string (tar) : "bad tar");
  return fix_dirs (u, err);
}

/* Whatever follows the tar's end blocks is still part of both digests. */
static void
drain (struct archive *raw, struct diff_stream *d, struct input *in)
{
  la_ssize_t n;
  char buf[65536];

  while (!d->refused && (n = archive_read_data (raw, d->buf, READ_BUF)) > 0)
    {
      sha256_update (d->h, d->buf, (size_t)n);
      d->size += n;
      diff_within_limits (d);
    }
  while ((n = read (in->fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      {
        sha256_update (in->h, buf, (size_t)n);
        in->size += n;
      }
}

static int
open_readers (struct input *in, struct diff_stream *d, struct archive **raw_out,
              struct archive **tar_out, struct cl_error *err)
{
  struct archive *raw = archive_read_new ();
  struct archive *tar = archive_read_new ();
  struct archive_entry *e;

  *raw_out = raw;
  *tar_out = tar;
  archive_read_support_filter_all (raw);
  archive_read_support_format_raw (raw);
  if (archive_read_open (raw, in, NULL, input_read, NULL) != ARCHIVE_OK
      || archive_read_next_header (raw, &e) != ARCHIVE_OK)
    return cl_fail (err, 0, "%s",
                    archive_error_string (raw) ? archive_error_string (raw)
                                               : "unreadable layer stream");
  d->raw = raw;
  archive_read_support_format_tar (tar);
  if (archive_read_open (tar, d, NULL, diff_read, NULL) != ARCHIVE_OK)
    return cl_fail (err, 0, "not a tar: %s", archive_error_string (tar));
  return 0;
}

int
unpack_layer (int fd, int destfd, const struct unpack_opts *opts, struct unpack_result *res,
              struct cl_error *err)
{
  cleanup_sha256 struct sha256 *hin = sha256_new ();
  cleanup_sha256 struct sha256 *hdiff = sha256_new ();
  cleanup_free char *inbuf = xmalloc (READ_BUF);
  cleanup_free char *diffbuf = xmalloc (READ_BUF);
  cleanup_archive struct archive *raw = NULL;
  cleanup_archive struct archive *tar = NULL;
  struct input in = { .fd = fd, .h = hin, .buf = inbuf };
  struct diff_stream d = { .h = hdiff, .buf = diffbuf, .in = &in };
  struct unpacker u = { .rootfd = destfd, .opts = opts, .cached_fd = -1 };
  int ret;

  memset (res, 0, sizeof *res);
  d.max = opts->max_bytes > 0 ? opts->max_bytes : LAYER_MAX_BYTES;
  u.max_entries = opts->max_entries > 0 ? opts->max_entries : LAYER_MAX_ENTRIES;
  ret = open_readers (&in, &d, &raw, &tar, err);
  if (ret == 0)
    ret = unpack_entries (&u, tar, err);
  /* Finish both digests even after a failure: a tampered blob is better
     reported as a digest mismatch than as the tar error it caused. */
  if (!cl_interrupted)
    drain (raw, &d, &in);
  if (ret == 0 && d.refused)
    ret = cl_fail (err, 0, "after the tar's end: %s", d.why);
  sha256_final (hin, res->digest);
  sha256_final (hdiff, res->diff_id);
  res->size = in.size;
  res->diff_size = d.size;
  res->entries = u.entries;
  res->oci_whiteouts = u.oci_whiteouts;
  unpacker_clear (&u);
  return ret;
}
