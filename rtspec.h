/* The OCI runtime's fixed texts: runc's default config.json for `spec`
   (and its rootless form), the runtime-spec features document, and the
   help of each command. */
#ifndef CL_RTSPEC_H
#define CL_RTSPEC_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

/* BUNDLE/config.json, runc's default (`--rootless`: a user namespace
   mapping the caller alone, no network namespace, /sys bound); an
   existing one is not overwritten. */
int rtspec_write (const char *bundle, bool rootless, struct cl_error *err);

/* `features`: what this runtime implements (runtime-spec features.md). */
void rtspec_features (FILE *out);

/* --help of `cmd` (NULL: the runtime's). */
void rtspec_help (const char *cmd);

#endif
