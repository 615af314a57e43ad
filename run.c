/* crunlocal: the command line, and the one place that prints errors and
   chooses exit codes (125 for our own failures, as docker does). */
#ifndef __linux__
#error "crunlocal runs containers with Linux namespaces: it builds and runs on Linux only"
#endif

#include <archive.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_version.h>

#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "digest.h"
#include "gc.h"
#include "json.h"
#include "pull.h"
#include "ref.h"
#include "rtcmd.h"
#include "sealed.h"
#include "sig.h"
#include "store.h"
#include "tls.h"
#include "userns.h"
#include "util.h"

#define EXIT_CL_ERROR 125

static void
on_interrupt (int sig)
{
  cl_interrupted = sig;
}

/* No SA_RESTART: blocking calls return EINTR and unwind through cleanups. */
static void
catch_interrupts (void)
{
  struct sigaction sa = { .sa_handler = on_interrupt };

  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

int
cli_fail (const struct cl_error *err)
{
  if (err->errnum == EINTR && cl_interrupted)
    return 128 + cl_interrupted;
  cl_error_print (err);
  return err->status ? err->status : EXIT_CL_ERROR;
}

int
cli_usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fputs ("crunlocal: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nSee 'crunlocal %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
  return EXIT_CL_ERROR;
}

/* getopt_long with our error style: one line, the command's --help, 125. */
int
cli_getopt (int argc, char **argv, const char *cmd, const char *shortopts,
            const struct option *longopts)
{
  int c;

  opterr = 0;
  c = getopt_long (argc, argv, shortopts, longopts, NULL);
  if (c == '?')
    {
      const char *bad = argv[optind - 1];
      if (optopt && !strchr (shortopts, optopt))
        cli_usage_error (cmd, "unknown shorthand flag: '%c' in %s", optopt, bad);
      else if (optopt)
        cli_usage_error (cmd, "flag needs an argument: %s", bad);
      else
        cli_usage_error (cmd, "unknown flag: %s", bad);
      return -2;
    }
  if (c == ':')
    {
      cli_usage_error (cmd, "flag needs an argument: %s", argv[optind - 1]);
      return -2;
    }
  return c;
}

int
cli_parse_bool (const char *cmd, const char *flag, const char *v, bool *out)
{
  if (!v || strcmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = true;
  else if (strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = false;
  else
    return cli_usage_error (cmd, "invalid value \"%s\" for %s: want true or false", v, flag);
  return 0;
}

int
cli_check_format (const char *cmd, const char *format, template_lookup lookup, const void *sample)
{
  struct cl_error err = { 0 };

  if (!format || strcmp (format, "json") == 0 || strcmp (format, "table") == 0)
    return 0;
  if (template_check (format, lookup, sample, &err) < 0)
    return cli_usage_error (cmd, "%s", err.msg);
  return 0;
}

int
cli_subcommand (const char *group, const struct cli_sub *sub, size_t n, int (*usage) (FILE *),
                int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    return usage (argc < 2 ? stderr : stdout);
  for (size_t i = 0; i < n; i++)
    if (strcmp (argv[1], sub[i].name) == 0)
      return sub[i].fn (argc - 1, argv + 1);
  return cli_usage_error (group, "unknown command \"%s\" for \"crunlocal %s\"", argv[1], group);
}

int
cli_prune_args (const char *group, const char *usage, int argc, char **argv)
{
  char cmd[64];

  snprintf (cmd, sizeof cmd, "%s prune", group);
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    return fputs (usage, argc < 2 ? stderr : stdout), argc < 2 ? EXIT_CL_ERROR : 0;
  if (strcmp (argv[1], "prune") != 0)
    return cli_usage_error (group, "unknown command \"%s\" for \"crunlocal %s\"", argv[1], group);
  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      return fputs (usage, stdout), 0;
    else if (strcmp (argv[i], "-f") != 0 && strcmp (argv[i], "--force") != 0)
      return cli_usage_error (cmd, "unknown flag: %s", argv[i]);
  return -1;
}

/* Rootless with subordinate ids: work on the store inside the user
   namespace, so unpacked files keep the image's owners. */
int
cli_open_store (struct store **s, enum store_mode mode, struct cl_error *err)
{
  bool entered;

  if (userns_enter_for_store (&entered, err) < 0)
    return -1;
  return store_open (s, mode, userns_host_euid (), err);
}

/* Commands that only read records and signal or join processes stay in
   the caller's own user namespace: there the user owns every container's
   namespaces (a store namespace of this command would be a stranger's
   sibling, with no right to signal subordinate ids or setns). */
int
cli_open_store_host (struct store **s, struct cl_error *err)
{
  return store_open (s, STORE_USE, userns_host_euid (), err);
}

int
cli_find_container (struct store *s, const char *what, struct container *c, struct cl_error *err)
{
  int r = container_find (s, what, c, err);

  if (r == 1)
    cl_fail (err, 0, "no such container: %s", what);
  return r == 0 ? 0 : -1;
}

int
cli_find_image (struct store *s, const char *what, struct image_record *r, struct cl_error *err)
{
  cleanup_free char *canon = ref_canonical (what);
  int ret = store_image_lookup (s, canon, r, err);

  if (ret == 1 && strcmp (canon, what) != 0)
    ret = store_image_lookup (s, what, r, err);
  if (ret == 1)
    cl_fail (err, 0, "%s: image not known", what);
  return ret == 0 ? 0 : -1;
}

/* A name ("TERM", "SIGTERM", any case) or a number; -1 when neither. */
int
cli_parse_signal (const char *s)
{
  char *end;
  long n = strtol (s, &end, 10);

  if (*s && !*end)
    return n > 0 && n < NSIG ? (int)n : -1;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (int i = 1; i < NSIG; i++)
    {
      const char *abbrev = sig_abbrev (i);
      if (abbrev && strcasecmp (abbrev, s) == 0)
        return i;
    }
  return -1;
}

static const char main_usage[]
    = "Usage: crunlocal [--help] COMMAND [ARG...]\n"
      "\n"
      "A daemonless container runner: pulls images into a per-user store.\n"
      "\n"
      "Commands:\n"
      "  run         Run a command in a new container (or an OCI bundle)\n"
      "  create      Create a container without starting it\n"
      "  spec        Write an OCI bundle (rootfs + config.json) for an image\n"
      "  ps          List containers (-a: exited ones too)\n"
      "  rm          Remove containers\n"
      "  logs        Show a container's output (-f to follow)\n"
      "  port        List a container's published ports\n"
      "  stop        Stop running containers (StopSignal, then SIGKILL)\n"
      "  kill        Send a signal to running containers\n"
      "  pause       Freeze running containers (unpause thaws them)\n"
      "  stats       Show CPU, memory and PIDs of running containers\n"
      "  update      Change the resource limits of running containers\n"
      "  wait        Wait for containers to exit; print their exit codes\n"
      "  start       Start exited containers again\n"
      "  restart     Stop and start containers again\n"
      "  inspect     Show containers or images as JSON (-f: through a template)\n"
      "  exec        Run a command in a running container\n"
      "  attach      Attach to a detached container's terminal or output\n"
      "  rename      Rename a container\n"
      "  diff        List what a container added, changed and deleted\n"
      "  events      Show the store's events (and follow them)\n"
      "  top         Show the processes of a running container\n"
      "  cp          Copy files between a container and the host (or a tar stream)\n"
      "  container   Container commands: prune, and ls, rm, logs, inspect, ... as above\n"
      "  image       Image commands: ls, rm, pull, inspect, load, save\n"
      "  pull        Pull an image from a registry or a local layout/archive\n"
      "  images      List images in the store\n"
      "  rmi         Remove images\n"
      "  volume      Volume commands: create, ls, inspect, rm, prune\n"
      "  network     Network commands (root): create, ls, inspect, rm, prune\n"
      "  login       Log in to a registry (credentials checked, then kept)\n"
      "  logout      Remove a registry's credentials\n"
      "  tag         Add names to an image\n"
      "  untag       Remove names from an image\n"
      "  history     Show the history of an image\n"
      "  load        Load images from a docker-archive or oci-archive (file or stdin)\n"
      "  save        Save images to a docker-archive or oci-archive (file or stdout)\n"
      "  system      System commands: prune, df, info\n"
      "  store       Store commands: check\n"
      "  info        Show the host, identity mapping, store and snapshot mode\n"
      "  runtime     The OCI runtime command line (runc's), as crunlocal-runtime\n"
      "  version     Show the version, library versions and store paths\n"
      "\n"
      "Run 'crunlocal COMMAND --help' for more on a command.\n";

static int
cmd_version (int argc, char **argv)
{
  cleanup_free char *root = store_default_root (userns_host_euid ());
  cleanup_free char *runroot = store_default_runroot (userns_host_euid ());
  int v = yajl_version ();

  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    {
      printf ("Usage: crunlocal version\n\nShow the version, library versions and store paths.\n");
      return 0;
    }
  if (argc > 1)
    return cli_usage_error ("version", "unknown flag: %s", argv[1]);
  printf ("crunlocal version %s\n", CL_VERSION);
  printf ("yajl:       %d.%d.%d\n", v / 10000, v / 100 % 100, v % 100);
  printf ("libarchive: %s\n", archive_version_string ());
  printf ("libcurl:    %s\n", curl_version ());
  printf ("libcap:     %s\n", CL_LIBCAP_VERSION);
  tls_print_versions ();
  printf ("store root: %s\n", root);
  printf ("run root:   %s\n", runroot);
  return 0;
}

/* `sealed`: the command puts processes into a container's namespaces,
   so it runs from a sealed copy of this binary (sealed.h). */
static const struct
{
  const char *name;
  int (*fn) (int argc, char **argv);
  bool sealed;
} commands[] = {
  { "run", cmd_run, true },
  { "pull", cmd_pull, false },
  { "images", cmd_images, false },
  { "rmi", cmd_rmi, false },
  { "system", cmd_system, false },
  { "store", cmd_store, false },
  { "version", cmd_version, false },
  { "spec", cmd_spec, false },
  { "info", cmd_info, false },
  { "ps", cmd_ps, false },
  { "rm", cmd_rm, false },
  { "container", cmd_container, false },
  { "logs", cmd_logs, false },
  { "port", cmd_port, false },
  { "stop", cmd_stop, false },
  { "kill", cmd_kill, false },
  { "pause", cmd_pause, false },
  { "unpause", cmd_unpause, false },
  { "stats", cmd_stats, false },
  { "update", cmd_update, false },
  { "wait", cmd_wait, false },
  { "start", cmd_start, true },
  { "inspect", cmd_inspect, false },
  { "image inspect", cmd_image_inspect, false }, /* only as `image inspect` */
  { "exec", cmd_exec, true },
  { "attach", cmd_attach, false },
  { "volume", cmd_volume, false },
  { "network", cmd_network, false },
  { "tag", cmd_tag, false },
  { "untag", cmd_untag, false },
  { "history", cmd_history, false },
  { "rename", cmd_rename, false },
  { "diff", cmd_diff, false },
  { "top", cmd_top, false },
  { "restart", cmd_restart, true },
  { "login", cmd_login, false },
  { "logout", cmd_logout, false },
  { "events", cmd_events, false },
  { "create", cmd_create, false },
  { "cp", cmd_cp, false },
  { "load", cmd_load, false },
  { "save", cmd_save, false },
};

/* docker's and podman's grouped spellings of the commands above:
   `container ls`, `image rm`, ... */
static const struct
{
  const char *group, *name, *command;
} aliases[] = {
  { "container", "ls", "ps" },         { "container", "list", "ps" },
  { "container", "ps", "ps" },         { "container", "rm", "rm" },
  { "container", "logs", "logs" },     { "container", "inspect", "inspect" },
  { "container", "start", "start" },   { "container", "stop", "stop" },
  { "container", "kill", "kill" },     { "container", "wait", "wait" },
  { "container", "exec", "exec" },     { "container", "attach", "attach" },
  { "container", "run", "run" },       { "image", "ls", "images" },
  { "image", "list", "images" },       { "image", "rm", "rmi" },
  { "image", "pull", "pull" },         { "image", "inspect", "image inspect" },
  { "image", "tag", "tag" },           { "image", "untag", "untag" },
  { "image", "history", "history" },   { "container", "rename", "rename" },
  { "container", "top", "top" },       { "container", "restart", "restart" },
  { "container", "create", "create" }, { "container", "cp", "cp" },
  { "image", "load", "load" },         { "image", "save", "save" },
};

/* The names `group` takes ("ls, list, rm, ..."), in `buf`. */
static const char *
group_names (const char *group, char *buf, size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0] && used < len; i++)
    if (strcmp (aliases[i].group, group) == 0)
      used += (size_t)snprintf (buf + used, len - used, "%s%s", used ? ", " : "", aliases[i].name);
  return buf;
}

/* `crunlocal image` alone or with --help: what it takes. */
static void
group_usage (const char *group, FILE *f)
{
  fprintf (f, "Usage: crunlocal %s COMMAND [ARG...]\n\nCommands (each as the command it names):\n",
           group);
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcmp (aliases[i].group, group) == 0)
      fprintf (f, "  %-9s %s\n", aliases[i].name, aliases[i].command);
}

/* The command argv[1] names, through an alias (then *shift is 1); -1
   for none. */
static int
find_command (int argc, char **argv, int *shift)
{
  const char *name = argv[1];

  *shift = 0;
  for (size_t i = 0; argc > 2 && i < sizeof aliases / sizeof aliases[0]; i++)
    if (strcmp (argv[1], aliases[i].group) == 0 && strcmp (argv[2], aliases[i].name) == 0)
      {
        name = aliases[i].command;
        *shift = 1;
      }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (name, commands[i].name) == 0)
      return (int)i;
  return -1;
}

static int
dispatch (int argc, char **argv)
{
  int shift, i = find_command (argc, argv, &shift);

  if (i >= 0)
    {
      argv[1 + shift] = (char *)commands[i].name;
      return commands[i].fn (argc - 1 - shift, argv + 1 + shift);
    }
  if (strcmp (argv[1], "image") == 0)
    {
      char names[512];
      if (argc < 3 || !strcmp (argv[2], "--help") || !strcmp (argv[2], "-h"))
        return group_usage ("image", argc < 3 ? stderr : stdout), argc < 3 ? EXIT_CL_ERROR : 0;
      return cli_usage_error (NULL, "unknown command \"%s\" for \"crunlocal image\" (%s)", argv[2],
                              group_names ("image", names, sizeof names));
    }
  return cli_usage_error (NULL, "unknown command \"%s\" for \"crunlocal\"", argv[1]);
}

/* crunlocal is not designed to run setuid or setgid (nor with file
   capabilities): its environment, store paths and arguments all come from
   the caller.  The kernel tells us through AT_SECURE. */
static int
refuse_privileged_install (void)
{
  struct cl_error err = { 0 };

  if (getauxval (AT_SECURE) == 0 && getuid () == geteuid () && getgid () == getegid ())
    return 0;
  cl_fail (&err, 0,
           "refusing to run setuid, setgid or with file capabilities (uid %u, euid %u): "
           "crunlocal is not designed for it; install it mode 0755",
           getuid (), geteuid ());
  return cli_fail (&err);
}

/* The empty directory the sealed overlay's second layer is (sealed.h),
   in root's runroot; NULL for a user, who gets the memfd copy. */
static char *
seal_empty_dir (void)
{
  struct cl_error ignored;
  cleanup_free char *runroot = NULL;

  if (geteuid () != 0)
    return NULL;
  runroot = store_default_runroot (0);
  if (mkdir_p (runroot, 0700, &ignored) < 0)
    return NULL;
  return xasprintf ("%s/sealed-empty", runroot);
}

/* Start over sealed (sealed.h), unless this process runs so already. */
static int
reexec_sealed (char **argv, struct cl_error *err)
{
  cleanup_free char *empty = sealed_running () ? NULL : seal_empty_dir ();

  return sealed_reexec (argv, empty, err);
}

/* Before anything else: the process may start over from the copy. */
static int
seal_if_needed (int argc, char **argv)
{
  struct cl_error err = { 0 };
  int shift, i = argc > 1 ? find_command (argc, argv, &shift) : -1;

  if (i < 0 || !commands[i].sealed)
    return 0;
  if (reexec_sealed (argv, &err) == 0)
    return 0;
  return cli_fail (&err);
}

/* `crunlocal-runtime …` (a link, chosen by argv[0] as busybox does) and
   `crunlocal runtime …`: the OCI runtime command line (runtime.c). */
static int
runtime_entry (int argc, char **argv, char **whole_argv)
{
  struct cl_error err = { 0 };

  /* The sealed copy starts over with the whole command line. */
  if (runtime_needs_seal (argc, argv) && reexec_sealed (whole_argv, &err) < 0)
    {
      cl_error_print (&err);
      return 1;
    }
  signal (SIGPIPE, SIG_IGN);
  return runtime_main (argc, argv);
}

static bool
called_as_runtime (const char *argv0)
{
  const char *base = strrchr (argv0, '/');
  return strcmp (base ? base + 1 : argv0, "crunlocal-runtime") == 0;
}

int
main (int argc, char **argv)
{
  int ret = refuse_privileged_install ();

  if (ret != 0)
    return ret;
  if (called_as_runtime (argv[0]))
    return runtime_entry (argc, argv, argv);
  if (argc > 1 && strcmp (argv[1], "runtime") == 0)
    {
      cleanup_free char **shifted = xcalloc ((size_t)argc, sizeof (char *));
      shifted[0] = argv[0];
      for (int i = 2; i < argc; i++)
        shifted[i - 1] = argv[i];
      return runtime_entry (argc - 1, shifted, argv);
    }
  ret = seal_if_needed (argc, argv);
  if (ret != 0)
    return ret;
  signal (SIGPIPE, SIG_IGN);
  catch_interrupts ();
  /* `help CMD...` is `CMD... --help`, as podman's. */
  if (argc > 2 && strcmp (argv[1], "help") == 0)
    {
      cleanup_free char **v = xcalloc ((size_t)argc + 1, sizeof (char *));
      v[0] = argv[0];
      for (int i = 2; i < argc; i++)
        v[i - 1] = argv[i];
      v[argc - 1] = (char *)"--help";
      return dispatch (argc, v);
    }
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      fputs (main_usage, argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_CL_ERROR : 0;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-v") == 0)
    {
      printf ("crunlocal version %s\n", CL_VERSION);
      return 0;
    }
  if (argv[1][0] == '-')
    return cli_usage_error (NULL, "unknown flag: %s", argv[1]);
  return dispatch (argc, argv);
}
