/* The resource flags of run, create, spec and update, in docker's
   syntax (--memory 64m, --cpus 0.5, --pids-limit -1, ...) → the
   linux.resources of a spec (struct spec_resources).  Parsing and
   docker's rules between the flags only: cgroup.c applies them. */
#ifndef CL_RESFLAGS_H
#define CL_RESFLAGS_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

struct res_flags
{
  struct spec_resources res; /* what was given: 0/NULL where not */
  double cpus;               /* --cpus, 0: not given */
  bool has_oom_score_adj;
  int oom_score_adj;
};

void res_flags_clear (struct res_flags *f);
#define cleanup_res_flags __attribute__ ((cleanup (res_flags_clear)))

/* "10mb", "512k", "1g", "4096": bytes; -1 when it is none of these. */
int flag_parse_size (const char *s, long long *out);
/* A whole number in [min, max], or "invalid FLAG ..." in err. */
int flag_parse_number (const char *flag, const char *arg, long long min, long long max,
                       long long *out, struct cl_error *err);

/* `flag` ("--memory", "-m", "--cpus", ...) with its argument into f;
   1 when it is not a resource flag. */
int res_flags_parse (struct res_flags *f, const char *flag, const char *arg, struct cl_error *err);

/* run's rules: --memory-swap needs --memory and is at least it (default
   twice it), the reservation is at most the limit, --cpus (quota N ×
   100000 of a 100000 µs period) excludes --cpu-quota/--cpu-period. */
int res_flags_check (struct res_flags *f, struct cl_error *err);

/* update's: `cur` is what the container has; what f gives replaces it
   there (cur is changed), checked as docker does (a new --memory above
   the recorded --memory-swap needs a new --memory-swap too).  f->res is
   left holding only what changes, as cgroup_update takes it. */
int res_flags_merge (struct res_flags *f, struct spec_resources *cur, struct cl_error *err);

/* Was any resource flag given? */
bool res_flags_any (const struct res_flags *f);

#endif
