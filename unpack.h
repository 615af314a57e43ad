/* Safe layer unpack: a (gzip/zstd/plain) tar stream from an fd into a
   directory, never writing outside it, with OCI whiteouts turned into
   overlayfs ones.  It computes both the blob digest (of the bytes read)
   and the diff ID (of the uncompressed tar) for the caller to verify. */
#ifndef CL_UNPACK_H
#define CL_UNPACK_H

#include <stdbool.h>

#include "digest.h"
#include "error.h"

/* What one layer may hold, against hostile images: entries, bytes once
   decompressed, and the ratio of those bytes to the compressed ones (a
   decompression bomb: gzip cannot pass ~1032, zstd and xz of zeros can),
   checked only past RATIO_FLOOR so that small layers of zeros still pass. */
#define LAYER_MAX_ENTRIES 1000000LL
#define LAYER_MAX_BYTES (64LL << 30)
#define LAYER_MAX_RATIO 2000LL
#define LAYER_RATIO_FLOOR (64LL << 20)

struct unpack_opts
{
  long long max_entries, max_bytes; /* 0: LAYER_MAX_ENTRIES, LAYER_MAX_BYTES */
  bool user_xattrs;                 /* user.overlay.* (rootless) rather than trusted.overlay.* */
  bool keep_owners;                 /* chown to the image's ids (root, or a full id mapping) */
  bool make_devices;                /* create device nodes (only real root can) */
  void (*notice) (const char *msg, void *arg); /* one-line notices */
  void *notice_arg;
};

struct unpack_result
{
  char digest[DIGEST_STR_LEN + 1];  /* of the bytes read from the fd */
  char diff_id[DIGEST_STR_LEN + 1]; /* of the uncompressed tar */
  long long size;                   /* bytes read from the fd */
  long long diff_size;              /* bytes of the uncompressed tar */
  long long entries;
  bool oci_whiteouts; /* whiteouts kept as .wh. files: overlay cannot use it */
};

/* Read `fd` to EOF and unpack into `destfd`.  On error the directory holds
   a partial tree for the caller to discard. */
int unpack_layer (int fd, int destfd, const struct unpack_opts *opts, struct unpack_result *res,
                  struct cl_error *err);

/* Split a tar entry name into clean components: leading "/" and "./"
   dropped, "." skipped, ".." refused.  Returns the count, -1 if refused.
   Exposed for the unit tests. */
int unpack_clean_path (const char *name, char *out, size_t outlen);

#endif
