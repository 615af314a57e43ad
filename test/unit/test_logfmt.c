#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../exitrec.h"
#include "../../logfmt.h"
#include "../../template.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* Records as conmon writes them parse; torn or foreign lines do not. */
void
test_logfmt_parse (void)
{
  struct log_record r;

  CHECK (logfmt_parse ("2026-11-25T10:22:33.123456789+01:00 stdout F hello world", &r) == 0);
  CHECK (!r.is_stderr && !r.partial);
  CHECK_STR (r.text, "hello world");
  CHECK (r.time.tv_sec == 1795598553 && r.time.tv_nsec == 123456789);
  CHECK (r.time_len == 35);
  CHECK (logfmt_parse ("2026-11-25T09:22:33.5Z stderr P part", &r) == 0);
  CHECK (r.is_stderr && r.partial && r.time.tv_sec == 1795598553 && r.time.tv_nsec == 500000000);
  CHECK_STR (r.text, "part");
  CHECK (logfmt_parse ("2026-11-25T09:22:33Z stdout F", &r) == 0);
  CHECK_STR (r.text, "");
  CHECK (logfmt_parse ("2026-11-25T09:22:33Z stdin F x", &r) < 0);
  CHECK (logfmt_parse ("2026-11-25T09:22:33Z stdout X x", &r) < 0);
  CHECK (logfmt_parse ("2026-11-25 stdout F x", &r) < 0);
  CHECK (logfmt_parse ("2026-11-25T09:22", &r) < 0);
  CHECK (logfmt_parse ("", &r) < 0);
}

/* --since/--until: RFC 3339, Unix seconds, Go durations before now. */
void
test_logfmt_when (void)
{
  struct timespec now = { 1795598553, 0 }, t;
  struct cl_error err = { 0 };

  CHECK (logfmt_parse_when ("2026-11-25T09:22:33Z", &now, &t, &err) == 0 && t.tv_sec == 1795598553);
  CHECK (logfmt_parse_when ("2026-11-25T10:22:33+01:00", &now, &t, &err) == 0
         && t.tv_sec == 1795598553);
  CHECK (logfmt_parse_when ("1795598553.25", &now, &t, &err) == 0 && t.tv_sec == 1795598553
         && t.tv_nsec == 250000000);
  CHECK (logfmt_parse_when ("10m", &now, &t, &err) == 0 && t.tv_sec == 1795598553 - 600);
  CHECK (logfmt_parse_when ("1h30m", &now, &t, &err) == 0 && t.tv_sec == 1795598553 - 5400);
  CHECK (logfmt_parse_when ("500ms", &now, &t, &err) == 0 && t.tv_sec == 1795598552
         && t.tv_nsec == 500000000);
  CHECK (logfmt_parse_when ("2026-11-25", &now, &t, &err) == 0);
  CHECK (logfmt_parse_when ("yesterday", &now, &t, &err) < 0 && strstr (err.msg, "yesterday"));
  CHECK (logfmt_parse_when ("10x", &now, &t, &err) < 0);
  CHECK (logfmt_parse_when ("", &now, &t, &err) < 0);
}

static char *
slurp (int dfd, const char *name)
{
  struct cl_error err;
  char *buf = NULL;

  return read_file_at (dfd, name, 1 << 20, &buf, NULL, &err) == 0 ? buf : NULL;
}

/* Lines become F records, a trailing part a P record; with max_size the
   file turns over to ctr.log.1 between whole records. */
void
test_log_writer (void)
{
  char dir[] = "/tmp/cl-unit-log.XXXXXX";
  struct log_writer w;
  struct cl_error err = { 0 };
  struct log_record r;
  char *text, *line;
  int dfd;

  CHECK (mkdtemp (dir) != NULL);
  dfd = open (dir, O_RDONLY | O_DIRECTORY);
  CHECK (log_writer_open (&w, dfd, 160, &err) == 0);
  CHECK (log_writer_put (&w, "stdout", "one\ntwo\nthr", 11, &err) == 0);
  CHECK (log_writer_flush (&w, &err) == 0);
  text = slurp (dfd, LOG_FILE);
  CHECK (text != NULL);
  line = strtok (text, "\n");
  CHECK (line && logfmt_parse (line, &r) == 0 && !r.partial && strcmp (r.text, "one") == 0);
  line = strtok (NULL, "\n");
  CHECK (line && logfmt_parse (line, &r) == 0 && strcmp (r.text, "two") == 0);
  line = strtok (NULL, "\n");
  CHECK (line && logfmt_parse (line, &r) == 0 && r.partial && strcmp (r.text, "thr") == 0);
  free (text);
  CHECK (log_writer_put (&w, "stderr", "ee\n", 3, &err) == 0 && log_writer_flush (&w, &err) == 0);
  text = slurp (dfd, LOG_FILE);
  CHECK (text && strstr (text, " stderr F ee\n") && !strstr (text, "one"));
  free (text);
  text = slurp (dfd, LOG_FILE_OLD);
  CHECK (text && strstr (text, " stdout F one\n") && !strstr (text, "ee"));
  free (text);
  log_writer_close (&w);
  CHECK (rm_rf_at (AT_FDCWD, dir, &err) == 0);
  close (dfd);
}

/* The exit record reads back as written, and is never written into a
   directory that was removed meanwhile. */
void
test_exitrec (void)
{
  char dir[] = "/tmp/cl-unit-exit.XXXXXX";
  struct exit_record a
      = { .code = 137, .signal = 9, .oom = true, .finished_sec = 1795598553, .finished_nsec = 42 },
      b;
  struct cl_error err = { 0 };
  int dfd, lock;

  CHECK (mkdtemp (dir) != NULL);
  dfd = open (dir, O_RDONLY | O_DIRECTORY);
  lock = exitrec_open_lock (dfd, &err);
  CHECK (lock >= 0);
  CHECK (exitrec_read (dfd, &b, &err) == 1);
  CHECK (exitrec_write (dfd, lock, &a, &err) == 0);
  CHECK (exitrec_read (dfd, &b, &err) == 0);
  CHECK (b.code == 137 && b.signal == 9 && b.oom && b.finished_sec == 1795598553
         && b.finished_nsec == 42);
  CHECK (exitrec_clear (dfd, &err) == 0 && exitrec_read (dfd, &b, &err) == 1);
  CHECK (rm_rf_at (AT_FDCWD, dir, &err) == 0);
  CHECK (exitrec_write (dfd, lock, &a, &err) == 0);
  CHECK (access (dir, F_OK) < 0);
  close (lock);
  close (dfd);
}

static const char *
sample_field (const char *field, const void *row, char *buf, size_t len)
{
  if (strcmp (field, "ID") == 0)
    return (const char *)row;
  if (strcmp (field, "Names") == 0)
    return snprintf (buf, len, "n-%s", (const char *)row), buf;
  return NULL;
}

/* {{.Field}} with or without spaces, \t and \n, "table " dropped; an
   unknown field is an error before any row is printed. */
void
test_template (void)
{
  struct cl_error err = { 0 };
  char *out;

  out = template_render ("{{.ID}}\\t{{ .Names }}!", sample_field, "x");
  CHECK_STR (out, "x\tn-x!");
  free (out);
  out = template_render ("table {{.ID}}\\n", sample_field, "y");
  CHECK_STR (out, "y\n");
  free (out);
  out = template_render ("no fields {", sample_field, "y");
  CHECK_STR (out, "no fields {");
  free (out);
  CHECK (template_check ("{{.ID}} {{.Names}}", sample_field, "z", &err) == 0);
  CHECK (template_check ("{{.ID}} {{.Size}}", sample_field, "z", &err) < 0
         && strstr (err.msg, "{{.Size}}"));
  CHECK (template_check ("{{.ID", sample_field, "z", &err) < 0);
  CHECK (template_check ("{{json .}}", sample_field, "z", &err) < 0);
}
