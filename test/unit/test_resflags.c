#include <string.h>

#include "../../resflags.h"
#include "tests.h"
#include "unit.h"

static int
parse (struct res_flags *f, const char *flag, const char *arg)
{
  struct cl_error err = { 0 };
  return res_flags_parse (f, flag, arg, &err);
}

/* run's rules: sizes, swap twice the memory, --cpus as quota/period,
   -1 and 0 pids as no limit, conflicts refused. */
void
test_resflags_run (void)
{
  cleanup_res_flags struct res_flags f = { 0 }, g = { 0 };
  struct cl_error err = { 0 };

  CHECK (parse (&f, "-m", "64m") == 0);
  CHECK (parse (&f, "--cpus", "0.5") == 0);
  CHECK (parse (&f, "--pids-limit", "0") == 0);
  CHECK (parse (&f, "--no-such", "1") == 1);
  CHECK (parse (&f, "--memory", "lots") < 0);
  CHECK (res_flags_check (&f, &err) == 0);
  CHECK (f.res.memory_limit == 64 << 20 && f.res.memory_swap == 128 << 20);
  CHECK (f.res.cpu_quota == 50000 && f.res.cpu_period == 100000 && f.res.pids_limit == -1);
  CHECK (parse (&g, "--cpus", "1") == 0 && parse (&g, "--cpu-quota", "20000") == 0);
  CHECK (res_flags_check (&g, &err) < 0);
}

/* update's: only what is given changes; memory and swap go together;
   a memory above the recorded swap needs a new swap. */
void
test_resflags_merge (void)
{
  cleanup_res_flags struct res_flags f = { 0 }, g = { 0 }, h = { 0 };
  struct spec_resources cur
      = { .memory_limit = 64 << 20, .memory_swap = 128 << 20, .cpu_shares = 512, .pids_limit = 20 };
  struct cl_error err = { 0 };

  CHECK (parse (&f, "--memory", "96m") == 0 && parse (&f, "--cpus", "2") == 0);
  CHECK (res_flags_merge (&f, &cur, &err) == 0);
  CHECK (cur.memory_limit == 96 << 20 && cur.memory_swap == 128 << 20);
  CHECK (f.res.memory_swap == 128 << 20); /* rewritten: v2 writes their difference */
  CHECK (cur.cpu_quota == 200000 && cur.cpu_period == 100000 && cur.cpu_shares == 512);
  CHECK (cur.pids_limit == 20 && f.res.pids_limit == 0 && f.res.cpu_shares == 0);
  CHECK (parse (&g, "--memory", "1g") == 0);
  CHECK (res_flags_merge (&g, &cur, &err) < 0 && strstr (err.msg, "--memory-swap"));
  CHECK (cur.memory_limit == 96 << 20);
  CHECK (parse (&h, "--cpu-quota", "-1") == 0 && parse (&h, "--pids-limit", "-1") == 0);
  CHECK (res_flags_merge (&h, &cur, &err) == 0);
  CHECK (h.res.cpu_quota == -1 && h.res.cpu_period == 100000 && cur.pids_limit == -1);
}
