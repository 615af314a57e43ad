#include "exitrec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
exitrec_open_lock (int dirfd, struct cl_error *err)
{
  int fd = openat (dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return cl_fail (err, errno, "open the container's lock");
  return fd;
}

static int
lock_wait (int fd)
{
  int r;

  do
    r = flock (fd, LOCK_EX);
  while (r < 0 && errno == EINTR);
  return r;
}

int
exitrec_write (int dirfd, int lockfd, const struct exit_record *rec, struct cl_error *err)
{
  char text[160];
  struct stat st;
  int len, ret;

  if (lock_wait (lockfd) < 0)
    return cl_fail (err, errno, "lock the container");
  /* rm unlinks the directory while holding the lock: nothing to record. */
  if (fstat (dirfd, &st) < 0 || st.st_nlink == 0)
    {
      flock (lockfd, LOCK_UN);
      return 0;
    }
  len = snprintf (text, sizeof text, "code=%d\nsignal=%d\noom=%d\nfinished=%lld.%09ld\n", rec->code,
                  rec->signal, rec->oom ? 1 : 0, rec->finished_sec, rec->finished_nsec);
  ret = write_file_atomic_at (dirfd, "exit", text, (size_t)len, 0600, false, err);
  flock (lockfd, LOCK_UN);
  return ret;
}

int
exitrec_read (int dirfd, struct exit_record *rec, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  int oom = 0;

  memset (rec, 0, sizeof *rec);
  if (read_file_at (dirfd, "exit", 4096, &buf, NULL, err) < 0)
    return err->errnum == ENOENT ? 1 : -1;
  if (sscanf (buf, "code=%d\nsignal=%d\noom=%d\nfinished=%lld.%ld", &rec->code, &rec->signal, &oom,
              &rec->finished_sec, &rec->finished_nsec)
      != 5)
    return cl_fail (err, 0, "malformed exit record");
  rec->oom = oom != 0;
  return 0;
}

int
exitrec_clear (int dirfd, struct cl_error *err)
{
  if (unlinkat (dirfd, "exit", 0) < 0 && errno != ENOENT)
    return cl_fail (err, errno, "remove the old exit record");
  return 0;
}

void
exitrec_from_status (int status, struct exit_record *rec)
{
  struct timespec now;

  clock_gettime (CLOCK_REALTIME, &now);
  memset (rec, 0, sizeof *rec);
  rec->signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0;
  rec->code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + rec->signal;
  rec->finished_sec = (long long)now.tv_sec;
  rec->finished_nsec = now.tv_nsec;
}
