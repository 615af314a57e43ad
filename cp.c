/* cp: files and directories between a container and the host, or a tar
   stream ("-") in and out.  Every path on the container's side is
   resolved inside its root (openat2 RESOLVE_IN_ROOT: its absolute
   symlinks and ".." stop at its "/"), and below that point entries are
   walked with O_NOFOLLOW (copytree.h).  Where the root is:
   - running: /proc/PID/root, its mount namespace's view (its volumes;
     writes land in its overlay's upper directory), joining its user
     namespace when it has one of its own, so ids map through it;
   - stopped, overlay: its overlay mounted again over the same upper
     directory in a mount namespace of this process, under the
     containers lock (a `start` meanwhile would mount the upper twice);
   - stopped, hard-link farm or copy: its rootfs/ directory (a file in
     the way is replaced, never written through, so the shared layer
     files stay intact). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "copytree.h"
#include "snapshot.h"
#include "userns.h"
#include "util.h"

static const char cp_usage[]
    = "Usage: crunlocal cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
      "       crunlocal cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n"
      "\n"
      "Copy files and directories between a container (running or not) and the\n"
      "host.  '-' is a tar stream: SRC_PATH '-' unpacks stdin into the container's\n"
      "directory, DEST_PATH '-' writes the container's path to stdout.  A path ending\n"
      "in '/.' copies a directory's contents.  Paths in the container are resolved\n"
      "inside its root, its symlinks too: nothing outside it is reached.\n"
      "\n"
      "Options:\n"
      "  -a, --archive       keep the source's owners (mapped through the container's\n"
      "                      id mapping); else the files are the writer's own\n"
      "  -L, --follow-link   follow SRC_PATH when it is a symlink\n";

/* One side of the copy: the host's path, a container's, or a stream. */
struct side
{
  char *container; /* NULL: the host */
  const char *path;
  bool stream; /* "-" */
};

struct cp_opts
{
  bool follow;
  struct copy_opts copy;
};

/* "NAME:PATH" names a container unless it looks like a host path (as
   docker decides: one starting with "/" or "." is the host's). */
static void
parse_side (const char *arg, struct side *s)
{
  const char *colon = strchr (arg, ':');

  s->container = NULL;
  s->stream = strcmp (arg, "-") == 0;
  s->path = arg;
  if (colon && colon != arg && arg[0] != '/' && arg[0] != '.'
      && !memchr (arg, '/', (size_t)(colon - arg)))
    {
      s->container = xstrndup (arg, (size_t)(colon - arg));
      s->path = colon[1] ? colon + 1 : "/";
    }
}

/* The container's root, and what keeps it valid while we copy. */
struct ctr_root
{
  int fd;
  int lock; /* the containers lock (a stopped overlay), or -1 */
};

static void
ctr_root_clear (struct ctr_root *r)
{
  if (r->fd >= 0)
    close (r->fd);
  if (r->lock >= 0)
    close (r->lock);
}

/* Into its user namespace when it is not ours (rootless): chown maps
   through it, and its files are ours to read there. */
static int
join_userns (pid_t pid, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/ns/user", pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat a, b;

  if (fd < 0)
    return cl_fail (err, errno, "open %s", path);
  /* Its root could ptrace a dumpable process of its user namespace. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "prctl");
  if (stat ("/proc/self/ns/user", &a) == 0 && fstat (fd, &b) == 0 && a.st_ino == b.st_ino
      && a.st_dev == b.st_dev)
    return 0;
  if (setns (fd, CLONE_NEWUSER) < 0)
    return cl_fail (err, errno, "join the container's user namespace");
  return 0;
}

static int
running_root (const struct container *c, struct ctr_root *r, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/root", c->pid);

  r->fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->fd < 0)
    return cl_fail (err, errno, "open the root of container %s", c->name);
  /* The pid is still its process: the fd is its root. */
  if (container_pid_start (c->pid) != c->pid_start)
    return cl_fail (err, ESRCH, "container %s exited meanwhile", c->name);
  return join_userns (c->pid, err);
}

/* Its overlay again, in a mount namespace of our own (nothing of it is
   seen by anyone else, and it goes when we exit). */
static int
mount_stopped_overlay (struct store *s, const struct container *c, struct cl_error *err)
{
  struct image_record img = { 0 };
  struct snapshot snap = { 0 };
  cleanup_free char *data = NULL;
  int r = store_image_lookup (s, c->image_id, &img, err);

  if (r == 1)
    r = cl_fail (err, ENOENT, "the image %.12s of container %s is gone", c->image_id, c->name);
  if (r == 0)
    r = snapshot_prepare (s, &img, c->dir, SNAPSHOT_OVERLAY, &snap, err);
  if (r == 0 && unshare (CLONE_NEWNS) < 0)
    r = cl_fail (err, errno, "a mount namespace for the copy");
  if (r == 0 && mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    r = cl_fail (err, errno, "make mounts private");
  if (r == 0)
    {
      /* Back here after: the caller's relative paths start where it is. */
      cleanup_close int cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      data = xasprintf ("lowerdir=%s,upperdir=%s,workdir=%s%s", snap.overlay.lowerdir,
                        snap.overlay.upperdir, snap.overlay.workdir,
                        snap.overlay.userxattr ? ",userxattr" : "");
      /* lowerdir is relative to the layers directory (ns.h). */
      if (chdir (snap.overlay.layers_dir) < 0
          || mount ("overlay", snap.rootfs, "overlay", MS_NODEV | MS_NOSUID, data) < 0)
        r = cl_fail (err, errno, "mount the overlay of container %s", c->name);
      if (cwd < 0 || fchdir (cwd) < 0)
        r = r < 0 ? r : cl_fail (err, errno, "return to the current directory");
    }
  snapshot_clear (&snap);
  image_record_clear (&img);
  return r;
}

static int
stopped_root (struct store *s, const struct container *c, struct ctr_root *r, struct cl_error *err)
{
  cleanup_free char *rootfs = xasprintf ("%s/rootfs", c->dir);
  struct container now = { 0 };
  bool entered;
  int ret;

  /* Rootless: the store's user namespace, where its files' owners map. */
  if (userns_enter_for_store (&entered, err) < 0)
    return -1;
  if (c->snapshot && strcmp (c->snapshot, "overlay") == 0)
    {
      if ((r->lock = store_lock (s, "containers", true, err)) < 0)
        return -1;
      ret = cli_find_container (s, c->id, &now, err);
      if (ret == 0 && container_state (&now) == CONTAINER_RUNNING)
        ret = cl_fail (err, EBUSY, "container %s started meanwhile: copy again", c->name);
      container_clear (&now);
      if (ret < 0 || mount_stopped_overlay (s, c, err) < 0)
        return -1;
    }
  r->fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->fd < 0)
    return cl_fail (err, errno, "open the root of container %s", c->name);
  return 0;
}

static int
container_root (struct store *s, const struct container *c, struct ctr_root *r,
                struct cl_error *err)
{
  enum container_state st = container_state (c);

  if (st == CONTAINER_RUNNING)
    return running_root (c, r, err);
  if (st == CONTAINER_STOPPING)
    return cl_fail (err, EBUSY, "container %s is stopping", c->name);
  return stopped_root (s, c, r, err);
}

/* `path` as an O_PATH fd: in the container resolved inside its root,
   on the host as given.  The last component is not followed unless
   `follow`.  1: it does not exist. */
static int
open_side (int rootfd, const char *path, bool follow, int *out, struct cl_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_free char *base = NULL;
  cleanup_close int pfd = -1;
  int fd;

  copy_split_path (path, &parent, &base);
  if (follow || strcmp (base, ".") == 0 || strcmp (base, "..") == 0 || strcmp (base, "/") == 0)
    {
      fd = rootfd < 0 ? open (path, O_PATH | O_CLOEXEC)
                      : openat_beneath (rootfd, path, O_PATH, true, err);
      if (fd < 0 && (rootfd < 0 ? errno : err->errnum) == ENOENT)
        return 1;
      if (fd < 0)
        return rootfd < 0 ? cl_fail (err, errno, "open %s", path) : -1;
      *out = fd;
      return 0;
    }
  pfd = rootfd < 0 ? open (parent, O_PATH | O_DIRECTORY | O_CLOEXEC)
                   : openat_beneath (rootfd, parent, O_PATH | O_DIRECTORY, true, err);
  if (pfd < 0 && (rootfd < 0 ? errno : err->errnum) == ENOENT)
    return 1;
  if (pfd < 0)
    return rootfd < 0 ? cl_fail (err, errno, "open %s", parent) : -1;
  fd = openat (pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return 1;
  if (fd < 0)
    return cl_fail (err, errno, "open %s", path);
  *out = fd;
  return 0;
}

static bool
contents_only (const char *path)
{
  size_t n = strlen (path);

  return strcmp (path, ".") == 0 || (n >= 2 && strcmp (path + n - 2, "/.") == 0);
}

static const char *
where (const struct side *s)
{
  return s->container ? s->container : "the host";
}

/* Where the source goes: the destination directory and the name in it
   (docker's rules: into an existing directory under the source's name,
   else as the destination's name). */
static int
place (int rootfd, const struct side *src, const struct side *dst, bool src_dir, int *dirfd,
       char **name, struct cl_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_free char *base = NULL;
  cleanup_free char *sparent = NULL;
  cleanup_free char *sbase = NULL;
  cleanup_close int fd = -1;
  struct stat st;
  size_t n = strlen (dst->path);
  int r = open_side (rootfd, dst->path, true, &fd, err);

  copy_split_path (dst->path, &parent, &base);
  copy_split_path (src->path, &sparent, &sbase);
  if (r < 0)
    return -1;
  if (r == 0 && fstat (fd, &st) < 0)
    return cl_fail (err, errno, "stat %s", dst->path);
  if (r == 0 && S_ISDIR (st.st_mode))
    {
      *dirfd = steal_fd (&fd);
      *name = xstrdup (contents_only (src->path) || strcmp (sbase, "/") == 0 ? "." : sbase);
      return 0;
    }
  if (r == 0 && src_dir)
    return cl_fail (err, ENOTDIR, "cannot copy a directory onto %s, a file on %s", dst->path,
                    where (dst));
  if (r == 1 && n > 0 && dst->path[n - 1] == '/')
    return cl_fail (err, ENOENT, "%s: no such directory on %s", dst->path, where (dst));
  if (strcmp (base, "..") == 0 || strcmp (base, ".") == 0)
    return cl_fail (err, ENOENT, "%s could not be found on %s", dst->path, where (dst));
  r = open_side (rootfd, parent, true, &fd, err);
  if (r == 1)
    return cl_fail (err, ENOENT, "%s: no such directory on %s", parent, where (dst));
  if (r < 0)
    return -1;
  *dirfd = steal_fd (&fd);
  *name = steal_pointer (&base);
  return 0;
}

static int
copy_stream_in (int rootfd, const struct side *dst, const struct cp_opts *o, struct cl_error *err)
{
  cleanup_close int fd = -1;
  cleanup_copy_sink struct copy_sink *k = NULL;
  struct stat st;
  int r = open_side (rootfd, dst->path, true, &fd, err);

  if (r == 1)
    return cl_fail (err, ENOENT, "%s could not be found on %s", dst->path, where (dst));
  if (r < 0)
    return -1;
  if (fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    return cl_fail (err, ENOTDIR, "%s is not a directory on %s", dst->path, where (dst));
  k = copy_sink_dir (fd, &o->copy);
  return copy_from_tar (0, k, err);
}

static int
copy_out_stream (int srcfd, const struct side *src, struct cl_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_free char *base = NULL;
  struct copy_sink *k;

  copy_split_path (src->path, &parent, &base);
  if (isatty (1))
    return cl_fail (err, 0, "refusing to write a tar stream to a terminal");
  if (copy_sink_tar (1, &k, err) < 0)
    return -1;
  if (copy_tree (srcfd, contents_only (src->path) || strcmp (base, "/") == 0 ? "." : base, k, err)
      < 0)
    {
      copy_sink_free (k);
      return -1;
    }
  return copy_sink_close (k, err);
}

static int
copy_files (int rootfd, const struct side *src, const struct side *dst, const struct cp_opts *o,
            struct cl_error *err)
{
  int src_root = src->container ? rootfd : -1, dst_root = dst->container ? rootfd : -1;
  cleanup_close int sfd = -1;
  cleanup_close int dfd = -1;
  cleanup_free char *name = NULL;
  cleanup_copy_sink struct copy_sink *k = NULL;
  struct stat st;
  int r;

  if (src->stream)
    return copy_stream_in (dst_root, dst, o, err);
  r = open_side (src_root, src->path, o->follow || contents_only (src->path), &sfd, err);
  if (r == 1)
    return cl_fail (err, ENOENT, "\"%s\" could not be found on %s", src->path, where (src));
  if (r < 0 || fstat (sfd, &st) < 0)
    return r < 0 ? -1 : cl_fail (err, errno, "stat %s", src->path);
  if (dst->stream)
    return copy_out_stream (sfd, src, err);
  if (place (dst_root, src, dst, S_ISDIR (st.st_mode), &dfd, &name, err) < 0)
    return -1;
  k = copy_sink_dir (dfd, &o->copy);
  return copy_tree (sfd, name, k, err);
}

static int
parse_cp (int argc, char **argv, struct cp_opts *o)
{
  static const struct option longopts[] = { { "archive", no_argument, NULL, 'a' },
                                            { "follow-link", no_argument, NULL, 'L' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  int c;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "cp", "+aLh", longopts)) != -1)
    if (c == -2)
      return 125;
    else if (c == 'h')
      {
        fputs (cp_usage, stdout);
        return 0;
      }
    else if (c == 'a')
      o->copy.keep_owners = true;
    else if (c == 'L')
      o->follow = true;
  if (argc - optind != 2)
    return cli_usage_error ("cp", "\"crunlocal cp\" requires exactly 2 arguments");
  return -1;
}

int
cmd_cp (int argc, char **argv)
{
  struct cp_opts o = { 0 };
  struct side src, dst;
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  struct container c = { 0 };
  struct ctr_root root = { -1, -1 };
  int r = parse_cp (argc, argv, &o);

  if (r >= 0)
    return r;
  parse_side (argv[optind], &src);
  parse_side (argv[optind + 1], &dst);
  if (!!src.container == !!dst.container)
    r = cli_usage_error ("cp", src.container ? "copying between containers is not supported"
                                             : "one of the paths must be CONTAINER:PATH");
  else if ((src.stream && dst.stream) || (src.container && src.stream)
           || (dst.container && dst.stream))
    r = cli_usage_error ("cp", "\"-\" stands for the host's side only");
  if (r < 0
      && (cli_open_store_host (&s, &err) < 0
          || cli_find_container (s, src.container ? src.container : dst.container, &c, &err) < 0
          || container_root (s, &c, &root, &err) < 0
          || copy_files (root.fd, &src, &dst, &o, &err) < 0))
    r = cli_fail (&err);
  else if (r < 0)
    r = 0;
  ctr_root_clear (&root);
  container_clear (&c);
  free (src.container);
  free (dst.container);
  return r;
}
