/* Rootless identity: who we are on the host, and entering a user namespace
   with the subordinate ids of /etc/subuid so that unpacked files keep the
   image's owners (as podman does). */
#ifndef CL_USERNS_H
#define CL_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Our effective uid as the host sees it, read from /proc/self/uid_map. */
uid_t userns_host_euid (void);

/* True when this process is in a user namespace with a full subordinate
   range mapped (not the initial namespace, not a single mapping). */
bool userns_has_range (void);

struct subid_range
{
  unsigned long start, count;
};

/* The first range of `file` (/etc/subuid or /etc/subgid) for the user
   named `name` or numbered `id`; 0 found, 1 none, -1 error. */
int userns_subid_range (const char *file, const char *name, unsigned long id,
                        struct subid_range *out, struct cl_error *err);

/* For an unprivileged user with a subordinate range and newuidmap: move
   this (single-threaded) process into a new user namespace where the user
   is root and the range maps 1..count.  A no-op for root, inside a user
   namespace already, or with no range (everything then stays the user's).
   Sets *entered. */
int userns_enter_for_store (bool *entered, struct cl_error *err);

#endif
