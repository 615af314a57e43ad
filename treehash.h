/* A digest of an unpacked layer tree, so that `store check` can tell when
   a layer changed after it was unpacked (a hard-link farm shares file
   contents with the layer: a container writing a file in place changes the
   image, which the blob's digest can no longer see).

   The digest covers, depth first in byte order of names: each entry's
   path, type, permission bits, owner, size, device numbers, a symlink's
   target and a file's contents.  Not times, link counts or xattrs: those
   change without the tree's meaning changing (and links are how a farm is
   made). */
#ifndef CL_TREEHASH_H
#define CL_TREEHASH_H

#include "digest.h"
#include "error.h"

/* The tree below `dirfd` (a directory; nothing outside it is followed). */
int tree_digest (int dirfd, char out[DIGEST_STR_LEN + 1], struct cl_error *err);

#endif
