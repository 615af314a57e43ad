#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "flatten.h"
#include "util.h"

#define MODE_CACHE "snapshot-mode"

static const char *mode_names[] = { "overlay", "hardlink", "copy" };

const char *
snapshot_mode_name (enum snapshot_mode m)
{
  return mode_names[m];
}

static int
mode_from_name (const char *name, enum snapshot_mode *m)
{
  for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (strcmp (name, mode_names[i]) == 0)
      return *m = (enum snapshot_mode)i, 0;
  return -1;
}

static void
write_self (const char *file, const char *text)
{
  int fd = open (file, O_WRONLY | O_CLOEXEC);
  struct cl_error ignored;

  if (fd >= 0)
    {
      write_all (fd, text, strlen (text), &ignored);
      close (fd);
    }
}

/* In a child, as `run` would: a mount namespace of its own, inside a
   user namespace of one id when we are a user outside one. */
static void __attribute__ ((noreturn)) probe_overlay_child (const char *dir, bool userxattr)
{
  char map[64];
  cleanup_free char *data = NULL, *merged = xasprintf ("%s/merged", dir);
  uid_t uid = geteuid ();
  gid_t gid = getegid ();

  if (unshare (CLONE_NEWNS | (uid != 0 ? CLONE_NEWUSER : 0)) < 0)
    _exit (1);
  if (uid != 0)
    {
      write_self ("/proc/self/setgroups", "deny");
      snprintf (map, sizeof map, "0 %u 1", uid);
      write_self ("/proc/self/uid_map", map);
      snprintf (map, sizeof map, "0 %u 1", gid);
      write_self ("/proc/self/gid_map", map);
    }
  data = xasprintf ("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work%s", dir, dir, dir,
                    userxattr ? ",userxattr" : "");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount ("overlay", merged, "overlay", 0, data) < 0)
    _exit (1);
  _exit (0);
}

static enum snapshot_mode
probe_mode (const struct staging *st, bool userxattr)
{
  static const char *dirs[] = { "lower", "upper", "work", "merged" };
  int status;
  pid_t pid;

  for (size_t i = 0; i < 4; i++)
    mkdirat (st->dirfd, dirs[i], 0700);
  pid = fork ();
  if (pid == 0)
    probe_overlay_child (st->path, userxattr);
  if (pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status)
      && WEXITSTATUS (status) == 0)
    return SNAPSHOT_OVERLAY;
  /* Not a hard-link farm: its files are the layer's, and a container
     writing one in place would change the image (hardlink only when
     asked, with CRUNLOCAL_SNAPSHOT=hardlink). */
  return SNAPSHOT_COPY;
}

static char *
kernel_release (void)
{
  struct utsname u;

  return xstrdup (uname (&u) == 0 ? u.release : "unknown");
}

static int
cached_mode (struct store *s, const char *release, enum snapshot_mode *mode)
{
  cleanup_free char *buf = NULL;
  char name[32], rel[128];
  struct cl_error ignored;

  if (read_file_at (s->rootfd, MODE_CACHE, 4096, &buf, NULL, &ignored) < 0
      || sscanf (buf, "%31s %127s", name, rel) != 2 || strcmp (rel, release) != 0)
    return -1;
  return mode_from_name (name, mode);
}

int
snapshot_mode_for (struct store *s, bool reprobe, enum snapshot_mode *mode, struct cl_error *err)
{
  const char *env = getenv ("CRUNLOCAL_SNAPSHOT");
  cleanup_free char *release = kernel_release (), *line = NULL;
  struct staging st;

  if (env && *env)
    return mode_from_name (env, mode) == 0
               ? 0
               : cl_fail (err, EINVAL, "CRUNLOCAL_SNAPSHOT=%s: want overlay, hardlink or copy",
                          env);
  /* A cache from before copy became the fallback may still say hardlink. */
  if (!reprobe && cached_mode (s, release, mode) == 0)
    {
      if (*mode == SNAPSHOT_HARDLINK)
        *mode = SNAPSHOT_COPY;
      return 0;
    }
  if (store_staging_new (s, &st, err) < 0)
    return -1;
  *mode = probe_mode (&st, s->user_xattrs);
  store_staging_discard (s, &st);
  line = xasprintf ("%s %s\n", mode_names[*mode], release);
  return write_file_atomic_at (s->rootfd, MODE_CACHE, line, strlen (line), 0600, false, err);
}

/* The image's layer directories relative to layers/, base first. */
static char **
layer_dirs (struct store *s, const struct image_record *img, struct cl_error *err)
{
  cleanup_strv char **dirs = xcalloc (1, sizeof (char *));

  for (size_t i = 0; img->layers[i]; i++)
    {
      cleanup_free char *d = NULL;
      if (!store_has_layer (s, img->layers[i]))
        return cl_fail (err, ENOENT,
                        "layer %s of image %.12s is missing (run crunlocal store check)",
                        img->layers[i], img->id),
               NULL;
      d = xasprintf ("%s/diff", digest_hex (img->layers[i]));
      strv_append (&dirs, d);
    }
  return steal_pointer (&dirs);
}

static int
flatten_dirs (struct store *s, char *const *dirs, int destfd, enum snapshot_mode mode,
              struct cl_error *err)
{
  cleanup_close int layers = openat (s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (layers < 0)
    return cl_fail (err, errno, "open layers");
  return flatten_layers (layers, dirs, strv_len (dirs), destfd,
                         mode == SNAPSHOT_HARDLINK ? FLATTEN_HARDLINK : FLATTEN_COPY, err);
}

int
snapshot_flatten (struct store *s, const struct image_record *img, int destfd,
                  enum snapshot_mode mode, struct cl_error *err)
{
  cleanup_strv char **dirs = layer_dirs (s, img, err);

  return dirs ? flatten_dirs (s, dirs, destfd, mode, err) : -1;
}

const struct ns_overlay *
snapshot_overlay (const struct snapshot *snap)
{
  return snap->mode == SNAPSHOT_OVERLAY ? &snap->overlay : NULL;
}

static int
fill_rootfs (struct store *s, char *const *dirs, struct snapshot *snap, struct cl_error *err)
{
  cleanup_close int fd = open (snap->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "open %s", snap->rootfs);
  if (flatten_dirs (s, dirs, fd, snap->mode, err) < 0)
    return cl_wrap (err, "make the %s snapshot", mode_names[snap->mode]);
  return 0;
}

/* Overlay cannot read layers whose whiteouts are OCI files: copy them. */
static enum snapshot_mode
mode_for_image (struct store *s, const struct image_record *img, enum snapshot_mode mode)
{
  for (size_t i = 0; mode == SNAPSHOT_OVERLAY && img->layers[i]; i++)
    if (store_layer_oci_whiteouts (s, img->layers[i]))
      return SNAPSHOT_COPY;
  return mode;
}

int
snapshot_prepare (struct store *s, const struct image_record *img, const char *dir,
                  enum snapshot_mode mode, struct snapshot *snap, struct cl_error *err)
{
  cleanup_strv char **dirs = NULL;
  size_t n = strv_len (img->layers), used = 0, cap;

  memset (snap, 0, sizeof *snap);
  snap->mode = mode_for_image (s, img, mode);
  if (n == 0)
    return cl_fail (err, 0, "image %.12s has no layers", img->id);
  dirs = layer_dirs (s, img, err);
  if (!dirs)
    return -1;
  /* Overlay wants the top layer first. */
  cap = n * (DIGEST_HEX_LEN + 7) + 1;
  snap->lowerdir = xmalloc (cap);
  for (size_t i = n; i-- > 0;)
    used += (size_t)snprintf (snap->lowerdir + used, cap - used, "%s%s", used ? ":" : "", dirs[i]);
  snap->layers_dir = xasprintf ("%s/layers", s->root);
  snap->upperdir = xasprintf ("%s/upper", dir);
  snap->workdir = xasprintf ("%s/work", dir);
  snap->rootfs = xasprintf ("%s/rootfs", dir);
  snap->overlay = (struct ns_overlay){ .layers_dir = snap->layers_dir,
                                       .lowerdir = snap->lowerdir,
                                       .upperdir = snap->upperdir,
                                       .workdir = snap->workdir,
                                       .userxattr = s->user_xattrs };
  return snap->mode == SNAPSHOT_OVERLAY ? 0 : fill_rootfs (s, dirs, snap, err);
}

void
snapshot_clear (struct snapshot *snap)
{
  free (snap->layers_dir);
  free (snap->lowerdir);
  free (snap->upperdir);
  free (snap->workdir);
  free (snap->rootfs);
  memset (snap, 0, sizeof *snap);
}

enum layer_read
{
  LAYER_MISSING, /* not in this layer: look in the one below */
  LAYER_FOUND,
  LAYER_HIDES, /* whited out, or not a regular file: the image has none */
};

/* `path` in one layer, resolved as the container would see it: beneath the
   layer's diff directory, its "/" and ".." pinned there (an image whose
   /etc is a symlink to /etc, or to ../../../../etc, must not read the
   host's /etc/passwd). */
static enum layer_read
read_from_layer (int layerfd, const char *path, char **out)
{
  const char *slash = strrchr (path, '/'), *base = slash ? slash + 1 : path;
  cleanup_free char *dir
      = slash && slash != path ? xstrndup (path, (size_t)(slash - path)) : xstrdup ("/");
  cleanup_free char *wh = xasprintf (".wh.%s", base);
  cleanup_close int dfd = -1;
  struct cl_error ignored;
  struct stat st;

  dfd = openat_beneath (layerfd, dir, O_PATH | O_DIRECTORY, true, &ignored);
  if (dfd < 0)
    return ignored.errnum == ENOENT ? LAYER_MISSING : LAYER_HIDES;
  if (fstatat (dfd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return LAYER_HIDES; /* whited out, OCI style */
  if (fstatat (dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return LAYER_MISSING;
  if (!S_ISREG (st.st_mode)) /* a whiteout, or something we will not follow */
    return LAYER_HIDES;
  if (!out) /* is it there? */
    return LAYER_FOUND;
  if (read_file_beneath (dfd, base, 4 << 20, true, out, NULL, &ignored) < 0)
    return LAYER_HIDES;
  return LAYER_FOUND;
}

/* The top-most layer's answer; out NULL: only whether it has the file. */
static bool
find_in_layers (const struct snapshot_reader *r, const char *path, char **out)
{
  for (size_t i = strv_len (r->img->layers); i-- > 0;)
    {
      cleanup_free char *diff = xasprintf ("layers/%s/diff", digest_hex (r->img->layers[i]));
      cleanup_close int layerfd
          = openat (r->s->rootfd, diff, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

      if (layerfd < 0)
        return false;
      switch (read_from_layer (layerfd, path, out))
        {
        case LAYER_MISSING: continue;
        case LAYER_FOUND: return true;
        case LAYER_HIDES: return false;
        }
    }
  return false;
}

bool
snapshot_has_file (const char *path, void *arg)
{
  return find_in_layers (arg, path, NULL);
}

char *
snapshot_read_file (const char *path, void *arg)
{
  char *buf = NULL;

  return find_in_layers (arg, path, &buf) ? buf : NULL;
}

int
snapshot_copy_dir (struct store *s, const struct image_record *img, const char *path, int destfd,
                   struct cl_error *err)
{
  cleanup_strv char **dirs = layer_dirs (s, img, err);
  cleanup_close int layers = -1;

  if (!dirs)
    return -1;
  layers = openat (s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (layers < 0)
    return cl_fail (err, errno, "open layers");
  return flatten_subtree (layers, dirs, strv_len (dirs), path, destfd, err);
}
