/* create, run, start, delete: a container made from a bundle (its
   process set up and waiting on ROOT/ID/exec.fifo, ns_opts.hold),
   released, and removed with its cgroups, with the OCI hooks of each
   step (rthooks.h). */
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
#include "nsserve.h"
#include "ocispec.h"
#include "pty.h"
#include "rtagent.h"
#include "rthooks.h"
#include "seccomp.h"
#include "rtspec.h"
#include "rtstate.h"
#include "util.h"

/* ----------------------------------------------------------------- create and run */

struct create_opts
{
  const char *bundle, *pid_file, *console_socket, *id;
  int preserve_fds;
  bool detach, keep;
  bool serve; /* the waiting process hands out its namespaces (nsserve.h) */
  bool run;   /* `run`: create and start in one go */
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

/* linux.seccomp.listenerPath: the filter's listener to runc's agent. */
static int
create_seccomp_listener (pid_t pid, int fd, void *arg, struct cl_error *err)
{
  const struct create_hooks *h = arg;
  cleanup_free char *state
      = hook_state (h->dirfd, h->id, h->bundle, h->sp->root_path, pid, RT_CREATING);

  return rtagent_send (h->sp->seccomp->listener_path, h->sp->seccomp->listener_metadata, pid, state,
                       fd, err);
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
  if (seccomp_notifies (sp->seccomp) && !sp->seccomp->listener_path)
    return cl_fail (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
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
destroy (const struct rt_opts *o, const char *id, int dirfd, bool poststop,
         const struct spec *known, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int rootfd = open (o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_spec struct spec saved = { 0 };
  cleanup_rtstate struct rtstate st = { 0 };
  const struct spec *sp = known;
  struct cl_error none;

  if (cgrouprec_read (dirfd, &d, &none) == 0 && cgroup_dirs_remove (&d, &none) == 0)
    cgrouprec_remove (dirfd, &none);
  /* poststop from the spec the caller has (`run`), else the saved one. */
  if (poststop && !sp && saved_spec (dirfd, &saved, &none) == 0)
    sp = &saved;
  if (poststop && sp && sp->n_hooks[SPEC_HOOK_POSTSTOP] > 0
      && rtstate_load (dirfd, &st, &none) == 0)
    {
      cleanup_free char *state = rtstate_json (dirfd, &st, RT_STOPPED, false);
      warn_hooks (o, sp, SPEC_HOOK_POSTSTOP, "poststop", state);
    }
  if (rootfd < 0)
    return cl_fail (err, errno, "--root %s", o->root);
  return rm_rf_at (rootfd, id, err);
}

/* The process, set up and waiting on exec.fifo (or, for a foreground
   run, started): its cgroups made and its state recorded. */
static int
create_container (const struct rt_opts *o, const struct create_opts *c, int dirfd,
                  const sigset_t *blocked, bool *held, struct spec *sp, struct ns_proc *proc,
                  struct cl_error *err)
{
  bool hold;
  cleanup_close int fifo = -1, serve = -1;
  struct cgroup_join cg = { .id = c->id, .spec = sp, .strict = true, .recfd = dirfd };
  struct create_hooks ch = { .sp = sp, .id = c->id, .bundle = c->bundle, .dirfd = dirfd };
  struct ns_hook oci
      = { .fn = create_runtime_hooks, .arg = &ch, .seccomp_listener = create_seccomp_listener };
  struct ns_hook hook
      = { .fn = cgroup_join_hook, .before = cgroup_join_before, .arg = &cg, .next = &oci };
  struct ns_opts no = { .hold = -1,
                        .serve = -1,
                        .orphan = c->detach,
                        .preserve_fds = c->preserve_fds,
                        .before_pivot = create_container_hooks,
                        .arg = &ch };
  int ret;

  proc->pid = 0;
  proc->console = -1;
  if (bundle_load (c->bundle, sp, err) < 0 || check_bundle (sp, c, err) < 0)
    return -1;
  /* `run` holds the process only for the startContainer hooks, which
     come between its set-up and its command; else it starts at once. */
  *held = hold = !c->run || sp->n_hooks[SPEC_HOOK_START_CONTAINER] > 0;
  if (copy_config (c->bundle, dirfd, err) < 0 || (hold && make_fifo (dirfd, &fifo, err) < 0)
      || (hold && c->serve && (serve = nsserve_listen (dirfd, err)) < 0))
    return -1;
  no.hold = fifo;
  no.serve = serve;
  cg.path = sp->cgroups_path;
  /* With no hook of the runtime's namespace to run first, the process
     sets up its filesystem while its cgroups are made (ns.h). */
  hook.alongside = oci.alongside
      = sp->n_hooks[SPEC_HOOK_PRESTART] == 0 && sp->n_hooks[SPEC_HOOK_CREATE_RUNTIME] == 0;
  /* Exactly the limits the bundle asks for: no default pids limit
     (rootless without a cgroupsPath, where no cgroup may be made, none
     is asked for). */
  if (sp->resources.pids_limit == 0 && (geteuid () == 0 || sp->cgroups_path))
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

int
rt_create (const struct rt_opts *o, int argc, char **argv)
{
  struct create_opts c;
  struct cl_error err = { 0 };
  cleanup_close int dirfd = -1;
  cleanup_spec struct spec sp = { 0 };
  struct ns_proc proc;
  bool held;
  sigset_t none;
  int r = parse_create (o, "create", argc, argv, &c);

  if (r != 0)
    return r < 0 ? 1 : 0;
  c.detach = true;
  /* Rootless, the waiting process's /proc files are closed to `exec`. */
  c.serve = geteuid () != 0;
  sigemptyset (&none);
  if (rtstate_make (o->root, c.id, &dirfd, &err) < 0)
    return rt_fail (o, &err);
  if (create_container (o, &c, dirfd, &none, &held, &sp, &proc, &err) < 0)
    {
      struct cl_error ignored;
      destroy (o, c.id, dirfd, false, NULL, &ignored);
      return rt_fail (o, &err);
    }
  return 0;
}

/* May this process enter the namespaces of the waiting one?  Not
   rootless: a process that is not dumpable has root's /proc files. */
static bool
may_join (pid_t pid)
{
  char path[64];
  int fd;

  snprintf (path, sizeof path, "/proc/%d/ns/user", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  close (fd);
  return true;
}

/* The waiting process runs the startContainer hooks itself (ns.h):
   NS_START_HOOKS_HERE, the state's length and the state, down the FIFO. */
static int
hooks_there (int fd, const char *state, struct cl_error *err)
{
  uint32_t len = (uint32_t)strlen (state);
  char b = NS_START_HOOKS_HERE;

  if (len > NS_START_STATE_MAX)
    return cl_fail (err, E2BIG, "the container's state is too large");
  if (fcntl (fd, F_SETFL, 0) < 0 || write_all (fd, &b, 1, err) < 0
      || write_all (fd, &len, sizeof len, err) < 0 || write_all (fd, state, len, err) < 0)
    return -1;
  return 0;
}

static void
poststart (const struct rt_opts *o, int dirfd, const char *id, const struct spec *sp, pid_t pid,
           const char *bundle)
{
  cleanup_free char *state = NULL;

  if (sp->n_hooks[SPEC_HOOK_POSTSTART] == 0)
    return;
  state = hook_state (dirfd, id, bundle, sp->root_path, pid, RT_RUNNING);
  warn_hooks (o, sp, SPEC_HOOK_POSTSTART, "poststart", state);
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
  cleanup_bpf_prog struct bpf_prog filter = { 0 };

  if (fd < 0)
    return cl_fail (err, errno == ENXIO ? 0 : errno, "container %s is not waiting to start%s", id,
                    errno == ENXIO ? ": its process is gone" : "");
  if (sp->n_hooks[SPEC_HOOK_START_CONTAINER] && !may_join (pid))
    {
      if (hooks_there (fd, state, err) < 0)
        return cl_wrap (err, "start container %s", id);
    }
  else
    {
      if (sp->n_hooks[SPEC_HOOK_START_CONTAINER] && sp->seccomp
          && seccomp_compile (sp->seccomp, &filter, err) < 0)
        return cl_wrap (err, "linux.seccomp");
      if (rthooks_run_filtered (sp->hooks[SPEC_HOOK_START_CONTAINER],
                                sp->n_hooks[SPEC_HOOK_START_CONTAINER], "startContainer", state,
                                pid, sp->seccomp ? &filter : NULL, err)
          < 0)
        return -1;
      if (write (fd, "0", 1) != 1)
        return cl_fail (err, errno, "start container %s", id);
    }
  unlinkat (dirfd, "exec.fifo", 0);
  poststart (o, dirfd, id, sp, pid, bundle);
  return 0;
}

int
rt_run (const struct rt_opts *o, int argc, char **argv)
{
  struct create_opts c;
  struct cl_error err = { 0 };
  cleanup_close int dirfd = -1;
  cleanup_spec struct spec sp = { 0 };
  struct ns_proc proc;
  bool held;
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
  c.run = true;
  if (create_container (o, &c, dirfd, &set, &held, &sp, &proc, &err) < 0
      || (held && release (o, dirfd, c.id, &sp, proc.pid, c.bundle, &err) < 0))
    {
      struct cl_error ignored;
      if (proc.pid > 0)
        kill (proc.pid, SIGKILL);
      destroy (o, c.id, dirfd, false, NULL, &ignored);
      return rt_fail (o, &err);
    }
  if (!held)
    poststart (o, dirfd, c.id, &sp, proc.pid, c.bundle);
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
    destroy (o, c.id, dirfd, true, &sp, &err);
  return rec.code;
}

int
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

/* Until the process is gone (a zombie counts as gone: its parent, the
   engine's monitor, reaps it). */
static void
wait_gone (const struct rtstate *st)
{
  struct timespec tick = { 0, 5 * 1000 * 1000 };

  for (int i = 0; i < 2000 && rtstate_alive (st); i++)
    nanosleep (&tick, NULL);
}

int
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
  if (destroy (o, argv[optind], c.dirfd, true, NULL, &err) < 0)
    return rt_fail (o, &err);
  return 0;
}
