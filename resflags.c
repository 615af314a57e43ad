#include "resflags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define CFS_PERIOD 100000

void
res_flags_clear (struct res_flags *f)
{
  free (f->res.cpuset_cpus);
  free (f->res.cpuset_mems);
  memset (f, 0, sizeof *f);
}

int
flag_parse_size (const char *s, long long *out)
{
  static const char *units[] = { "", "b", "k", "kb", "m", "mb", "g", "gb" };
  static const long long scale[] = { 1, 1, 1024, 1024, 1 << 20, 1 << 20, 1 << 30, 1 << 30 };
  char *end;
  double v = strtod (s, &end);

  if (end == s || v < 0)
    return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcasecmp (end, units[i]) == 0)
      {
        *out = (long long)(v * (double)scale[i]);
        return 0;
      }
  return -1;
}

int
flag_parse_number (const char *flag, const char *arg, long long min, long long max, long long *out,
                   struct cl_error *err)
{
  char *end;

  errno = 0;
  *out = strtoll (arg, &end, 10);
  if (!*arg || *end || errno || *out < min || *out > max)
    return cl_fail (err, 0, "invalid %s \"%s\": want a number from %lld to %lld", flag, arg, min,
                    max);
  return 0;
}

/* SIZE as docker takes it (64m, 1g, 512k, bytes); -1 when `unlimited_ok`. */
static int
parse_limit_size (const char *flag, const char *arg, bool unlimited_ok, long long *out,
                  struct cl_error *err)
{
  if (unlimited_ok && strcmp (arg, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  if (flag_parse_size (arg, out) < 0 || *out <= 0)
    return cl_fail (err, 0, "invalid %s \"%s\": want a size like 64m%s", flag, arg,
                    unlimited_ok ? " (or -1)" : "");
  return 0;
}

static int
parse_cpus (struct res_flags *f, const char *arg, struct cl_error *err)
{
  char *end;

  f->cpus = strtod (arg, &end);
  if (!*arg || *end || !(f->cpus > 0 && f->cpus <= 1024))
    return cl_fail (err, 0, "invalid --cpus \"%s\": want a number of CPUs like 0.5", arg);
  return 0;
}

static void
set_str (char **field, const char *arg)
{
  free (*field);
  *field = xstrdup (arg);
}

/* The numbers: shares, quota, period, pids, oom_score_adj. */
static int
parse_numeric (struct res_flags *f, const char *flag, const char *arg, struct cl_error *err)
{
  struct spec_resources *r = &f->res;
  long long v;

  if (strcmp (flag, "--cpu-shares") == 0)
    {
      if (flag_parse_number (flag, arg, 2, 262144, &v, err) < 0)
        return -1;
      r->cpu_shares = (unsigned long long)v;
      return 0;
    }
  if (strcmp (flag, "--cpu-quota") == 0)
    return flag_parse_number (flag, arg, -1, 1LL << 40, &r->cpu_quota, err);
  if (strcmp (flag, "--cpu-period") == 0)
    {
      if (flag_parse_number (flag, arg, 1000, 1000000, &v, err) < 0)
        return -1;
      r->cpu_period = (unsigned long long)v;
      return 0;
    }
  if (strcmp (flag, "--pids-limit") == 0)
    {
      if (flag_parse_number (flag, arg, -1, 1LL << 22, &r->pids_limit, err) < 0)
        return -1;
      /* 0 and -1 both mean no limit, as in podman. */
      if (r->pids_limit == 0)
        r->pids_limit = -1;
      return 0;
    }
  if (strcmp (flag, "--oom-score-adj") == 0)
    {
      if (flag_parse_number (flag, arg, -1000, 1000, &v, err) < 0)
        return -1;
      f->has_oom_score_adj = true;
      f->oom_score_adj = (int)v;
      return 0;
    }
  return 1;
}

int
res_flags_parse (struct res_flags *f, const char *flag, const char *arg, struct cl_error *err)
{
  struct spec_resources *r = &f->res;

  if (strcmp (flag, "--memory") == 0 || strcmp (flag, "-m") == 0)
    return parse_limit_size ("--memory", arg, false, &r->memory_limit, err);
  if (strcmp (flag, "--memory-swap") == 0)
    return parse_limit_size (flag, arg, true, &r->memory_swap, err);
  if (strcmp (flag, "--memory-reservation") == 0)
    return parse_limit_size (flag, arg, false, &r->memory_reservation, err);
  if (strcmp (flag, "--cpus") == 0)
    return parse_cpus (f, arg, err);
  if (strcmp (flag, "--cpuset-cpus") == 0)
    {
      set_str (&r->cpuset_cpus, arg);
      return 0;
    }
  if (strcmp (flag, "--cpuset-mems") == 0)
    {
      set_str (&r->cpuset_mems, arg);
      return 0;
    }
  return parse_numeric (f, flag, arg, err);
}

/* --cpus is quota and period of its own. */
static int
take_cpus (struct res_flags *f, struct cl_error *err)
{
  struct spec_resources *r = &f->res;

  if (f->cpus > 0 && (r->cpu_quota || r->cpu_period))
    return cl_fail (err, 0, "--cpus conflicts with --cpu-quota and --cpu-period");
  if (f->cpus > 0)
    {
      r->cpu_period = CFS_PERIOD;
      r->cpu_quota = (long long)(f->cpus * CFS_PERIOD + 0.5);
    }
  return 0;
}

int
res_flags_check (struct res_flags *f, struct cl_error *err)
{
  struct spec_resources *r = &f->res;

  if (r->memory_swap && !r->memory_limit)
    return cl_fail (err, 0, "--memory-swap needs --memory: it is memory and swap together");
  if (r->memory_swap > 0 && r->memory_swap < r->memory_limit)
    return cl_fail (err, 0,
                    "--memory-swap must be at least --memory (it is memory and swap together)");
  if (r->memory_limit && !r->memory_swap)
    r->memory_swap = 2 * r->memory_limit;
  if (r->memory_reservation && r->memory_limit && r->memory_reservation > r->memory_limit)
    return cl_fail (err, 0, "--memory-reservation must be at most --memory");
  return take_cpus (f, err);
}

bool
res_flags_any (const struct res_flags *f)
{
  const struct spec_resources *r = &f->res;

  return r->memory_limit || r->memory_swap || r->memory_reservation || r->cpu_shares
         || r->cpu_period || r->cpu_quota || r->cpuset_cpus || r->cpuset_mems || r->pids_limit
         || f->cpus > 0 || f->has_oom_score_adj;
}

/* Memory and swap: docker's rules against what the container has.  Both
   are rewritten when either changes (v2's memory.swap.max is their
   difference). */
static int
merge_memory (struct spec_resources *n, struct spec_resources *cur, struct cl_error *err)
{
  long long mem = n->memory_limit ? n->memory_limit : cur->memory_limit;
  long long swap = n->memory_swap ? n->memory_swap : cur->memory_swap;

  if (!n->memory_limit && !n->memory_swap)
    return 0;
  if (n->memory_swap && mem <= 0)
    return cl_fail (err, 0, "--memory-swap needs a memory limit: give --memory too");
  if (n->memory_limit && !n->memory_swap && cur->memory_swap == 0)
    swap = 2 * mem; /* run's default */
  if (swap > 0 && swap < mem)
    return cl_fail (err, 0,
                    n->memory_swap ? "--memory-swap must be at least the memory limit"
                                   : "the memory limit would pass the container's --memory-swap "
                                     "(%lld): give a new --memory-swap too",
                    swap);
  cur->memory_limit = n->memory_limit = mem;
  cur->memory_swap = n->memory_swap = swap;
  return 0;
}

/* Quota and period go together (cgroup v2 writes them as one). */
static void
merge_cpu (struct spec_resources *n, struct spec_resources *cur)
{
  if (n->cpu_shares)
    cur->cpu_shares = n->cpu_shares;
  if (!n->cpu_quota && !n->cpu_period)
    return;
  if (n->cpu_quota)
    cur->cpu_quota = n->cpu_quota;
  if (n->cpu_period)
    cur->cpu_period = n->cpu_period;
  n->cpu_quota = cur->cpu_quota ? cur->cpu_quota : -1;
  n->cpu_period = cur->cpu_period ? cur->cpu_period : CFS_PERIOD;
}

int
res_flags_merge (struct res_flags *f, struct spec_resources *cur, struct cl_error *err)
{
  struct spec_resources *n = &f->res;
  long long mem;

  if (take_cpus (f, err) < 0 || merge_memory (n, cur, err) < 0)
    return -1;
  mem = cur->memory_limit;
  if (n->memory_reservation)
    {
      if (mem > 0 && n->memory_reservation > mem)
        return cl_fail (err, 0, "--memory-reservation must be at most the memory limit");
      cur->memory_reservation = n->memory_reservation;
    }
  merge_cpu (n, cur);
  if (n->pids_limit)
    cur->pids_limit = n->pids_limit;
  if (n->cpuset_cpus)
    set_str (&cur->cpuset_cpus, n->cpuset_cpus);
  if (n->cpuset_mems)
    set_str (&cur->cpuset_mems, n->cpuset_mems);
  return 0;
}
