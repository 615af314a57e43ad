#include "cgrouprec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define RECORD "cgroup"
/* rmdir while the killed are still being reaped: EBUSY for a moment. */
#define RMDIR_TRIES 300
#define RMDIR_WAIT_NS (10 * 1000 * 1000)

/* Up to size-1 bytes of a small file, NUL-terminated; -1 (errno set)
   when it cannot be read.  (Not read_file_at: the monitor links this,
   and stays small without realloc, strtok or strstr.) */
static ssize_t
read_small_at (int dirfd, const char *path, char *buf, size_t size)
{
  int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t used = 0;
  ssize_t n = 0;

  if (fd < 0)
    return -1;
  while (used < size - 1
         && ((n = read (fd, buf + used, size - 1 - used)) > 0 || (n < 0 && errno == EINTR)))
    used += n > 0 ? (size_t)n : 0;
  close (fd);
  buf[used] = '\0';
  return n < 0 ? -1 : (ssize_t)used;
}

void
cgroup_dirs_clear (struct cgroup_dirs *d)
{
  for (size_t i = 0; i < d->n; i++)
    free (d->dir[i]);
  memset (d, 0, sizeof *d);
}

int
cgrouprec_write (int dirfd, const struct cgroup_dirs *d, struct cl_error *err)
{
  char text[CGROUP_DIRS_MAX * 4096 / 8];
  size_t used = 0;

  for (size_t i = 0; i < d->n; i++)
    {
      size_t n = strlen (d->dir[i]);
      if (used + n + 1 > sizeof text)
        return cl_fail (err, ENAMETOOLONG, "the cgroup record is too long");
      memcpy (text + used, d->dir[i], n);
      text[used + n] = '\n';
      used += n + 1;
    }
  return write_file_atomic_at (dirfd, RECORD, text, used, 0600, false, err);
}

/* What crunlocal makes: a directory under a crunlocal/, or (the OCI
   runtime's linux.cgroupsPath) one below /sys/fs/cgroup/<hierarchy>/. */
static bool
under_crunlocal (const char *path)
{
  if (strstr (path, "/../") || strstr (path, "/./"))
    return false;
  if (strncmp (path, "/sys/fs/cgroup/", 15) == 0 && strchr (path + 15, '/'))
    return true;
  for (const char *p = path; *p; p++)
    if (strncmp (p, "/crunlocal/", 11) == 0)
      return true;
  return false;
}

int
cgrouprec_read (int dirfd, struct cgroup_dirs *d, struct cl_error *err)
{
  char buf[CGROUP_DIRS_MAX * 4096 / 8];
  char *next;

  memset (d, 0, sizeof *d);
  if (read_small_at (dirfd, RECORD, buf, sizeof buf) < 0)
    return errno == ENOENT ? 1 : cl_fail (err, errno, "read the cgroup record");
  for (char *l = buf; *l && d->n < CGROUP_DIRS_MAX; l = next)
    {
      next = l + strcspn (l, "\n");
      if (*next)
        *next++ = '\0';
      /* Only what crunlocal makes (under_crunlocal). */
      if (l[0] == '/' && under_crunlocal (l))
        d->dir[d->n++] = xstrdup (l);
    }
  return 0;
}

int
cgrouprec_remove (int dirfd, struct cl_error *err)
{
  if (unlinkat (dirfd, RECORD, 0) < 0 && errno != ENOENT)
    return cl_fail (err, errno, "remove the cgroup record");
  return 0;
}

/* A decimal number at *p, moving past it; -1 when there is none.  (Not
   strtol: its scanner is the monitor's largest dependency.) */
static long long
take_number (char **p)
{
  long long v = -1;

  for (; **p >= '0' && **p <= '9'; (*p)++)
    v = (v < 0 ? 0 : v * 10) + (**p - '0');
  return v;
}

/* The value of line `key` of FILE in directory `dfd` ("oom_kill 1"); -1
   when absent.  No stdio: the monitor links this, and fscanf alone
   would double it. */
static long long
read_keyed (int dfd, const char *file, const char *key)
{
  char buf[4096];
  size_t kl = strlen (key);

  if (read_small_at (dfd, file, buf, sizeof buf) < 0)
    return -1;
  for (char *l = buf; *l; l += strcspn (l, "\n") + (l[strcspn (l, "\n")] != '\0'))
    if (strncmp (l, key, kl) == 0 && l[kl] == ' ')
      {
        char *v = l + kl + 1;
        return take_number (&v);
      }
  return -1;
}

/* DIR's OOM kill count: v1's memory.oom_control, else v2's
   memory.events; -1 when it has neither (another controller's). */
static long long
oom_kills (const char *dir)
{
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  long long v = dfd < 0 ? -1 : read_keyed (dfd, "memory.oom_control", "oom_kill");

  return dfd >= 0 && v < 0 ? read_keyed (dfd, "memory.events", "oom_kill") : v;
}

/* Cgroupfs lookups are the cost here.  Where the memory controller is
   a v1 hierarchy, it alone counts the kills, and its directory is most
   often the one named so: asked first, it answers for all. */
bool
cgroup_dirs_oom_killed (const struct cgroup_dirs *d)
{
  for (size_t i = 0; i < d->n; i++)
    if (strstr (d->dir[i], "memory/"))
      {
        long long v = oom_kills (d->dir[i]);
        if (v >= 0)
          return v > 0;
      }
  for (size_t i = 0; i < d->n; i++)
    if (oom_kills (d->dir[i]) > 0)
      return true;
  return false;
}

static int
write_file (const char *dir, const char *file, const char *text, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return cl_fail (err, errno, "open %s", path);
  if (write (fd, text, strlen (text)) < 0)
    return cl_fail (err, errno, "write %s to %s", text, path);
  return 0;
}

int
cgroup_dirs_attach (const struct cgroup_dirs *d, pid_t pid, struct cl_error *err)
{
  cleanup_free char *text = xasprintf ("%d", (int)pid);

  for (size_t i = 0; i < d->n; i++)
    if (write_file (d->dir[i], "cgroup.procs", text, err) < 0)
      return -1;
  return 0;
}

static void
kill_listed (const char *dir)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.procs", dir);
  char buf[16384]; /* a second pass kills what did not fit */
  long long pid;

  if (read_small_at (AT_FDCWD, path, buf, sizeof buf) < 0)
    return;
  for (char *p = buf; (pid = take_number (&p)) >= 0 && *p == '\n'; p++)
    if (pid > 0)
      kill ((pid_t)pid, SIGKILL);
}

static bool
kill_all (const struct cgroup_dirs *d)
{
  struct cl_error ignored;
  bool any = false;

  for (size_t i = 0; i < d->n; i++)
    if (access (d->dir[i], F_OK) == 0)
      {
        any = true;
        if (write_file (d->dir[i], "cgroup.kill", "1", &ignored) < 0)
          kill_listed (d->dir[i]);
      }
  /* A paused container: v1's frozen tasks die only once thawed. */
  for (size_t i = 0; i < d->n; i++)
    write_file (d->dir[i], "freezer.state", "THAWED", &ignored);
  return any;
}

/* Sub-cgroups the container made in its own (a delegated cgroup, a
   writable v1 mount): their processes killed, removed deepest first. */
static void
remove_children (const char *dir, int depth)
{
  cleanup_dir DIR *dp = depth < 16 ? opendir (dir) : NULL;
  struct dirent *e;

  while (dp && (e = readdir (dp)))
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, e->d_name);
        remove_children (sub, depth + 1);
        kill_listed (sub);
        rmdir (sub);
      }
}

int
cgroup_dirs_remove (const struct cgroup_dirs *d, struct cl_error *err)
{
  struct timespec wait = { 0, RMDIR_WAIT_NS };
  size_t left = d->n;
  bool busy = false;

  /* Most often they are empty already (a PID namespace's processes die
     with its init, before its parent learns it exited): no kill, no
     listing. */
  for (size_t i = 0; i < d->n; i++)
    if (rmdir (d->dir[i]) < 0 && errno != ENOENT)
      {
        if (errno != EBUSY)
          return cl_fail (err, errno, "remove cgroup %s", d->dir[i]);
        busy = true;
      }
  if (!busy || !kill_all (d))
    return 0;
  for (int t = 0; t < RMDIR_TRIES && left; t++)
    {
      left = 0;
      for (size_t i = 0; i < d->n; i++)
        {
          /* Busy: sub-cgroups first (listed only then: a cgroup
             directory holds dozens of files), or still dying. */
          bool gone = rmdir (d->dir[i]) == 0 || errno == ENOENT;
          if (!gone && errno == EBUSY)
            {
              remove_children (d->dir[i], 0);
              gone = rmdir (d->dir[i]) == 0 || errno == ENOENT;
            }
          if (gone)
            continue;
          if (errno != EBUSY)
            return cl_fail (err, errno, "remove cgroup %s", d->dir[i]);
          left++;
        }
      if (left)
        {
          kill_all (d); /* a fork that raced the first kill */
          nanosleep (&wait, NULL);
        }
    }
  if (left)
    return cl_fail (err, EBUSY, "%zu of the container's cgroups still hold processes", left);
  return 0;
}

bool
cgroup_dirs_finish (const struct cgroup_dirs *d, int recfd)
{
  struct cl_error ignored;
  bool oom = cgroup_dirs_oom_killed (d);

  if (cgroup_dirs_remove (d, &ignored) == 0 && recfd >= 0)
    cgrouprec_remove (recfd, &ignored);
  return oom;
}
