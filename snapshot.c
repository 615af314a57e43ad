#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "util.h"

int
snapshot_prepare (struct store *s, const struct image_record *img, const char *dir,
                  struct snapshot *snap, struct cl_error *err)
{
  size_t n = strv_len (img->layers), used = 0, cap;

  memset (snap, 0, sizeof *snap);
  if (n == 0)
    return cl_fail (err, 0, "image %.12s has no layers", img->id);
  cap = n * (DIGEST_HEX_LEN + 7) + 1;
  snap->lowerdir = xmalloc (cap);
  for (size_t i = n; i-- > 0;)
    {
      if (!store_has_layer (s, img->layers[i]))
        return cl_fail (err, ENOENT, "layer %s of image %.12s is missing (run crunlocal store check)",
                        img->layers[i], img->id);
      used += (size_t) snprintf (snap->lowerdir + used, cap - used, "%s%s/diff", used ? ":" : "",
                                 digest_hex (img->layers[i]));
    }
  snap->layers_dir = xasprintf ("%s/layers", s->root);
  snap->upperdir = xasprintf ("%s/upper", dir);
  snap->workdir = xasprintf ("%s/work", dir);
  snap->rootfs = xasprintf ("%s/rootfs", dir);
  snap->overlay = (struct ns_overlay){ .layers_dir = snap->layers_dir,
                                       .lowerdir = snap->lowerdir,
                                       .upperdir = snap->upperdir,
                                       .workdir = snap->workdir,
                                       .userxattr = s->user_xattrs };
  return 0;
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

char *
snapshot_read_file (const char *path, void *arg)
{
  struct snapshot_reader *r = arg;
  size_t n = strv_len (r->img->layers);

  for (size_t i = n; i-- > 0;)
    {
      cleanup_free char *p = xasprintf ("layers/%s/diff%s", digest_hex (r->img->layers[i]), path);
      struct stat st;
      char *buf = NULL;
      struct cl_error ignored;
      if (fstatat (r->s->rootfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (!S_ISREG (st.st_mode)) /* a whiteout, or something we will not follow */
        return NULL;
      if (read_file_at (r->s->rootfd, p, 4 << 20, &buf, NULL, &ignored) < 0)
        return NULL;
      return buf;
    }
  return NULL;
}
