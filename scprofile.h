/* Seccomp profiles, the builder's side: docker's default profile (a table
   here, equivalent to moby's profiles/seccomp/default.json for the
   architectures we filter) and docker/OCI profile files, each resolved
   for one container — its capabilities, the native architecture and the
   running kernel decide which of the profile's conditional rules
   (includes/excludes) it gets — into the linux.seccomp a spec carries.
   ns.c compiles that into BPF (seccomp.h). */
#ifndef CL_SCPROFILE_H
#define CL_SCPROFILE_H

#include "error.h"
#include "ocispec.h"
#include "sysnr.h"

struct scprofile_host
{
  char *const *caps;  /* the container's capabilities ("CAP_SYS_ADMIN") */
  enum sysnr_abi abi; /* the native one (sysnr_native) */
  const char *kernel; /* "6.1.0-13-amd64"; NULL: the running one */
};

/* Docker's default profile for this container. */
void scprofile_default (const struct scprofile_host *h, struct spec_seccomp *out);

/* A docker/OCI profile file's text (`--security-opt seccomp=FILE`). */
int scprofile_load (const char *json, const struct scprofile_host *h, struct spec_seccomp *out,
                    struct cl_error *err);

/* A profile with includes/excludes and archMap, resolved for h. */
void scprofile_resolve (const struct spec_seccomp *profile, const struct scprofile_host *h,
                        struct spec_seccomp *out);

#endif
