/* Bind mount sources a container's new user namespace cannot reach.
   Root's bundle may bind a directory below one of root's with mode 700
   (runc's userns.bats: source-inaccessible-1/dir): the child, created
   in its user namespace, is the container's root there — host uid
   100000, say — and cannot search the way to it, so its bind fails.

   So the caller, root outside that namespace, opens each source first
   and passes the fds (O_PATH) over the start-up socket; the child binds
   /proc/self/fd/N, a magic link that needs no search permission on the
   way (runc 1.1's _LIBCONTAINER_MOUNT_FDS; crun opens trees alike).  A
   bind must come from a mount of the child's own namespace (mount(2):
   EINVAL else), so the sources are opened inside it, after clone: by a
   short-lived helper the caller forks, which enters that namespace
   alone (setns needs a process of its own), not dumpable, holding no
   fd of ours but the socket.  The child closes the fds once its mounts
   are made: none reaches the container's command.

   Only where it matters: a new user namespace made by root.  Rootless,
   the namespace's root is the caller's own user, who reaches what the
   caller does; the child binds by path as it always did. */
#ifndef CL_BINDSRC_H
#define CL_BINDSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* Per spec mount, an fd of its source in the child, or -1 (bind it by
   path).  The child's; bind_sources_clear closes them. */
struct bind_sources
{
  int *fd;
  size_t n;
};

void bind_sources_init (struct bind_sources *b, size_t n);
void bind_sources_clear (struct bind_sources *b);
#define cleanup_bind_sources __attribute__ ((cleanup (bind_sources_clear)))

/* The fd to bind mounts[i] from, or -1. */
int bind_sources_fd (const struct bind_sources *b, size_t i);

/* A spec mount that binds its source (type "bind", or "bind"/"rbind"
   among its options). */
bool bindsrc_is_bind (const struct spec_mount *m);

/* What the helper sends for one source, with its fd (SCM_RIGHTS). */
#define BINDSRC_MSG 's'
struct bindsrc_msg
{
  uint32_t kind;  /* BINDSRC_MSG */
  uint32_t index; /* into spec->mounts */
};

/* The caller, between clone and "go": open the sources of s's binds in
   the mount namespace of `pid` and send them on `sock`, one message
   each, before returning.  Nothing (0) when not needed.  A source that
   is missing, cannot be opened, or lies inside the rootfs (the child
   sees it through its own mounts) is left to the child, whose error
   says why as it did. */
int bindsrc_send (const struct spec *s, pid_t pid, int sock, struct cl_error *err);

/* The child: keep the fd of one message (closed on a bad one). */
int bindsrc_take (struct bind_sources *b, const struct bindsrc_msg *m, int fd,
                  struct cl_error *err);

#endif
