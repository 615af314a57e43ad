/* The seccomp filter, the runtime's side: a spec's linux.seccomp compiled
   to classic BPF (bpf.h) and installed.  The program checks the
   architecture first (x86_64 with x32 and i386, aarch64; any other gets
   EPERM), then finds the call's number in a binary search over the
   ranges of numbers that share an action, then tests arguments for the
   calls whose rules have them: a call's rules with conditions in the
   profile's order (the first whose conditions all hold decides), then its
   rule without, then the default action.  A name not known on an
   architecture is skipped, as libseccomp and runc skip it.  64-bit
   arguments are compared whole on x86_64 and aarch64, their low 32 bits
   on i386 and x32 (as libseccomp does). */
#ifndef CL_SECCOMP_H
#define CL_SECCOMP_H

#include <stdbool.h>

#include "bpf.h"
#include "error.h"
#include "ocispec.h"

int seccomp_compile (const struct spec_seccomp *sc, struct bpf_prog *out, struct cl_error *err);

/* Needs no_new_privs or CAP_SYS_ADMIN in the caller's user namespace. */
int seccomp_install (const struct bpf_prog *prog, struct cl_error *err);

/* The rootless network's filter (netsup.h): connect(), and sendto()
   with a destination address, of the native ABI go to a supervisor as
   user notifications; everything else (other ABIs too: they stay in the
   container's own network namespace, where they can reach nothing)
   is allowed, left to the default filter that stacks with it. */
int seccomp_netnotify_compile (struct bpf_prog *out, struct cl_error *err);
/* Install it (or a profile with SCMP_ACT_NOTIFY); the listener fd, or -1. */
int seccomp_install_listener (const struct bpf_prog *prog, struct cl_error *err);

/* Does the profile hand calls to a listener (SCMP_ACT_NOTIFY)? */
bool seccomp_notifies (const struct spec_seccomp *sc);

#endif
