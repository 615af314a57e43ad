#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int
seal (int fd, struct cl_error *err)
{
  if (fcntl (fd, F_ADD_SEALS, SEALS) < 0)
    return cl_fail (err, errno, "seal the memfd");
  return 0;
}

static int
memfd (const char *name, struct cl_error *err)
{
  int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0)
    return cl_fail (err, errno, "memfd_create");
  return fd;
}

int
sealed_from_buf (const char *name, const void *buf, size_t len, struct cl_error *err)
{
  cleanup_close int fd = memfd (name, err);

  if (fd < 0 || write_all (fd, buf, len, err) < 0 || seal (fd, err) < 0)
    return cl_wrap (err, "a sealed copy of %s", name);
  return steal_fd (&fd);
}

static bool
is_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);

  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int
copy_fd (int dst, int src, struct cl_error *err)
{
  for (;;)
    {
      ssize_t n = sendfile (dst, src, NULL, 1 << 20);
      if (n == 0)
        return 0;
      if (n < 0 && errno != EINTR)
        return cl_fail (err, errno, "copy our executable");
    }
}

/* The memfd's name shows as our comm after the exec: take the name we
   were called by back. */
static void
restore_comm (const char *argv0)
{
  const char *base = strrchr (argv0, '/');

  prctl (PR_SET_NAME, base ? base + 1 : argv0, 0, 0, 0);
}

/* The path this process was executed from, malloc'd; NULL when unknown. */
static char *
self_exe (void)
{
  char path[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", path, sizeof path - 1);

  if (n <= 0)
    return NULL;
  path[n] = '\0';
  return xstrdup (path);
}

bool
sealed_running (void)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);

  return self >= 0 && is_sealed (self);
}

int
sealed_reexec (char **argv, struct cl_error *err)
{
  extern char **environ;
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int fd = -1;
  cleanup_free char *path = NULL;

  if (self < 0)
    return cl_fail (err, errno, "open /proc/self/exe");
  if (is_sealed (self))
    {
      restore_comm (argv[0]);
      return 0;
    }
  path = self_exe ();
  if (path)
    setenv (SEALED_ORIGIN_ENV, path, 1);
  fd = memfd ("crunlocal", err);
  if (fd < 0 || copy_fd (fd, self, err) < 0 || seal (fd, err) < 0)
    return cl_wrap (err, "run from a sealed copy of crunlocal");
  fexecve (fd, argv, environ);
  return cl_fail (err, errno, "run from a sealed copy of crunlocal");
}

char *
sealed_origin (void)
{
  const char *env = getenv (SEALED_ORIGIN_ENV);

  if (env && env[0] == '/')
    return xstrdup (env);
  return self_exe ();
}
