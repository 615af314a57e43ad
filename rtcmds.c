/* state, kill, pause, resume, list, ps: reading and signalling
   containers that exist. */
#include "rtcli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "exitrec.h"
#include "json.h"
#include "ns.h"
#include "ocispec.h"
#include "pty.h"
#include "rthooks.h"
#include "rtspec.h"
#include "rtstate.h"
#include "util.h"

int
rt_state (const struct rt_opts *o, int argc, char **argv)
{
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  cleanup_free char *json = NULL;
  const char *id;
  int r = one_id (o, "state", argc, argv, &id);

  if (r >= 0)
    return r;
  if (ctr_open (o, id, false, &c, &err) < 0)
    return rt_fail (o, &err);
  json = rtstate_json (c.dirfd, &c.st, c.status, true);
  printf ("%s\n", json);
  return 0;
}

int
rt_kill (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "all", no_argument, NULL, 'a' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  bool all = false;
  int ch, sig = SIGTERM;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "kill", "+ah", longopts)) != -1)
    if (ch == 'a')
      all = true;
    else if (ch == 'h')
      return rtspec_help ("kill"), 0;
    else
      return 1;
  if (optind != argc - 1 && optind != argc - 2)
    return rt_usage (o, "kill", "usage: kill [--all] ID [SIGNAL]");
  /* Signal 0 (runc's "is it there?") is no signal name but a valid kill. */
  if (optind == argc - 2 && strcmp (argv[argc - 1], "0") == 0)
    sig = 0;
  else if (optind == argc - 2 && (sig = cli_parse_signal (argv[argc - 1])) < 0)
    return rt_usage (o, "kill", "unknown signal \"%s\"", argv[argc - 1]);
  if (ctr_open (o, argv[optind], false, &c, &err) < 0)
    return rt_fail (o, &err);
  /* --all on a stopped container signals what is left: nothing. */
  if (c.status == RT_STOPPED && !all)
    {
      cl_fail (&err, 0, "container %s is not running", argv[optind]);
      return rt_fail (o, &err);
    }
  if (all ? signal_all (&c, sig, &err) < 0
          : (kill (c.st.pid, sig) < 0 && cl_fail (&err, errno, "kill %d", (int)c.st.pid) < 0))
    return rt_fail (o, &err);
  return 0;
}

static int
freeze (const struct rt_opts *o, const char *cmd, bool on, int argc, char **argv)
{
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  const char *id;
  int r = one_id (o, cmd, argc, argv, &id);

  if (r >= 0)
    return r;
  if (ctr_open (o, id, true, &c, &err) < 0)
    return rt_fail (o, &err);
  if (c.status != (on ? RT_RUNNING : RT_PAUSED))
    {
      cl_fail (&err, 0, "container %s is %s, not %s", id, rtstate_status_name (c.status),
               on ? "running" : "paused");
      return rt_fail (o, &err);
    }
  if (cgroup_freeze (c.dir, on, &err) < 0)
    {
      cl_wrap (&err, "%s %s", cmd, id);
      return rt_fail (o, &err);
    }
  return 0;
}

int
rt_pause (const struct rt_opts *o, int argc, char **argv)
{
  return freeze (o, "pause", true, argc, argv);
}

int
rt_resume (const struct rt_opts *o, int argc, char **argv)
{
  return freeze (o, "resume", false, argc, argv);
}

/* ----------------------------------------------------------------- list, ps */

int
rt_list (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_strv char **ids = rtstate_list (o->root);
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  bool json = false, quiet = false;
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "list", "+f:qh", longopts)) != -1)
    if (ch == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
      json = strcmp (optarg, "json") == 0;
    else if (ch == 'q')
      quiet = true;
    else if (ch == 'h')
      return rtspec_help ("list"), 0;
    else
      return ch == 'f' ? rt_usage (o, "list", "invalid --format %s: table or json", optarg) : 1;
  if (optind != argc)
    return rt_usage (o, "list", "\"list\" takes no arguments");
  if (!json && !quiet)
    printf ("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
            "OWNER");
  yajl_gen_array_open (g);
  for (size_t i = 0; ids[i]; i++)
    {
      cleanup_ctr struct ctr c = { .dirfd = -1 };
      struct cl_error ignored;
      cleanup_free char *one = NULL;
      cleanup_json yajl_val doc = NULL;
      if (ctr_open (o, ids[i], false, &c, &ignored) < 0)
        continue;
      one = rtstate_json (c.dirfd, &c.st, c.status, false);
      if (quiet)
        printf ("%s\n", ids[i]);
      else if (!json)
        printf ("%-12s %-8d %-10s %-40s %-31s %s\n", ids[i],
                c.status == RT_STOPPED ? 0 : (int)c.st.pid, rtstate_status_name (c.status),
                c.st.bundle, c.st.created,
                json_parse (one, &doc, &ignored) == 0 ? json_get_str (doc, "owner") : "");
      else if (json_parse (one, &doc, &ignored) == 0)
        json_gen_val (g, doc);
    }
  yajl_gen_array_close (g);
  if (json)
    {
      cleanup_free char *text = json_gen_take (g, NULL);
      printf ("%s\n", text);
    }
  return 0;
}

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* `ps ID [ps options]`: the host's ps, its lines for the container's
   processes (its PID column found by its header), as runc does. */
static int
ps_table (const pid_t *pids, size_t n, char **ps_args, struct cl_error *err)
{
  cleanup_strv char **argv = xcalloc (1, sizeof (char *));
  cleanup_file FILE *out = NULL;
  char line[4096];
  int col = -1, status;

  strv_append (&argv, "ps");
  if (!ps_args[0])
    strv_append (&argv, "-ef");
  for (size_t i = 0; ps_args[i]; i++)
    strv_append (&argv, ps_args[i]);
  {
    cleanup_free char *cmd = xstrdup ("");
    for (size_t i = 0; argv[i]; i++)
      {
        char *q = xasprintf ("%s '%s'", cmd, argv[i]);
        free (cmd);
        cmd = q;
      }
    out = popen (cmd, "r");
  }
  if (!out)
    return cl_fail (err, errno, "run ps");
  while (fgets (line, sizeof line, out))
    {
      char copy[4096], *save = NULL, *f;
      int k = 0;
      long pid = -1;
      snprintf (copy, sizeof copy, "%s", line);
      for (f = strtok_r (copy, " \t\n", &save); f; f = strtok_r (NULL, " \t\n", &save), k++)
        if (col < 0 && strcmp (f, "PID") == 0)
          col = k;
        else if (k == col)
          pid = strtol (f, NULL, 10);
      if (pid < 0 ? col >= 0 && strstr (line, "PID") : has_pid (pids, n, pid))
        fputs (line, stdout);
    }
  status = pclose (steal_pointer (&out));
  if (col < 0)
    return cl_fail (err, 0, "ps printed no PID column");
  return status == 0 ? 0 : cl_fail (err, 0, "ps failed");
}

int
rt_ps (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  cleanup_free pid_t *pids = NULL;
  bool json = false;
  size_t n;
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "ps", "+f:h", longopts)) != -1)
    if (ch == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
      json = strcmp (optarg, "json") == 0;
    else if (ch == 'h')
      return rtspec_help ("ps"), 0;
    else
      return ch == 'f' ? rt_usage (o, "ps", "invalid --format %s: table or json", optarg) : 1;
  if (optind >= argc)
    return rt_usage (o, "ps", "\"ps\" requires the container ID");
  if (ctr_open (o, argv[optind], false, &c, &err) < 0)
    return rt_fail (o, &err);
  pids = ctr_pids (&c, &n); /* none once stopped: a header alone */
  if (json)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int)pids[i]);
      printf ("]\n");
      return 0;
    }
  if (json && optind + 1 < argc)
    return rt_usage (o, "ps", "ps options cannot be used with --format json");
  if (ps_table (pids, n, argv + optind + 1, &err) < 0)
    return rt_fail (o, &err);
  return 0;
}
