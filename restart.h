/* Restart policies (`run -d --restart`), as docker's: no, always,
   unless-stopped, on-failure[:MAX].  The monitor applies them when the
   container exits — there is no daemon to do it — so this is plain libc:
   the monitor links it.  A container stopped by hand (`stop`, `kill`)
   carries a marker, containers/<id>/stopped, that no restart outlives;
   `start` removes it. */
#ifndef CL_RESTART_H
#define CL_RESTART_H

#include <stdbool.h>

#include "error.h"

struct restart_policy
{
  enum
  {
    RESTART_NO,
    RESTART_ALWAYS,
    RESTART_UNLESS_STOPPED,
    RESTART_ON_FAILURE,
  } kind;
  int max; /* on-failure: at most this many restarts (0: no limit) */
};

int restart_parse (const char *s, struct restart_policy *p, struct cl_error *err);
/* docker's name for it ("on-failure"), and its MaximumRetryCount. */
const char *restart_name (const struct restart_policy *p);

/* How long to wait before restarting a container that ended with `code`
   after running `ran_ms`, restarted `count` times before: -1 for never.
   docker's backoff: 100 ms doubling per restart, at most a minute, back
   to 100 ms after a run of 10 s. */
long restart_delay (const struct restart_policy *p, int code, int count, bool stopped, long ran_ms);

int restart_mark_stopped (int dirfd, struct cl_error *err);
bool restart_stopped (int dirfd);
int restart_clear_stopped (int dirfd, struct cl_error *err);

#endif
