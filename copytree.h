/* `cp`'s engine: a tree (or one file) read from a directory fd or from a
   tar stream, written into a directory fd or into a tar stream.  Every
   path written is walked one component at a time with O_NOFOLLOW from
   the destination directory, and every path read is opened the same way
   from the source, so neither side's symlinks are followed past the
   starting point: a container's symlink to /etc copies as a symlink,
   never as the host's /etc, and a tar entry under a symlink is refused. */
#ifndef CL_COPYTREE_H
#define CL_COPYTREE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "error.h"

struct copy_sink;

struct copy_opts
{
  bool keep_owners; /* -a: the source's uid/gid (else the writer's own) */
};

/* Into the directory `dirfd` (not owned). */
struct copy_sink *copy_sink_dir (int dirfd, const struct copy_opts *opts);
/* A tar stream onto `fd`. */
int copy_sink_tar (int fd, struct copy_sink **out, struct cl_error *err);
/* Finish (the tar's end) and free. */
int copy_sink_close (struct copy_sink *k, struct cl_error *err);
void copy_sink_free (struct copy_sink *k);
void cleanup_copy_sinkp (struct copy_sink **k);
#define cleanup_copy_sink __attribute__ ((cleanup (cleanup_copy_sinkp)))

/* The tree at `fd` (an O_PATH fd of what was found; a symlink is copied
   as a symlink) written as `name` ("." : a directory's entries straight
   into the sink's directory). */
int copy_tree (int fd, const char *name, struct copy_sink *k, struct cl_error *err);

/* Every entry of the tar stream on `fd` (plain or compressed). */
int copy_from_tar (int fd, struct copy_sink *k, struct cl_error *err);

/* Split "a/b/c" into the parent "a/b" and "c" (the parent of "c" is ".",
   trailing slashes ignored, "/" stays "/"); both allocated. */
void copy_split_path (const char *path, char **parent, char **base);

#endif
