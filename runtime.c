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
#include <sys/syscall.h>
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

#define CONFIG_MAX (4 << 20)

/* The global flags, passed down to every command. */
struct rt_opts
{
  const char *prog;
  char *root;
  const char *log;
  bool log_json, debug;
};

static void
rt_log (const struct rt_opts *o, const char *level, const char *msg)
{
  cleanup_close int fd = -1;
  char ts[64];
  struct timespec now;
  struct tm tm;
  cleanup_free char *line = NULL;

  if (!o->log)
    {
      if (strcmp (level, "debug") == 0)
        fprintf (stderr, "level=debug msg=\"%s\"\n", msg);
      return;
    }
  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (o->log_json)
    {
      cleanup_json_gen yajl_gen g = json_gen_new (false);
      cleanup_free char *text = NULL;
      yajl_gen_map_open (g);
      jg_kstr (g, "level", level);
      jg_kstr (g, "msg", msg);
      jg_kstr (g, "time", ts);
      yajl_gen_map_close (g);
      text = json_gen_take (g, NULL);
      line = xasprintf ("%s\n", text);
    }
  else
    line = xasprintf ("time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
  fd = open (o->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 && write (fd, line, strlen (line)) < 0)
    return;
}

static void __attribute__ ((format (printf, 2, 3)))
debugf (const struct rt_opts *o, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!o->debug)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  rt_log (o, "debug", msg);
}

/* Print once (and log); runc's exit code for its own failures is 1. */
static int
rt_fail (const struct rt_opts *o, const struct cl_error *err)
{
  char msg[CL_ERROR_MSG_MAX + 128];

  snprintf (msg, sizeof msg, "%s%s%s", err->msg, err->errnum ? ": " : "",
            err->errnum ? strerror (err->errnum) : "");
  fprintf (stderr, "%s: %s\n", o->prog, msg);
  rt_log (o, "error", msg);
  return 1;
}

static int
rt_usage (const struct rt_opts *o, const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "%s: ", o->prog);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nSee '%s %s --help'.\n", o->prog, cmd);
  return 1;
}

/* runc's flags are Go's: -flag and --flag alike; options end at the
   first operand (exec's command keeps its own flags). */
static int
rt_getopt (const struct rt_opts *o, int argc, char **argv, const char *cmd, const char *shortopts,
           const struct option *longopts)
{
  int c;

  opterr = 0;
  c = getopt_long_only (argc, argv, shortopts, longopts, NULL);
  if (c == '?' || c == ':')
    {
      rt_usage (o, cmd, "%s: %s", c == ':' ? "flag needs an argument" : "unknown flag",
                argv[optind - 1]);
      return -2;
    }
  return c;
}

static char *
path_in (const char *dir, const char *name)
{
  return xasprintf ("%s/%s", dir, name);
}

static char *
now_rfc3339 (void)
{
  struct timespec now;
  struct tm tm;
  char buf[64];

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, now.tv_nsec);
}

/* --pid-file: its directory, opened where the caller is — `exec`
   writes it from inside the container's mount namespace. */
struct pid_file
{
  int dirfd;
  char *name;
};

static void
pid_file_clear (struct pid_file *p)
{
  if (p->dirfd >= 0)
    close (p->dirfd);
  free (p->name);
}
#define cleanup_pid_file __attribute__ ((cleanup (pid_file_clear)))

static int
pid_file_open (const char *path, struct pid_file *p, struct cl_error *err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *dir = slash ? xstrndup (path, (size_t)(slash - path)) : xstrdup (".");

  p->name = xstrdup (slash ? slash + 1 : path);
  p->dirfd = open (*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (p->dirfd < 0 || !*p->name)
    return cl_fail (err, errno, "--pid-file %s", path);
  return 0;
}

/* Written whole (temp file and rename), as runc does. */
static int
pid_file_write (const struct pid_file *p, pid_t pid, struct cl_error *err)
{
  cleanup_free char *tmp = xasprintf (".%s.%d.tmp", p->name, (int)getpid ());
  cleanup_free char *text = xasprintf ("%d", (int)pid);
  cleanup_close int fd = openat (p->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0 || write_all (fd, text, strlen (text), err) < 0)
    return cl_fail (err, errno, "--pid-file %s", p->name);
  if (renameat (p->dirfd, tmp, p->dirfd, p->name) < 0)
    {
      int e = errno;
      unlinkat (p->dirfd, tmp, 0);
      return cl_fail (err, e, "--pid-file %s", p->name);
    }
  return 0;
}

static int
write_pid_file (const char *path, pid_t pid, struct cl_error *err)
{
  cleanup_pid_file struct pid_file p = { -1, NULL };

  if (pid_file_open (path, &p, err) < 0)
    return -1;
  return pid_file_write (&p, pid, err);
}

/* --console-socket: connected where the caller is (exec connects before
   it joins the container's mount namespace). */
static int
connect_console (const char *socket_path, struct cl_error *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (strlen (socket_path) >= sizeof sa.sun_path)
    return cl_fail (err, ENAMETOOLONG, "--console-socket %s", socket_path);
  strcpy (sa.sun_path, socket_path);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cl_fail (err, errno, "--console-socket %s", socket_path);
  return steal_fd (&fd);
}

/* The PTY master goes to whoever listens there (SCM_RIGHTS), as runc
   sends it. */
static int
send_console_fd (int sock, int master, struct cl_error *err)
{
  static const char name[] = "/dev/ptmx";

  if (pty_send_fd (sock, name, sizeof name - 1, master) < 0)
    return cl_fail (err, errno, "send the terminal to --console-socket");
  return 0;
}

static int
send_console (const char *socket_path, int master, struct cl_error *err)
{
  cleanup_close int fd = connect_console (socket_path, err);

  return fd < 0 ? -1 : send_console_fd (fd, master, err);
}

/* ----------------------------------------------------------------- create and run */

struct create_opts
{
  const char *bundle, *pid_file, *console_socket, *id;
  int preserve_fds;
  bool detach, keep;
};

static int
copy_config (const char *bundle, int dirfd, struct cl_error *err)
{
  cleanup_close int bfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *text = NULL;
  size_t len;

  if (bfd < 0)
    return cl_fail (err, errno, "bundle %s", bundle);
  if (read_file_at (bfd, "config.json", CONFIG_MAX, &text, &len, err) < 0)
    return cl_wrap (err, "bundle %s", bundle);
  return write_file_atomic_at (dirfd, "config.json", text, len, 0600, false, err);
}

/* The container's config as created (hooks, exec's defaults). */
static int
saved_spec (int dirfd, struct spec *sp, struct cl_error *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (dirfd, "config.json", CONFIG_MAX, &text, NULL, err) < 0
      || spec_from_json (text, sp, err) < 0)
    return cl_wrap (err, "the container's config.json");
  return 0;
}

/* The state a hook reads on its stdin. */
static char *
hook_state (int dirfd, const char *id, const char *bundle, const char *rootfs, pid_t pid,
            enum rt_status status)
{
  struct rtstate st = { .id = (char *)id, .pid = pid, .owner = geteuid () };
  cleanup_free char *abs = realpath (bundle, NULL);

  st.bundle = abs ? abs : (char *)bundle;
  st.rootfs = (char *)rootfs;
  st.created = (char *)"";
  return rtstate_json (dirfd, &st, status, false);
}

/* The hooks that run once the process exists, in our namespaces:
   prestart (deprecated, runc runs it here too) and createRuntime. */
struct create_hooks
{
  const struct spec *sp;
  const char *id, *bundle;
  int dirfd;
};

static int
create_runtime_hooks (pid_t pid, void *arg, struct cl_error *err)
{
  const struct create_hooks *h = arg;
  cleanup_free char *state
      = hook_state (h->dirfd, h->id, h->bundle, h->sp->root_path, pid, RT_CREATING);

  if (rthooks_run (h->sp->hooks[SPEC_HOOK_PRESTART], h->sp->n_hooks[SPEC_HOOK_PRESTART], "prestart",
                   state, 0, err)
      < 0)
    return -1;
  return rthooks_run (h->sp->hooks[SPEC_HOOK_CREATE_RUNTIME],
                      h->sp->n_hooks[SPEC_HOOK_CREATE_RUNTIME], "createRuntime", state, 0, err);
}

/* createContainer: in the container's mount namespace, its mounts made,
   before pivot_root, with the rootfs as working directory (as runc).
   Still on the host's /proc: /proc/self is our pid as the host sees it. */
static int
create_container_hooks (void *arg, struct cl_error *err)
{
  const struct create_hooks *h = arg;
  char self[32] = "";
  cleanup_free char *state = NULL;

  if (readlink ("/proc/self", self, sizeof self - 1) < 0)
    return cl_fail (err, errno, "readlink /proc/self");
  state = hook_state (h->dirfd, h->id, h->bundle, h->sp->root_path, atoi (self), RT_CREATING);
  return rthooks_run (h->sp->hooks[SPEC_HOOK_CREATE_CONTAINER],
                      h->sp->n_hooks[SPEC_HOOK_CREATE_CONTAINER], "createContainer", state, 0, err);
}

/* poststart and poststop: a failure is a warning (runtime-spec). */
static void
warn_hooks (const struct rt_opts *o, const struct spec *sp, enum spec_hook_kind k, const char *kind,
            const char *state)
{
  struct cl_error err = { 0 };

  if (rthooks_run (sp->hooks[k], sp->n_hooks[k], kind, state, 0, &err) < 0)
    fprintf (stderr, "%s: warning: %s\n", o->prog, err.msg);
}

/* The exec FIFO, opened read-write so that opening never blocks and the
   process's read waits for `start`'s byte. */
static int
make_fifo (int dirfd, int *fd, struct cl_error *err)
{
  if (mkfifoat (dirfd, "exec.fifo", 0600) < 0)
    return cl_fail (err, errno, "create exec.fifo");
  *fd = openat (dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
  if (*fd < 0)
    return cl_fail (err, errno, "open exec.fifo");
  return 0;
}

static int
check_bundle (const struct spec *sp, const struct create_opts *c, struct cl_error *err)
{
  if (geteuid () != 0 && !(sp->namespaces & NS_USER))
    return cl_fail (err, EPERM,
                    "rootless: the bundle needs a user namespace (linux.namespaces \"user\" with "
                    "uidMappings and gidMappings; `spec --rootless` writes one)");
  if (sp->terminal && c->detach && !c->console_socket)
    return cl_fail (err, EINVAL,
                    "cannot allocate tty if the runtime will detach without setting "
                    "console socket (--console-socket)");
  if (!sp->terminal && c->console_socket)
    return cl_fail (err, EINVAL, "--console-socket needs a terminal: process.terminal is false");
  return 0;
}

/* The state record, once the process exists. */
static int
record_created (int dirfd, const struct create_opts *c, const struct spec *sp, pid_t pid,
                struct cl_error *err)
{
  cleanup_rtstate struct rtstate st = { 0 };

  st.id = xstrdup (c->id);
  st.bundle = realpath (c->bundle, NULL);
  if (!st.bundle)
    return cl_fail (err, errno, "bundle %s", c->bundle);
  st.rootfs = xstrdup (sp->root_path);
  st.pid = pid;
  st.pid_start = rtstate_pid_start (pid);
  st.created = now_rfc3339 ();
  st.owner = geteuid ();
  return rtstate_save (dirfd, &st, err);
}

/* Remove a container's state: what is left in its cgroups is killed and
   the cgroups go, then the directory. */
static int
destroy (const struct rt_opts *o, const char *id, int dirfd, bool poststop, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int rootfd = open (o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_spec struct spec sp = { 0 };
  cleanup_rtstate struct rtstate st = { 0 };
  struct cl_error none;

  if (cgrouprec_read (dirfd, &d, &none) == 0)
    cgroup_dirs_finish (&d, dirfd);
  if (poststop && saved_spec (dirfd, &sp, &none) == 0 && rtstate_load (dirfd, &st, &none) == 0)
    {
      cleanup_free char *state = rtstate_json (dirfd, &st, RT_STOPPED, false);
      warn_hooks (o, &sp, SPEC_HOOK_POSTSTOP, "poststop", state);
    }
  if (rootfd < 0)
    return cl_fail (err, errno, "--root %s", o->root);
  return rm_rf_at (rootfd, id, err);
}

/* The process, set up and waiting on exec.fifo (or, for a foreground
   run, started): its cgroups made and its state recorded. */
static int
create_container (const struct rt_opts *o, const struct create_opts *c, int dirfd,
                  const sigset_t *blocked, bool hold, struct spec *sp, struct ns_proc *proc,
                  struct cl_error *err)
{
  cleanup_close int fifo = -1;
  struct cgroup_join cg = { .id = c->id, .spec = sp, .strict = true, .recfd = dirfd };
  struct create_hooks ch = { .sp = sp, .id = c->id, .bundle = c->bundle, .dirfd = dirfd };
  struct ns_hook oci = { .fn = create_runtime_hooks, .arg = &ch };
  struct ns_hook hook = { .fn = cgroup_join_hook, .arg = &cg, .next = &oci };
  struct ns_opts no = { .hold = -1,
                        .orphan = c->detach,
                        .preserve_fds = c->preserve_fds,
                        .before_pivot = create_container_hooks,
                        .arg = &ch };
  int ret;

  proc->pid = 0;
  proc->console = -1;
  if (bundle_load (c->bundle, sp, err) < 0 || check_bundle (sp, c, err) < 0
      || copy_config (c->bundle, dirfd, err) < 0 || (hold && make_fifo (dirfd, &fifo, err) < 0))
    return -1;
  no.hold = fifo;
  cg.path = sp->cgroups_path;
  /* Exactly the limits the bundle asks for: no default pids limit
     (rootless, where no cgroup may be made, none is asked for). */
  if (sp->resources.pids_limit == 0 && geteuid () == 0)
    sp->resources.pids_limit = -1;
  debugf (o, "create %s: bundle %s, rootfs %s", c->id, c->bundle, sp->root_path);
  ret = ns_start_with (sp, NULL, blocked, NULL, &hook, &no, proc, err);
  if (cg.warning)
    fprintf (stderr, "%s: warning: %s\n", o->prog, cg.warning);
  cgroup_join_clear (&cg);
  if (ret < 0)
    return -1;
  debugf (o, "create %s: process %d set up", c->id, (int)proc->pid);
  if ((proc->console >= 0 && c->console_socket
       && send_console (c->console_socket, proc->console, err) < 0)
      || record_created (dirfd, c, sp, proc->pid, err) < 0
      || (c->pid_file && write_pid_file (c->pid_file, proc->pid, err) < 0))
    {
      kill (proc->pid, SIGKILL);
      return -1;
    }
  if (proc->console >= 0 && c->console_socket)
    {
      close (proc->console);
      proc->console = -1;
    }
  return 0;
}

static const struct option create_longopts[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "pid-file", required_argument, NULL, 'P' },
  { "console-socket", required_argument, NULL, 'C' },
  { "no-pivot", no_argument, NULL, 'N' },
  { "no-new-keyring", no_argument, NULL, 'K' },
  { "preserve-fds", required_argument, NULL, 'F' },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, 'k' },
  { "no-subreaper", no_argument, NULL, 'S' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
parse_create (const struct rt_opts *o, const char *cmd, int argc, char **argv,
              struct create_opts *c)
{
  int ch;
  char *end;

  memset (c, 0, sizeof *c);
  c->bundle = ".";
  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, cmd, "+b:dkh", create_longopts)) != -1)
    switch (ch)
      {
      case 'b': c->bundle = optarg; break;
      case 'P': c->pid_file = optarg; break;
      case 'C': c->console_socket = optarg; break;
      case 'N': /* pivot_root all the same: the stricter way, which needs a rootfs not on ramfs */
      case 'K': /* a session keyring of its own all the same (ns.c: not the caller's secrets) */
      case 'S': break;
      case 'F':
        c->preserve_fds = (int)strtol (optarg, &end, 10);
        if (*end || c->preserve_fds < 0 || c->preserve_fds > 1000)
          return rt_usage (o, cmd, "--preserve-fds: not a count: %s", optarg), -1;
        break;
      case 'd': c->detach = true; break;
      case 'k': c->keep = true; break;
      case 'h': return rtspec_help (cmd), 1;
      default: return -1;
      }
  if (optind != argc - 1)
    return rt_usage (o, cmd, "\"%s\" requires exactly 1 argument (the container ID)", cmd), -1;
  c->id = argv[optind];
  return 0;
}

static int
rt_create (const struct rt_opts *o, int argc, char **argv)
{
  struct create_opts c;
  struct cl_error err = { 0 };
  cleanup_close int dirfd = -1;
  cleanup_spec struct spec sp = { 0 };
  struct ns_proc proc;
  sigset_t none;
  int r = parse_create (o, "create", argc, argv, &c);

  if (r != 0)
    return r < 0 ? 1 : 0;
  c.detach = true;
  sigemptyset (&none);
  if (rtstate_make (o->root, c.id, &dirfd, &err) < 0)
    return rt_fail (o, &err);
  if (create_container (o, &c, dirfd, &none, true, &sp, &proc, &err) < 0)
    {
      struct cl_error ignored;
      destroy (o, c.id, dirfd, false, &ignored);
      return rt_fail (o, &err);
    }
  return 0;
}

/* `start`'s byte: the process leaves its wait and execs — after the
   startContainer hooks, which run in the container's namespaces; then
   poststart. */
static int
release (const struct rt_opts *o, int dirfd, const char *id, const struct spec *sp, pid_t pid,
         const char *bundle, struct cl_error *err)
{
  cleanup_close int fd = openat (dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  cleanup_free char *state = hook_state (dirfd, id, bundle, sp->root_path, pid, RT_CREATED);

  if (fd < 0)
    return cl_fail (err, errno == ENXIO ? 0 : errno, "container %s is not waiting to start%s", id,
                    errno == ENXIO ? ": its process is gone" : "");
  if (rthooks_run (sp->hooks[SPEC_HOOK_START_CONTAINER], sp->n_hooks[SPEC_HOOK_START_CONTAINER],
                   "startContainer", state, pid, err)
      < 0)
    return -1;
  if (write (fd, "0", 1) != 1)
    return cl_fail (err, errno, "start container %s", id);
  unlinkat (dirfd, "exec.fifo", 0);
  free (state);
  state = hook_state (dirfd, id, bundle, sp->root_path, pid, RT_RUNNING);
  warn_hooks (o, sp, SPEC_HOOK_POSTSTART, "poststart", state);
  return 0;
}

static int
rt_run (const struct rt_opts *o, int argc, char **argv)
{
  struct create_opts c;
  struct cl_error err = { 0 };
  cleanup_close int dirfd = -1;
  cleanup_spec struct spec sp = { 0 };
  struct ns_proc proc;
  struct exit_record rec;
  sigset_t set;
  int r = parse_create (o, "run", argc, argv, &c);

  if (r != 0)
    return r < 0 ? 1 : 0;
  if (c.detach)
    sigemptyset (&set);
  else
    cli_block_forwarded (&set);
  if (rtstate_make (o->root, c.id, &dirfd, &err) < 0)
    return rt_fail (o, &err);
  if (create_container (o, &c, dirfd, &set, true, &sp, &proc, &err) < 0
      || release (o, dirfd, c.id, &sp, proc.pid, c.bundle, &err) < 0)
    {
      struct cl_error ignored;
      if (proc.pid > 0)
        kill (proc.pid, SIGKILL);
      destroy (o, c.id, dirfd, false, &ignored);
      return rt_fail (o, &err);
    }
  if (c.detach)
    return 0;
  /* The container is ours to wait for; its terminal, without a
     --console-socket, is relayed to ours. */
  {
    struct cli_io io = { .master = proc.console, .input = true, .in = -1, .out = { -1, -1 } };
    cli_wait_forwarding (proc.pid, &set, true, &io, &rec);
  }
  if (proc.console >= 0)
    close (proc.console);
  if (!c.keep)
    destroy (o, c.id, dirfd, true, &err);
  return rec.code;
}

/* ----------------------------------------------------------------- one container */

/* A container's state, opened (and locked when it will change). */
struct ctr
{
  int dirfd;
  char *dir;
  struct rtstate st;
  enum rt_status status;
};

static void
ctr_clear (struct ctr *c)
{
  if (c->dirfd >= 0)
    close (c->dirfd);
  free (c->dir);
  rtstate_clear (&c->st);
}
#define cleanup_ctr __attribute__ ((cleanup (ctr_clear)))

static int
ctr_open (const struct rt_opts *o, const char *id, bool lock, struct ctr *c, struct cl_error *err)
{
  memset (c, 0, sizeof *c);
  c->dirfd = -1;
  if (rtstate_open (o->root, id, lock, &c->dirfd, err) < 0
      || rtstate_load (c->dirfd, &c->st, err) < 0)
    return -1;
  c->dir = path_in (o->root, id);
  c->status = rtstate_status (c->dirfd, c->dir, &c->st);
  return 0;
}

/* One ID operand, no flags but --help. */
static int
one_id (const struct rt_opts *o, const char *cmd, int argc, char **argv, const char **id)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, cmd, "+h", longopts)) != -1)
    if (ch == 'h')
      return rtspec_help (cmd), 0;
    else
      return 1;
  if (optind != argc - 1)
    return rt_usage (o, cmd, "\"%s\" requires exactly 1 argument (the container ID)", cmd);
  *id = argv[optind];
  return -1;
}

static int
rt_start (const struct rt_opts *o, int argc, char **argv)
{
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  const char *id;
  int r = one_id (o, "start", argc, argv, &id);

  if (r >= 0)
    return r;
  if (ctr_open (o, id, true, &c, &err) < 0)
    return rt_fail (o, &err);
  if (c.status != RT_CREATED)
    {
      cl_fail (&err, 0, "cannot start a container that is %s", rtstate_status_name (c.status));
      return rt_fail (o, &err);
    }
  {
    cleanup_spec struct spec sp = { 0 };
    if (saved_spec (c.dirfd, &sp, &err) < 0
        || release (o, c.dirfd, id, &sp, c.st.pid, c.st.bundle, &err) < 0)
      return rt_fail (o, &err);
  }
  return 0;
}

static int
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

/* The container's processes: its cgroups' (every v1 hierarchy holds all
   of them: the first readable one says), else its PID namespace's. */
static pid_t *
ctr_pids (const struct ctr *c, size_t *n)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  struct cl_error ignored;
  pid_t *pids = xcalloc (1, sizeof *pids);

  *n = 0;
  if (c->status == RT_STOPPED)
    return pids;
  if (cgrouprec_read (c->dirfd, &d, &ignored) == 0)
    for (size_t i = 0; i < d.n && *n == 0; i++)
      {
        cleanup_free char *f = path_in (d.dir[i], "cgroup.procs");
        cleanup_file FILE *fp = fopen (f, "re");
        int pid;
        while (fp && fscanf (fp, "%d", &pid) == 1)
          {
            pids = xrealloc (pids, (*n + 2) * sizeof *pids);
            pids[(*n)++] = pid;
          }
      }
  if (*n == 0)
    {
      pids = xrealloc (pids, 2 * sizeof *pids);
      pids[(*n)++] = c->st.pid;
    }
  return pids;
}

static int
signal_all (const struct ctr *c, int sig, struct cl_error *err)
{
  size_t n;
  cleanup_free pid_t *pids = ctr_pids (c, &n);

  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return cl_fail (err, errno, "kill %d", (int)pids[i]);
  return 0;
}

static int
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

/* Until the process is gone (a zombie counts as gone: its parent, the
   engine's monitor, reaps it). */
static void
wait_gone (const struct rtstate *st)
{
  struct timespec tick = { 0, 5 * 1000 * 1000 };

  for (int i = 0; i < 2000 && rtstate_alive (st); i++)
    nanosleep (&tick, NULL);
}

static int
rt_delete (const struct rt_opts *o, int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  struct cl_error err = { 0 };
  bool force = false;
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "delete", "+fh", longopts)) != -1)
    if (ch == 'f')
      force = true;
    else if (ch == 'h')
      return rtspec_help ("delete"), 0;
    else
      return 1;
  if (optind != argc - 1)
    return rt_usage (o, "delete", "\"delete\" requires exactly 1 argument (the container ID)");
  if (ctr_open (o, argv[optind], true, &c, &err) < 0)
    return force && err.errnum == ENOENT ? 0 : rt_fail (o, &err);
  if ((c.status == RT_RUNNING || c.status == RT_PAUSED) && !force)
    {
      cl_fail (&err, 0, "cannot delete container %s that is not stopped: %s (--force kills it)",
               argv[optind], rtstate_status_name (c.status));
      return rt_fail (o, &err);
    }
  if (c.status != RT_STOPPED)
    {
      struct cl_error ignored;
      signal_all (&c, SIGKILL, &ignored);
      kill (c.st.pid, SIGKILL);
      if (c.status == RT_PAUSED)
        cgroup_freeze (c.dir, false, &ignored);
      wait_gone (&c.st);
    }
  if (destroy (o, argv[optind], c.dirfd, true, &err) < 0)
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

static int
rt_pause (const struct rt_opts *o, int argc, char **argv)
{
  return freeze (o, "pause", true, argc, argv);
}

static int
rt_resume (const struct rt_opts *o, int argc, char **argv)
{
  return freeze (o, "resume", false, argc, argv);
}

/* ----------------------------------------------------------------- list, ps */

static int
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

static int
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

/* ----------------------------------------------------------------- exec */

struct exec_opts
{
  const char *process, *pid_file, *console_socket, *cwd, *user;
  char **env, **caps, **gids;
  bool detach, tty, no_new_privs, ignore_paused;
  int preserve_fds;
};

static void
exec_opts_clear (struct exec_opts *e)
{
  strv_free (e->env);
  strv_free (e->caps);
  strv_free (e->gids);
}

static int
parse_user (const char *user, struct spec *sp, struct cl_error *err)
{
  char *end;
  unsigned long uid = strtoul (user, &end, 10), gid = sp->gid;

  if (end == user || (*end && *end != ':'))
    return cl_fail (err, EINVAL, "--user %s: want UID[:GID] (numbers)", user);
  if (*end == ':')
    {
      const char *g = end + 1;
      gid = strtoul (g, &end, 10);
      if (end == g || *end)
        return cl_fail (err, EINVAL, "--user %s: want UID[:GID] (numbers)", user);
    }
  sp->uid = (uid_t)uid;
  sp->gid = (gid_t)gid;
  return 0;
}

static void
set_env (char ***env, const char *kv)
{
  size_t klen = strcspn (kv, "=");

  for (size_t i = 0; (*env)[i]; i++)
    if (strncmp ((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  strv_append (env, kv);
}

/* The process to exec: the container's config (its env, user, caps,
   rlimits, ...) with --process or the flags and args over it. */
static int
exec_spec (const struct ctr *c, const struct exec_opts *e, char **args, struct spec *sp,
           struct cl_error *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (c->dirfd, "config.json", CONFIG_MAX, &text, NULL, err) < 0
      || spec_from_json (text, sp, err) < 0)
    return cl_wrap (err, "the container's config.json");
  free (text);
  text = NULL;
  if (e->process)
    {
      if (read_file_at (AT_FDCWD, e->process, CONFIG_MAX, &text, NULL, err) < 0
          || spec_process_from_json (text, sp, err) < 0)
        return cl_wrap (err, "--process %s", e->process);
    }
  else
    {
      if (!args[0])
        return cl_fail (err, EINVAL, "exec needs a command (or --process FILE)");
      strv_free (sp->args);
      sp->args = xcalloc (1, sizeof (char *));
      for (size_t i = 0; args[i]; i++)
        strv_append (&sp->args, args[i]);
      sp->terminal = e->tty;
    }
  for (size_t i = 0; e->env && e->env[i]; i++)
    set_env (&sp->env, e->env[i]);
  for (size_t i = 0; e->caps && e->caps[i]; i++)
    strv_append (&sp->caps, e->caps[i]);
  if (e->cwd)
    {
      free (sp->cwd);
      sp->cwd = xstrdup (e->cwd);
    }
  if (e->no_new_privs)
    sp->no_new_privs = true;
  for (size_t i = 0; e->gids && e->gids[i]; i++)
    {
      sp->groups = xrealloc (sp->groups, (sp->n_groups + 1) * sizeof *sp->groups);
      sp->groups[sp->n_groups++] = (gid_t)strtoul (e->gids[i], NULL, 10);
    }
  if (e->user && parse_user (e->user, sp, err) < 0)
    return -1;
  if (sp->terminal && e->detach && !e->console_socket)
    return cl_fail (err, EINVAL,
                    "cannot allocate tty if the runtime will detach without setting "
                    "console socket (--console-socket)");
  return 0;
}

static int
exec_parse (const struct rt_opts *o, int argc, char **argv, struct exec_opts *e)
{
  static const struct option longopts[] = {
    { "process", required_argument, NULL, 'p' },
    { "pid-file", required_argument, NULL, 'P' },
    { "console-socket", required_argument, NULL, 'C' },
    { "cwd", required_argument, NULL, 'w' },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "cap", required_argument, NULL, 'c' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "detach", no_argument, NULL, 'd' },
    { "tty", no_argument, NULL, 't' },
    { "no-new-privs", no_argument, NULL, 'n' },
    { "ignore-paused", no_argument, NULL, 'I' },
    { "preserve-fds", required_argument, NULL, 'F' },
    { "process-label", required_argument, NULL, 'L' },
    { "apparmor", required_argument, NULL, 'A' },
    { "cgroup", required_argument, NULL, 'G' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int ch;

  optind = 1;
  while ((ch = rt_getopt (o, argc, argv, "exec", "+p:w:e:u:c:g:dth", longopts)) != -1)
    switch (ch)
      {
      case 'p': e->process = optarg; break;
      case 'P': e->pid_file = optarg; break;
      case 'C': e->console_socket = optarg; break;
      case 'w': e->cwd = optarg; break;
      case 'e': strv_append (&e->env, optarg); break;
      case 'u': e->user = optarg; break;
      case 'c': strv_append (&e->caps, optarg); break;
      case 'g': strv_append (&e->gids, optarg); break;
      case 'd': e->detach = true; break;
      case 't': e->tty = true; break;
      case 'n': e->no_new_privs = true; break;
      case 'I': e->ignore_paused = true; break;
      case 'F': e->preserve_fds = atoi (optarg); break;
      case 'L':
      case 'A':
        return rt_usage (o, "exec", "%s: AppArmor and SELinux labels are not supported",
                         argv[optind - 1]),
               -1;
      case 'G':
        return rt_usage (o, "exec", "--cgroup: exec into a sub-cgroup is not supported"), -1;
      case 'h': return rtspec_help ("exec"), 1;
      default: return -1;
      }
  if (optind >= argc)
    return rt_usage (o, "exec", "\"exec\" requires the container ID"), -1;
  return 0;
}

/* Join the container and start the process; the caller waits for it
   (or, --detach, leaves it to whoever reaps orphans). */
static int
exec_start (const struct ctr *c, const struct exec_opts *e, struct spec *sp, const sigset_t *set,
            struct ns_proc *proc, struct cl_error *err)
{
  cleanup_cgroup_procs struct cgroup_procs cg = { 0 };
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  struct ns_hook hook = { .fn = cgroup_procs_hook, .arg = &cg };
  struct ns_opts no = { .hold = -1, .orphan = e->detach, .preserve_fds = e->preserve_fds };
  int r = cgrouprec_read (c->dirfd, &d, err);

  if (r < 0 || (r == 0 && cgroup_procs_open (&d, &cg, err) < 0))
    return -1;
  /* Nothing of ours for the container to reach: non-dumpable, no fd but
     stdio, the preserved ones and the cgroup.procs files (close-on-exec). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "make the process non-dumpable");
  if (ns_join (c->st.pid, err) < 0)
    return -1;
  return ns_spawn_with (sp, set, NULL, &hook, &no, proc, err);
}

static int
rt_exec (const struct rt_opts *o, int argc, char **argv)
{
  __attribute__ ((cleanup (exec_opts_clear))) struct exec_opts e = { 0 };
  cleanup_ctr struct ctr c = { .dirfd = -1 };
  cleanup_spec struct spec sp = { 0 };
  cleanup_pid_file struct pid_file pf = { -1, NULL };
  cleanup_close int console_sock = -1;
  struct cl_error err = { 0 };
  struct ns_proc proc = { 0, -1 };
  struct exit_record rec;
  sigset_t set;
  int r = exec_parse (o, argc, argv, &e);

  /* runc's exit code when exec itself fails is 255. */
  if (r != 0)
    return r < 0 ? 255 : 0;
  if (ctr_open (o, argv[optind], false, &c, &err) < 0
      || exec_spec (&c, &e, argv + optind + 1, &sp, &err) < 0
      || (e.pid_file && pid_file_open (e.pid_file, &pf, &err) < 0)
      || (e.console_socket && (console_sock = connect_console (e.console_socket, &err)) < 0))
    return rt_fail (o, &err), 255;
  if (c.status == RT_STOPPED || (c.status == RT_PAUSED && !e.ignore_paused))
    {
      cl_fail (&err, 0, "cannot exec in a %s container", rtstate_status_name (c.status));
      return rt_fail (o, &err), 255;
    }
  if (e.detach)
    sigemptyset (&set);
  else
    cli_block_forwarded (&set);
  if (exec_start (&c, &e, &sp, &set, &proc, &err) < 0
      || (proc.console >= 0 && console_sock >= 0
          && send_console_fd (console_sock, proc.console, &err) < 0)
      || (e.pid_file && pid_file_write (&pf, proc.pid, &err) < 0))
    {
      if (proc.pid > 0)
        kill (proc.pid, SIGKILL);
      return rt_fail (o, &err), 255;
    }
  if (proc.console >= 0 && e.console_socket)
    {
      close (proc.console);
      proc.console = -1;
    }
  if (e.detach)
    return 0;
  {
    struct cli_io io = { .master = proc.console, .input = true, .in = -1, .out = { -1, -1 } };
    cli_wait_forwarding (proc.pid, &set, false, &io, &rec);
  }
  if (proc.console >= 0)
    close (proc.console);
  return rec.code;
}

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
  { "restore", rt_refused, false }, { "update", rt_refused, false },
  { "events", rt_refused, false },
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
