/* `crunlocal update`: change the limits of running containers, as
   docker's and podman's update do: the new values go into the
   container's cgroups (cgroup_update) and into its config.json, which
   inspect shows and a restart applies again.  A stopped container, or
   one without cgroups (rootless with no delegated cgroup v2 subtree),
   is refused with the reason: nothing would change — except
   --cpuset-cpus alone, which becomes the CPU affinity of its processes,
   as run applies it there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgrouprec.h"
#include "cli.h"
#include "container.h"
#include "ocispec.h"
#include "resflags.h"
#include "util.h"

static const char update_usage[]
    = "Usage: crunlocal update [OPTIONS] CONTAINER...\n"
      "\n"
      "Change the resource limits of running containers: their cgroups now,\n"
      "and what inspect shows and a restart applies.  What is not given\n"
      "stays as it is.\n"
      "\n"
      "Options:\n"
      "  -m, --memory SIZE            memory limit (e.g. 64m)\n"
      "      --memory-swap SIZE       memory + swap limit (-1: unlimited swap); needed with a\n"
      "                               --memory above the container's memory + swap limit\n"
      "      --memory-reservation SIZE  the soft memory limit\n"
      "      --cpus N                 CPUs' worth of time (e.g. 0.5): --cpu-quota N*100000\n"
      "      --cpu-shares N           relative CPU weight\n"
      "      --cpu-quota US, --cpu-period US  CFS quota (-1: none) and period in microseconds\n"
      "      --cpuset-cpus LIST       the CPUs it may use (0-1,3); rootless without a\n"
      "                               cgroup: its processes' CPU affinity\n"
      "      --cpuset-mems LIST       the memory nodes it may use\n"
      "      --pids-limit N           at most N processes (-1: no limit)\n";

/* The flags, as getopt_long names them (index = option value - 1000). */
static const struct option longopts[] = {
  { "memory", required_argument, NULL, 'm' },
  { "memory-swap", required_argument, NULL, 1000 },
  { "memory-reservation", required_argument, NULL, 1001 },
  { "cpus", required_argument, NULL, 1002 },
  { "cpu-shares", required_argument, NULL, 1003 },
  { "cpu-quota", required_argument, NULL, 1004 },
  { "cpu-period", required_argument, NULL, 1005 },
  { "cpuset-cpus", required_argument, NULL, 1006 },
  { "cpuset-mems", required_argument, NULL, 1007 },
  { "pids-limit", required_argument, NULL, 1008 },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
parse_flag (struct res_flags *f, int c, struct cl_error *err)
{
  char flag[32];

  snprintf (flag, sizeof flag, "--%s", c == 'm' ? "memory" : longopts[c - 1000 + 1].name);
  return res_flags_parse (f, flag, optarg, err) == 0 ? 0 : -1;
}

/* The container's cgroups, or why it has none to change; dfd its
   directory (the record's). */
static int
container_cgroups (const struct container *c, int dfd, struct cgroup_dirs *d, struct cl_error *err)
{
  int r;

  if (container_state (c) != CONTAINER_RUNNING)
    return cl_fail (err, 0,
                    "container %s is not running: update changes a running container's cgroups",
                    c->name);
  if (dfd < 0)
    return cl_fail (err, errno, "open %s", c->dir);
  r = cgrouprec_read (dfd, d, err);
  if (r == 1)
    return cl_fail (err, ENOTSUP,
                    "container %s has no cgroup: its limits cannot change (a rootless container "
                    "gets one only in a delegated cgroup v2 subtree; --cpuset-cpus alone "
                    "changes its CPU affinity)",
                    c->name);
  return r;
}

/* Was --cpuset-cpus the only flag given? */
static bool
only_cpuset_cpus (const struct res_flags *given)
{
  struct res_flags rest = *given;

  rest.res.cpuset_cpus = NULL;
  return given->res.cpuset_cpus && !res_flags_any (&rest);
}

/* Without a cgroup (rootless, no delegation), --cpuset-cpus alone is
   the CPU affinity of the container's processes, as run applies it. */
static int
update_affinity (const struct container *c, const struct res_flags *given, struct cl_error *err)
{
  cleanup_spec struct spec sp = { 0 };
  cleanup_free char *old = NULL;

  if (bundle_load (c->dir, &sp, err) < 0
      || cgroup_update_affinity ((pid_t)c->pid, given->res.cpuset_cpus, err) < 0)
    return cl_wrap (err, "update container %s", c->name);
  old = sp.resources.cpuset_cpus;
  sp.resources.cpuset_cpus = xstrdup (given->res.cpuset_cpus);
  return bundle_write_config (c->dir, &sp, false, err) < 0
             ? cl_wrap (err, "update container %s", c->name)
             : 0;
}

static int
update_one (const struct container *c, const struct res_flags *given, struct cl_error *err)
{
  cleanup_cgroup_dirs struct cgroup_dirs d = { 0 };
  cleanup_spec struct spec sp = { 0 };
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct res_flags f = *given;

  if (container_cgroups (c, dfd, &d, err) < 0)
    return err->errnum == ENOTSUP && only_cpuset_cpus (given) ? update_affinity (c, given, err)
                                                              : -1;
  if (bundle_load (c->dir, &sp, err) < 0)
    return -1;
  /* f shares the strings of `given`: merge only reads them. */
  if (res_flags_merge (&f, &sp.resources, err) < 0 || cgroup_update (&d, dfd, &f.res, err) < 0
      || bundle_write_config (c->dir, &sp, false, err) < 0)
    return cl_wrap (err, "update container %s", c->name);
  return 0;
}

static int
update_all (char **names, const struct res_flags *f)
{
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  int ret = 0;

  if (cli_open_store_host (&s, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; names[i]; i++)
    {
      struct container c = { 0 };
      err = (struct cl_error){ 0 };
      if (cli_find_container (s, names[i], &c, &err) == 0 && update_one (&c, f, &err) == 0)
        puts (names[i]);
      else
        ret = cli_fail (&err);
      container_clear (&c);
    }
  return ret;
}

int
cmd_update (int argc, char **argv)
{
  cleanup_res_flags struct res_flags f = { 0 };
  struct cl_error err = { 0 };
  int c;

  while ((c = cli_getopt (argc, argv, "update", "+m:h", longopts)) != -1)
    {
      if (c == -2)
        return 125;
      if (c == 'h')
        {
          fputs (update_usage, stdout);
          return 0;
        }
      if (parse_flag (&f, c, &err) < 0)
        return cli_fail (&err);
    }
  if (optind >= argc)
    return cli_usage_error ("update", "\"crunlocal update\" requires at least 1 container");
  if (!res_flags_any (&f))
    return cli_usage_error ("update", "nothing to update: give at least one limit (--memory, "
                                      "--cpus, --pids-limit, ...)");
  return update_all (argv + optind, &f);
}
