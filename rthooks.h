/* OCI hooks (runtime-spec config.md#posix-platform-hooks) for the OCI
   runtime: each hook's program run with its args and env, the container's
   state JSON on its stdin, killed after its timeout. */
#ifndef CL_RTHOOKS_H
#define CL_RTHOOKS_H

#include <stddef.h>
#include <sys/types.h>

#include "bpf.h"
#include "error.h"
#include "ocispec.h"

/* Run the hooks in order; the first failure stops them (err names the
   hook and how it ended).  `join` > 0: each runs in the namespaces of
   that process (startContainer: the container's), else in ours. */
int rthooks_run (const struct spec_hook *hooks, size_t n, const char *kind, const char *state,
                 pid_t join, struct cl_error *err);

/* The same, each hook under a seccomp filter (startContainer: the
   container's, as runc runs it from the container's init). */
int rthooks_run_filtered (const struct spec_hook *hooks, size_t n, const char *kind,
                          const char *state, pid_t join, const struct bpf_prog *filter,
                          struct cl_error *err);

#endif
