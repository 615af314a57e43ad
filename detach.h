/* `run -d` and `start`: a container whose parent is its monitor
   (monitor.h), detached from the caller — double fork, setsid, stdin
   /dev/null (or with -i a pipe that `attach` feeds), stdout and stderr
   into the log, or with -t a terminal whose master the monitor holds. */
#ifndef CL_DETACH_H
#define CL_DETACH_H

#include "container.h"
#include "ns.h"
#include "store.h"

/* Start `sp` for container `c` under a new monitor, which records the
   process (c->pid, c->monitor_pid, "running") in the store.  Returns once
   the command has been exec'd, or fails with its start error (exit 125,
   126 or 127) and nothing left running.  `hook` (or NULL) runs in the
   monitor between clone and "go" (ns.h).  `attached` (or NULL) gets a
   connection to its attach socket made before it started, which sees
   all of its output (`start -a`). */
int detach_start (struct store *s, struct container *c, const struct spec *sp,
                  const struct ns_overlay *ov, const struct ns_hook *hook, int *attached,
                  struct cl_error *err);

#endif
