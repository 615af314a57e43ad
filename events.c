/* events: the store's event log (evlog.h), printed as podman prints
   events, and followed — the file polled like `logs -f` — unless
   --stream=false or --until says when to stop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "evlog.h"
#include "json.h"
#include "logfmt.h"
#include "template.h"
#include "util.h"

#define POLL_US 100000
#define MAX_FILTERS 16

struct event
{
  const char *id, *image, *name, *status, *time, *type;
  long long nano;
};

struct events_opts
{
  const char *format;
  bool stream, has_since, has_until;
  long long since, until; /* ns */
  char *filters[MAX_FILTERS];
  size_t n_filters;
};

static bool
filter_matches (const struct event *e, const char *f)
{
  const char *eq = strchr (f, '=');
  size_t kl = eq ? (size_t)(eq - f) : 0;
  const char *v = eq ? eq + 1 : "";

  if (kl == 4 && strncmp (f, "type", 4) == 0)
    return strcmp (e->type, v) == 0;
  if ((kl == 5 && strncmp (f, "event", 5) == 0) || (kl == 6 && strncmp (f, "status", 6) == 0))
    return strcmp (e->status, v) == 0;
  if (kl == 9 && strncmp (f, "container", 9) == 0)
    return strcmp (e->type, "container") == 0
           && (strcmp (e->name, v) == 0 || (*v && strncmp (e->id, v, strlen (v)) == 0));
  if (kl == 5 && strncmp (f, "image", 5) == 0)
    return strcmp (e->image, v) == 0
           || (strcmp (e->type, "image") == 0
               && (strcmp (e->name, v) == 0 || (*v && strncmp (e->id, v, strlen (v)) == 0)));
  return false;
}

/* Filters of one key: any; of different keys: all (as ps). */
static bool
wanted (const struct events_opts *o, const struct event *e)
{
  if ((o->has_since && e->nano < o->since) || (o->has_until && e->nano > o->until))
    return false;
  for (size_t i = 0; i < o->n_filters; i++)
    {
      size_t kl = strcspn (o->filters[i], "=");
      bool any = false;
      for (size_t k = 0; k < o->n_filters; k++)
        if (strncmp (o->filters[k], o->filters[i], kl + 1) == 0)
          any = any || filter_matches (e, o->filters[k]);
      if (!any)
        return false;
    }
  return true;
}

static const char *
event_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct event *e = arg;

  if (strcmp (field, "ID") == 0)
    return e->id;
  if (strcmp (field, "Image") == 0)
    return e->image;
  if (strcmp (field, "Name") == 0)
    return e->name;
  if (strcmp (field, "Status") == 0)
    return e->status;
  if (strcmp (field, "Type") == 0)
    return e->type;
  if (strcmp (field, "Time") == 0)
    return e->time;
  if (strcmp (field, "TimeNano") == 0)
    return snprintf (buf, len, "%lld", e->nano), buf;
  return NULL;
}

/* podman's line: "2026-11-30 19:10:00.123456789 +0000 UTC container
   create ID (image=…, name=…)". */
static void
print_text (const struct event *e)
{
  time_t sec = (time_t)(e->nano / 1000000000LL);
  struct tm tm;
  char when[64];

  gmtime_r (&sec, &tm);
  strftime (when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  printf ("%s.%09lld +0000 UTC %s %s %s", when, e->nano % 1000000000LL, e->type, e->status, e->id);
  if (*e->image && *e->name)
    printf (" (image=%s, name=%s)", e->image, e->name);
  else if (*e->image || *e->name)
    printf (" (%s=%s)", *e->image ? "image" : "name", *e->image ? e->image : e->name);
  putchar ('\n');
}

static void
print_json (const struct event *e)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  cleanup_free char *text = NULL;

  yajl_gen_map_open (g);
  jg_kstr (g, "ID", e->id);
  jg_kstr (g, "Image", e->image);
  jg_kstr (g, "Name", e->name);
  jg_kstr (g, "Status", e->status);
  jg_kstr (g, "Time", e->time);
  jg_kstr (g, "Type", e->type);
  jg_kint (g, "timeNano", e->nano);
  yajl_gen_map_close (g);
  text = json_gen_take (g, NULL);
  puts (text);
}

static const char *
str_or_empty (yajl_val v, const char *key)
{
  const char *s = json_get_str (v, key);
  return s ? s : "";
}

/* Names and images by container ID, learnt from the events that carry
   them (the monitor's "died" knows only the ID). */
struct known
{
  char **ids, **names, **images;
};

static void
known_fill (struct known *k, struct event *e)
{
  size_t i = 0;

  if (strcmp (e->type, "container") != 0 || !*e->id)
    return;
  while (k->ids && k->ids[i] && strcmp (k->ids[i], e->id) != 0)
    i++;
  if (!k->ids || !k->ids[i])
    {
      strv_append (&k->ids, e->id);
      strv_append (&k->names, e->name);
      strv_append (&k->images, e->image);
    }
  if (*e->name && strcmp (k->names[i], e->name) != 0)
    free (k->names[i]), k->names[i] = xstrdup (e->name);
  if (*e->image && strcmp (k->images[i], e->image) != 0)
    free (k->images[i]), k->images[i] = xstrdup (e->image);
  e->name = k->names[i];
  e->image = *e->image || strcmp (e->status, "create") != 0 ? k->images[i] : e->image;
}

/* One line of the log; a malformed one (a torn write) is skipped. */
static void
show_line (const struct events_opts *o, struct known *k, const char *line)
{
  cleanup_json yajl_val v = NULL;
  struct cl_error ignored;
  struct event e;

  if (json_parse (line, &v, &ignored) < 0 || !YAJL_IS_OBJECT (v))
    return;
  e = (struct event){ .id = str_or_empty (v, "ID"),
                      .image = str_or_empty (v, "Image"),
                      .name = str_or_empty (v, "Name"),
                      .status = str_or_empty (v, "Status"),
                      .time = str_or_empty (v, "Time"),
                      .type = str_or_empty (v, "Type") };
  json_get_int (v, "timeNano", &e.nano);
  known_fill (k, &e);
  if (!wanted (o, &e))
    return;
  if (strcmp (o->format, "json") == 0)
    print_json (&e);
  else if (*o->format)
    {
      cleanup_free char *text = template_render (o->format, event_field, &e);
      puts (text);
    }
  else
    print_text (&e);
}

static long long
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Print what the log holds, then (stream) what is appended, a whole line
   at a time, until --until has passed or we are interrupted. */
static int
show_events (struct store *s, const struct events_opts *o, struct cl_error *err)
{
  cleanup_file FILE *f = NULL;
  struct known k = { 0 };
  char *line = NULL;
  size_t cap = 0;
  int fd = -1;
  int ret = 0;

  for (;;)
    {
      ssize_t n;
      if (!f && (fd = openat (s->rootfd, EVLOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0)
        f = fdopen (fd, "r");
      while (f && (n = getline (&line, &cap, f)) > 0)
        {
          if (line[n - 1] != '\n')
            {
              /* Half a line: its writer is not done; read it again later. */
              fseeko (f, -(off_t)n, SEEK_CUR);
              break;
            }
          line[n - 1] = '\0';
          show_line (o, &k, line);
        }
      if (f)
        clearerr (f);
      fflush (stdout);
      if (!o->stream || (o->has_until && now_ns () > o->until))
        break;
      if (cl_interrupted)
        {
          ret = cl_fail (err, EINTR, "interrupted");
          break;
        }
      usleep (POLL_US);
    }
  free (line);
  strv_free (k.ids), strv_free (k.names), strv_free (k.images);
  return ret;
}

static const char events_usage[]
    = "Usage: crunlocal events [OPTIONS]\n"
      "\n"
      "Show the events of the store (container create, start, died, remove;\n"
      "image pull, tag, untag, remove) and follow new ones until interrupted.\n"
      "\n"
      "Options:\n"
      "      --stream=false       print what there is and exit\n"
      "      --since T, --until T  RFC 3339 times, Unix seconds or durations (10m);\n"
      "                           --until stops following once it has passed\n"
      "  -f, --filter KEY=VALUE   type=, event=, container=, image= (one key: any;\n"
      "                           several keys: all)\n"
      "      --format FORMAT      'json' (a line per event), or a template with ID,\n"
      "                           Image, Name, Status, Time, TimeNano, Type\n";

static int
parse_events_opts (int argc, char **argv, struct events_opts *o, struct cl_error *err)
{
  static const struct option longopts[] = { { "stream", optional_argument, NULL, 'S' },
                                            { "since", required_argument, NULL, 's' },
                                            { "until", required_argument, NULL, 'u' },
                                            { "filter", required_argument, NULL, 'f' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct timespec now, when;
  int c;

  clock_gettime (CLOCK_REALTIME, &now);
  while ((c = cli_getopt (argc, argv, "events", "+f:h", longopts)) != -1)
    switch (c)
      {
      case 'S':
        if (cli_parse_bool ("events", "--stream", optarg, &o->stream) != 0)
          return 125;
        break;
      case 's':
      case 'u':
        if (logfmt_parse_when (optarg, &now, &when, err) < 0)
          return cli_usage_error ("events", "%s", err->msg);
        *(c == 's' ? &o->since : &o->until) = (long long)when.tv_sec * 1000000000LL + when.tv_nsec;
        *(c == 's' ? &o->has_since : &o->has_until) = true;
        break;
      case 'f':
        if (!strchr (optarg, '=') || o->n_filters == MAX_FILTERS)
          return cli_usage_error ("events", "invalid filter \"%s\": want KEY=VALUE", optarg);
        o->filters[o->n_filters++] = optarg;
        break;
      case 'F': o->format = strcmp (optarg, "{{json .}}") == 0 ? "json" : optarg; break;
      case 'h': return fputs (events_usage, stdout), 0;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("events", "unexpected argument \"%s\"", argv[optind]);
  for (size_t i = 0; i < o->n_filters; i++)
    {
      static const char *keys[] = { "type=", "event=", "status=", "container=", "image=" };
      bool known = false;
      for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        known = known || str_has_prefix (o->filters[i], keys[k]);
      if (!known)
        return cli_usage_error ("events",
                                "invalid filter \"%s\": want type=, event=, "
                                "container= or image=",
                                o->filters[i]);
    }
  if (*o->format && strcmp (o->format, "json") != 0)
    {
      struct event sample = { "", "", "", "", "", "", 0 };
      if (template_check (o->format, event_field, &sample, err) < 0)
        return cli_usage_error ("events", "%s", err->msg);
    }
  return -1;
}

int
cmd_events (int argc, char **argv)
{
  struct events_opts o = { .format = "", .stream = true };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  int r = parse_events_opts (argc, argv, &o, &err);

  if (r >= 0)
    return r;
  if (cli_open_store_host (&s, &err) < 0 || (store_release_gc (s), show_events (s, &o, &err) < 0))
    return cli_fail (&err);
  return 0;
}
