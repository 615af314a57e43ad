/* Container logs in podman's k8s-file format, one record a line:
     2026-11-25T10:22:33.123456789+01:00 stdout F hello
   F ends a line; P is a part of a longer one (the reader joins P records
   up to the next F of the same stream).  The monitor writes them (plain
   libc: it is linked into the small static monitor); `logs` parses them. */
#ifndef CL_LOGFMT_H
#define CL_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

#define LOG_FILE "ctr.log"
#define LOG_FILE_OLD "ctr.log.1" /* the previous file after a rotation */

/* RFC 3339 with nanoseconds in local time, as conmon writes it. */
void logfmt_time (const struct timespec *ts, char *buf, size_t len);

/* Appends records to containers/<id>/ctr.log, buffered; when max_size is
   set, a file that would grow past it becomes ctr.log.1 (replacing the
   one before) and a new ctr.log begins. */
struct log_writer
{
  int dirfd, fd;
  long long size, max_size;
  size_t used;
  char buf[16384];
};

int log_writer_open (struct log_writer *w, int dirfd, long long max_size, struct cl_error *err);
/* One read's worth of a stream ("stdout" or "stderr"): a record per line,
   a P record for a trailing part without newline. */
int log_writer_put (struct log_writer *w, const char *stream, const char *data, size_t len,
                    struct cl_error *err);
int log_writer_flush (struct log_writer *w, struct cl_error *err);
void log_writer_close (struct log_writer *w);

struct log_record
{
  struct timespec time;
  bool is_stderr;
  bool partial;
  const char *time_text; /* points into the parsed line */
  size_t time_len;
  const char *text; /* the rest of the line, NUL-terminated */
};

/* Parse one line (without its newline); 0 or -1 when malformed. */
int logfmt_parse (const char *line, struct log_record *out);

/* A --since/--until value: RFC 3339 (with or without fraction and zone),
   a date (YYYY-MM-DD, local), Unix seconds (with a fraction), or a Go
   duration ("10m", "1h30m", "500ms") meaning that long before `now`. */
int logfmt_parse_when (const char *s, const struct timespec *now, struct timespec *out,
                       struct cl_error *err);

#endif
