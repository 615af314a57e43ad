/* exec: a process into a running container (ns_join and ns_spawn),
   with --process or runc's flags over the container's own config. */
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
#include "rtagent.h"
#include "rthooks.h"
#include "seccomp.h"
#include "rtspec.h"
#include "rtstate.h"
#include "util.h"

/* ----------------------------------------------------------------- exec */

struct exec_opts
{
  const char *process, *pid_file, *console_socket, *cwd, *user;
  char **env, **caps, **gids, **cgroups;
  bool detach, tty, no_new_privs, ignore_paused;
  int preserve_fds;
};

static void
exec_opts_clear (struct exec_opts *e)
{
  strv_free (e->env);
  strv_free (e->caps);
  strv_free (e->gids);
  strv_free (e->cgroups);
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
      case 'G': strv_append (&e->cgroups, optarg); break;
      case 'h': return rtspec_help ("exec"), 1;
      default: return -1;
      }
  if (optind >= argc)
    return rt_usage (o, "exec", "\"exec\" requires the container ID"), -1;
  return 0;
}

/* The controllers of a recorded directory: its v1 mount's name
   ("cpu,cpuacct"), "" for cgroup v2's. */
static const char *
dir_controllers (const char *dir, const struct cgroup_layout *l)
{
  for (int c = 0; c < CG_N; c++)
    if (l->v1[c] && strncmp (dir, l->v1[c], strlen (l->v1[c])) == 0
        && dir[strlen (l->v1[c])] == '/')
      return strrchr (l->v1[c], '/') + 1;
  return "";
}

static bool
names_controller (const char *list, const char *ctrls)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;

  for (char *n = strtok_r (copy, ",", &save); n; n = strtok_r (NULL, ",", &save))
    {
      size_t len = strlen (n);
      for (const char *p = ctrls; (p = strstr (p, n)); p += len)
        if ((p == ctrls || p[-1] == ',') && (p[len] == ',' || !p[len]))
          return true;
    }
  return false;
}

/* exec --cgroup [CONTROLLER[,...]:]PATH (runc's): the process joins
   PATH below the container's cgroup, of those controllers or of all. */
static int
sub_cgroups (struct cgroup_dirs *d, char **specs, struct cl_error *err)
{
  cleanup_cgroup_layout struct cgroup_layout l = { 0 };
  static const char *const known[]
      = { "memory",  "pids",    "cpu",      "cpuacct",    "cpuset", "freezer", "devices", "blkio",
          "hugetlb", "net_cls", "net_prio", "perf_event", "rdma",   "misc",    NULL };

  if (cgroup_detect (&l, err) < 0)
    return -1;
  for (size_t i = 0; specs && specs[i]; i++)
    {
      const char *colon = strchr (specs[i], ':'), *path = colon ? colon + 1 : specs[i];
      cleanup_free char *ctrls = colon ? xstrndup (specs[i], (size_t)(colon - specs[i])) : NULL;
      cleanup_free char *clean = xstrdup (path);
      char *save = NULL;
      if (ctrls)
        {
          cleanup_free char *each = xstrdup (ctrls);
          for (char *c = strtok_r (each, ",", &save); c; c = strtok_r (NULL, ",", &save))
            if (!strv_contains ((char *const *)known, c))
              return cl_fail (err, EINVAL, "--cgroup %s: unknown controller %s", specs[i], c);
        }
      for (char *c = strtok_r (clean, "/", &save); c; c = strtok_r (NULL, "/", &save))
        if (strcmp (c, "..") == 0)
          return cl_fail (err, EINVAL, "--cgroup %s is not a sub cgroup path", path);
      for (size_t k = 0; k < d->n; k++)
        {
          const char *mine = dir_controllers (d->dir[k], &l);
          char *sub;
          if (ctrls ? !*mine || !names_controller (ctrls, mine) : false)
            continue;
          sub = xasprintf ("%s/%s", d->dir[k], path);
          free (d->dir[k]);
          d->dir[k] = sub;
        }
    }
  for (size_t k = 0; k < d->n; k++)
    {
      cleanup_free char *procs = xasprintf ("%s/cgroup.procs", d->dir[k]);
      if (access (procs, F_OK) < 0)
        return cl_fail (err, 0, "adding pid to cgroups: open %s: no such file or directory", procs);
    }
  return 0;
}

/* linux.seccomp.listenerPath: the exec'd process's listener, with the
   container's state, to runc's agent. */
struct exec_agent
{
  const struct ctr *c;
  const struct spec *sp;
  int sock;
};

static int
exec_seccomp_listener (pid_t pid, int fd, void *arg, struct cl_error *err)
{
  const struct exec_agent *a = arg;
  cleanup_free char *state = rtstate_json (a->c->dirfd, &a->c->st, a->c->status, false);

  if (a->sock < 0)
    return cl_fail (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  return rtagent_send_on (a->sock, a->sp->seccomp->listener_metadata, pid, state, fd, err);
}

/* Join the container and start the process; the caller waits for it
   (or, --detach, leaves it to whoever reaps orphans). */
static int
exec_start (const struct ctr *c, const struct exec_opts *e, struct spec *sp, const sigset_t *set,
            struct ns_proc *proc, struct cl_error *err)
{
  cleanup_cgroup_procs struct cgroup_procs cg = { .v2 = -1, .dir = -1 };
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_close int sock = -1;
  struct exec_agent ea = { .c = c, .sp = sp, .sock = -1 };
  struct ns_hook agent = { .seccomp_listener = exec_seccomp_listener, .arg = &ea };
  struct ns_hook hook
      = { .fn = cgroup_procs_hook, .before = cgroup_procs_before, .arg = &cg, .next = &agent };
  struct ns_opts no
      = { .hold = -1, .serve = -1, .orphan = e->detach, .preserve_fds = e->preserve_fds };
  int r = cgrouprec_read (c->dirfd, &d, err);

  if (r == 1 && e->cgroups)
    return cl_fail (err, ENOTSUP, "--cgroup: the container has no cgroups");
  if (r < 0 || (r == 0 && e->cgroups && sub_cgroups (&d, e->cgroups, err) < 0)
      || (r == 0 && cgroup_procs_open (&d, &cg, err) < 0))
    return -1;
  if (seccomp_notifies (sp->seccomp) && sp->seccomp->listener_path
      && (ea.sock = sock = rtagent_connect (sp->seccomp->listener_path, err)) < 0)
    return -1;
  /* Nothing of ours for the container to reach: non-dumpable, no fd but
     stdio, the preserved ones and the cgroup.procs files (close-on-exec). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "make the process non-dumpable");
  if (ns_join (c->st.pid, c->status == RT_CREATED ? c->dirfd : -1, err) < 0)
    return -1;
  return ns_spawn_with (sp, set, NULL, &hook, &no, proc, err);
}

int
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
