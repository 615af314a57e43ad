#include "sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The new mount API (<linux/mount.h> clashes with <sys/mount.h>). */
#ifndef SYS_fsopen
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#define FSOPEN_CLOEXEC 0x1
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 0x1
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NODEV 0x4
#define OVERLAYFS_MAGIC 0x794c7630

/* Set across the exec from the overlay (below), taken back at once. */
#define SEALED_OVERLAY_ENV "CRUNLOCAL_SEALED_OVERLAY"

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

/* Root's zero-copy seal, runc 1.2's: a detached overlayfs whose two
   layers are both lower ones — the directory holding our binary on top,
   `empty` below — so its superblock is read-only (no upper layer to
   write into, whatever a mount's flags say, and a clone of the mount
   cannot "unwrap" it as it could a read-only bind).  The file executed
   through it shares the on-disk binary's page cache: no 2 MB copy.
   Opened read-only, or -1 when it cannot be (no CAP_SYS_ADMIN, no
   fsopen or "lowerdir+" (Linux 6.8), overlapping paths, the binary
   replaced meanwhile): the memfd copy then. */
static int
overlay_open (int self, const char *path, const char *empty)
{
  cleanup_close int fs = -1, mnt = -1, fd = -1;
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  struct stat a, b;

  if (!slash || slash == dir || (mkdir (empty, 0700) < 0 && errno != EEXIST))
    return -1;
  *slash = '\0';
  fs = (int)syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0 || syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", empty, 0) < 0
      || syscall (SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  mnt = (int)syscall (SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (mnt < 0 || (fd = openat (mnt, slash + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
    return -1;
  /* The same file: overlayfs shows the lower one's size and times. */
  if (fstat (fd, &a) < 0 || fstat (self, &b) < 0 || !S_ISREG (a.st_mode) || a.st_size != b.st_size
      || a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)
    return -1;
  return steal_fd (&fd);
}

/* Run from such an overlay by our own exec: the variable says we did
   it (a caller could set it, but only to skip its own protection), the
   file system that it is an overlayfs. */
static bool
on_sealed_overlay (int self)
{
  struct statfs st;

  return getenv (SEALED_OVERLAY_ENV) && fstatfs (self, &st) == 0
         && st.f_type == (typeof (st.f_type))OVERLAYFS_MAGIC;
}

bool
sealed_running (void)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);

  return self >= 0 && (is_sealed (self) || on_sealed_overlay (self));
}

int
sealed_reexec (char **argv, const char *empty, struct cl_error *err)
{
  extern char **environ;
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int fd = -1;
  cleanup_free char *path = NULL;

  if (self < 0)
    return cl_fail (err, errno, "open /proc/self/exe");
  if (is_sealed (self) || on_sealed_overlay (self))
    {
      unsetenv (SEALED_OVERLAY_ENV);
      restore_comm (argv[0]);
      return 0;
    }
  unsetenv (SEALED_OVERLAY_ENV);
  path = self_exe ();
  if (path)
    setenv (SEALED_ORIGIN_ENV, path, 1);
  if (path && empty && geteuid () == 0 && (fd = overlay_open (self, path, empty)) >= 0)
    {
      setenv (SEALED_OVERLAY_ENV, "1", 1);
      fexecve (fd, argv, environ);
      unsetenv (SEALED_OVERLAY_ENV);
      close (fd);
    }
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
