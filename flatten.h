/* Layers → one plain directory tree, for hosts where overlayfs cannot be
   mounted and for self-contained bundles (`crunlocal spec -o`).  Layers
   are applied bottom to top with their overlay whiteouts and opaque
   directories resolved.  Owners, modes, times, xattrs and hard links are
   kept. */
#ifndef CL_FLATTEN_H
#define CL_FLATTEN_H

#include "error.h"

enum flatten_mode
{
  /* Files are hard links into the layers: as cheap as a directory walk,
     but a file rewritten in place changes the layer for everyone. */
  FLATTEN_HARDLINK,
  /* Files are copies (reflinks where the filesystem can). */
  FLATTEN_COPY,
};

/* Apply the layer directories `layers[0..n)` (bottom first, each relative
   to `layers_fd`) onto the directory `destfd`. */
int flatten_layers (int layers_fd, char *const *layers, size_t n, int destfd,
                    enum flatten_mode mode, struct cl_error *err);

/* The directory the layers make at `path` (absolute, inside the image)
   copied onto `destfd`, with its owner and mode: a volume's copy-up.
   Nothing is copied when the image has no directory there (missing,
   whited out, a file, or a symlink on the way: never followed, it
   could point out of the layer).  Device nodes are left out: a volume
   holds data, and one it held would open the host's devices wherever no
   device cgroup guards them. */
int flatten_subtree (int layers_fd, char *const *layers, size_t n, const char *path, int destfd,
                     struct cl_error *err);

#endif
