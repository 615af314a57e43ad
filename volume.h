/* Volumes in the store: directories that outlive containers, as
   docker's "local" driver keeps them.

   Layout under the store root:
     volumes/<name>/_data        what containers mount
     volumes/<name>/volume.json  its record: name, created, anonymous
     volumes/.new-<rand>, .rm-<rand>  being made or removed (leftovers of
                                 a killed command, cleaned by prune)

   A volume appears whole: it is made under a hidden name and renamed
   into place, so two runs that create the same name meet one volume.
   Which containers use a volume is in their records (container.h); the
   flock locks/volumes orders the two: shared while a run creates its
   volumes and saves its record, exclusive while a volume is removed
   (after checking no record names it).  Removal never follows a
   symlink: a container may leave one to any host file in _data. */
#ifndef CL_VOLUME_H
#define CL_VOLUME_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

struct volume
{
  char *name;
  char *mountpoint; /* absolute path of its _data */
  long long created;
  bool anonymous; /* made by -v /dst: removed with its container by rm -v and --rm */
};

void volume_clear (struct volume *v);
void volume_list_free (struct volume *v, size_t n);

/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so never "..", never a "/"). */
bool volume_name_valid (const char *name);

/* locks/volumes, shared or exclusive; returns the fd holding it. */
int volume_lock (struct store *s, bool exclusive, struct cl_error *err);

/* Make volume `name` (NULL: a fresh 64-hex name) unless it exists;
   *created says which.  An existing one is returned as it is (docker's
   `volume create` of a name in use is a no-op). */
int volume_create (struct store *s, const char *name, bool anonymous, struct volume *out,
                   bool *created, struct cl_error *err);
/* 0 found, 1 none, -1 error. */
int volume_lookup (struct store *s, const char *name, struct volume *out, struct cl_error *err);
/* Every volume, sorted by name. */
int volume_list (struct store *s, struct volume **out, size_t *n, struct cl_error *err);

/* The containers (their names) whose records name the volume; NULL
   when none. */
char **volume_users (struct store *s, const char *name);

/* Remove the volume, refusing (EBUSY) while a container uses it.  Hold
   the exclusive lock.  0 removed, 1 no such volume, -1 error. */
int volume_remove (struct store *s, const char *name, struct cl_error *err);
/* Of `names`, remove the anonymous volumes no container uses any more
   (rm -v, --rm); takes the lock itself. */
int volume_remove_anonymous (struct store *s, char *const *names, struct cl_error *err);
/* What killed removals and creations left behind. */
void volume_remove_leftovers (struct store *s);
/* docker's prune (since 23.0): the anonymous volumes no container uses,
   or with `all` every unused one, and the leftovers; the names removed
   are appended to *removed.  Takes the lock itself. */
int volume_prune (struct store *s, bool all, char ***removed, struct cl_error *err);

/* The volume whose _data is `path`, or NULL (for inspect's Mounts). */
char *volume_name_of_path (const struct store *s, const char *path);

#endif
