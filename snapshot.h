/* A container's root filesystem over an image's layers: an overlay whose
   lower layers are the store's layer directories and whose upper and work
   directories are the container's own.  Making one costs the same for a
   5 MB and a 400 MB image: nothing is copied.  Where overlayfs cannot be
   mounted (an old kernel, a rootless user on a kernel before 5.11, a
   filesystem overlay refuses), the rootfs is a copy of the layers.  A
   hard-link farm (CRUNLOCAL_SNAPSHOT=hardlink, only when asked) is faster
   but shares file contents with the image: a write in place changes the
   image, which `store check` then reports (treehash.h). */
#ifndef CL_SNAPSHOT_H
#define CL_SNAPSHOT_H

#include "ns.h"
#include "store.h"

enum snapshot_mode
{
  SNAPSHOT_OVERLAY,
  SNAPSHOT_HARDLINK,
  SNAPSHOT_COPY,
};

const char *snapshot_mode_name (enum snapshot_mode m);

/* The mode this store's containers get: $CRUNLOCAL_SNAPSHOT when set,
   else what a probe found (cached in the store per kernel release;
   `reprobe` ignores the cache). */
int snapshot_mode_for (struct store *s, bool reprobe, enum snapshot_mode *mode,
                       struct cl_error *err);

struct snapshot
{
  enum snapshot_mode mode;
  char *layers_dir, *lowerdir, *upperdir, *workdir, *rootfs;
  struct ns_overlay overlay;
};

/* For SNAPSHOT_OVERLAY this only computes the mount (made in the
   container's mount namespace); the others fill rootfs/ now. */
int snapshot_prepare (struct store *s, const struct image_record *img, const char *container_dir,
                      enum snapshot_mode mode, struct snapshot *out, struct cl_error *err);
/* The overlay ns_start mounts, or NULL when the rootfs is a plain tree. */
const struct ns_overlay *snapshot_overlay (const struct snapshot *snap);

/* Flatten the image's layers into the directory `destfd` (a bundle). */
int snapshot_flatten (struct store *s, const struct image_record *img, int destfd,
                      enum snapshot_mode mode, struct cl_error *err);
void snapshot_clear (struct snapshot *snap);

/* A file of the image as the container will see it (the top-most layer
   that has it; NULL when missing or whited out).  For spec_file_reader. */
struct snapshot_reader
{
  struct store *s;
  const struct image_record *img;
};
char *snapshot_read_file (const char *path, void *reader);
/* Does the image have a regular file at `path` (of any size)? */
bool snapshot_has_file (const char *path, void *reader);

/* The image's directory at `path` copied into `destfd` (a new volume's
   copy-up, as docker does it); nothing when the image has none there. */
int snapshot_copy_dir (struct store *s, const struct image_record *img, const char *path,
                       int destfd, struct cl_error *err);

#endif
