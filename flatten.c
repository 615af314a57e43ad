#include "flatten.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define OCI_WHITEOUT ".wh."
#define OCI_OPAQUE ".wh..wh..opq"

/* A file of the current layer with more than one link, and where its
   first copy went, so that its other names become links to that copy. */
struct seen_inode
{
  dev_t dev;
  ino_t ino;
  char *path; /* relative to the destination root */
};

struct flattener
{
  enum flatten_mode mode;
  bool no_devices; /* a volume's copy-up: device nodes are left out */
  int destfd;
  uid_t euid;
  gid_t egid;
  struct seen_inode *seen;
  size_t n_seen;
};

static int walk (struct flattener *f, int src, int dst, const char *rel, struct cl_error *err);

static bool
is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == 0;
}

static bool
is_overlay_xattr (const char *name)
{
  return str_has_prefix (name, "trusted.overlay.") || str_has_prefix (name, "user.overlay.");
}

/* Overlay's xattr, or the OCI marker a store on a filesystem that
   refuses overlay metadata keeps instead (see unpack.c). */
static bool
is_opaque (int dfd)
{
  char v[2];

  return (fgetxattr (dfd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
         || (fgetxattr (dfd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
         || faccessat (dfd, OCI_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* An OCI whiteout file: remove what the layers below have under the
   name, unless this layer has that name too (a whiteout only hides
   lower layers). */
static int
oci_whiteout (int src, int dst, const char *name, struct cl_error *err)
{
  const char *victim = name + strlen (OCI_WHITEOUT);

  if (str_has_prefix (victim, OCI_WHITEOUT) || *victim == '\0'
      || faccessat (src, victim, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  return rm_rf_at (dst, victim, err);
}

/* Best effort, as in unpack: the kernel refuses some namespaces here
   (trusted.* for a user) and the file is still right without them. */
static void
copy_xattrs (int src, int dst)
{
  char names[8192], value[8192];
  ssize_t n = flistxattr (src, names, sizeof names);

  for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen (names + off) + 1)
    {
      ssize_t len;
      if (is_overlay_xattr (names + off))
        continue;
      len = fgetxattr (src, names + off, value, sizeof value);
      if (len >= 0)
        (void)fsetxattr (dst, names + off, value, (size_t)len, 0);
    }
}

/* Owner before mode: chown clears setuid bits.  A new file is ours; a
   directory may be a lower layer's (`have`), and the upper one's wins. */
static int
set_meta_have (const struct flattener *f, int fd, const struct stat *st, const struct stat *have,
               struct cl_error *err)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  uid_t uid = have ? have->st_uid : f->euid;
  gid_t gid = have ? have->st_gid : f->egid;

  if ((st->st_uid != uid || st->st_gid != gid) && fchown (fd, st->st_uid, st->st_gid) < 0)
    return cl_fail (err, errno, "chown to %u:%u", st->st_uid, st->st_gid);
  if (fchmod (fd, st->st_mode & 07777) < 0 || futimens (fd, times) < 0)
    return cl_fail (err, errno, "set mode and times");
  return 0;
}

static int
set_meta (const struct flattener *f, int fd, const struct stat *st, struct cl_error *err)
{
  return set_meta_have (f, fd, st, NULL, err);
}

static int
copy_data (int src, int dst, struct cl_error *err)
{
  char buf[65536];
  ssize_t n;

  if (ioctl (dst, FICLONE, src) == 0)
    return 0;
  while ((n = copy_file_range (src, NULL, dst, NULL, 1 << 30, 0)) > 0)
    ;
  if (n == 0)
    return 0;
  if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
    return cl_fail (err, errno, "copy");
  while ((n = read (src, buf, sizeof buf)) > 0)
    if (write_all (dst, buf, (size_t)n, err) < 0)
      return -1;
  return n < 0 ? cl_fail (err, errno, "read") : 0;
}

static int
copy_file (struct flattener *f, int srcdir, int dstdir, const char *name, const struct stat *st,
           struct cl_error *err)
{
  cleanup_close int src = openat (srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int dst = -1;

  if (src < 0)
    return cl_fail (err, errno, "open %s", name);
  dst = openat (dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst < 0)
    return cl_fail (err, errno, "create %s", name);
  if (copy_data (src, dst, err) < 0)
    return cl_wrap (err, "%s", name);
  copy_xattrs (src, dst);
  return set_meta (f, dst, st, err) < 0 ? cl_wrap (err, "%s", name) : 0;
}

static struct seen_inode *
find_seen (struct flattener *f, const struct stat *st)
{
  for (size_t i = 0; i < f->n_seen; i++)
    if (f->seen[i].dev == st->st_dev && f->seen[i].ino == st->st_ino)
      return &f->seen[i];
  return NULL;
}

static void
forget_seen (struct flattener *f)
{
  for (size_t i = 0; i < f->n_seen; i++)
    free (f->seen[i].path);
  free (f->seen);
  f->seen = NULL;
  f->n_seen = 0;
}

/* A regular file: a link into the layer, or a copy (one copy per inode of
   the layer, its other names linked to it). */
static int
put_file (struct flattener *f, int srcdir, int dstdir, const char *rel, const char *name,
          const struct stat *st, struct cl_error *err)
{
  struct seen_inode *s;

  if (f->mode == FLATTEN_HARDLINK)
    {
      if (linkat (srcdir, name, dstdir, name, 0) == 0)
        return 0;
      /* Another filesystem, a link limit, protected_hardlinks: copy. */
      if (errno != EXDEV && errno != EMLINK && errno != EPERM)
        return cl_fail (err, errno, "link %s", name);
    }
  if (st->st_nlink > 1 && (s = find_seen (f, st))
      && linkat (f->destfd, s->path, dstdir, name, 0) == 0)
    return 0;
  if (copy_file (f, srcdir, dstdir, name, st, err) < 0)
    return -1;
  if (st->st_nlink > 1)
    {
      f->seen = xrealloc (f->seen, (f->n_seen + 1) * sizeof *f->seen);
      f->seen[f->n_seen++]
          = (struct seen_inode){ st->st_dev, st->st_ino, xasprintf ("%s%s", rel, name) };
    }
  return 0;
}

static int
put_symlink (const struct flattener *f, int srcdir, int dstdir, const char *name,
             const struct stat *st, struct cl_error *err)
{
  char target[PATH_MAX];
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  ssize_t n = readlinkat (srcdir, name, target, sizeof target - 1);

  if (n < 0)
    return cl_fail (err, errno, "readlink %s", name);
  target[n] = '\0';
  if (symlinkat (target, dstdir, name) < 0)
    return cl_fail (err, errno, "symlink %s", name);
  if ((st->st_uid != f->euid || st->st_gid != f->egid)
      && fchownat (dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "chown %s", name);
  utimensat (dstdir, name, times, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* A directory merges with the one below unless it is opaque; the upper
   layer's owner, mode and times win, set after its entries so that the
   walk can write into it whatever its mode. */
static int
put_dir (struct flattener *f, int srcdir, int dstdir, const char *rel, const char *name,
         const struct stat *st, struct cl_error *err)
{
  cleanup_close int src = openat (srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int dst = -1;
  cleanup_free char *sub = xasprintf ("%s%s/", rel, name);
  struct stat have;

  if (src < 0)
    return cl_fail (err, errno, "open %s%s", rel, name);
  if (fstatat (dstdir, name, &have, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (have.st_mode)
      && rm_rf_at (dstdir, name, err) < 0)
    return -1;
  if (mkdirat (dstdir, name, 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s%s", rel, name);
  dst = openat (dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0 || fstat (dst, &have) < 0 || fchmod (dst, 0700) < 0)
    return cl_fail (err, errno, "open %s%s", rel, name);
  if (is_opaque (src) && rm_dir_contents (dst, err) < 0)
    return -1;
  if (walk (f, src, dst, sub, err) < 0)
    return -1;
  copy_xattrs (src, dst);
  return set_meta_have (f, dst, st, &have, err) < 0 ? cl_wrap (err, "%s%s", rel, name) : 0;
}

static int
put_entry (struct flattener *f, int src, int dst, const char *rel, const char *name,
           struct cl_error *err)
{
  struct stat st;

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "stat %s%s", rel, name);
  if (S_ISREG (st.st_mode) && str_has_prefix (name, OCI_WHITEOUT))
    return oci_whiteout (src, dst, name, err);
  if (S_ISDIR (st.st_mode))
    return put_dir (f, src, dst, rel, name, &st, err);
  /* Anything else replaces what the layers below had under this name. */
  if (rm_rf_at (dst, name, err) < 0)
    return -1;
  if (is_whiteout (&st))
    return 0;
  if (S_ISREG (st.st_mode))
    return put_file (f, src, dst, rel, name, &st, err);
  if (S_ISLNK (st.st_mode))
    return put_symlink (f, src, dst, name, &st, err);
  /* FIFOs, sockets, devices: a user namespace may not make devices, and
     unpack skipped them there already. */
  if (f->no_devices && (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
    return 0;
  if (mknodat (dst, name, st.st_mode, st.st_rdev) < 0 && errno != EPERM)
    return cl_fail (err, errno, "mknod %s%s", rel, name);
  return 0;
}

static int
walk (struct flattener *f, int src, int dst, const char *rel, struct cl_error *err)
{
  cleanup_dir DIR *d = dir_stream (src);
  struct dirent *de;

  if (!d)
    return cl_fail (err, errno, "list %s", rel[0] ? rel : "/");
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0
        && put_entry (f, src, dst, rel, de->d_name, err) < 0)
      return -1;
  return 0;
}

static int
apply_layer (struct flattener *f, int layers_fd, const char *layer, struct cl_error *err)
{
  cleanup_close int src
      = openat (layers_fd, layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st, have;
  int r;

  if (src < 0 || fstat (src, &st) < 0 || fstat (f->destfd, &have) < 0)
    return cl_fail (err, errno, "open layer %s", layer);
  r = walk (f, src, f->destfd, "", err);
  forget_seen (f);
  if (r < 0)
    return cl_wrap (err, "layer %s", layer);
  return set_meta_have (f, f->destfd, &st, &have, err);
}

int
flatten_layers (int layers_fd, char *const *layers, size_t n, int destfd, enum flatten_mode mode,
                struct cl_error *err)
{
  struct flattener f = { .mode = mode, .destfd = destfd, .euid = geteuid (), .egid = getegid () };

  for (size_t i = 0; i < n; i++)
    if (apply_layer (&f, layers_fd, layers[i], err) < 0)
      return -1;
  return 0;
}

/* How `path` looks in one layer; for the DIR ones *fd is open on it. */
enum layer_view
{
  VIEW_ABSENT, /* the layers below show through */
  VIEW_DIR,
  VIEW_DIR_OPAQUE, /* a directory that hides the layers below */
  VIEW_HIDDEN,     /* no directory here, and the layers below do not show */
};

static bool
whited_out (int dfd, const char *name)
{
  cleanup_free char *wh = xasprintf ("%s%s", OCI_WHITEOUT, name);

  return faccessat (dfd, wh, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static enum layer_view
view_in_layer (int layers_fd, const char *layer, const char *path, int *fd)
{
  cleanup_close int cur
      = openat (layers_fd, layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *copy = xstrdup (path);
  char *save = NULL;
  bool opaque = false;

  if (cur < 0)
    return VIEW_ABSENT;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      struct stat st;
      int next;
      if (strcmp (c, "..") == 0 || whited_out (cur, c))
        return VIEW_HIDDEN;
      if (fstatat (cur, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return opaque ? VIEW_HIDDEN : VIEW_ABSENT;
      if (!S_ISDIR (st.st_mode))
        return VIEW_HIDDEN;
      next = openat (cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return VIEW_HIDDEN;
      close (cur);
      cur = next;
      opaque = opaque || is_opaque (cur);
    }
  *fd = steal_fd (&cur);
  return opaque ? VIEW_DIR_OPAQUE : VIEW_DIR;
}

/* The layers that show at `path`, top first, into fds[]; their count. */
static size_t
layers_at (int layers_fd, char *const *layers, size_t n, const char *path, int *fds)
{
  size_t k = 0;

  for (size_t i = n; i-- > 0;)
    {
      enum layer_view v = view_in_layer (layers_fd, layers[i], path, &fds[k]);
      if (v == VIEW_HIDDEN)
        break;
      if (v == VIEW_ABSENT)
        continue;
      k++;
      if (v == VIEW_DIR_OPAQUE)
        break;
    }
  return k;
}

int
flatten_subtree (int layers_fd, char *const *layers, size_t n, const char *path, int destfd,
                 struct cl_error *err)
{
  struct flattener f = { .mode = FLATTEN_COPY,
                         .no_devices = true,
                         .destfd = destfd,
                         .euid = geteuid (),
                         .egid = getegid () };
  cleanup_free int *fds = xcalloc (n + 1, sizeof *fds);
  size_t k = layers_at (layers_fd, layers, n, path, fds);
  int ret = 0;

  /* Bottom first, as the image was built. */
  for (size_t i = k; i-- > 0;)
    {
      struct stat st, have;
      if (ret == 0 && (fstat (fds[i], &st) < 0 || fstat (destfd, &have) < 0))
        ret = cl_fail (err, errno, "stat %s", path);
      if (ret == 0 && walk (&f, fds[i], destfd, "", err) < 0)
        ret = cl_wrap (err, "copy %s from the image", path);
      forget_seen (&f);
      if (ret == 0)
        ret = set_meta_have (&f, destfd, &st, &have, err);
      close (fds[i]);
    }
  return ret;
}
