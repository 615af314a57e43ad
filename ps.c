/* `crunlocal ps` and `crunlocal rm`: containers as their records and
   their processes say they are — no daemon to ask.  A "running" record
   whose process is gone (the crunlocal that ran it was killed) shows as
   exited with an unknown code, and rm cleans it. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "net.h"
#include "json.h"
#include "ref.h"
#include "template.h"
#include "util.h"
#include "volume.h"

static const char ps_usage[]
    = "Usage: crunlocal ps [OPTIONS]\n"
      "\n"
      "List containers (running ones; -a for all).\n"
      "\n"
      "Options:\n"
      "  -a, --all          all containers, not only running ones\n"
      "  -n, --last N       the N last created (of all states)\n"
      "  -l, --latest       the last created (of all states)\n"
      "  -q, --quiet        only the IDs\n"
      "      --no-trunc     full IDs and commands\n"
      "  -f, --filter K=V   status=created|running|paused|exited (of all states),\n"
      "                     and of the running ones (all with -a): name=,\n"
      "                     ancestor=, id=, exited=CODE, label=KEY or\n"
      "                     label=KEY=VALUE (the same key: any matches;\n"
      "                     different keys: all)\n"
      "      --format F     json (an array, like podman's), or a template such as\n"
      "                     '{{.ID}} {{.Names}} {{.Image}} {{.Status}}' (also\n"
      "                     .Command .Created .CreatedAt .State .Pid .ExitCode\n"
      "                     .Exited .ImageID .Ports); 'table {{.ID}}\\t{{.Names}}'\n"
      "                     adds a header and aligns the tab-separated columns\n";

static const char container_usage[]
    = "Usage: crunlocal container prune [-f]\n"
      "       crunlocal container ls|ps|rm|logs|inspect|start|stop|kill|wait|exec|attach|run ...\n"
      "\n"
      "prune: remove every container that is not running; prints their IDs.\n"
      "The others are the commands of those names (ls: ps).\n";

static const char rm_usage[]
    = "Usage: crunlocal rm [OPTIONS] CONTAINER...\n"
      "       crunlocal rm -a [-f]\n"
      "\n"
      "Remove containers by name, ID or unambiguous ID prefix.\n"
      "\n"
      "Options:\n"
      "  -a, --all      every container (a running one needs -f)\n"
      "  -f, --force    kill a running container first; one that does not\n"
      "                 exist is no error (exit 0)\n"
      "  -v, --volumes  remove its anonymous volumes too (-v /dst); named\n"
      "                 volumes and host paths stay\n";

/* "Up 3 seconds", "Exited (0) 2 minutes ago", as podman says them. */
static void
status_text (const struct container *c, char *buf, size_t len)
{
  long long now = (long long)time (NULL);
  char ago[64];

  switch (container_state (c))
    {
    case CONTAINER_RUNNING:
      human_ago (now - c->started, ago, sizeof ago);
      ago[strlen (ago) - strlen (" ago")] = '\0';
      snprintf (buf, len, "Up %s%s", ago, cgroup_frozen (c->dir) ? " (Paused)" : "");
      return;
    case CONTAINER_EXITED:
      human_ago (now - c->exit.finished_sec, ago, sizeof ago);
      snprintf (buf, len, "Exited (%d) %s", c->exit.code, ago);
      return;
    case CONTAINER_STOPPING: snprintf (buf, len, "Stopping"); return;
    case CONTAINER_LOST: snprintf (buf, len, "Exited (unknown)"); return;
    case CONTAINER_CREATED: snprintf (buf, len, "Created"); return;
    }
}

/* label=K: it has label K; label=K=V: with value V. */
static bool
label_matches (const struct container *c, const char *want)
{
  size_t klen = strcspn (want, "=");

  for (size_t i = 0; c->labels && c->labels[i]; i++)
    {
      const char *l = c->labels[i];
      if (strncmp (l, want, klen) != 0 || (l[klen] != '=' && l[klen] != '\0'))
        continue;
      if (!want[klen] || strcmp (l[klen] ? l + klen + 1 : "", want + klen + 1) == 0)
        return true;
    }
  return false;
}

/* One --filter key=value against a container. */
static bool
filter_matches (const struct container *c, const char *key, const char *val)
{
  if (strcmp (key, "status") == 0 && strcmp (val, "paused") == 0)
    return container_state (c) == CONTAINER_RUNNING && cgroup_frozen (c->dir);
  if (strcmp (key, "status") == 0)
    return strcmp (container_state_name (container_state (c)), val) == 0;
  if (strcmp (key, "name") == 0)
    return c->name && strstr (c->name, val);
  if (strcmp (key, "id") == 0)
    return str_has_prefix (c->id, val);
  if (strcmp (key, "exited") == 0)
    return container_state (c) == CONTAINER_EXITED && c->exit.code == atoi (val);
  if (strcmp (key, "label") == 0)
    return label_matches (c, val);
  /* ancestor: the image by any name that normalises alike, or its ID. */
  if (c->image_id && *val && str_has_prefix (c->image_id, val))
    return true;
  {
    cleanup_free char *a = c->image ? ref_canonical (c->image) : NULL;
    cleanup_free char *b = ref_canonical (val);
    return a && strcmp (a, b) == 0;
  }
}

static const char *filter_keys[] = { "status", "name", "ancestor", "id", "exited", "label" };

/* A known key, with a number for exited=. */
static bool
filter_valid (const char *f)
{
  char *end;

  /* docker's statuses (some never occur here: they match nothing). */
  static const char *const statuses[]
      = { "created", "restarting", "running", "removing", "paused", "exited", "dead" };

  if (str_has_prefix (f, "exited="))
    {
      strtol (f + 7, &end, 10);
      return f[7] && !*end;
    }
  if (str_has_prefix (f, "status="))
    {
      for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++)
        if (strcmp (f + 7, statuses[k]) == 0)
          return true;
      return false;
    }
  for (size_t k = 0; k < sizeof filter_keys / sizeof filter_keys[0]; k++)
    if (str_has_prefix (f, filter_keys[k]) && f[strlen (filter_keys[k])] == '=')
      return true;
  return false;
}

/* Which ones a listing starts from: every container with -a, -n, -l or a
   status filter (docker's rule), else the running ones. */
static bool
listed (const struct container *c, bool all, char *const *filters)
{
  for (size_t i = 0; !all && filters && filters[i]; i++)
    all = str_has_prefix (filters[i], "status=");
  return all || container_state (c) == CONTAINER_RUNNING;
}

/* Filters of one key: any may match; of different keys: all must. */
static bool
passes_filters (const struct container *c, char *const *filters)
{
  for (size_t k = 0; k < sizeof filter_keys / sizeof filter_keys[0]; k++)
    {
      size_t len = strlen (filter_keys[k]);
      bool seen = false, any = false;
      for (size_t i = 0; filters && filters[i]; i++)
        if (str_has_prefix (filters[i], filter_keys[k]) && filters[i][len] == '=')
          {
            seen = true;
            any = any || filter_matches (c, filter_keys[k], filters[i] + len + 1);
          }
      if (seen && !any)
        return false;
    }
  return true;
}

static char *
command_text (const struct container *c, bool no_trunc)
{
  char *s = xstrdup ("");

  for (size_t i = 0; c->command && c->command[i]; i++)
    {
      char *n = xasprintf ("%s%s%s", s, i ? " " : "", c->command[i]);
      free (s);
      s = n;
    }
  if (!no_trunc && strlen (s) > 20)
    strcpy (s + 17, "...");
  return s;
}

static int
newest_first (const void *a, const void *b)
{
  const struct container *x = a, *y = b;
  return (y->created > x->created) - (y->created < x->created);
}

static void
print_json (const struct container *v, size_t n)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *out = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      char status[96];
      enum container_state st = container_state (&v[i]);
      status_text (&v[i], status, sizeof status);
      yajl_gen_map_open (g);
      jg_kstr (g, "Id", v[i].id);
      jg_str (g, "Names");
      yajl_gen_array_open (g);
      jg_str (g, v[i].name);
      yajl_gen_array_close (g);
      jg_kstr (g, "Image", v[i].image);
      jg_kstr (g, "ImageID", v[i].image_id);
      jg_kstrv (g, "Command", v[i].command);
      jg_kint (g, "Created", v[i].created);
      jg_kstr (g, "State", container_state_name (st));
      jg_kstr (g, "Status", status);
      jg_kbool (g, "Exited", st == CONTAINER_EXITED || st == CONTAINER_LOST);
      jg_kint (g, "ExitCode",
               st == CONTAINER_EXITED ? v[i].exit.code
               : st == CONTAINER_LOST ? -1
                                      : 0);
      jg_kint (g, "Pid", st == CONTAINER_RUNNING ? v[i].pid : 0);
      jg_kint (g, "StartedAt", v[i].started);
      jg_kint (g, "ExitedAt", st == CONTAINER_EXITED ? v[i].exit.finished_sec : 0);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  out = json_gen_take (g, NULL);
  puts (out);
}

/* As podman shows them: 0.0.0.0:8080->80/tcp. */
static void
ports_text (const struct container *c, char *buf, size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; c->ports && c->ports[i] && used < len; i++)
    {
      struct net_port p;
      char ip[INET_ADDRSTRLEN];
      if (net_port_parse_record (c->ports[i], &p) < 0)
        continue;
      inet_ntop (AF_INET, &p.host_ip, ip, sizeof ip);
      used += (size_t)snprintf (buf + used, len - used, "%s%s:%u->%u/%s", used ? ", " : "", ip,
                                p.host_port, p.port, p.udp ? "udp" : "tcp");
    }
}

struct ps_row
{
  const struct container *c;
  bool no_trunc;
};

/* A field of `ps --format '{{.Field}}'`, as podman names them. */
static const char *
ps_field (const char *f, const void *arg, char *buf, size_t len)
{
  const struct ps_row *row = arg;
  const struct container *c = row->c;
  enum container_state st = container_state (c);

  if (strcmp (f, "ID") == 0)
    return snprintf (buf, len, "%.*s", row->no_trunc ? 64 : 12, c->id ? c->id : ""), buf;
  if (strcmp (f, "Names") == 0)
    return c->name ? c->name : "";
  if (strcmp (f, "Image") == 0)
    return c->image ? c->image : "";
  if (strcmp (f, "ImageID") == 0)
    return snprintf (buf, len, "%.*s", row->no_trunc ? 64 : 12, c->image_id ? c->image_id : ""),
           buf;
  if (strcmp (f, "Command") == 0)
    {
      cleanup_free char *cmd = command_text (c, row->no_trunc);
      return snprintf (buf, len, "%s", cmd), buf;
    }
  if (strcmp (f, "Created") == 0 || strcmp (f, "CreatedHuman") == 0
      || strcmp (f, "RunningFor") == 0)
    return human_ago ((long long)time (NULL) - c->created, buf, len), buf;
  if (strcmp (f, "CreatedAt") == 0)
    return snprintf (buf, len, "%lld", c->created), buf;
  if (strcmp (f, "Status") == 0)
    return status_text (c, buf, len), buf;
  if (strcmp (f, "State") == 0)
    return container_state_name (st);
  if (strcmp (f, "Ports") == 0)
    return ports_text (c, buf, len), buf;
  if (strcmp (f, "Pid") == 0)
    return snprintf (buf, len, "%d", st == CONTAINER_RUNNING ? c->pid : 0), buf;
  if (strcmp (f, "ExitCode") == 0)
    return snprintf (buf, len, "%d",
                     st == CONTAINER_EXITED ? c->exit.code
                     : st == CONTAINER_LOST ? -1
                                            : 0),
           buf;
  if (strcmp (f, "Exited") == 0)
    return st == CONTAINER_EXITED || st == CONTAINER_LOST ? "true" : "false";
  return NULL;
}

/* The default is podman's own template. */
#define PS_TABLE                                                                                   \
  "table "                                                                                         \
  "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.CreatedHuman}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}" \
  "}"

static void
print_template (const char *format, const struct container *v, size_t n, bool no_trunc)
{
  static const struct template_header headers[]
      = { { "ID", "CONTAINER ID" }, { "CreatedHuman", "CREATED" }, { NULL, NULL } };
  cleanup_free struct ps_row *rows = xcalloc (n + 1, sizeof *rows);

  for (size_t i = 0; i < n; i++)
    rows[i] = (struct ps_row){ &v[i], no_trunc };
  template_print (format, ps_field, rows, sizeof *rows, n, headers);
}

int
cmd_ps (int argc, char **argv)
{
  static const struct option longopts[] = { { "all", no_argument, NULL, 'a' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "no-trunc", no_argument, NULL, 'T' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "filter", required_argument, NULL, 'f' },
                                            { "last", required_argument, NULL, 'n' },
                                            { "latest", no_argument, NULL, 'l' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  bool all = false, quiet = false, no_trunc = false;
  long last = -1;
  char *end;
  const char *format = "table";
  cleanup_strv char **filters = NULL;
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  struct container *v;
  size_t n, kept = 0;
  int c;

  while ((c = cli_getopt (argc, argv, "ps", "aqhf:n:l", longopts)) != -1)
    switch (c)
      {
      case -2: return 125;
      case 'h': return fputs (ps_usage, stdout), 0;
      case 'a': all = true; break;
      case 'q': quiet = true; break;
      case 'T': no_trunc = true; break;
      case 'F': format = optarg; break;
      case 'l': last = 1; break;
      case 'n':
        last = strtol (optarg, &end, 10);
        if (*end || end == optarg || last < -1)
          return cli_usage_error ("ps", "invalid --last \"%s\": want a number", optarg);
        break;
      case 'f':
        if (!filter_valid (optarg))
          return cli_usage_error ("ps",
                                  "invalid filter \"%s\": want status=, name=, ancestor=, id=, "
                                  "exited=CODE or label=",
                                  optarg);
        strv_append (&filters, optarg);
        break;
      }
  if (optind < argc)
    return cli_usage_error ("ps", "\"crunlocal ps\" accepts no arguments");
  if (strcmp (format, "json") != 0 && strcmp (format, "table") != 0)
    {
      struct container none = { 0 };
      struct ps_row sample = { &none, false };
      if (template_check (format, ps_field, &sample, &err) < 0)
        return cli_usage_error ("ps", "%s", err.msg);
    }
  if (cli_open_store (&s, STORE_USE, &err) < 0 || container_list (s, &v, &n, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; i < n; i++)
    if (listed (&v[i], all || last > 0, filters) && passes_filters (&v[i], filters))
      {
        struct container t = v[kept];
        v[kept++] = v[i];
        v[i] = t;
      }
  qsort (v, kept, sizeof *v, newest_first);
  if (last > 0 && (size_t)last < kept)
    kept = (size_t)last;
  if (strcmp (format, "json") == 0)
    print_json (v, kept);
  else if (quiet && strcmp (format, "table") == 0)
    for (size_t i = 0; i < kept; i++)
      printf ("%.*s\n", no_trunc ? 64 : 12, v[i].id);
  else
    print_template (strcmp (format, "table") == 0 ? PS_TABLE : format, v, kept, no_trunc);
  container_list_free (v, n);
  return 0;
}

/* SIGKILL, then wait (up to 10 s) for the process to be gone: its
   namespaces — and so its rootfs mount — go with it.  A rootless process
   under a subordinate uid is not ours to signal from this command's user
   namespace: killing its monitor takes it along (its parent-death signal). */
static int
kill_and_wait (const struct container *c, struct cl_error *err)
{
  struct cl_error ignored;

  if (kill (c->pid, SIGKILL) < 0 && errno == EPERM && container_monitored (c))
    kill (c->monitor_pid, SIGKILL);
  if (cgroup_frozen (c->dir))
    cgroup_freeze (c->dir, false, &ignored); /* frozen tasks die only thawed */
  for (int i = 0; i < 1000; i++)
    {
      if (!container_running (c))
        return 0;
      usleep (10000);
    }
  return cl_fail (err, ETIMEDOUT, "container %.12s did not die after SIGKILL", c->id);
}

/* 0 removed, 1 no such container, -1 error.  With `volumes` (rm -v) its
   anonymous volumes go too. */
int
cli_remove_container (struct store *s, const char *what, bool force, bool volumes,
                      struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  struct container c;
  bool running;
  int r;

  if (lock < 0)
    return -1;
  r = container_find (s, what, &c, err);
  if (r != 0)
    return r;
  running = container_running (&c);
  if (running && !force)
    r = cl_fail (err, 0, "container %s is running: stop it first, or use rm -f", what);
  else if (running)
    r = kill_and_wait (&c, err);
  if (r == 0)
    r = container_remove (s, c.id, &c, err);
  if (r == 0 && volumes)
    r = volume_remove_anonymous (s, c.volumes, err);
  if (r == 0)
    r = net_forget (s, err);
  container_clear (&c);
  return r;
}

/* rm -a: every container's ID (without -f a running one fails, as with
   podman). */
static int
all_ids (struct store *s, char ***out, struct cl_error *err)
{
  struct container *v;
  size_t n;

  if (container_list (s, &v, &n, err) < 0)
    return -1;
  *out = xcalloc (1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    strv_append (out, v[i].id);
  container_list_free (v, n);
  return 0;
}

int
cmd_rm (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "all", no_argument, NULL, 'a' },
                                            { "volumes", no_argument, NULL, 'v' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  bool force = false, all = false, volumes = false;
  cleanup_store struct store *s = NULL;
  cleanup_strv char **names = NULL;
  struct cl_error err = { 0 };
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "rm", "afvh", longopts)) != -1)
    switch (c)
      {
      case -2: return 125;
      case 'h': return fputs (rm_usage, stdout), 0;
      case 'a': all = true; break;
      case 'f': force = true; break;
      case 'v': volumes = true; break;
      }
  if (all == (optind < argc))
    return cli_usage_error ("rm", all ? "--all takes no container names"
                                      : "\"crunlocal rm\" requires at least 1 argument");
  if (cli_open_store (&s, STORE_USE, &err) < 0 || (all && all_ids (s, &names, &err) < 0))
    return cli_fail (&err);
  for (char **n = all ? names : argv + optind; *n; n++)
    {
      int r = cli_remove_container (s, *n, force, volumes, &err);
      if (r == 0)
        puts (*n);
      else if (r == 1 && !all && !force) /* -f: gone already is fine (docker, podman) */
        fprintf (stderr, "crunlocal: no such container: %s\n", *n), ret = ret ? ret : 1;
      else if (r < 0)
        ret = cli_fail (&err);
    }
  return ret;
}

static int
prune (struct store *s, struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  struct container *v;
  size_t n;
  int ret = 0;

  if (lock < 0 || container_list (s, &v, &n, err) < 0)
    return -1;
  container_remove_leftovers (s);
  for (size_t i = 0; i < n && ret == 0; i++)
    if (container_state (&v[i]) != CONTAINER_RUNNING
        && container_state (&v[i]) != CONTAINER_STOPPING)
      {
        ret = container_remove (s, v[i].id, &v[i], err);
        if (ret == 0)
          puts (v[i].id);
      }
  container_list_free (v, n);
  return ret;
}

int
cmd_container (int argc, char **argv)
{
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };

  int r = cli_prune_args ("container", container_usage, argc, argv);

  if (r >= 0)
    return r;
  if (cli_open_store (&s, STORE_USE, &err) < 0 || prune (s, &err) < 0)
    return cli_fail (&err);
  return 0;
}
