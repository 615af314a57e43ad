/* The pull pipeline: reference → source → verified manifest, config and
   layers in the store → image record.  Layers download concurrently and
   unpack as they arrive, with no copy of the tarball on disk. */
#ifndef CL_PULL_H
#define CL_PULL_H

#include "digest.h"
#include "error.h"
#include "progress.h"
#include "registry.h"
#include "store.h"

#define PULL_MAX_PARALLEL 4

struct pull_opts
{
  const char *platform; /* "os/arch[/variant]", NULL for this machine */
  struct registry_opts reg;
  enum progress_mode progress;
};

/* Writes the image ID (config digest hex) into id. */
int pull_image (struct store *s, const char *reference, const struct pull_opts *opts,
                char id[DIGEST_HEX_LEN + 1], struct cl_error *err);

#endif
