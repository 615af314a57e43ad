/* The OCI runtime command line: runc's commands and flags over ns.c and
   ocispec.c (one runtime: `crunlocal run` executes the same code), with
   state under --root (rtstate.h).  Reads a bundle's config.json and
   rootfs, nothing of images, registries or the store.

   create leaves the container's process set up and waiting on
   ROOT/ID/exec.fifo (ns_opts.hold), then exits, so the engine's monitor
   (conmon, containerd-shim: child subreapers) becomes its parent; start
   writes the one byte it waits for.  Errors are one line on stderr (and
   in --log), exit code 1, as runc's. */
#include "rtcmd.h"
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

/* ----------------------------------------------------------------- the rest */

static int
rt_refused (const struct rt_opts *o, int argc, char **argv)
{
  struct cl_error err = { 0 };

  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return rtspec_help (argv[0]), 0;
  if (strcmp (argv[0], "checkpoint") == 0 || strcmp (argv[0], "restore") == 0)
    cl_fail (&err, ENOTSUP, "%s: checkpoint/restore (CRIU) is not supported by this runtime",
             argv[0]);
  else
    cl_fail (&err, ENOTSUP, "%s is not supported by this runtime yet", argv[0]);
  return rt_fail (o, &err);
}

static int
rt_features (const struct rt_opts *o, int argc, char **argv)
{
  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return rtspec_help ("features"), 0;
  if (argc > 1)
    return rt_usage (o, "features", "\"features\" takes no arguments");
  rtspec_features (stdout);
  return 0;
}

static int
rt_spec (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "bundle", required_argument, NULL, 'b' },
                                            { "rootless", no_argument, NULL, 'r' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *bundle = ".";
  bool rootless = false;
  struct cl_error err = { 0 };
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "spec", "+b:h", longopts)) != -1)
    if (ch == 'b')
      bundle = optarg;
    else if (ch == 'r')
      rootless = true;
    else if (ch == 'h')
      return rtspec_help ("spec"), 0;
    else
      return 1;
  if (optind != argc)
    return rt_usage (o, "spec", "\"spec\" takes no arguments");
  if (rtspec_write (bundle, rootless, &err) < 0)
    return rt_fail (o, &err);
  return 0;
}

static const struct
{
  const char *name;
  int (*fn) (const struct rt_opts *o, int argc, char **argv);
  bool sealed;
} commands[] = {
  { "create", rt_create, true },    { "run", rt_run, true },
  { "start", rt_start, false },     { "state", rt_state, false },
  { "kill", rt_kill, false },       { "delete", rt_delete, false },
  { "list", rt_list, false },       { "ps", rt_ps, false },
  { "exec", rt_exec, true },        { "pause", rt_pause, false },
  { "resume", rt_resume, false },   { "features", rt_features, false },
  { "spec", rt_spec, false },       { "checkpoint", rt_refused, false },
  { "restore", rt_refused, false }, { "update", rt_update, false },
  { "events", rt_events, false },
};

static const struct option global_longopts[] = {
  { "root", required_argument, NULL, 'r' },       { "log", required_argument, NULL, 'l' },
  { "log-format", required_argument, NULL, 'f' }, { "debug", no_argument, NULL, 'd' },
  { "systemd-cgroup", no_argument, NULL, 's' },   { "criu", required_argument, NULL, 'c' },
  { "rootless", required_argument, NULL, 'R' },   { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'v' },          { NULL, 0, NULL, 0 },
};

/* The global flags; returns the index of the command, -1 to exit with
 *code. */
static int
parse_global (struct rt_opts *o, int argc, char **argv, int *code)
{
  int ch;

  optind = 1;
  opterr = 0;
  *code = 0;
  while ((ch = getopt_long_only (argc, argv, "+hv", global_longopts, NULL)) != -1)
    switch (ch)
      {
      case 'r':
        free (o->root);
        o->root = xstrdup (optarg);
        break;
      case 'l': o->log = optarg; break;
      case 'f':
        if (strcmp (optarg, "json") != 0 && strcmp (optarg, "text") != 0)
          return *code = rt_usage (o, "", "--log-format %s: text or json", optarg), -1;
        o->log_json = strcmp (optarg, "json") == 0;
        break;
      case 'd': o->debug = true; break;
      case 's':
        return *code = rt_usage (o, "",
                                 "--systemd-cgroup is not supported: this runtime "
                                 "writes cgroupfs itself (no systemd)"),
               -1;
      case 'c':
      case 'R': break; /* --criu (no checkpoints here), --rootless (detected) */
      case 'h': return rtspec_help (NULL), -1;
      case 'v': printf ("%s version %s\nspec: 1.0.2\n", o->prog, CL_VERSION); return -1;
      default: return *code = rt_usage (o, "", "unknown flag: %s", argv[optind - 1]), -1;
      }
  if (optind >= argc)
    {
      rtspec_help (NULL);
      return *code = 1, -1;
    }
  return optind;
}

static int
find_command (const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (commands[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* The command word after the global flags, found without parsing them
   for real (that happens after the seal, and prints the errors). */
bool
runtime_needs_seal (int argc, char **argv)
{
  static const char *const with_value[] = { "root", "log", "log-format", "criu", "rootless", NULL };

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      bool takes = false;
      if (a[0] != '-')
        {
          int k = find_command (a);
          return k >= 0 && commands[k].sealed;
        }
      a += a[1] == '-' ? 2 : 1;
      for (size_t k = 0; with_value[k]; k++)
        takes = takes || strcmp (a, with_value[k]) == 0;
      if (takes)
        i++;
    }
  return false;
}

int
runtime_main (int argc, char **argv)
{
  const char *base = strrchr (argv[0], '/');
  struct rt_opts o = { .prog = base ? base + 1 : argv[0] };
  int code, i = parse_global (&o, argc, argv, &code), k, ret;

  if (strcmp (o.prog, "crunlocal") == 0)
    o.prog = "crunlocal runtime";
  if (i < 0)
    {
      free (o.root);
      return code;
    }
  k = find_command (argv[i]);
  if (k < 0)
    {
      ret = rt_usage (&o, "", "unknown command \"%s\"", argv[i]);
      free (o.root);
      return ret;
    }
  if (!o.root)
    o.root = rtstate_default_root ();
  debugf (&o, "%s %s (root %s)", o.prog, argv[i], o.root);
  ret = commands[k].fn (&o, argc - i, argv + i);
  free (o.root);
  return ret;
}
