/* The OCI runtime's state (runtime.c): one directory per container under
   --root, as runc keeps it, so that every command — and an engine after
   a crash of whoever ran `create` — reads the same record.

     ROOT/ID/state.json   our record: pid and its start time, bundle,
                          rootfs, creation time, owner
     ROOT/ID/config.json  the config.json as created (exec's defaults,
                          the hooks of `start` and `delete`)
     ROOT/ID/exec.fifo    present while the container is "created": its
                          process waits to read one byte from it
     ROOT/ID/ns.sock      rootless, while "created": where that process
                          hands its namespaces to `exec` (nsserve.h)
     ROOT/ID/cgroup       the cgroups made for it (cgrouprec.h)

   Every command that changes a container holds flock on its directory.
   The status is derived, never stored: a process that is gone (or a
   zombie, or a reused pid: the start time tells) is "stopped". */
#ifndef CL_RTSTATE_H
#define CL_RTSTATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

enum rt_status
{
  RT_CREATED,
  RT_RUNNING,
  RT_PAUSED,
  RT_STOPPED,
  RT_CREATING, /* only for the hooks that run while it is made */
};

struct rtstate
{
  char *id, *bundle, *rootfs;
  pid_t pid;
  unsigned long long pid_start; /* /proc/PID/stat field 22 */
  char *created;                /* RFC 3339 with nanoseconds, UTC */
  uid_t owner;
};

void rtstate_clear (struct rtstate *st);
#define cleanup_rtstate __attribute__ ((cleanup (rtstate_clear)))

/* runc's rule for container IDs: [A-Za-z0-9_+.-]+, and not "." or "..". */
bool rtstate_valid_id (const char *id);

/* The default --root: /run/crunlocal-runtime for root, else
   $XDG_RUNTIME_DIR/crunlocal-runtime (or /tmp/crunlocal-runtime-UID). */
char *rtstate_default_root (void);

/* A container's directory, locked: made new (`create`; EEXIST when the ID
   is taken) or opened (ENOENT when there is none).  *dirfd is its fd and
   holds the lock. */
int rtstate_make (const char *root, const char *id, int *dirfd, struct cl_error *err);
int rtstate_open (const char *root, const char *id, bool lock, int *dirfd, struct cl_error *err);

int rtstate_save (int dirfd, const struct rtstate *st, struct cl_error *err);
int rtstate_load (int dirfd, struct rtstate *st, struct cl_error *err);

/* /proc/PID/stat's start time; 0 when there is no such live process
   (zombies count as gone). */
unsigned long long rtstate_pid_start (pid_t pid);

/* Is the container's first process still the one recorded? */
bool rtstate_alive (const struct rtstate *st);
enum rt_status rtstate_status (int dirfd, const char *dirpath, const struct rtstate *st);
const char *rtstate_status_name (enum rt_status s);

/* The OCI state (runtime-spec runtime.md#state) plus runc's rootfs,
   created and owner; annotations from the saved config.json.  Malloc'd. */
char *rtstate_json (int dirfd, const struct rtstate *st, enum rt_status status, bool pretty);

/* The IDs under `root` (sorted), NULL-terminated. */
char **rtstate_list (const char *root);

#endif
