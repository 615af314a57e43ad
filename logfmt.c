#include "logfmt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void
logfmt_time (const struct timespec *ts, char *buf, size_t len)
{
  struct tm tm;
  char date[32], zone[8];
  time_t t = ts->tv_sec;

  localtime_r (&t, &tm);
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime (zone, sizeof zone, "%z", &tm);
  /* RFC 3339 wants "+01:00" where strftime gives "+0100". */
  snprintf (buf, len, "%s.%09ld%.3s:%.2s", date, ts->tv_nsec, zone, zone + 3);
}

static int
open_log (struct log_writer *w, struct cl_error *err)
{
  struct stat st;

  w->fd = openat (w->dirfd, LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (w->fd < 0)
    return cl_fail (err, errno, "open the log");
  w->size = fstat (w->fd, &st) == 0 ? (long long)st.st_size : 0;
  return 0;
}

int
log_writer_open (struct log_writer *w, int dirfd, long long max_size, struct cl_error *err)
{
  w->dirfd = dirfd;
  w->max_size = max_size;
  w->used = 0;
  return open_log (w, err);
}

static int
rotate (struct log_writer *w, struct cl_error *err)
{
  if (renameat (w->dirfd, LOG_FILE, w->dirfd, LOG_FILE_OLD) < 0)
    return cl_fail (err, errno, "rotate the log");
  close (w->fd);
  return open_log (w, err);
}

int
log_writer_flush (struct log_writer *w, struct cl_error *err)
{
  if (w->used == 0)
    return 0;
  if (write_all (w->fd, w->buf, w->used, err) < 0)
    return cl_wrap (err, "write the log");
  w->size += (long long)w->used;
  w->used = 0;
  return 0;
}

static int
put_bytes (struct log_writer *w, const char *p, size_t n, struct cl_error *err)
{
  while (n > 0)
    {
      size_t k = sizeof w->buf - w->used;
      if (k == 0)
        {
          if (log_writer_flush (w, err) < 0)
            return -1;
          continue;
        }
      if (k > n)
        k = n;
      memcpy (w->buf + w->used, p, k);
      w->used += k, p += k, n -= k;
    }
  return 0;
}

static int
put_record (struct log_writer *w, const char *prefix, size_t plen, char tag, const char *text,
            size_t n, struct cl_error *err)
{
  char t[3] = { tag, ' ', '\0' };
  long long pending = w->size + (long long)w->used, need = (long long)(plen + 3 + n);

  /* A file never grows past max_size (but for one record larger than it). */
  if (w->max_size > 0 && pending > 0 && pending + need > w->max_size
      && (log_writer_flush (w, err) < 0 || rotate (w, err) < 0))
    return -1;
  /* Keep a record whole in one write. */
  if (w->used + plen + 3 + n > sizeof w->buf && log_writer_flush (w, err) < 0)
    return -1;
  if (put_bytes (w, prefix, plen, err) < 0 || put_bytes (w, t, 2, err) < 0
      || put_bytes (w, text, n, err) < 0)
    return -1;
  return put_bytes (w, "\n", 1, err);
}

int
log_writer_put (struct log_writer *w, const char *stream, const char *data, size_t len,
                struct cl_error *err)
{
  struct timespec now;
  char ts[64], prefix[96];
  size_t plen;

  clock_gettime (CLOCK_REALTIME, &now);
  logfmt_time (&now, ts, sizeof ts);
  plen = (size_t)snprintf (prefix, sizeof prefix, "%s %s ", ts, stream);
  while (len > 0)
    {
      const char *nl = memchr (data, '\n', len);
      size_t n = nl ? (size_t)(nl - data) : len;
      if (put_record (w, prefix, plen, nl ? 'F' : 'P', data, n, err) < 0)
        return -1;
      n += nl ? 1 : 0;
      data += n, len -= n;
    }
  return 0;
}

void
log_writer_close (struct log_writer *w)
{
  if (w->fd >= 0)
    close (w->fd);
  w->fd = -1;
}

/* Digits of s[0..n) as a number; -1 when any is not a digit. */
static long
digits (const char *s, int n)
{
  long v = 0;

  for (int i = 0; i < n; i++)
    {
      if (!isdigit ((unsigned char)s[i]))
        return -1;
      v = v * 10 + (s[i] - '0');
    }
  return v;
}

/* "2006-01-02T15:04:05[.999999999](Z|±07:00)"; *end set past it.  With
   no zone (only allowed when `zone_optional`), local time. */
static int
parse_rfc3339 (const char *s, bool zone_optional, struct timespec *out, const char **end)
{
  struct tm tm = { 0 };
  long nsec = 0, scale = 100000000;
  const char *p = s + 19;
  time_t t;

  if (strlen (s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')
      || s[13] != ':' || s[16] != ':')
    return -1;
  tm.tm_year = (int)digits (s, 4) - 1900;
  tm.tm_mon = (int)digits (s + 5, 2) - 1;
  tm.tm_mday = (int)digits (s + 8, 2);
  tm.tm_hour = (int)digits (s + 11, 2);
  tm.tm_min = (int)digits (s + 14, 2);
  tm.tm_sec = (int)digits (s + 17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0
      || tm.tm_sec < 0)
    return -1;
  if (*p == '.')
    for (p++; isdigit ((unsigned char)*p); p++, scale /= 10)
      nsec += (*p - '0') * scale;
  if (*p == 'Z' || *p == 'z')
    t = timegm (&tm), p++;
  else if ((*p == '+' || *p == '-') && digits (p + 1, 2) >= 0 && p[3] == ':'
           && digits (p + 4, 2) >= 0)
    {
      long off = digits (p + 1, 2) * 3600 + digits (p + 4, 2) * 60;
      t = timegm (&tm) - (*p == '+' ? off : -off);
      p += 6;
    }
  else if (zone_optional)
    tm.tm_isdst = -1, t = mktime (&tm);
  else
    return -1;
  out->tv_sec = t;
  out->tv_nsec = nsec;
  *end = p;
  return 0;
}

int
logfmt_parse (const char *line, struct log_record *out)
{
  const char *p;

  if (parse_rfc3339 (line, false, &out->time, &p) < 0 || *p != ' ')
    return -1;
  out->time_text = line;
  out->time_len = (size_t)(p - line);
  p++;
  if (strncmp (p, "stdout ", 7) == 0)
    out->is_stderr = false;
  else if (strncmp (p, "stderr ", 7) == 0)
    out->is_stderr = true;
  else
    return -1;
  p += 7;
  if ((*p != 'F' && *p != 'P') || (p[1] != ' ' && p[1] != '\0'))
    return -1;
  out->partial = *p == 'P';
  out->text = p[1] ? p + 2 : p + 1;
  return 0;
}

/* A Go duration: a sequence of number+unit (h, m, s, ms, us, ns). */
static int
parse_duration (const char *s, long double *secs)
{
  static const struct
  {
    const char *unit;
    long double scale;
  } units[] = { { "ns", 1e-9L }, { "us", 1e-6L }, { "ms", 1e-3L },
                { "h", 3600 },   { "m", 60 },     { "s", 1 } };
  long double total = 0;

  if (!*s)
    return -1;
  while (*s)
    {
      char *end;
      long double v = strtold (s, &end);
      size_t k;
      if (end == s || v < 0)
        return -1;
      for (k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strncmp (end, units[k].unit, strlen (units[k].unit)) == 0)
          break;
      if (k == sizeof units / sizeof units[0])
        return -1;
      total += v * units[k].scale;
      s = end + strlen (units[k].unit);
    }
  *secs = total;
  return 0;
}

static void
set_seconds (long double secs, struct timespec *out)
{
  out->tv_sec = (time_t)secs;
  out->tv_nsec = (long)((secs - (long double)out->tv_sec) * 1e9L);
}

int
logfmt_parse_when (const char *s, const struct timespec *now, struct timespec *out,
                   struct cl_error *err)
{
  const char *end;
  char *num_end;
  long double v;

  if (parse_rfc3339 (s, true, out, &end) == 0 && *end == '\0')
    return 0;
  if (strlen (s) == 10 && s[4] == '-' && s[7] == '-')
    {
      cleanup_free char *full = xasprintf ("%sT00:00:00", s);
      if (parse_rfc3339 (full, true, out, &end) == 0)
        return 0;
    }
  v = strtold (s, &num_end);
  if (num_end != s && *num_end == '\0' && v >= 0)
    return set_seconds (v, out), 0;
  if (parse_duration (s, &v) == 0)
    {
      long double t = (long double)now->tv_sec + (long double)now->tv_nsec * 1e-9L - v;
      return set_seconds (t < 0 ? 0 : t, out), 0;
    }
  return cl_fail (err, 0,
                  "invalid time \"%s\": want RFC 3339, YYYY-MM-DD, Unix seconds or a "
                  "duration like 10m",
                  s);
}
