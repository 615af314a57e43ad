/* Looking after containers that run: stop, kill, wait, start, attach and
   inspect.
   No daemon to ask — each reads the records and the exit files, and
   signals the processes they name. */
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
#include "json.h"
#include "logfmt.h"
#include "logs.h"
#include "restart.h"
#include "snapshot.h"
#include "util.h"
#include "volume.h"

#define POLL_US 10000

static const char stop_usage[]
    = "Usage: crunlocal stop [-t SECONDS] CONTAINER...\n"
      "\n"
      "Stop containers: the image's StopSignal (or SIGTERM), then SIGKILL after\n"
      "the timeout.  Prints each container as named.\n"
      "\n"
      "Options:\n"
      "  -t, --time SECONDS   wait this long before SIGKILL (default 10)\n";

static const char kill_usage[] = "Usage: crunlocal kill [-s SIGNAL] CONTAINER...\n"
                                 "\n"
                                 "Send a signal (default SIGKILL) to running containers.\n"
                                 "\n"
                                 "Options:\n"
                                 "  -s, --signal SIG   a name (TERM, SIGHUP) or a number\n";

static const char pause_usage[] = "Usage: crunlocal pause CONTAINER...\n"
                                  "\n"
                                  "Freeze every process of running containers (the cgroup freezer).\n";

static const char unpause_usage[] = "Usage: crunlocal unpause CONTAINER...\n"
                                    "\n"
                                    "Thaw containers that pause froze.\n";

static const char wait_usage[] = "Usage: crunlocal wait CONTAINER...\n"
                                 "\n"
                                 "Wait for containers to exit; print each exit code (-1: unknown).\n";

static const char start_usage[] = "Usage: crunlocal start [-a] CONTAINER...\n"
                                  "\n"
                                  "Start exited containers again, in the background under a monitor.\n"
                                  "\n"
                                  "Options:\n"
                                  "  -a, --attach   follow its output and exit with its exit code\n"
                                  "                 (one container)\n";

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

static const char inspect_usage[] = "Usage: crunlocal inspect CONTAINER...\n"
                                    "\n"
                                    "Show containers as a JSON array, in podman's shape.\n";

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
   (monitor killed).  The directory stays open, so an exit recorded just
   before a --rm removal is still read. */
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
  long timeout = *(const long *) arg;
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
  int sig = *(const int *) arg;
  int stop = stop_signal_of (c);

  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  /* A signal that ends it ends it for good; HUP or USR1 only tell it. */
  if ((sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == stop) && mark_stopped (c, err) < 0)
    return -1;
  if (kill (c->pid, sig) < 0)
    return cl_fail (err, errno, "signal container %s", c->name);
  if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == stop)
    thaw_if_paused (c);
  return 0;
}

static int
wait_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  struct exit_record rec;

  printf ("%d\n", await_exit (c, &rec) == 0 ? rec.code : -1);
  fflush (stdout);
  return 0;
}

/* Parse the options of stop, kill, wait, start or inspect; returns -1 to
   go on, else an exit code. */
static int
parse_ctl (int argc, char **argv, const char *cmd, const char *usage, const char *shortopts,
           const struct option *longopts, int (*take) (int c, void *arg), void *arg)
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
  if (optind >= argc)
    return cli_usage_error (cmd, "\"crunlocal %s\" requires at least 1 container", cmd);
  return -1;
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

static int
take_timeout (int c, void *arg)
{
  char *end;

  *(long *) arg = strtol (optarg, &end, 10);
  if (c == 't' && (*end || end == optarg || *(long *) arg < 0))
    return cli_usage_error ("stop", "invalid timeout \"%s\": want seconds", optarg), -1;
  return 0;
}

int
cmd_stop (int argc, char **argv)
{
  static const struct option longopts[] = { { "time", required_argument, NULL, 't' },
                                            { "timeout", required_argument, NULL, 't' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  long timeout = 10;
  int r = parse_ctl (argc, argv, "stop", stop_usage, "t:h", longopts, take_timeout, &timeout);

  return r >= 0 ? r : run_ctl (argv + optind, stop_one, &timeout, false);
}

static int
take_signal (int c, void *arg)
{
  *(int *) arg = cli_parse_signal (optarg);
  if (*(int *) arg < 0)
    return cli_usage_error ("kill", "invalid signal \"%s\"", optarg), -1;
  return 0;
}

int
cmd_kill (int argc, char **argv)
{
  static const struct option longopts[] = { { "signal", required_argument, NULL, 's' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  int sig = SIGKILL;
  int r = parse_ctl (argc, argv, "kill", kill_usage, "s:h", longopts, take_signal, &sig);

  return r >= 0 ? r : run_ctl (argv + optind, kill_one, &sig, false);
}

static int
take_nothing (int c, void *arg)
{
  return 0;
}

int
cmd_wait (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int r = parse_ctl (argc, argv, "wait", wait_usage, "h", longopts, take_nothing, NULL);

  return r >= 0 ? r : run_ctl (argv + optind, wait_one, NULL, true);
}

struct start_args
{
  bool attach;
  bool restarted; /* by its monitor, for its restart policy */
  int code; /* with attach: the container's exit code */
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
  return !restarted || (dfd >= 0 && !restart_stopped (dfd) && container_state (c) == CONTAINER_EXITED);
}

static int
start_locked (struct store *s, const char *id, bool restarted, struct container *c,
              struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  cleanup_close int dfd = -1;
  struct snapshot snap = { 0 };
  struct spec sp = { 0 };
  enum container_state st;
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
  if (r == 0 && (dfd < 0 || exitrec_clear (dfd, err) < 0 || restart_clear_stopped (dfd, err) < 0))
    r = dfd < 0 ? cl_fail (err, errno, "open %s", c->dir) : -1;
  if (r == 0)
    {
      c->detached = true;
      /* By hand it starts afresh: the backoff too. */
      c->restart_count = restarted ? c->restart_count + 1 : 0;
      r = detach_start (s, c, &sp, snap.mode == SNAPSHOT_OVERLAY && snap.lowerdir ? &snap.overlay : NULL, err);
    }
  spec_clear (&sp);
  snapshot_clear (&snap);
  return r;
}

static int
start_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  struct start_args *a = (struct start_args *) arg;
  struct logs_opts lo = { .follow = true, .tail = -1, .has_since = true };
  struct container now = { 0 };
  struct exit_record rec;
  int r;

  clock_gettime (CLOCK_REALTIME, &lo.since);
  r = start_locked (s, c->id, a->restarted, &now, err);
  if (r == 0 && a->attach)
    {
      r = logs_show (&now, &lo, err);
      a->code = await_exit (&now, &rec) == 0 ? rec.code : 125;
    }
  container_clear (&now);
  return r;
}

static int
take_start_opt (int c, void *arg)
{
  struct start_args *a = arg;

  a->attach = a->attach || c == 'a';
  a->restarted = a->restarted || c == 'R';
  return 0;
}

int
cmd_start (int argc, char **argv)
{
  /* --restarted: the monitor applying the restart policy (not in --help). */
  static const struct option longopts[] = { { "attach", no_argument, NULL, 'a' },
                                            { "restarted", no_argument, NULL, 'R' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct start_args a = { 0 };
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  int r = parse_ctl (argc, argv, "start", start_usage, "ah", longopts, take_start_opt, &a);

  if (r >= 0)
    return r;
  if (a.attach && optind + 1 != argc)
    return cli_usage_error ("start", "--attach starts one container");
  /* Like run: rootless with subordinate ids, inside the store's namespace. */
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    return cli_fail (&err);
  r = each_container (s, argv + optind, start_one, &a, a.attach);
  return r == 0 && a.attach ? a.code : r;
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
  struct attach_args *a = (struct attach_args *) arg;
  cleanup_free char *dir = container_run_dir (s, c->id);
  cleanup_close int sock = -1;
  struct pty_detach keys;
  bool detached;

  if (pty_detach_parse (a->keys, &keys, err) < 0)
    return -1;
  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  if (!c->detached)
    return cl_fail (err, 0, "container %s runs in the foreground of its `run`: nothing to attach to",
                    c->name);
  if ((sock = attach_connect (dir, err)) < 0
      || attach_session (sock, c->tty, c->interactive && !a->no_stdin ? 0 : -1, &keys, &a->code,
                         &detached, err) < 0)
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

static void
gen_restart_policy (yajl_gen g, const struct container *c)
{
  struct restart_policy p = { RESTART_NO, 0 };
  struct cl_error ignored;

  if (c->restart)
    restart_parse (c->restart, &p, &ignored);
  jg_str (g, "RestartPolicy");
  yajl_gen_map_open (g);
  jg_kstr (g, "Name", p.kind == RESTART_NO ? "" : restart_name (&p));
  jg_kint (g, "MaximumRetryCount", p.max);
  yajl_gen_map_close (g);
}

/* {"5432/tcp": [{"HostIp": "", "HostPort": "5432"}]}, as podman writes
   it; on the host's network the host port is the container's. */
static void
gen_port_bindings (yajl_gen g, const struct container *c)
{
  jg_str (g, "PortBindings");
  yajl_gen_map_open (g);
  for (size_t i = 0; c->ports && c->ports[i]; i++)
    {
      char port[16];
      snprintf (port, sizeof port, "%d", atoi (c->ports[i]));
      jg_str (g, c->ports[i]);
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      jg_kstr (g, "HostIp", "");
      jg_kstr (g, "HostPort", port);
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

static void
gen_time (yajl_gen g, const char *key, long long sec, long nsec)
{
  struct timespec ts = { (time_t) sec, nsec };
  char buf[64];

  logfmt_time (&ts, buf, sizeof buf);
  jg_kstr (g, key, sec > 0 ? buf : "0001-01-01T00:00:00Z");
}

static void
gen_state (yajl_gen g, const struct container *c)
{
  enum container_state st = container_state (c);
  bool exited = st == CONTAINER_EXITED;

  jg_str (g, "State");
  yajl_gen_map_open (g);
  jg_kstr (g, "Status", container_state_name (st));
  jg_kbool (g, "Running", st == CONTAINER_RUNNING);
  jg_kbool (g, "Paused", st == CONTAINER_RUNNING && cgroup_frozen (c->dir));
  jg_kbool (g, "Restarting", false);
  jg_kbool (g, "OOMKilled", exited && c->exit.oom);
  jg_kbool (g, "Dead", false);
  jg_kint (g, "Pid", st == CONTAINER_RUNNING ? c->pid : 0);
  jg_kint (g, "ConmonPid", st == CONTAINER_RUNNING && c->detached ? c->monitor_pid : 0);
  jg_kint (g, "ExitCode", exited ? c->exit.code : st == CONTAINER_LOST ? -1 : 0);
  jg_kstr (g, "Error", st == CONTAINER_LOST ? "its monitor died: exit code unknown" : "");
  gen_time (g, "StartedAt", c->started, 0);
  gen_time (g, "FinishedAt", exited ? c->exit.finished_sec : 0, exited ? c->exit.finished_nsec : 0);
  yajl_gen_map_close (g);
}

/* The cmd: the command without its entrypoint prefix. */
static void
gen_config (yajl_gen g, const struct container *c, const struct spec *sp)
{
  size_t n_ep = strv_len (c->entrypoint);
  char user[48] = "";

  if (sp->uid || sp->gid)
    snprintf (user, sizeof user, "%u:%u", sp->uid, sp->gid);
  jg_str (g, "Config");
  yajl_gen_map_open (g);
  jg_kstr (g, "Hostname", sp->hostname);
  jg_kstr (g, "User", user);
  jg_kstrv (g, "Env", sp->env);
  jg_kstrv (g, "Cmd", strv_len (c->command) >= n_ep ? c->command + n_ep : c->command);
  jg_kstrv (g, "Entrypoint", c->entrypoint);
  jg_kstr (g, "Image", c->image);
  jg_kstr (g, "WorkingDir", sp->cwd);
  jg_kstr (g, "StopSignal", c->stop_signal ? c->stop_signal : "SIGTERM");
  jg_kbool (g, "Tty", c->tty);
  jg_kbool (g, "OpenStdin", c->interactive);
  yajl_gen_map_close (g);
}

/* The user's binds (-v, --mount), not the standard /proc, /dev, /sys. */
static bool
user_bind (const struct spec_mount *m, const struct container *c)
{
  size_t n = c->dir ? strlen (c->dir) : 0;
  /* Its /etc/resolv.conf, hostname and hosts come from its directory. */
  bool own = n && strncmp (m->source, c->dir, n) == 0 && m->source[n] == '/';

  return strcmp (m->type, "bind") == 0 && strcmp (m->destination, "/sys") != 0
         && !str_has_prefix (m->destination, "/dev/") && !own;
}

/* As docker shows them: a volume by its Name, a bind by its Source. */
static void
gen_mounts (yajl_gen g, const struct store *s, const struct container *c, const struct spec *sp)
{
  jg_str (g, "Mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < sp->n_mounts; i++)
    if (user_bind (&sp->mounts[i], c))
      {
        cleanup_free char *volume = volume_name_of_path (s, sp->mounts[i].source);
        yajl_gen_map_open (g);
        jg_kstr (g, "Type", volume ? "volume" : "bind");
        if (volume)
          jg_kstr (g, "Name", volume);
        jg_kstr (g, "Source", sp->mounts[i].source);
        jg_kstr (g, "Destination", sp->mounts[i].destination);
        if (volume)
          jg_kstr (g, "Driver", "local");
        jg_kstr (g, "Mode", "");
        jg_kbool (g, "RW", !strv_contains (sp->mounts[i].options, "ro"));
        jg_kstr (g, "Propagation", volume ? "" : "rprivate");
        jg_kstrv (g, "Options", sp->mounts[i].options);
        yajl_gen_map_close (g);
      }
  yajl_gen_array_close (g);
}

static void
gen_host_config (yajl_gen g, const struct container *c, const struct spec *sp)
{
  char size[32];

  snprintf (size, sizeof size, "%lld", c->log_max_size);
  jg_str (g, "HostConfig");
  yajl_gen_map_open (g);
  jg_kbool (g, "AutoRemove", c->auto_rm);
  jg_kstr (g, "NetworkMode", sp->namespaces & NS_NET ? "none" : "host");
  jg_kbool (g, "ReadonlyRootfs", sp->root_readonly);
  jg_kbool (g, "Init", sp->init);
  gen_port_bindings (g, c);
  gen_restart_policy (g, c);
  jg_str (g, "LogConfig");
  yajl_gen_map_open (g);
  jg_kstr (g, "Type", "k8s-file");
  jg_kstr (g, "Path", c->dir ? c->dir : "");
  jg_kstr (g, "Size", c->log_max_size > 0 ? size : "0B");
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
gen_container (yajl_gen g, const struct store *s, const struct container *c, const struct spec *sp)
{
  cleanup_free char *log = xasprintf ("%s/%s", c->dir, LOG_FILE);
  size_t n = strv_len (c->command);

  yajl_gen_map_open (g);
  jg_kstr (g, "Id", c->id);
  gen_time (g, "Created", c->created, 0);
  jg_kstr (g, "Path", n ? c->command[0] : "");
  jg_kstrv (g, "Args", n ? c->command + 1 : c->command);
  gen_state (g, c);
  jg_kstr (g, "Image", c->image_id);
  jg_kstr (g, "ImageName", c->image);
  jg_kstr (g, "Name", c->name);
  jg_kint (g, "RestartCount", 0);
  jg_kstr (g, "Driver", c->snapshot ? c->snapshot : "");
  jg_kint (g, "RestartCount", c->restart_count);
  jg_kstr (g, "LogPath", log);
  gen_config (g, c, sp);
  gen_mounts (g, s, c, sp);
  gen_host_config (g, c, sp);
  yajl_gen_map_close (g);
}

struct inspect_out
{
  yajl_gen g;
};

static int
inspect_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  const struct inspect_out *out = arg;
  struct spec sp = { 0 };

  /* A container half-made by a killed run may lack its spec. */
  if (bundle_load (c->dir, &sp, err) < 0)
    memset (&sp, 0, sizeof sp);
  gen_container (out->g, s, c, &sp);
  spec_clear (&sp);
  return 0;
}

int
cmd_inspect (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;
  struct inspect_out out = { g };
  int r = parse_ctl (argc, argv, "inspect", inspect_usage, "h", longopts, take_nothing, NULL);

  if (r >= 0)
    return r;
  yajl_gen_array_open (g);
  r = run_ctl (argv + optind, inspect_one, &out, true);
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  puts (text);
  return r;
}

static int
freeze_one (struct store *s, struct container *c, const void *arg, struct cl_error *err)
{
  bool freeze = *(const bool *) arg;

  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0, "container %s is not running", c->name);
  if (!freeze && !cgroup_frozen (c->dir))
    return cl_fail (err, 0, "container %s is not paused", c->name);
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
