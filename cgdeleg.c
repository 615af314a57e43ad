#include "cgdeleg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *
cgdeleg_v2_path (const char *text)
{
  for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, "0::", 3) == 0)
      {
        const char *end = strchr (p, '\n');
        size_t n = end ? (size_t)(end - p - 3) : strlen (p + 3);
        char *path = xmalloc (n + 1);
        memcpy (path, p + 3, n);
        path[n] = '\0';
        return path;
      }
  return NULL;
}

/* Ours to make cgroups in and move processes through?  (access(2), not
   the owner's uid: in a rootless store's user namespace the user is 0.) */
static bool
writable (const char *dir)
{
  cleanup_free char *procs = xasprintf ("%s/cgroup.procs", dir);

  return access (dir, W_OK) == 0 && access (procs, W_OK) == 0;
}

int
cgdeleg_root (const char *mount, char **out, struct cl_error *err)
{
  cleanup_free char *text = NULL, *path = NULL, *found = NULL;

  if (read_file_at (AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, NULL, err) < 0)
    return -1;
  path = cgdeleg_v2_path (text);
  if (!path || path[0] != '/' || strstr (path, "/.."))
    return 1;
  /* Up from our own cgroup while the user owns it; the mount's root
     (never a user's) is not looked at. */
  for (size_t len = strlen (path); len > 1;)
    {
      char *dir;
      path[len] = '\0';
      dir = xasprintf ("%s%s", mount, path);
      if (!writable (dir))
        {
          free (dir);
          break;
        }
      free (found);
      found = dir;
      len = (size_t)(strrchr (path, '/') - path);
    }
  if (!found)
    return 1;
  *out = steal_pointer (&found);
  return 0;
}
