/* Execution: a process in new namespaces from a spec and a root
   filesystem — never an image.  The parent and the child synchronise over
   a socketpair; a failure in the child comes back as one error with
   docker's codes (127 not found, 126 not executable, 125 otherwise). */
#ifndef CL_NS_H
#define CL_NS_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* An overlay to mount on the spec's root inside the new mount namespace
   (where a rootless user may mount it).  lowerdir names are relative to
   `layers_dir` to keep the mount data under a page. */
struct ns_overlay
{
  const char *layers_dir;
  const char *lowerdir; /* "a/diff:b/diff", top layer first */
  const char *upperdir, *workdir;
  bool userxattr;
};

/* A started process.  With spec->terminal its stdio is the slave of a
   PTY made in the container's devpts, and `console` the master (else
   -1), the caller's to close. */
struct ns_proc
{
  pid_t pid;
  int console;
};

/* What the process gets as stdin, stdout and stderr; -1 (or no struct):
   the caller's own; NS_STDIO_NULL: the container's /dev/null, opened
   inside.  A terminal (spec->terminal) replaces all three.  Pass pipes,
   never a file of the caller's: through /proc/self/fd the container's
   root could chmod, chown or truncate it. */
#define NS_STDIO_NULL (-2)
struct ns_stdio
{
  int fd[3];
};

/* Cgroups the child joins by itself.  A move by pid (cgroup.procs)
   takes a global lock whose first taker in a while waits for an RCU
   grace period — 2 to 30 ms on these machines — while a process that
   moves its own single thread takes none.  So a hook's `before` (run
   before clone) may name a cgroup2 directory in `into`, which the child
   is cloned into (clone3's CLONE_INTO_CGROUP; `cloned_into` tells the
   hook whether it was: an older kernel gets a plain clone, and the hook
   moves the child by pid), and its `fn` may add cgroup v1 "tasks" files
   in `tasks`, which the child writes "0" into — its one thread — right
   before "go", every limit written by then.  ns.c closes them all. */
#define NS_CGROUP_FDS 16
#define NS_MSG_CGROUP 'c'
#define NS_MSG_JOINED 'C'
struct ns_cgroups
{
  int into;
  bool cloned_into;
  int tasks[NS_CGROUP_FDS];
  size_t n_tasks;
  int sock; /* ns.c's: where ns_cgroups_ready hands them over, or -1 */
  bool sent;
  /* Set by a hook that leaves work running (a thread): ns.c calls it
     before "go" — and on every way out, its error then ignored. */
  int (*finish) (void *arg, struct cl_error *err);
  void *finish_arg;
};

/* For the hook that fills `tasks`: the child may join them now — they
   are made, their device rules written — and, setting up its filesystem
   alongside (ns_hook), mount its cgroups and go on past them before
   "go".  Else (or without a call) it joins them right before "go". */
int ns_cgroups_ready (struct ns_cgroups *cg, struct cl_error *err);

/* What the caller runs between clone and "go": the child exists (its
   namespaces made, its id maps written) but waits, so what the caller
   does to it — moves it into cgroups, puts a network interface into its
   namespace — is done before anything of the container is set up.  The
   hooks run in a chain (`next`); a failure kills the child and fails
   ns_start.  NULL: nothing.  A hook marked `alongside` may run while the
   child, outside a user namespace, already sets up its filesystem: it
   changes nothing the child reads, or changes it in place (a cgroup
   move; the network hook, which rewrites /etc/hosts only in place, so
   that a bind made before it sees the result).  Only when every hook
   is, the child does so.  A hook with `listener` has the child
   install the network's user-notification filter (seccomp.h) before
   the profile's, and takes its listener fd (its to close) once the
   child sends it, after "go" and before the command runs. */
struct ns_hook
{
  int (*fn) (pid_t pid, void *arg, struct cl_error *err);
  void *arg;
  const struct ns_hook *next;
  bool alongside;
  int (*listener) (int fd, void *arg, struct cl_error *err);
  /* linux.seccomp with SCMP_ACT_NOTIFY: the filter's listener (not the
     hook's to keep: closed after), for process `pid` */
  int (*seccomp_listener) (pid_t pid, int fd, void *arg, struct cl_error *err);
  /* Before clone (ns_start_with only): `cg` is the child's, filled as
     above (ns_cgroups), and stays valid until ns_start_with returns. */
  int (*before) (void *arg, struct ns_cgroups *cg, struct cl_error *err);
};

/* Start spec->args.  Returns once the command has been exec'd (0, *proc
   set) or failed to start (-1, err->status = 125/126/127, nothing left
   running).  `blocked` is the signal mask the caller keeps blocked; the
   child clears it before exec. */
int ns_start (const struct spec *spec, const struct ns_overlay *overlay, const sigset_t *blocked,
              const struct ns_stdio *stdio, const struct ns_hook *hook, struct ns_proc *proc,
              struct cl_error *err);

/* `exec`: move this (single-threaded) process into the namespaces of the
   running process `pid` — its user namespace when it is not ours — and
   so into its root filesystem.  Its children are in its PID namespace.
   The caller has closed every fd it does not need and is not dumpable.
   `serve_dirfd` >= 0: where the process, waiting for `start`, may hand
   out its namespaces when its /proc files are closed to us (nsserve.h;
   ns_opts.serve); -1: not asked. */
int ns_join (pid_t pid, int serve_dirfd, struct cl_error *err);

/* After ns_join: start spec->args as a child with the spec's cwd, env,
   identity, capabilities and rlimits.  Returns once exec'd, like
   ns_start.  spec->gid_maps tell whether setgroups is allowed (a single
   mapped id: not).  `hook` (or NULL) as ns_start's. */
int ns_spawn (const struct spec *s, const sigset_t *blocked, const struct ns_stdio *stdio,
              const struct ns_hook *hook, struct ns_proc *proc, struct cl_error *err);

/* The OCI runtime's ways (runtime.c).  `hold` >= 0: the container's
   process, once everything is set up, says so — ns_start_with returns
   then, with the process waiting — and reads one byte from `hold` (a
   FIFO `start` writes to) before it execs: runc's create/start split.
   That byte is NS_START_HOOKS_HERE when `start` cannot join the waiting
   process (rootless: it is not dumpable): a 4-byte length and the OCI
   state JSON follow, and the process runs the spec's startContainer
   hooks itself, in the container, before the exec.
   `orphan`: no parent-death signal — the caller exits and the engine's
   monitor (a child subreaper: conmon, containerd-shim) inherits it.
   The exec'd command still holds no other fd of ours. */
#define NS_START_HOOKS_HERE 'H'
#define NS_START_STATE_MAX (1U << 20)

/* A new network namespace, made by a thread from as early as the caller
   knows that its spec will ask for one (ns_start_with makes it so
   itself, later): its sysctl tables cost half a millisecond.
   ns_start_with joins the thread before clone and hands the namespace to
   the child, when the spec has it new and no user namespace; clear it
   after, or where ns_start_with is not reached. */
struct ns_net_ahead
{
  pthread_t thread;
  bool running, lo_up;
  int fd;
};
void ns_net_ahead_start (struct ns_net_ahead *a);
void ns_net_ahead_clear (struct ns_net_ahead *a);

struct ns_opts
{
  int hold;
  /* With `hold`: a listening socket (nsserve_listen) the process answers
     with its namespaces while it waits; -1: none. */
  int serve;
  bool orphan;
  int preserve_fds; /* fds 3 .. 3+N-1 pass into the container (runc --preserve-fds) */
  /* In the child, its mounts made, before pivot_root, with the rootfs as
     working directory (the OCI createContainer hooks); NULL: none. */
  int (*before_pivot) (void *arg, struct cl_error *err);
  void *arg;
  /* In the caller, once the process has its "go", while it execs; a
     failure kills it.  NULL: none. */
  int (*after_go) (void *arg, struct cl_error *err);
  void *after_go_arg;
  struct ns_net_ahead *net_ahead; /* or NULL */
};

int ns_start_with (const struct spec *spec, const struct ns_overlay *overlay,
                   const sigset_t *blocked, const struct ns_stdio *stdio,
                   const struct ns_hook *hook, const struct ns_opts *opts, struct ns_proc *proc,
                   struct cl_error *err);
int ns_spawn_with (const struct spec *s, const sigset_t *blocked, const struct ns_stdio *stdio,
                   const struct ns_hook *hook, const struct ns_opts *opts, struct ns_proc *proc,
                   struct cl_error *err);

/* Does `pid` catch `sig`?  (/proc/PID/status SigCgt.)  A namespace's init
   that does not catch a signal never sees it. */
bool ns_catches (pid_t pid, int sig);

#endif
