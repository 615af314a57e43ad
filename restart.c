#include "restart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STOPPED_FILE "stopped"

static const char *names[] = { "no", "always", "unless-stopped", "on-failure" };

int
restart_parse (const char *s, struct restart_policy *p, struct cl_error *err)
{
  const char *colon = strchr (s, ':');
  size_t len = colon ? (size_t)(colon - s) : strlen (s);
  int kind = -1;

  memset (p, 0, sizeof *p);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen (names[i]) == len && strncmp (s, names[i], len) == 0)
      kind = (int)i;
  p->kind = kind < 0 ? RESTART_NO : kind;
  if (kind < 0)
    return cl_fail (err, 0,
                    "invalid restart policy \"%s\": want no, always, unless-stopped or "
                    "on-failure[:MAX]",
                    s);
  if (colon)
    {
      char *end;
      long max = strtol (colon + 1, &end, 10);
      if (p->kind != RESTART_ON_FAILURE || !colon[1] || *end || max < 0 || max > 1000000)
        return cl_fail (err, 0, "invalid restart policy \"%s\": only on-failure takes a count", s);
      p->max = (int)max;
    }
  return 0;
}

const char *
restart_name (const struct restart_policy *p)
{
  return names[p->kind];
}

long
restart_delay (const struct restart_policy *p, int code, int count, bool stopped, long ran_ms)
{
  long delay = 100;

  if (p->kind == RESTART_NO || stopped)
    return -1;
  if (p->kind == RESTART_ON_FAILURE && (code == 0 || (p->max > 0 && count >= p->max)))
    return -1;
  if (ran_ms >= 10000)
    return delay;
  for (int i = 0; i < count && delay < 60000; i++)
    delay *= 2;
  return delay < 60000 ? delay : 60000;
}

int
restart_mark_stopped (int dirfd, struct cl_error *err)
{
  int fd = openat (dirfd, STOPPED_FILE, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "mark the container stopped");
  close (fd);
  return 0;
}

bool
restart_stopped (int dirfd)
{
  return faccessat (dirfd, STOPPED_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
restart_clear_stopped (int dirfd, struct cl_error *err)
{
  if (unlinkat (dirfd, STOPPED_FILE, 0) < 0 && errno != ENOENT)
    return cl_fail (err, errno, "clear the container's stopped mark");
  return 0;
}
