/* `crunlocal exec`: a process in a running container — its namespaces
   (setns), root, environment and identity — whose exit code is ours. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ocispec.h"
#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "net.h"
#include "ns.h"
#include "pty.h"
#include "spec.h"
#include "util.h"

static const char exec_usage[]
    = "Usage: crunlocal exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
      "\n"
      "Run a command in a running container: its namespaces, filesystem,\n"
      "environment and user.  The exit code is the command's.\n"
      "\n"
      "Options:\n"
      "  -i, --interactive            pass stdin to the command (else it reads /dev/null)\n"
      "  -t, --tty                    give the command a terminal of its own (a PTY)\n"
      "  -e, --env NAME[=VALUE]       set a variable (NAME alone: the caller's value)\n"
      "      --env-file FILE          read variables from FILE\n"
      "  -u, --user USER[:GROUP]      as this user, resolved in the container\n"
      "  -w, --workdir DIR            working directory (default: the container's)\n";

struct exec_opts
{
  struct spec_opts env; /* only env and env_files */
  const char *user, *workdir;
  bool interactive, tty;
  char **args;
};

static int
parse_exec (int argc, char **argv, struct exec_opts *o)
{
  static const struct option longopts[]
      = { { "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
          { "env", required_argument, NULL, 'e' },   { "env-file", required_argument, NULL, 'E' },
          { "user", required_argument, NULL, 'u' },  { "workdir", required_argument, NULL, 'w' },
          { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 } };
  int c;

  while ((c = cli_getopt (argc, argv, "exec", "+ite:u:w:h", longopts)) != -1)
    switch (c)
      {
      case -2: return 125;
      case 'h': return fputs (exec_usage, stdout), 0;
      case 'i': o->interactive = true; break;
      case 't': o->tty = true; break;
      case 'e': strv_append (&o->env.env, optarg); break;
      case 'E': strv_append (&o->env.env_files, optarg); break;
      case 'u': o->user = optarg; break;
      case 'w': o->workdir = optarg; break;
      }
  if (argc - optind < 2)
    return cli_usage_error ("exec", "\"crunlocal exec\" requires a container and a command");
  o->args = argv + optind + 1;
  return -1;
}

/* The container's process, as its spec said, with our changes. */
static int
exec_spec (const struct container *c, const struct exec_opts *o, struct spec *sp,
           struct cl_error *err)
{
  char **env = NULL;
  struct winsize ws;

  if (bundle_load (c->dir, sp, err) < 0)
    return cl_wrap (err, "container %s", c->name);
  if (spec_merge_env (sp->env, &o->env, &env, err) < 0)
    return -1;
  strv_free (sp->env);
  sp->env = env;
  strv_free (sp->args);
  sp->args = xcalloc (1, sizeof (char *));
  for (size_t i = 0; o->args[i]; i++)
    strv_append (&sp->args, o->args[i]);
  if (o->workdir)
    {
      if (o->workdir[0] != '/')
        return cl_fail (err, 0, "the working directory \"%s\" must be absolute", o->workdir);
      free (sp->cwd);
      sp->cwd = xstrdup (o->workdir);
    }
  sp->terminal = o->tty;
  if (o->tty && !spec_env_has (sp->env, "TERM"))
    strv_append (&sp->env, "TERM=xterm");
  if (o->tty && pty_caller_size (&ws))
    sp->console_rows = ws.ws_row, sp->console_cols = ws.ws_col;
  return 0;
}

/* -u, resolved in the container's own /etc/passwd and /etc/group (we are
   in its root by now). */
static int
resolve_user (const char *user, struct spec *sp, struct cl_error *err)
{
  cleanup_free char *passwd = NULL, *group = NULL;
  struct cl_error ignored;

  if (!user)
    return 0;
  read_file_at (AT_FDCWD, "/etc/passwd", 1 << 20, &passwd, NULL, &ignored);
  read_file_at (AT_FDCWD, "/etc/group", 1 << 20, &group, NULL, &ignored);
  free (sp->groups);
  sp->groups = NULL;
  sp->n_groups = 0;
  return spec_resolve_user (user, passwd, group, &sp->uid, &sp->gid, &sp->groups, &sp->n_groups,
                            err);
}

/* Before this process enters the container: hold nothing but stdio
   (the store is closed by now) and be non-dumpable, so nothing inside
   reaches our fds, memory or /proc/PID/exe. */
static int
prepare_to_enter (struct cl_error *err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "make the process non-dumpable");
  if (syscall (SYS_close_range, 3, ~0U, 0) < 0)
    return cl_fail (err, errno, "close inherited file descriptors");
  return 0;
}

/* The container's cgroups (cgrouprec.h), their cgroup.procs opened
   while we are still outside; a container without any has none. */
static int
open_cgroups (const struct container *c, struct cgroup_procs *p, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r;

  p->n = 0;
  if (dfd < 0)
    return cl_fail (err, errno, "open %s", c->dir);
  r = cgrouprec_read (dfd, &d, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return cgroup_procs_open (&d, p, err);
}

static int
spawn_and_wait (struct spec *sp, const struct exec_opts *o, struct cgroup_procs *cg,
                const struct ns_hook *net, int *code, struct cl_error *err)
{
  struct ns_hook hook
      = { .fn = cgroup_procs_hook, .before = cgroup_procs_before, .arg = cg, .next = net };
  struct cli_pipes p;
  struct ns_stdio stdio;
  struct exit_record rec;
  struct ns_proc proc;
  sigset_t set;
  struct cli_io io = { .input = o->interactive };

  if (cli_pipes_open (&p, o->interactive, o->tty, err) < 0)
    return -1;
  memcpy (stdio.fd, p.theirs, sizeof stdio.fd);
  cli_block_forwarded (&set);
  if (ns_spawn (sp, &set, &stdio, &hook, &proc, err) < 0)
    return cli_pipes_close (&p), -1;
  cli_pipes_started (&p);
  io.master = proc.console;
  io.in = steal_fd (&p.in);
  io.out[0] = steal_fd (&p.out[0]), io.out[1] = steal_fd (&p.out[1]);
  cli_wait_forwarding (proc.pid, &set, false, &io, &rec);
  if (proc.console >= 0)
    close (proc.console);
  *code = rec.code;
  return 0;
}

static int
exec_in (const struct container *c, const struct exec_opts *o, int *code, struct cl_error *err)
{
  struct spec sp = { 0 };
  cleanup_cgroup_procs struct cgroup_procs cg = { .v2 = -1, .dir = -1 };
  struct net_attach net = { 0 };
  struct ns_hook net_hook = { 0 };
  int ret = exec_spec (c, o, &sp, err);

  if (ret == 0)
    ret = prepare_to_enter (err);
  if (ret == 0)
    ret = open_cgroups (c, &cg, err);
  /* The network's supervisor stays in the host's network namespace. */
  if (ret == 0)
    ret = net_exec_hook (c, &net, &net_hook, NULL, err);
  /* From here on this process is in the container (its /proc too). */
  if (ret == 0)
    ret = ns_join (c->pid, -1, err);
  if (ret == 0)
    ret = resolve_user (o->user, &sp, err);
  if (ret == 0)
    ret = spawn_and_wait (&sp, o, &cg, &net_hook, code, err);
  net_attach_clear (&net);
  spec_clear (&sp);
  return ret;
}

int
cmd_exec (int argc, char **argv)
{
  struct exec_opts o = { 0 };
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  struct container c = { 0 };
  int code = 0, r = parse_exec (argc, argv, &o);

  if (r < 0)
    {
      /* In the caller's user namespace: it owns the container's (run.c). */
      r = cli_open_store_host (&s, &err) < 0 || cli_find_container (s, argv[optind], &c, &err) < 0
              ? -1
              : 0;
      if (r == 0 && container_state (&c) != CONTAINER_RUNNING)
        r = cl_fail (&err, 0, "container %s is not running", c.name);
      /* Its process would join the frozen cgroup and wait there. */
      if (r == 0 && cgroup_frozen (c.dir))
        r = cl_fail (&err, 0, "container %s is paused: unpause it first", c.name);
      store_close (steal_pointer (&s));
      if (r == 0)
        r = exec_in (&c, &o, &code, &err);
      r = r < 0 ? cli_fail (&err) : code;
    }
  container_clear (&c);
  strv_free (o.env.env);
  strv_free (o.env.env_files);
  return r;
}
