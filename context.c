/* `run --context` (context.h): the ignore rules, the whiteouts in the
   upper directory, the copy where overlay cannot be used, and the spec
   mount that puts it at TARGET.  DIR is only ever read, through fds
   opened with O_NOFOLLOW: a symlink in it is never followed here (inside
   the container it resolves in the container's root). */
#include "context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ignore.h"
#include "util.h"

#define IGNORE_MAX (1 << 20)

int
context_parse (const char *arg, struct context_req *req, struct cl_error *err)
{
  const char *colon = arg ? strrchr (arg, ':') : NULL;

  if (colon && colon[1] != '/')
    colon = NULL;
  req->dir = colon ? xstrndup (arg, (size_t)(colon - arg)) : xstrdup (arg ? arg : "");
  req->target = xstrdup (colon ? colon + 1 : CONTEXT_DEFAULT_TARGET);
  if (!req->dir[0])
    {
      free (req->dir);
      req->dir = xstrdup (".");
    }
  if (strspn (req->target, "/") == strlen (req->target) || path_has_dotdot (req->target))
    return cl_fail (err, EINVAL, "--context %s: TARGET must be an absolute path below /",
                    arg ? arg : "");
  return 0;
}

void
context_req_clear (struct context_req *req)
{
  free (req->dir);
  free (req->target);
  memset (req, 0, sizeof *req);
}

/* An ignore file of DIR's own: never through a symlink (it could name any
   file of the caller's), and only a regular file. */
static int
read_ignore_file (int dirfd, const char *name, char **text, struct cl_error *err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  size_t used = 0;

  *text = NULL;
  if (fd < 0 && errno == ENOENT)
    return 1;
  if (fd < 0 && errno == ELOOP)
    return cl_fail (err, 0, "%s is a symlink: refused (it could point anywhere)", name);
  if (fd < 0)
    return cl_fail (err, errno, "open %s", name);
  if (fstat (fd, &st) < 0)
    return cl_fail (err, errno, "stat %s", name);
  if (!S_ISREG (st.st_mode))
    return cl_fail (err, 0, "%s is not a regular file", name);
  if (st.st_size > IGNORE_MAX)
    return cl_fail (err, EFBIG, "%s is larger than 1 MiB", name);
  *text = xmalloc ((size_t)st.st_size + 1);
  for (ssize_t r; used < (size_t)st.st_size; used += (size_t)r)
    {
      r = read (fd, *text + used, (size_t)st.st_size - used);
      if (r < 0 && errno == EINTR)
        r = 0;
      else if (r <= 0)
        {
          free (*text);
          *text = NULL;
          return cl_fail (err, r < 0 ? errno : EIO, "read %s", name);
        }
    }
  (*text)[used] = '\0';
  if (memchr (*text, '\0', used))
    {
      free (*text);
      *text = NULL;
      return cl_fail (err, 0, "%s is not a text file", name);
    }
  return 0;
}

int
context_read_ignore (int dirfd, bool ignore_none, struct ignore *ig, struct cl_error *err)
{
  static const char *names[] = { ".crunlocalignore", ".dockerignore" };

  for (size_t i = 0; i < 2; i++)
    {
      cleanup_free char *text = NULL;
      int r = read_ignore_file (dirfd, names[i], &text, err);
      if (r < 0)
        return -1;
      if (r == 0)
        return ignore_parse (ig, text, names[i], err);
    }
  return ignore_none ? 0
                     : ignore_parse (ig, CONTEXT_DEFAULT_IGNORE, "the default ignore list", err);
}

/* ---- The overlay: whiteouts in the upper directory ---- */

/* A directory of DIR being walked, and its twin in the upper directory,
   made only when something in it is masked. */
struct level
{
  struct level *parent;
  const char *name;
  int src, up;
  struct stat st;
};

struct walk
{
  const struct ignore *ig;
  FILE *list; /* masked paths */
  size_t count;
  bool reflink, tried_reflink;
};

/* The upper twin takes the lower's owner, mode and (once filled) times:
   overlay shows a merged directory with its upper's attributes. */
static void
copy_dir_attrs (int fd, const struct stat *st)
{
  if (fchown (fd, st->st_uid, st->st_gid) < 0)
    {
      /* Rootless, a directory another id owns: ours is the best we have. */
    }
  if (fchmod (fd, st->st_mode & 07777) < 0)
    {
      /* Kept as made. */
    }
}

static int
upper_dir (struct level *l, struct cl_error *err)
{
  int parent, fd;

  if (l->up >= 0)
    return l->up;
  parent = upper_dir (l->parent, err);
  if (parent < 0)
    return -1;
  if (mkdirat (parent, l->name, 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s in the upper directory", l->name);
  fd = openat (parent, l->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return cl_fail (err, errno, "open %s in the upper directory", l->name);
  copy_dir_attrs (fd, &l->st);
  return l->up = fd;
}

static void
level_finish (struct level *l, bool root)
{
  if (l->up >= 0)
    {
      struct timespec ts[2] = { l->st.st_atim, l->st.st_mtim };
      if (futimens (l->up, ts) < 0)
        {
          /* Only `diff` would notice. */
        }
      if (!root)
        close (l->up);
    }
  if (!root && l->src >= 0)
    close (l->src);
}

static int
mask (struct walk *w, struct level *l, const char *name, const char *rel, struct cl_error *err)
{
  int up = upper_dir (l, err);

  if (up < 0)
    return -1;
  /* A 0/0 character device is overlayfs' whiteout; the kernel lets an
     unprivileged user make one (Linux 5.8). */
  if (mknodat (up, name, S_IFCHR | 0, makedev (0, 0)) < 0)
    return cl_fail (err, errno, "whiteout %s", rel);
  w->count++;
  fprintf (w->list, "%s\n", rel);
  return 0;
}

static bool
entry_is_dir (int dfd, const struct dirent *de)
{
  struct stat st;

  if (de->d_type != DT_UNKNOWN)
    return de->d_type == DT_DIR;
  return fstatat (dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode);
}

static int walk_dir (struct walk *w, struct level *l, const char *rel, struct cl_error *err);

static int
descend (struct walk *w, struct level *l, const char *name, const char *rel, struct cl_error *err)
{
  struct level child = { .parent = l, .name = name, .up = -1 };
  int r;

  child.src = openat (l->src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child.src < 0 || fstat (child.src, &child.st) < 0)
    {
      r = cl_fail (err, errno, "open %s", rel);
      level_finish (&child, false);
      return r;
    }
  r = walk_dir (w, &child, rel, err);
  level_finish (&child, false);
  return r;
}

/* Ignored: a whiteout, or — when an exception may bring back something
   beneath a directory — a walk into it. */
static int
visit_masked (struct walk *w, struct level *l, const char *name, const char *rel, bool dir,
              struct cl_error *err)
{
  if (dir && ignore_may_match_below (w->ig, rel, true))
    return descend (w, l, name, rel, err);
  return mask (w, l, name, rel, err);
}

static int
walk_dir (struct walk *w, struct level *l, const char *rel, struct cl_error *err)
{
  cleanup_dir DIR *d = dir_stream (l->src);
  struct dirent *de;

  if (!d)
    return cl_fail (err, errno, "read %s", *rel ? rel : ".");
  while ((errno = 0, de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      bool dir;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      path = *rel ? xasprintf ("%s/%s", rel, de->d_name) : xstrdup (de->d_name);
      dir = entry_is_dir (l->src, de);
      if (ignore_match (w->ig, path))
        {
          if (visit_masked (w, l, de->d_name, path, dir, err) < 0)
            return -1;
        }
      else if (dir && ignore_may_match_below (w->ig, path, false)
               && descend (w, l, de->d_name, path, err) < 0)
        return -1;
    }
  return errno ? cl_fail (err, errno, "read %s", *rel ? rel : ".") : 0;
}

/* ---- The copy, where overlay cannot be used ---- */

static int
copy_data (struct walk *w, int in, int out, const char *rel, struct cl_error *err)
{
  char buf[65536];

  if (!w->tried_reflink || w->reflink)
    {
      int r = ioctl (out, FICLONE, in);
      if (!w->tried_reflink)
        w->tried_reflink = true, w->reflink = r == 0;
      if (r == 0)
        return 0;
    }
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return cl_fail (err, errno, "read %s", rel);
      if (n == 0)
        return 0;
      if (write_all (out, buf, (size_t)n, err) < 0)
        return cl_wrap (err, "copy %s", rel);
    }
}

static int
copy_file (struct walk *w, int src, int dst, const char *name, const char *rel,
           struct cl_error *err)
{
  cleanup_close int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  cleanup_close int out = -1;
  struct stat st;

  if (in < 0 || fstat (in, &st) < 0)
    return cl_fail (err, errno, "open %s", rel);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return cl_fail (err, errno, "create %s", rel);
  if (copy_data (w, in, out, rel, err) < 0)
    return -1;
  if (fchown (out, st.st_uid, st.st_gid) < 0)
    {
      /* Rootless: a file another id owns becomes ours. */
    }
  if (fchmod (out, st.st_mode & 07777) < 0)
    return cl_fail (err, errno, "chmod %s", rel);
  {
    struct timespec ts[2] = { st.st_atim, st.st_mtim };
    if (futimens (out, ts) < 0)
      {
        /* Times are a courtesy (make compares them; nothing breaks). */
      }
  }
  return 0;
}

static int copy_tree (struct walk *w, int src, int dst, const char *rel, struct cl_error *err);

static int
copy_entry (struct walk *w, int src, int dst, const char *name, const char *rel,
            struct cl_error *err)
{
  struct stat st;
  char target[PATH_MAX];
  ssize_t n;

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cl_fail (err, errno, "stat %s", rel);
  if (S_ISREG (st.st_mode))
    return copy_file (w, src, dst, name, rel, err);
  if (S_ISLNK (st.st_mode))
    {
      n = readlinkat (src, name, target, sizeof target - 1);
      if (n < 0)
        return cl_fail (err, errno, "readlink %s", rel);
      target[n] = '\0';
      if (symlinkat (target, dst, name) < 0)
        return cl_fail (err, errno, "symlink %s", rel);
      return 0;
    }
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d = -1;
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      if (s < 0)
        return cl_fail (err, errno, "open %s", rel);
      if (mkdirat (dst, name, 0700) < 0
          || (d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return cl_fail (err, errno, "mkdir %s", rel);
      if (copy_tree (w, s, d, rel, err) < 0)
        return -1;
      copy_dir_attrs (d, &st);
      if (futimens (d, ts) < 0)
        {
          /* Times are a courtesy. */
        }
      return 0;
    }
  return 0; /* devices, sockets, fifos: not source code */
}

static int
copy_tree (struct walk *w, int src, int dst, const char *rel, struct cl_error *err)
{
  cleanup_dir DIR *d = dir_stream (src);
  struct dirent *de;

  if (!d)
    return cl_fail (err, errno, "read %s", *rel ? rel : ".");
  while ((errno = 0, de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      path = *rel ? xasprintf ("%s/%s", rel, de->d_name) : xstrdup (de->d_name);
      if (ignore_match (w->ig, path)
          && !(entry_is_dir (src, de) && ignore_may_match_below (w->ig, path, true)))
        continue;
      if (copy_entry (w, src, dst, de->d_name, path, err) < 0)
        return -1;
    }
  return errno ? cl_fail (err, errno, "read %s", *rel ? rel : ".") : 0;
}

/* ---- Putting it together ---- */

static void
overlay_mount (struct context *c, const char *target, bool userxattr)
{
  cleanup_free char *lower = xasprintf ("lowerdir=%s/lower", c->ctx);
  cleanup_free char *upper = xasprintf ("upperdir=%s/upper", c->ctx);
  cleanup_free char *work = xasprintf ("workdir=%s/work", c->ctx);

  c->mount.destination = xstrdup (target);
  c->mount.type = xstrdup ("overlay");
  c->mount.source = xstrdup ("overlay");
  c->mount.options = xcalloc (1, sizeof (char *));
  strv_append (&c->mount.options, "nodev");
  strv_append (&c->mount.options, lower);
  strv_append (&c->mount.options, upper);
  strv_append (&c->mount.options, work);
  if (userxattr)
    strv_append (&c->mount.options, "userxattr");
}

static void
bind_mount (struct context *c, const char *target)
{
  c->mount.destination = xstrdup (target);
  c->mount.type = xstrdup ("bind");
  c->mount.source = xasprintf ("%s/copy", c->ctx);
  c->mount.options = xcalloc (1, sizeof (char *));
  strv_append (&c->mount.options, "rbind");
  strv_append (&c->mount.options, "rw");
}

/* ctx/: in the container's directory, or (--context-keep) in the store's
   contexts/ with a symlink to it from the container's. */
static int
make_ctx_dir (struct store *s, const struct context_req *req, const char *container_dir,
              const char *id, struct context *c, struct cl_error *err)
{
  cleanup_free char *link = xasprintf ("%s/ctx", container_dir);

  if (!req->keep)
    {
      c->ctx = steal_pointer (&link);
      return mkdir (c->ctx, 0700) < 0 ? cl_fail (err, errno, "mkdir %s", c->ctx) : 0;
    }
  if (mkdirat (s->rootfd, "contexts", 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s/contexts", s->root);
  c->ctx = xasprintf ("%s/contexts/%s", s->root, id);
  if (mkdir (c->ctx, 0700) < 0)
    return cl_fail (err, errno, "mkdir %s", c->ctx);
  if (symlink (c->ctx, link) < 0)
    return cl_fail (err, errno, "symlink %s", link);
  return 0;
}

static int
write_small (const char *dir, const char *name, const char *text, struct cl_error *err)
{
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  return write_file_atomic_at (dfd, name, text, strlen (text), 0600, false, err);
}

static int
make_upper (struct context *c, int srcfd, const struct ignore *ig, struct cl_error *err)
{
  cleanup_free char *upper = xasprintf ("%s/upper", c->ctx);
  cleanup_free char *work = xasprintf ("%s/work", c->ctx);
  cleanup_free char *lower = xasprintf ("%s/lower", c->ctx);
  cleanup_free char *list_path = xasprintf ("%s/masked", c->ctx);
  cleanup_file FILE *list = NULL;
  struct level root = { .name = ".", .src = srcfd, .up = -1 };
  struct walk w = { .ig = ig };
  int r;

  if (mkdir (upper, 0700) < 0 || mkdir (work, 0700) < 0)
    return cl_fail (err, errno, "mkdir %s", upper);
  if (symlink (c->dir, lower) < 0)
    return cl_fail (err, errno, "symlink %s", lower);
  list = fopen (list_path, "we");
  if (!list)
    return cl_fail (err, errno, "create %s", list_path);
  w.list = list;
  if (fstat (srcfd, &root.st) < 0)
    return cl_fail (err, errno, "stat %s", c->dir);
  root.up = open (upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root.up < 0)
    return cl_fail (err, errno, "open %s", upper);
  copy_dir_attrs (root.up, &root.st);
  r = walk_dir (&w, &root, "", err);
  level_finish (&root, true);
  close (root.up);
  c->masked = w.count;
  return r;
}

static int
make_copy (struct context *c, int srcfd, const struct ignore *ig, struct cl_error *err)
{
  cleanup_free char *copy = xasprintf ("%s/copy", c->ctx);
  cleanup_close int dst = -1;
  struct walk w = { .ig = ig };
  struct stat st;

  if (mkdir (copy, 0700) < 0 || (dst = open (copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return cl_fail (err, errno, "mkdir %s", copy);
  if (copy_tree (&w, srcfd, dst, "", err) < 0)
    return -1;
  if (fstat (srcfd, &st) == 0)
    {
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      copy_dir_attrs (dst, &st);
      if (futimens (dst, ts) < 0)
        {
          /* As for every directory copied. */
        }
    }
  c->mode = w.reflink ? CONTEXT_REFLINK : CONTEXT_COPY;
  return 0;
}

static int
open_dir (const struct context_req *req, struct context *c, struct cl_error *err)
{
  char real[PATH_MAX];
  int fd;

  if (!realpath (req->dir, real))
    return cl_fail (err, errno, "--context %s", req->dir);
  fd = open (real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return cl_fail (err, errno, "--context %s", req->dir);
  c->dir = xstrdup (real);
  return fd;
}

static int
prepare (struct store *s, const struct context_req *req, const char *container_dir, const char *id,
         bool overlay, bool userxattr, struct context *c, struct cl_error *err)
{
  cleanup_ignore struct ignore ig = { 0 };
  cleanup_close int srcfd = -1;
  const char *why = NULL;
  struct cl_error why_err = { 0 };
  const char *forced = getenv ("CRUNLOCAL_CONTEXT");

  memset (c, 0, sizeof *c);
  srcfd = open_dir (req, c, err);
  if (srcfd < 0)
    return -1;
  if (context_read_ignore (srcfd, req->ignore_none, &ig, err) < 0)
    return cl_wrap (err, "--context %s", c->dir);
  if (make_ctx_dir (s, req, container_dir, id, c, err) < 0
      || write_small (c->ctx, "target", req->target, err) < 0)
    return -1;
  if (forced && strcmp (forced, "copy") == 0)
    why = "CRUNLOCAL_CONTEXT=copy";
  else if (!overlay)
    why = "overlayfs cannot be mounted here";
  else if (make_upper (c, srcfd, &ig, &why_err) == 0)
    {
      c->mode = CONTEXT_OVERLAY;
      overlay_mount (c, req->target, userxattr);
      return 0;
    }
  else if (why_err.errnum == EPERM || why_err.errnum == EOPNOTSUPP || why_err.errnum == EINVAL)
    {
      struct cl_error ignored;
      why = "the store's filesystem refuses overlay whiteouts";
      int fd = open (c->ctx, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0)
        rm_dir_contents (fd, &ignored), close (fd);
      write_small (c->ctx, "target", req->target, &ignored);
    }
  else
    {
      *err = why_err;
      return cl_wrap (err, "--context %s", c->dir);
    }
  if (make_copy (c, srcfd, &ig, err) < 0)
    return cl_wrap (err, "--context %s: copy", c->dir);
  bind_mount (c, req->target);
  fprintf (stderr, "crunlocal: --context: %s: %s copied (%s), ignored paths skipped\n", why, c->dir,
           c->mode == CONTEXT_REFLINK ? "reflinks: blocks shared"
                                      : "a plain copy: no reflinks here");
  return 0;
}

int
context_prepare (struct store *s, const struct context_req *req, const char *container_dir,
                 const char *id, bool overlay, bool userxattr, struct context *c,
                 struct cl_error *err)
{
  struct cl_error ignored;

  if (prepare (s, req, container_dir, id, overlay, userxattr, c, err) == 0)
    return 0;
  /* The container's directory goes with the failed run; a kept context
     lives outside it. */
  if (req->keep && c->ctx)
    rm_rf_at (AT_FDCWD, c->ctx, &ignored);
  return -1;
}

void
context_clear (struct context *c)
{
  free (c->dir);
  free (c->ctx);
  free (c->mount.destination);
  free (c->mount.type);
  free (c->mount.source);
  strv_free (c->mount.options);
  memset (c, 0, sizeof *c);
}
