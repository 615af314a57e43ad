#include "../../restart.h"
#include "tests.h"
#include "unit.h"

/* docker's policies and backoff: 100 ms doubling to a minute, reset
   after a 10 s run; never after a stop by hand. */
void
test_restart_policy (void)
{
  struct restart_policy p;
  struct cl_error err = { 0 };

  CHECK (restart_parse ("no", &p, &err) == 0 && p.kind == RESTART_NO);
  CHECK (restart_delay (&p, 1, 0, false, 0) < 0);
  CHECK (restart_parse ("always", &p, &err) == 0 && p.kind == RESTART_ALWAYS);
  CHECK (restart_delay (&p, 0, 0, false, 0) == 100);
  CHECK (restart_delay (&p, 0, 3, false, 0) == 800);
  CHECK (restart_delay (&p, 0, 30, false, 0) == 60000);
  CHECK (restart_delay (&p, 0, 30, false, 10000) == 100);
  CHECK (restart_delay (&p, 0, 0, true, 0) < 0);
  CHECK (restart_parse ("unless-stopped", &p, &err) == 0 && p.kind == RESTART_UNLESS_STOPPED);
  CHECK (restart_parse ("on-failure:2", &p, &err) == 0 && p.kind == RESTART_ON_FAILURE
         && p.max == 2);
  CHECK (restart_delay (&p, 0, 0, false, 0) < 0);
  CHECK (restart_delay (&p, 1, 1, false, 0) == 200);
  CHECK (restart_delay (&p, 1, 2, false, 0) < 0);
  CHECK (restart_parse ("on-failure", &p, &err) == 0 && p.max == 0);
  CHECK (restart_delay (&p, 137, 500, false, 0) == 60000);
  CHECK_STR (restart_name (&p), "on-failure");
  CHECK (restart_parse ("always:3", &p, &err) < 0);
  CHECK (restart_parse ("on-failure:", &p, &err) < 0);
  CHECK (restart_parse ("on-failure:x", &p, &err) < 0);
  CHECK (restart_parse ("on-failure:-1", &p, &err) < 0);
  CHECK (restart_parse ("sometimes", &p, &err) < 0);
  CHECK (restart_parse ("", &p, &err) < 0);
}
