/* `run --context [DIR][:TARGET]`: the caller's source tree at TARGET
   (default /workspace), read-only underneath and writable on top, without
   copying it.  DIR is the lower directory of an overlay whose upper and
   work directories are the container's own (ctx/ in its directory), so
   whatever the container writes stays there and DIR is never modified.
   The paths DIR's .crunlocalignore (else .dockerignore; else a default
   list, DEFAULT_IGNORE) matches are masked with whiteouts in the upper
   before the container starts: the walk visits only the directories a
   pattern can reach (ignore.h), and a matched directory is masked once.
   The mount itself is an OCI spec mount (type "overlay", lowerdir=,
   upperdir=, workdir= options, as runc takes them), so ns.c mounts it
   like any other, `start` mounts it again, and a bundle carries it.

   Where overlay cannot be used (the snapshot probe found none, or the
   store refuses whiteouts), DIR is copied instead — with reflinks
   (FICLONE) where the filesystem shares blocks, else a plain copy —
   skipping what is ignored, and one line says which and why.

   ctx/ holds: lower (a symlink to DIR: keeps commas and colons in DIR's
   path out of the mount options), upper/, work/, target (TARGET) and
   masked (the masked paths, one a line, which `diff` does not report as
   deletions); or copy/ for a copy.  With --context-keep ctx/ is a symlink
   to contexts/<id>/ in the store, which outlives the container. */
#ifndef CL_CONTEXT_H
#define CL_CONTEXT_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"
#include "store.h"

#define CONTEXT_DEFAULT_TARGET "/workspace"
/* Used when DIR has no ignore file (rfc-0060 §3.3's list, anchored at
   DIR as Docker's patterns are). */
#define CONTEXT_DEFAULT_IGNORE ".git\nnode_modules\ntarget\n"

struct context_req
{
  char *dir;    /* as given ("." when empty) */
  char *target; /* absolute */
  bool ignore_none, keep;
};

/* Parse DIR[:TARGET] ("" and NULL: ".", /workspace); TARGET must be
   absolute.  The last ':' followed by '/' splits. */
int context_parse (const char *arg, struct context_req *req, struct cl_error *err);
void context_req_clear (struct context_req *req);

enum context_mode
{
  CONTEXT_OVERLAY,
  CONTEXT_REFLINK,
  CONTEXT_COPY,
};

struct context
{
  enum context_mode mode;
  char *dir;     /* DIR, resolved */
  char *ctx;     /* the ctx/ directory (or where --context-keep put it) */
  size_t masked; /* whiteouts made */
  struct spec_mount mount;
};

/* Make the container's context in `container_dir` (its id for
   --context-keep).  `overlay` says whether overlay mounts work here;
   `userxattr` whether they need that option (rootless). */
int context_prepare (struct store *s, const struct context_req *req, const char *container_dir,
                     const char *id, bool overlay, bool userxattr, struct context *out,
                     struct cl_error *err);
void context_clear (struct context *c);

/* The ignore rules context_prepare uses for `dir` (an open directory). */
struct ignore;
int context_read_ignore (int dirfd, bool ignore_none, struct ignore *ig, struct cl_error *err);

#endif
