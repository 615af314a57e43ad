/* The device cgroup: which device nodes a container may open (read,
   write) or make (mknod), whatever nodes it can reach — a second layer
   behind the nodev mounts, and the only one for a node made on a mount
   that allows devices.

   The rules are the spec's linux.resources.devices, in order, the last
   that matches deciding (runc's and crun's meaning), after a "deny all"
   and before the standard devices crunlocal binds in (null, zero, full,
   random, urandom, tty, ptmx, the pts), which are always allowed, as
   runc appends its defaults.  Nothing matching: denied.

   cgroup v1 takes them as lines written to devices.deny / devices.allow
   in order; cgroup v2 has no files for it but a BPF_CGROUP_DEVICE
   program attached to the cgroup (built with bpf.h), as crun and runc
   do.  On a hybrid host both apply: the v1 devices hierarchy and the
   program on the container's directory of the cgroup2 mount. */
#ifndef CL_DEVCGROUP_H
#define CL_DEVCGROUP_H

#include <stddef.h>

#include "bpf.h"
#include "error.h"
#include "ocispec.h"

/* The effective rules: deny all, the spec's, the standard devices
   (malloc'd; their number in *n). */
struct spec_dev_rule *devcg_rules (const struct spec *s, size_t *n);

/* One rule as v1 writes it: FILE ("devices.allow" or "devices.deny")
   and LINE ("c 1:3 rwm", "a"). */
void devcg_v1_line (const struct spec_dev_rule *r, const char **file, char *line, size_t size);

/* The v2 program: 1 (allow) or 0 (deny) for bpf_cgroup_dev_ctx. */
int devcg_program (const struct spec_dev_rule *r, size_t n, struct ebpf_prog *p,
                   struct cl_error *err);

/* Does the spec let every device be made, read and written (a
   privileged container's "a *:* rwm")?  Then a missing device cgroup
   takes nothing away. */
bool devcg_allows_all (const struct spec *s);

/* Apply them to the container's cgroups: v1dir (the devices hierarchy's
   directory) and v2dir (its cgroup2 directory), either NULL when absent.
   Before any process of the container joins. */
int devcg_apply (const struct spec *s, const char *v1dir, const char *v2dir, struct cl_error *err);

#endif
