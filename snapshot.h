/* A container's root filesystem over an image's layers: an overlay whose
   lower layers are the store's layer directories and whose upper and work
   directories are the container's own.  Making one costs the same for a
   5 MB and a 400 MB image: nothing is copied. */
#ifndef CL_SNAPSHOT_H
#define CL_SNAPSHOT_H

#include "ns.h"
#include "store.h"

struct snapshot
{
  char *layers_dir, *lowerdir, *upperdir, *workdir, *rootfs;
  struct ns_overlay overlay;
};

int snapshot_prepare (struct store *s, const struct image_record *img,
                      const char *container_dir, struct snapshot *out,
                      struct cl_error *err);
void snapshot_clear (struct snapshot *snap);

/* A file of the image as the container will see it (the top-most layer
   that has it; NULL when missing or whited out).  For spec_file_reader. */
struct snapshot_reader
{
  struct store *s;
  const struct image_record *img;
};
char *snapshot_read_file (const char *path, void *reader);

#endif
