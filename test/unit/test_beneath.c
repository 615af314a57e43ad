#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* a/b/f, a/flink -> b/f, lnk -> a, etc -> /etc, up -> ../../../etc,
   zero -> /dev/zero, fifo */
static int
make_tree (char *dir)
{
  int fd;

  if (!mkdtemp (dir))
    return -1;
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  mkdirat (fd, "a", 0755);
  mkdirat (fd, "a/b", 0755);
  close (openat (fd, "a/b/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  symlinkat ("b/f", fd, "a/flink");
  symlinkat ("a", fd, "lnk");
  symlinkat ("/etc", fd, "etc");
  symlinkat ("../../../../../../etc", fd, "up");
  symlinkat ("/dev/zero", fd, "zero");
  mkfifoat (fd, "fifo", 0644);
  return fd;
}

static bool
opens (int dfd, const char *path, bool in_root)
{
  struct cl_error err;
  int fd = open_file_beneath (dfd, path, in_root, &err);

  if (fd < 0)
    return false;
  close (fd);
  return true;
}

static bool
walks (int dfd, const char *path, bool in_root)
{
  int fd = openat_beneath_walk (dfd, path, O_RDONLY, in_root);

  if (fd < 0)
    return false;
  close (fd);
  return true;
}

void
test_open_beneath (void)
{
  char dir[] = "/tmp/cl-beneath.XXXXXX";
  cleanup_close int dfd = make_tree (dir);
  struct cl_error err;

  CHECK (dfd >= 0);
  CHECK (opens (dfd, "a/b/f", false));
  CHECK (opens (dfd, "./a//b/f", false));
  CHECK (opens (dfd, "a/flink", false)); /* a symlink that stays inside */
  CHECK (opens (dfd, "lnk/b/f", false));
  CHECK (opens (dfd, "a/../a/b/f", false));
  CHECK (!opens (dfd, "/etc/passwd", false));
  CHECK (!opens (dfd, "../../../../../../etc/passwd", false));
  CHECK (!opens (dfd, "etc/passwd", false));
  CHECK (!opens (dfd, "up/passwd", false));
  CHECK (!opens (dfd, "zero", false));
  CHECK (!opens (dfd, "/dev/zero", false));
  CHECK (!opens (dfd, "fifo", false)); /* refused, not blocked on */
  CHECK (!opens (dfd, "a", false));
  CHECK (open_file_beneath (dfd, "/etc/passwd", false, &err) < 0 && err.errnum == 0
         && strstr (err.msg, "leads outside") != NULL);
  CHECK (open_file_beneath (dfd, "fifo", false, &err) < 0
         && strstr (err.msg, "not a regular file") != NULL);
  /* In root: "/" and ".." are the directory's own; /etc is not the host's. */
  CHECK (opens (dfd, "/a/b/f", true));
  CHECK (opens (dfd, "/../../a/b/f", true));
  CHECK (!opens (dfd, "/etc/passwd", true));
  CHECK (!opens (dfd, "etc/passwd", true));
  CHECK (!opens (dfd, "up/passwd", true));
  /* The fallback refuses every symlink and "..". */
  CHECK (walks (dfd, "a/b/f", false));
  CHECK (walks (dfd, "./a//b/f", false));
  CHECK (walks (dfd, "/a/b/f", true));
  CHECK (!walks (dfd, "/a/b/f", false));
  CHECK (!walks (dfd, "a/../a/b/f", false));
  CHECK (!walks (dfd, "a/flink", false));
  CHECK (!walks (dfd, "lnk/b/f", false));
  CHECK (!walks (dfd, "etc/passwd", true));
  CHECK (!walks (dfd, "up/passwd", true));
  CHECK (openat_beneath_walk (dfd, "/x", O_RDONLY, false) < 0 && errno == EXDEV);
  if (dfd >= 0)
    {
      struct cl_error ignored;
      rm_rf_at (AT_FDCWD, dir, &ignored);
    }
}
