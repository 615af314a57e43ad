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

#endif
