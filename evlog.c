#include "evlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* s as a JSON string into buf at *off (control characters escaped). */
static void
put_str (char *buf, size_t len, size_t *off, const char *key, const char *s)
{
  if (*off < len)
    *off += (size_t)snprintf (buf + *off, len - *off, "%s\"%s\":\"", *off > 1 ? "," : "", key);
  for (const char *p = s ? s : ""; *p && *off + 8 < len; p++)
    {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\')
        *off += (size_t)snprintf (buf + *off, len - *off, "\\%c", c);
      else if (c < 0x20)
        *off += (size_t)snprintf (buf + *off, len - *off, "\\u%04x", c);
      else
        buf[(*off)++] = (char)c;
    }
  if (*off < len)
    *off += (size_t)snprintf (buf + *off, len - *off, "\"");
}

void
evlog_append (int dirfd, const char *path, const char *type, const char *status, const char *id,
              const char *name, const char *image)
{
  char line[2048], when[64];
  size_t off = 0;
  struct timespec ts;
  struct tm tm;
  int fd;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (when + strlen (when), sizeof when - strlen (when), ".%09ldZ", ts.tv_nsec);
  line[off++] = '{';
  put_str (line, sizeof line, &off, "ID", id);
  put_str (line, sizeof line, &off, "Image", image);
  put_str (line, sizeof line, &off, "Name", name);
  put_str (line, sizeof line, &off, "Status", status);
  put_str (line, sizeof line, &off, "Time", when);
  put_str (line, sizeof line, &off, "Type", type);
  if (off < sizeof line)
    off += (size_t)snprintf (line + off, sizeof line - off, ",\"timeNano\":%lld}\n",
                             (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  if (off >= sizeof line)
    return;
  fd = openat (dirfd, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return;
  /* One write of a whole line: O_APPEND keeps concurrent writers' lines whole. */
  while (write (fd, line, off) < 0 && errno == EINTR)
    ;
  close (fd);
}
