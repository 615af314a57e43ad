#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../flatten.h"
#include "../../mounts.h"
#include "../../util.h"
#include "../../volume.h"
#include "tests.h"
#include "unit.h"

static bool
parses_v (const char *arg, struct mount_reqs *r)
{
  struct cl_error err = { 0 };
  return mounts_parse_volume (r, arg, &err) == 0;
}

static bool
parses_mount (const char *arg, struct mount_reqs *r)
{
  struct cl_error err = { 0 };
  return mounts_parse_mount (r, arg, &err) == 0;
}

/* -v's forms as docker and podman read them. */
void
test_mounts_volume (void)
{
  struct mount_reqs r = { 0 };

  CHECK (parses_v ("/data", &r) && r.v[0].kind == MOUNT_VOLUME && !r.v[0].source);
  CHECK (parses_v ("vol:/v", &r) && r.v[1].kind == MOUNT_VOLUME
         && strcmp (r.v[1].source, "vol") == 0);
  CHECK (parses_v ("/host:/h:ro,Z", &r) && r.v[2].kind == MOUNT_BIND && r.v[2].readonly
         && r.v[2].make_source);
  CHECK (parses_v ("./rel:/r:U", &r) && r.v[3].kind == MOUNT_BIND && r.v[3].chown
         && !r.v[3].readonly);
  CHECK (parses_v ("a/b:/ab:rw,z", &r) && r.v[4].kind == MOUNT_BIND);
  CHECK (parses_v ("vol2:/n:nocopy", &r) && r.v[5].nocopy);
  CHECK (!parses_v ("other:/v/", &r)); /* duplicate mount point */
  CHECK (!parses_v ("x:/x", &r));      /* a one-letter name is not docker's */
  CHECK (!parses_v ("vol:rel", &r));
  CHECK (!parses_v ("vol:/", &r));
  CHECK (!parses_v ("vol:/q:ro,rw", &r));
  CHECK (!parses_v ("vol:/q:bogus", &r));
  CHECK (!parses_v ("vol:/q:", &r));
  CHECK (!parses_v ("a:b:c:d", &r));
  CHECK (!parses_v (":/q", &r));
  CHECK (!parses_v ("rel", &r));
  CHECK (r.n == 6);
  mount_reqs_clear (&r);
}

void
test_mounts_mount (void)
{
  struct mount_reqs r = { 0 };

  CHECK (parses_mount ("type=bind,src=/h,dst=/b,readonly", &r) && r.v[0].kind == MOUNT_BIND
         && r.v[0].readonly && !r.v[0].make_source);
  CHECK (parses_mount ("type=volume,source=vol,target=/v,volume-nocopy", &r) && r.v[1].nocopy
         && strcmp (r.v[1].source, "vol") == 0);
  CHECK (parses_mount ("type=volume,destination=/anon", &r) && !r.v[2].source);
  CHECK (parses_mount ("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777", &r)
         && strcmp (r.v[3].tmpfs_opts, "size=1m,mode=1777") == 0);
  CHECK (parses_mount ("type=bind,src=/h,dst=/ro-false,ro=false", &r) && !r.v[4].readonly);
  CHECK (!parses_mount ("type=bind,dst=/nosrc", &r));
  CHECK (!parses_mount ("src=/h,dst=/notype", &r));
  CHECK (!parses_mount ("type=nfs,dst=/n", &r));
  CHECK (!parses_mount ("type=volume,src=../x,dst=/bad", &r));
  CHECK (!parses_mount ("type=bind,src=/h,dst=/t2,tmpfs-size=1m", &r));
  CHECK (!parses_mount ("type=bind,src=/h,dst=/b", &r));
  CHECK (!parses_mount ("type=bind,src=/h,dst=/u,colour=red", &r));
  CHECK (r.n == 5);
  mount_reqs_clear (&r);
}

/* An image's VOLUME gets an anonymous volume unless a mount takes it. */
void
test_mounts_image_volumes (void)
{
  struct mount_reqs r = { 0 };
  char *volumes[] = { "/data", "/taken", "/tmp", "/", NULL };
  char *tmpfs[] = { "/tmp:size=1m", NULL };

  CHECK (parses_v ("named:/taken/", &r));
  mounts_add_image_volumes (&r, volumes, tmpfs);
  CHECK (r.n == 2 && r.v[1].kind == MOUNT_VOLUME && !r.v[1].source
         && strcmp (r.v[1].destination, "/data") == 0);
  mount_reqs_clear (&r);
}

void
test_volume_names (void)
{
  CHECK (volume_name_valid ("data"));
  CHECK (volume_name_valid ("my_vol.1-x"));
  CHECK (volume_name_valid ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  CHECK (!volume_name_valid (".."));
  CHECK (!volume_name_valid ("../x"));
  CHECK (!volume_name_valid ("a/b"));
  CHECK (!volume_name_valid ("x"));
  CHECK (!volume_name_valid (".hidden"));
  CHECK (!volume_name_valid ("-x"));
  CHECK (!volume_name_valid (""));
}

static void
put (const char *root, const char *rel, const char *text)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  struct cl_error err;

  if (!text)
    {
      CHECK (mkdir_p (p, 0755, &err) == 0);
      return;
    }
  {
    cleanup_close int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK (fd >= 0 && write (fd, text, strlen (text)) == (ssize_t)strlen (text));
  }
}

static bool
exists (const char *root, const char *rel)
{
  cleanup_free char *p = xasprintf ("%s/%s", root, rel);
  struct stat st;

  return lstat (p, &st) == 0;
}

static void
copy_up (int layers_fd, char *const *layers, const char *path, const char *dest)
{
  cleanup_close int fd = -1;
  struct cl_error err = { 0 };

  mkdir (dest, 0755);
  fd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (fd >= 0 && flatten_subtree (layers_fd, layers, 2, path, fd, &err) == 0);
}

/* A volume's copy-up sees what the container sees: whiteouts and opaque
   directories resolved, and never a symlink followed out of a layer. */
void
test_flatten_subtree (void)
{
  char tmpl[] = "/tmp/cl-unit-subtree.XXXXXX";
  char *dir = mkdtemp (tmpl);
  char *layers[] = { "l1", "l2", NULL };
  cleanup_close int layers_fd = -1;
  cleanup_free char *out = NULL, *link = NULL;
  struct cl_error err;

  CHECK (dir != NULL);
  if (!dir)
    return;
  put (dir, "l1/a", NULL);
  put (dir, "l1/a/x", "x");
  put (dir, "l1/a/y", "y");
  put (dir, "l1/d", NULL);
  put (dir, "l1/d/1", "1");
  put (dir, "l2/a", NULL);
  put (dir, "l2/a/.wh.x", "");
  put (dir, "l2/d", NULL);
  put (dir, "l2/d/.wh..wh..opq", "");
  put (dir, "l2/d/3", "3");
  put (dir, "l1/gone", NULL);
  put (dir, "l1/gone/g", "g");
  put (dir, "l2/.wh.gone", "");
  link = xasprintf ("%s/l2/escape", dir);
  CHECK (symlink ("/etc", link) == 0);
  layers_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  out = xasprintf ("%s/out-a", dir);
  copy_up (layers_fd, layers, "/a", out);
  CHECK (exists (out, "y") && !exists (out, "x") && !exists (out, ".wh.x"));
  free (out);
  out = xasprintf ("%s/out-d", dir);
  copy_up (layers_fd, layers, "/d", out);
  CHECK (exists (out, "3") && !exists (out, "1") && !exists (out, ".wh..wh..opq"));
  free (out);
  out = xasprintf ("%s/out-gone", dir);
  copy_up (layers_fd, layers, "/gone", out);
  CHECK (!exists (out, "g"));
  free (out);
  out = xasprintf ("%s/out-escape", dir);
  copy_up (layers_fd, layers, "/escape", out);
  CHECK (!exists (out, "passwd"));
  free (out);
  out = xasprintf ("%s/out-missing", dir);
  copy_up (layers_fd, layers, "/missing/deeper", out);
  CHECK (!exists (out, "anything"));
  rm_rf_at (AT_FDCWD, dir, &err);
}
