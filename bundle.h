/* OCI bundles: a directory with config.json and a root filesystem, the
   seeds' caller-generates / runtime-executes split.  `crunlocal spec`
   writes one; `crunlocal run --bundle` reads any, runc's included. */
#ifndef CL_BUNDLE_H
#define CL_BUNDLE_H

#include "error.h"
#include "spec.h"

/* Parse a runtime-spec 1.x config.json into the spec ns.c executes.
   Confinement crunlocal cannot honour yet (seccomp, hooks, joining a
   namespace by path) is refused with a clear error rather than dropped,
   so a bundle never runs less confined than it asked; linux.resources
   and linux.devices are not applied (cgroups come in their own issue; the
   standard devices are always there). */
int spec_from_json (const char *json, struct spec *out, struct cl_error *err);

/* Read DIR/config.json; a relative root.path is made absolute. */
int bundle_load (const char *dir, struct spec *out, struct cl_error *err);

#endif
