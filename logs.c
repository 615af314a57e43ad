/* `crunlocal logs`: the k8s-file log the monitor wrote, lines joined
   from their partial records, each to the stream it came from. */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "logfmt.h"
#include "util.h"

static const char logs_usage[]
    = "Usage: crunlocal logs [OPTIONS] CONTAINER\n"
      "\n"
      "Show a container's output: stdout lines on stdout, stderr lines on stderr.\n"
      "\n"
      "Options:\n"
      "  -f, --follow       keep printing new lines until the container exits\n"
      "  -n, --tail N       only the last N lines\n"
      "  -t, --timestamps   prefix each line with its time (RFC 3339)\n"
      "      --since T      lines from T on (RFC 3339, YYYY-MM-DD, Unix seconds, or a\n"
      "                     duration like 10m meaning that long ago)\n"
      "      --until T      lines before T (the same forms)\n";

#define FOLLOW_POLL_US 50000

/* A whole line: its time and stream, its text joined from records. */
struct line
{
  char *text;
  size_t len;
  bool is_stderr;
  bool newline; /* ended by an F record; a last line without one was written without */
  char time[64];
};

struct shower
{
  const struct logs_opts *o;
  struct line pending[2]; /* a stream's line still in P records */
  struct line *ring;      /* --tail while reading what is there */
  size_t ring_used, ring_next;
  bool collecting;
};

static void
line_print (const struct line *l, bool timestamps)
{
  FILE *f = l->is_stderr ? stderr : stdout;

  if (timestamps)
    fprintf (f, "%s ", l->time);
  fwrite (l->text, 1, l->len, f);
  if (l->newline)
    fputc ('\n', f);
  fflush (f);
}

static bool
in_window (const struct logs_opts *o, const struct timespec *t)
{
  if (o->has_since
      && (t->tv_sec < o->since.tv_sec
          || (t->tv_sec == o->since.tv_sec && t->tv_nsec < o->since.tv_nsec)))
    return false;
  if (o->has_until
      && (t->tv_sec > o->until.tv_sec
          || (t->tv_sec == o->until.tv_sec && t->tv_nsec >= o->until.tv_nsec)))
    return false;
  return true;
}

/* A finished line: printed, or kept in the --tail ring. */
static void
emit (struct shower *sh, struct line *l)
{
  if (!sh->collecting || sh->o->tail < 0)
    {
      line_print (l, sh->o->timestamps);
      free (l->text);
    }
  else if (sh->o->tail == 0)
    free (l->text);
  else
    {
      struct line *slot = &sh->ring[sh->ring_next];
      if (sh->ring_used == (size_t)sh->o->tail)
        free (slot->text);
      else
        sh->ring_used++;
      *slot = *l;
      sh->ring_next = (sh->ring_next + 1) % (size_t)sh->o->tail;
    }
  memset (l, 0, sizeof *l);
}

static void
flush_ring (struct shower *sh)
{
  size_t n = sh->ring_used, cap = sh->o->tail > 0 ? (size_t)sh->o->tail : 0;

  for (size_t i = 0; i < n; i++)
    {
      struct line *l = &sh->ring[(sh->ring_next + cap - n + i) % cap];
      line_print (l, sh->o->timestamps);
      free (l->text);
    }
  sh->ring_used = 0;
  sh->collecting = false;
}

static void
take_record (struct shower *sh, const char *text)
{
  struct log_record r;
  struct line *l;
  size_t n;

  if (logfmt_parse (text, &r) < 0)
    return; /* a torn record of a killed writer */
  l = &sh->pending[r.is_stderr];
  if (!l->text)
    {
      if (!in_window (sh->o, &r.time))
        return;
      l->is_stderr = r.is_stderr;
      snprintf (l->time, sizeof l->time, "%.*s", (int)r.time_len, r.time_text);
      l->text = xstrdup ("");
    }
  n = strlen (r.text);
  l->text = xrealloc (l->text, l->len + n + 1);
  memcpy (l->text + l->len, r.text, n + 1);
  l->len += n;
  l->newline = !r.partial;
  if (!r.partial)
    emit (sh, l);
}

/* Read what `fd` has; whole records are taken, a torn last one waits in
   buf for the rest. */
static void
read_records (struct shower *sh, int fd, char **buf, size_t *used)
{
  char chunk[65536];
  ssize_t n;

  while ((n = read (fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
    {
      char *start, *nl;
      if (n < 0)
        continue;
      *buf = xrealloc (*buf, *used + (size_t)n + 1);
      memcpy (*buf + *used, chunk, (size_t)n);
      *used += (size_t)n;
      (*buf)[*used] = '\0';
      for (start = *buf; (nl = memchr (start, '\n', *used - (size_t)(start - *buf)));
           start = nl + 1)
        {
          *nl = '\0';
          take_record (sh, start);
        }
      *used -= (size_t)(start - *buf);
      memmove (*buf, start, *used);
    }
}

static bool
same_file (int dirfd, const char *name, int fd)
{
  struct stat a, b;

  return fstatat (dirfd, name, &a, 0) == 0 && fstat (fd, &b) == 0 && a.st_ino == b.st_ino
         && a.st_dev == b.st_dev;
}

/* Is the reader gone (`logs -f | head`: our output's pipe broken)? */
static bool
reader_gone (void)
{
  return ferror (stdout) || ferror (stderr);
}

/* Following ends with the reader, or when we are interrupted (Ctrl-C,
   SIGTERM, SIGHUP). */
static bool
stop_following (void)
{
  return cl_interrupted || reader_gone ();
}

/* Until the monitor is gone and nothing more arrives; across a
   rotation, the rest of the old file first, then the new one. */
static void
follow (struct shower *sh, const struct container *c, int dirfd, int *fd, char **buf, size_t *used)
{
  while (!stop_following ())
    {
      bool done = !container_monitored (c);
      read_records (sh, *fd, buf, used);
      if (!same_file (dirfd, LOG_FILE, *fd))
        {
          int nfd = openat (dirfd, LOG_FILE, O_RDONLY | O_CLOEXEC);
          if (nfd >= 0)
            {
              read_records (sh, *fd, buf, used);
              close (*fd);
              *fd = nfd, *used = 0;
              continue;
            }
        }
      if (done)
        return;
      usleep (FOLLOW_POLL_US);
    }
}

int
logs_show (const struct container *c, const struct logs_opts *o, struct cl_error *err)
{
  struct shower sh = { .o = o, .collecting = true };
  cleanup_close int dirfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int old = -1, fd = -1;
  cleanup_free char *buf = NULL;
  size_t used = 0;

  if (dirfd < 0)
    return cl_fail (err, errno, "open %s", c->dir);
  sh.ring = o->tail > 0 ? xcalloc ((size_t)o->tail, sizeof *sh.ring) : NULL;
  old = openat (dirfd, LOG_FILE_OLD, O_RDONLY | O_CLOEXEC);
  if (old >= 0)
    read_records (&sh, old, &buf, &used);
  used = 0;
  fd = openat (dirfd, LOG_FILE, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    read_records (&sh, fd, &buf, &used);
  flush_ring (&sh);
  /* No log yet (a created container just started): it comes with the
     monitor; a last look once the monitor is gone. */
  for (bool done = false; o->follow && fd < 0 && !done && !stop_following ();)
    {
      done = !container_monitored (c);
      fd = openat (dirfd, LOG_FILE, O_RDONLY | O_CLOEXEC);
      if (fd < 0 && !done)
        usleep (FOLLOW_POLL_US);
    }
  if (o->follow && fd >= 0)
    follow (&sh, c, dirfd, &fd, &buf, &used);
  for (int i = 0; i < 2; i++)
    if (sh.pending[i].text)
      emit (&sh, &sh.pending[i]); /* a last line without newline */
  free (sh.ring);
  /* A reader that went away ends us as it ends any writer to a pipe,
     SIGPIPE's way (`set -o pipefail` sees 141, nothing is printed). */
  if (reader_gone ())
    {
      signal (SIGPIPE, SIG_DFL);
      raise (SIGPIPE);
    }
  return cl_check_interrupt (err);
}

static int
parse_logs (int argc, char **argv, struct logs_opts *o, struct cl_error *err)
{
  static const struct option longopts[] = { { "follow", no_argument, NULL, 'f' },
                                            { "tail", required_argument, NULL, 'n' },
                                            { "timestamps", no_argument, NULL, 't' },
                                            { "since", required_argument, NULL, 'S' },
                                            { "until", required_argument, NULL, 'U' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct timespec now;
  char *end;
  int c;

  clock_gettime (CLOCK_REALTIME, &now);
  o->tail = -1;
  while ((c = cli_getopt (argc, argv, "logs", "fn:th", longopts)) != -1)
    switch (c)
      {
      case -2: return -2;
      case 'h': return fputs (logs_usage, stdout), 1;
      case 'f': o->follow = true; break;
      case 't': o->timestamps = true; break;
      case 'n':
        o->tail = strtol (optarg, &end, 10);
        if (strcmp (optarg, "all") == 0)
          o->tail = -1;
        else if (*end || end == optarg || o->tail < -1)
          return cli_usage_error ("logs", "invalid --tail \"%s\": want a number", optarg), -2;
        break;
      case 'S':
        if (logfmt_parse_when (optarg, &now, &o->since, err) < 0)
          return -1;
        o->has_since = true;
        break;
      case 'U':
        if (logfmt_parse_when (optarg, &now, &o->until, err) < 0)
          return -1;
        o->has_until = true;
        break;
      }
  if (optind + 1 != argc)
    return cli_usage_error ("logs", "\"crunlocal logs\" requires exactly 1 container"), -2;
  return 0;
}

int
cmd_logs (int argc, char **argv)
{
  struct logs_opts o = { 0 };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct container c = { 0 };
  int r = parse_logs (argc, argv, &o, &err);

  if (r == -2)
    return 125;
  if (r == 1)
    return 0;
  if (r == 0 && cli_open_store_host (&s, &err) == 0
      && cli_find_container (s, argv[optind], &c, &err) == 0)
    {
      store_release_gc (s);
      r = logs_show (&c, &o, &err);
    }
  else
    r = -1;
  container_clear (&c);
  return r < 0 ? cli_fail (&err) : 0;
}
