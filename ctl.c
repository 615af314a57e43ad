/* Looking after containers that run: stop, kill, wait, start and attach.
   No daemon to ask — each reads the records and the exit files, and
   signals the processes they name. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "ocispec.h"
#include "cli.h"
#include "detach.h"
#include "logs.h"
#include "net.h"
#include "restart.h"
#include "snapshot.h"
#include "util.h"
#include "volume.h"

#define POLL_US 10000

static const char stop_usage[]
    = "Usage: crunlocal stop [-t SECONDS] CONTAINER... | -a\n"
      "\n"
      "Stop containers: the image's StopSignal (or SIGTERM), then SIGKILL after\n"
      "the timeout.  Prints each container as named.\n"
      "\n"
      "Options:\n"
      "  -a, --all            every running container (printed by ID)\n"
      "  -t, --time SECONDS   wait this long before SIGKILL (default 10)\n";

static const char kill_usage[] = "Usage: crunlocal kill [-s SIGNAL] CONTAINER... | -a\n"
                                 "\n"
                                 "Send a signal (default SIGKILL) to running containers.\n"
                                 "\n"
                                 "Options:\n"
                                 "  -a, --all          every running container (printed by ID)\n"
                                 "  -s, --signal SIG   a name (TERM, SIGHUP) or a number\n";
static const char pause_usage[]
    = "Usage: crunlocal pause CONTAINER...\n"
      "\n"
      "Freeze every process of running containers (the cgroup freezer).\n";

static const char unpause_usage[] = "Usage: crunlocal unpause CONTAINER...\n"
                                    "\n"
                                    "Thaw containers that pause froze.\n";

static const char wait_usage[]
    = "Usage: crunlocal wait [--condition COND] CONTAINER...\n"
      "\n"
      "Wait for containers to exit; print each exit code (-1: unknown).\n"
      "\n"
      "Options:\n"
      "      --condition COND   stopped or exited (the default), or\n"
      "                         running (then -1 is printed)\n";

static const char start_usage[]
    = "Usage: crunlocal start [-a [-i]] CONTAINER...\n"
      "\n"
      "Start created or exited containers, in the background under a monitor.\n"
      "\n"
      "Options:\n"
      "  -a, --attach        attach to its output (and terminal) from the first\n"
      "                      byte; exit with its exit code (one container)\n"
      "  -i, --interactive   with -a: our stdin to it (it was created with -i)\n"
      "      --detach-keys K with -a on a terminal: the keys that detach\n"
      "                      (default ctrl-p,ctrl-q)\n";

static const char attach_usage[]
    = "Usage: crunlocal attach [OPTIONS] CONTAINER\n"
      "\n"
      "Attach to a detached container: its output to ours, and our input to it\n"
      "when it was run with -i; with -t our terminal is raw meanwhile.  The\n"
      "detach keys (default ctrl-p,ctrl-q) leave it running; otherwise the exit\n"
      "code is the container's.\n"
      "\n"
      "Options:\n"
      "      --detach-keys KEYS   the sequence that detaches (\"\" for none)\n"
      "      --no-stdin           do not pass our input\n";

/* Until its process is gone or `ms` passed (-1: no limit); true if gone. */
static bool
await_gone (const struct container *c, long ms)
{
  for (long waited = 0; container_running (c); waited += POLL_US / 1000)
    {
      if (ms >= 0 && waited >= ms)
        return false;
      usleep (POLL_US);
    }
  return true;
}

/* How its run ended, once recorded: 0, or 1 when nobody will record it
   (monitor killed), -1 when interrupted (Ctrl-C, SIGTERM, SIGHUP).  The
   directory stays open, so an exit recorded just before a --rm removal
   is still read. */
static int
await_exit (const struct container *c, struct exit_record *rec)
{
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct cl_error ignored;

  for (;;)
    {
      bool done = !container_running (c) && !container_monitored (c);
      if (dfd >= 0 && exitrec_read (dfd, rec, &ignored) == 0)
        return 0;
      if (done)
        return 1;
      if (cl_interrupted)
        return -1;
      usleep (POLL_US);
    }
}

typedef int (*container_action) (struct store *s, struct container *c, const void *arg,
                                 struct cl_error *err);

/* Each named container in turn; the name printed when `act` succeeds
   (quiet: not).  Returns the exit code: 0, or 125 after any failure. */
static int
each_container (struct store *s, char **names, container_action act, const void *arg, bool quiet)
{
  int ret = 0;

  for (size_t i = 0; names[i]; i++)
    {
      struct cl_error err = { 0 };
      struct container c;
      if (cli_find_container (s, names[i], &c, &err) == 0 && act (s, &c, arg, &err) == 0)
        {
          if (!quiet)
            puts (names[i]);
        }
      else
        ret = cli_fail (&err);
      container_clear (&c);
    }
  return ret;
}

/* What `stop` sends first: the image's StopSignal (or --stop-signal),
   else SIGTERM. */
static int
stop_signal_of (const struct container *c)
{
  int sig = c->stop_signal ? cli_parse_signal (c->stop_signal) : -1;

  return sig > 0 ? sig : SIGTERM;
}

/* By hand: no restart policy brings it back (restart.h). */
static int
mark_stopped (const struct container *c, struct cl_error *err)
{
  cleanup_close int dfd = -1;

  if (!c->restart)
    return 0;
  dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return cl_fail (err, errno, "open %s", c->dir);
  return restart_mark_stopped (dfd, err);
}

/* Options of stop and kill; -a: every running container. */
struct ctl_opts
{
  long timeout;
  int sig;
  bool all;
};

/* A paused container that is told to end must run to end. */
static void
thaw_if_paused (const struct container *c)
{
  struct cl_error ignored;

  if (cgroup_frozen (c->dir))
    cgroup_freeze (c->dir, false, &ignored);
}

static int
stop_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  long timeout = ((const struct ctl_opts *)arg)->timeout;
  int sig = stop_signal_of (c);
  struct exit_record rec;

  if (mark_stopped (c, err) < 0)
    return -1;
  if (container_state (c) == CONTAINER_RUNNING)
    {
      if (kill (c->pid, sig) < 0 && errno != ESRCH)
        return cl_fail (err, errno, "signal container %s", c->name);
      thaw_if_paused (c);
      /* PID 1 of a namespace ignores what it does not catch: then SIGKILL. */
      if (!await_gone (c, timeout * 1000) && kill (c->pid, SIGKILL) < 0 && errno != ESRCH)
        return cl_fail (err, errno, "kill container %s", c->name);
      if (!await_gone (c, 10000))
        return cl_fail (err, ETIMEDOUT, "container %s did not die after SIGKILL", c->name);
    }
  await_exit (c, &rec);
  return 0;
}

static int
kill_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  int sig = ((const struct ctl_opts *)arg)->sig;
  int stop = stop_signal_of (c);

  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  /* A signal that ends it ends it for good; HUP or USR1 only tell it. */
  if ((sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == stop)
      && mark_stopped (c, err) < 0)
    return -1;
  if (kill (c->pid, sig) < 0)
    return cl_fail (err, errno, "signal container %s", c->name);
  if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == stop)
    thaw_if_paused (c);
  return 0;
}

/* Until the container runs (its record read anew, as `start` rewrites it). */
static int
await_running (struct store *s, const char *id, struct cl_error *err)
{
  for (;;)
    {
      struct container now;
      enum container_state st;
      if (cli_find_container (s, id, &now, err) < 0)
        return -1;
      st = container_state (&now);
      container_clear (&now);
      if (st == CONTAINER_RUNNING)
        return 0;
      if (cl_check_interrupt (err) < 0)
        return -1;
      usleep (POLL_US);
    }
}

static int
wait_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  struct exit_record rec;

  store_release_gc (s);
  if (arg && strcmp (arg, "running") == 0)
    {
      if (await_running (s, c->id, err) < 0)
        return -1;
      printf ("-1\n");
    }
  else
    {
      int r = await_exit (c, &rec);
      if (r < 0)
        return cl_check_interrupt (err);
      printf ("%d\n", r == 0 ? rec.code : -1);
    }
  fflush (stdout);
  return 0;
}

/* Parse the options of stop, kill, wait, start or inspect; returns -1 to
   go on, else an exit code.  `all`: set by -a, which takes no names. */
static int
parse_ctl_all (int argc, char **argv, const char *cmd, const char *usage, const char *shortopts,
               const struct option *longopts, int (*take) (int c, void *arg), void *arg,
               const bool *all)
{
  int c;

  while ((c = cli_getopt (argc, argv, cmd, shortopts, longopts)) != -1)
    {
      if (c == -2)
        return 125;
      if (c == 'h')
        return fputs (usage, stdout), 0;
      if (take (c, arg) < 0)
        return 125;
    }
  if (all && *all && optind < argc)
    return cli_usage_error (cmd, "--all and containers cannot be used together");
  if (optind >= argc && !(all && *all))
    return cli_usage_error (cmd, "\"crunlocal %s\" requires at least 1 container", cmd);
  return -1;
}

static int
parse_ctl (int argc, char **argv, const char *cmd, const char *usage, const char *shortopts,
           const struct option *longopts, int (*take) (int c, void *arg), void *arg)
{
  return parse_ctl_all (argc, argv, cmd, usage, shortopts, longopts, take, arg, NULL);
}

static int
run_ctl (char **names, container_action act, const void *arg, bool quiet)
{
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };

  if (cli_open_store_host (&s, &err) < 0)
    return cli_fail (&err);
  return each_container (s, names, act, arg, quiet);
}

/* -a: the IDs of every running container. */
static int
run_ctl_all (container_action act, const void *arg)
{
  cleanup_store struct store *s = NULL;
  cleanup_strv char **ids = NULL;
  struct cl_error err = { 0 };
  struct container *all = NULL;
  size_t n = 0;

  if (cli_open_store_host (&s, &err) < 0 || container_list (s, &all, &n, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; i < n; i++)
    if (container_state (&all[i]) == CONTAINER_RUNNING)
      strv_append (&ids, all[i].id);
  container_list_free (all, n);
  if (!ids)
    return 0;
  return each_container (s, ids, act, arg, false);
}

static int
take_timeout (int c, void *arg)
{
  struct ctl_opts *o = arg;
  char *end;

  if (c == 'a')
    return o->all = true, 0;
  o->timeout = strtol (optarg, &end, 10);
  if (c == 't' && (*end || end == optarg || o->timeout < 0))
    return cli_usage_error ("stop", "invalid timeout \"%s\": want seconds", optarg), -1;
  return 0;
}

int
cmd_stop (int argc, char **argv)
{
  static const struct option longopts[] = { { "time", required_argument, NULL, 't' },
                                            { "timeout", required_argument, NULL, 't' },
                                            { "all", no_argument, NULL, 'a' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct ctl_opts o = { .timeout = 10 };
  int r
      = parse_ctl_all (argc, argv, "stop", stop_usage, "at:h", longopts, take_timeout, &o, &o.all);

  if (r >= 0)
    return r;
  return o.all ? run_ctl_all (stop_one, &o) : run_ctl (argv + optind, stop_one, &o, false);
}

static int
take_signal (int c, void *arg)
{
  struct ctl_opts *o = arg;

  if (c == 'a')
    return o->all = true, 0;
  o->sig = cli_parse_signal (optarg);
  if (o->sig < 0)
    return cli_usage_error ("kill", "invalid signal \"%s\"", optarg), -1;
  return 0;
}

int
cmd_kill (int argc, char **argv)
{
  static const struct option longopts[] = { { "signal", required_argument, NULL, 's' },
                                            { "all", no_argument, NULL, 'a' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct ctl_opts o = { .sig = SIGKILL };
  int r = parse_ctl_all (argc, argv, "kill", kill_usage, "as:h", longopts, take_signal, &o, &o.all);

  if (r >= 0)
    return r;
  return o.all ? run_ctl_all (kill_one, &o) : run_ctl (argv + optind, kill_one, &o, false);
}

static int
take_nothing (int c, void *arg)
{
  return 0;
}

static int
take_condition (int c, void *arg)
{
  static const char *conditions[] = { "stopped", "exited", "running" };

  for (size_t i = 0; c == 'c' && i < sizeof conditions / sizeof conditions[0]; i++)
    if (strcmp (optarg, conditions[i]) == 0)
      return *(const char **)arg = conditions[i], 0;
  return cli_usage_error ("wait", "invalid condition \"%s\": want stopped, exited or running",
                          optarg),
         -1;
}

int
cmd_wait (int argc, char **argv)
{
  static const struct option longopts[] = { { "condition", required_argument, NULL, 'c' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *condition = "stopped";
  int r = parse_ctl (argc, argv, "wait", wait_usage, "h", longopts, take_condition, &condition);

  return r >= 0 ? r : run_ctl (argv + optind, wait_one, condition, true);
}

struct start_args
{
  bool attach, interactive;
  bool restarted;   /* by its monitor, for its restart policy */
  const char *keys; /* --detach-keys */
  int code;         /* with attach: the container's exit code */
};

/* The spec it ran with, and its overlay mounted again over the same
   upper directory (the other snapshot modes left a full rootfs/). */
static int
start_prepare (struct store *s, const struct container *c, struct spec *sp, struct snapshot *snap,
               struct cl_error *err)
{
  struct image_record img = { 0 };
  int r;

  if (bundle_load (c->dir, sp, err) < 0)
    return cl_wrap (err, "container %s", c->name);
  if (!c->snapshot || strcmp (c->snapshot, "overlay") != 0)
    return 0;
  r = store_image_lookup (s, c->image_id, &img, err);
  if (r == 1)
    r = cl_fail (err, ENOENT, "the image %.12s of container %s is gone", c->image_id, c->name);
  if (r == 0)
    r = snapshot_prepare (s, &img, c->dir, SNAPSHOT_OVERLAY, snap, err);
  image_record_clear (&img);
  return r;
}

/* Under the containers lock, so that a concurrent rm or start sees it
   either before or after. */
/* A restart by the policy yields to a `stop` or `start` by hand. */
static bool
restart_wanted (const struct container *c, int dfd, bool restarted)
{
  return !restarted
         || (dfd >= 0 && !restart_stopped (dfd) && container_state (c) == CONTAINER_EXITED);
}

static int
start_locked (struct store *s, const char *id, bool restarted, struct container *c, int *attached,
              struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  cleanup_close int dfd = -1;
  struct snapshot snap = { 0 };
  struct spec sp = { 0 };
  enum container_state st;
  struct net_attach net = { 0 };
  struct ns_hook hook;
  int r;

  if (lock < 0 || cli_find_container (s, id, c, err) < 0)
    return -1;
  dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!restart_wanted (c, dfd, restarted))
    return 0;
  st = container_state (c);
  if (st == CONTAINER_RUNNING)
    return 0;
  if (st == CONTAINER_STOPPING)
    return cl_fail (err, EBUSY, "container %s is still stopping", c->name);
  r = start_prepare (s, c, &sp, &snap, err);
  if (r == 0)
    r = net_attach_from_record (s, c, restarted, &net, err);
  net_hook_init (&hook, &net, NULL);
  if (r == 0)
    r = net_join_path (s, c->network, &sp.net_path, NULL, err);
  if (r == 0 && (dfd < 0 || exitrec_clear (dfd, err) < 0 || restart_clear_stopped (dfd, err) < 0))
    r = dfd < 0 ? cl_fail (err, errno, "open %s", c->dir) : -1;
  if (r == 0)
    {
      c->detached = true;
      /* By hand it starts afresh: the backoff too. */
      c->restart_count = restarted ? c->restart_count + 1 : 0;
      free (c->error);
      c->error = NULL;
      r = detach_start (s, c, &sp,
                        snap.mode == SNAPSHOT_OVERLAY && snap.lowerdir ? &snap.overlay : NULL,
                        net.mode == NET_PRIVATE ? &hook : NULL, attached, err);
      if (r < 0 && (err->status == 126 || err->status == 127))
        container_keep_failed (s, c, err->msg);
    }
  net_attach_free (&net);
  spec_clear (&sp);
  snapshot_clear (&snap);
  return r;
}

/* `start -a`: its monitor's attach session, connected before the
   container started (detach_start), so nothing it wrote is missed. */
static int
start_attached (struct store *s, const struct container *c, struct container *now,
                struct start_args *a, struct cl_error *err)
{
  cleanup_close int sock = -1;
  struct pty_detach keys;
  bool detached;

  if (pty_detach_parse (a->keys, &keys, err) < 0)
    return -1;
  if (container_state (c) == CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is already running: use attach", c->name);
  if (start_locked (s, c->id, a->restarted, now, &sock, err) < 0)
    return -1;
  if (sock < 0)
    return cl_fail (err, 0, "container %s did not start", c->name);
  if (attach_session (sock, now->tty, now->interactive && a->interactive ? 0 : -1, &keys, &a->code,
                      &detached, err)
      < 0)
    return -1;
  if (a->code < 0)
    return cl_fail (err, 0, "lost the monitor of container %s", c->name);
  return 0;
}

static int
start_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  struct start_args *a = (struct start_args *)arg;
  struct container now = { 0 };
  int r = a->attach ? start_attached (s, c, &now, a, err)
                    : start_locked (s, c->id, a->restarted, &now, NULL, err);

  container_clear (&now);
  return r;
}

static int
take_start_opt (int c, void *arg)
{
  struct start_args *a = arg;

  a->attach = a->attach || c == 'a';
  a->interactive = a->interactive || c == 'i';
  a->restarted = a->restarted || c == 'R';
  if (c == 'k')
    a->keys = optarg;
  return 0;
}

int
cmd_start (int argc, char **argv)
{
  /* --restarted: the monitor applying the restart policy (not in --help). */
  static const struct option longopts[] = { { "attach", no_argument, NULL, 'a' },
                                            { "interactive", no_argument, NULL, 'i' },
                                            { "detach-keys", required_argument, NULL, 'k' },
                                            { "restarted", no_argument, NULL, 'R' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct start_args a = { .keys = PTY_DETACH_DEFAULT };
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  int r = parse_ctl (argc, argv, "start", start_usage, "aih", longopts, take_start_opt, &a);

  if (r >= 0)
    return r;
  if (a.attach && optind + 1 != argc)
    return cli_usage_error ("start", "--attach starts one container");
  if (a.interactive && !a.attach)
    return cli_usage_error ("start", "--interactive needs --attach");
  /* Like run: rootless with subordinate ids, inside the store's namespace. */
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    return cli_fail (&err);
  r = each_container (s, argv + optind, start_one, &a, a.attach);
  return r == 0 && a.attach ? a.code : r;
}

int
ctl_stop (struct store *s, struct container *c, long timeout, struct cl_error *err)
{
  struct ctl_opts o = { .timeout = timeout };

  return stop_one (s, c, &o, err);
}

int
ctl_start (struct store *s, const char *id, struct cl_error *err)
{
  struct container now = { 0 };
  int r = start_locked (s, id, false, &now, NULL, err);

  container_clear (&now);
  return r;
}

struct attach_args
{
  const char *keys;
  bool no_stdin;
  int code;
};

static int
attach_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  struct attach_args *a = (struct attach_args *)arg;
  cleanup_free char *dir = container_run_dir (s, c->id);
  cleanup_close int sock = -1;
  struct pty_detach keys;
  bool detached;

  if (pty_detach_parse (a->keys, &keys, err) < 0)
    return -1;
  store_release_gc (s);
  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  if (!c->detached)
    return cl_fail (
        err, 0, "container %s runs in the foreground of its `run`: nothing to attach to", c->name);
  if ((sock = attach_connect (dir, err)) < 0
      || attach_session (sock, c->tty, c->interactive && !a->no_stdin ? 0 : -1, &keys, &a->code,
                         &detached, err)
             < 0)
    return -1;
  if (a->code < 0)
    return cl_fail (err, 0, "lost the monitor of container %s", c->name);
  return 0;
}

static int
take_attach_opt (int c, void *arg)
{
  struct attach_args *a = arg;

  if (c == 'k')
    a->keys = optarg;
  else if (c == 'n')
    a->no_stdin = true;
  return 0;
}

int
cmd_attach (int argc, char **argv)
{
  static const struct option longopts[] = { { "detach-keys", required_argument, NULL, 'k' },
                                            { "no-stdin", no_argument, NULL, 'n' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct attach_args a = { .keys = PTY_DETACH_DEFAULT };
  int r = parse_ctl (argc, argv, "attach", attach_usage, "+h", longopts, take_attach_opt, &a);

  if (r >= 0)
    return r;
  if (optind + 1 != argc)
    return cli_usage_error ("attach", "\"crunlocal attach\" requires exactly 1 container");
  r = run_ctl (argv + optind, attach_one, &a, true);
  return r == 0 ? a.code : r;
}

static int
freeze_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  bool freeze = *(const bool *)arg;

  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  if (!freeze && !cgroup_frozen (c->dir))
    return cl_fail (err, 0, "container %s is not paused", c->name);
  if (freeze && cgroup_frozen (c->dir))
    return cl_fail (err, 0, "container %s is already paused", c->name);
  if (cgroup_freeze (c->dir, freeze, err) < 0)
    return cl_wrap (err, "%s container %s", freeze ? "pause" : "unpause", c->name);
  return 0;
}

int
cmd_pause (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  static const bool freeze = true;
  int r = parse_ctl (argc, argv, "pause", pause_usage, "h", longopts, take_nothing, NULL);

  return r >= 0 ? r : run_ctl (argv + optind, freeze_one, &freeze, false);
}

int
cmd_unpause (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  static const bool thaw = false;
  int r = parse_ctl (argc, argv, "unpause", unpause_usage, "h", longopts, take_nothing, NULL);

  return r >= 0 ? r : run_ctl (argv + optind, freeze_one, &thaw, false);
}
