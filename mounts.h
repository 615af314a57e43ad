/* A container's own mounts, as `run -v` and `--mount` ask for them:
   parsed into requests (pure, unit-tested), then made real at run time —
   host paths resolved (docker's -v makes a missing one, --mount refuses
   it), volumes created and filled from the image on first use, :U
   sources given to the container's user — and handed to the spec as
   binds (spec.h's spec_volume) and tmpfs mounts.

   -v forms:  /dst                 an anonymous volume
              NAME:/dst[:OPTS]     a named volume (volume.h's names)
              PATH:/dst[:OPTS]     a host path: absolute, or relative
                                   (./x, ../x, any with a "/") to the cwd
   OPTS, comma-separated: ro, rw, z, Z (SELinux labels: accepted, and
   nothing to do without SELinux), U (chown), nocopy (no copy-up).
   --mount: type=bind|volume|tmpfs, source|src, target|destination|dst,
   readonly|ro[=true|false], volume-nocopy, tmpfs-size, tmpfs-mode,
   bind-propagation (accepted, binds are rprivate). */
#ifndef CL_MOUNTS_H
#define CL_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"
#include "store.h"

enum mount_kind
{
  MOUNT_BIND,
  MOUNT_VOLUME,
  MOUNT_TMPFS,
};

struct mount_req
{
  enum mount_kind kind;
  char *source;      /* bind: the host path as given; volume: its name, NULL: anonymous */
  char *destination; /* absolute, inside the container */
  char *tmpfs_opts;  /* tmpfs: "size=...,mode=..." or NULL */
  bool readonly, chown, nocopy;
  bool make_source; /* bind: a missing host path is created (-v), else refused */
  char *resolved;   /* the host path mounted, once known */
};

struct mount_reqs
{
  struct mount_req *v;
  size_t n;
};

void mount_reqs_clear (struct mount_reqs *r);

/* Append what one -v or --mount asks for (refusing a destination
   already taken, as docker does). */
int mounts_parse_volume (struct mount_reqs *r, const char *arg, struct cl_error *err);
int mounts_parse_mount (struct mount_reqs *r, const char *arg, struct cl_error *err);

/* The image's VOLUMEs: an anonymous volume for each destination that no
   mount (nor a --tmpfs of `tmpfs`) takes already, as docker does. */
void mounts_add_image_volumes (struct mount_reqs *r, char *const *volumes, char *const *tmpfs);

/* Resolve the host paths of the binds (creating missing ones for -v):
   before anything is made in the store, so a refused source leaves
   nothing behind. */
int mounts_resolve_binds (struct mount_reqs *r, struct cl_error *err);

/* Create or find the volumes, copy the image's content into new empty
   ones, and append every mount to o (volumes, tmpfs), parents before
   what is mounted inside them (docker sorts them so too).  Each volume's
   name is appended to *names as soon as it exists.  Hold the volume
   lock (shared) until the container's record names them. */
struct image_record;
int mounts_prepare (struct store *s, const struct image_record *img, struct mount_reqs *r,
                    struct spec_opts *o, char ***names, struct cl_error *err);

/* :U — give each such source (recursively, never following a symlink)
   to the user and group the spec runs as, mapped through its id maps
   when it has any (rootless without subordinate ids: only what they map
   has an id outside). */
int mounts_chown (const struct mount_reqs *r, const struct spec *sp, struct cl_error *err);

#endif
