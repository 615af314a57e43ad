/* Showing a container's log (logfmt.h): `logs`, and `start -a`, which
   follows the log of the run it started. */
#ifndef CL_LOGS_H
#define CL_LOGS_H

#include <stdbool.h>
#include <time.h>

#include "container.h"

struct logs_opts
{
  bool follow, timestamps;
  long tail; /* the last N lines; -1 all */
  bool has_since, has_until;
  struct timespec since, until;
};

/* stdout lines to stdout, stderr lines to stderr; with follow, until the
   container's monitor has finished. */
int logs_show (const struct container *c, const struct logs_opts *o, struct cl_error *err);

#endif
