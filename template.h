/* The subset of Go templates that `ps --format` and `images --format`
   take: {{.Field}} (spaces allowed inside the braces) replaced by the
   field's text, "\t" and "\n" as tab and newline, a leading "table "
   dropped (podman prints a header for it; we keep rows alone). */
#ifndef CL_TEMPLATE_H
#define CL_TEMPLATE_H

#include <stddef.h>

#include "error.h"

/* The text of `field` (written into buf, or a constant), NULL when there
   is no such field. */
typedef const char *(*template_lookup) (const char *field, const void *row, char *buf, size_t len);

/* Check once that every field exists (rows may be none). */
int template_check (const char *fmt, template_lookup lookup, const void *sample,
                    struct cl_error *err);
/* The rendered text, malloc'd (no newline added). */
char *template_render (const char *fmt, template_lookup lookup, const void *row);

#endif
