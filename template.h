/* The subset of Go templates that `--format` takes (ps, images,
   inspect): fields ({{.Field}}, {{.A.B}}, {{.}}), {{range}}, {{if}},
   {{with}} and {{else}}, pipelines ("|"), and the functions json, index,
   len, join, upper, lower, eq, ne and not; "\t" and "\n" in the text are
   a tab and a newline.  A missing field prints "<no value>", as Go's does
   over a map (docker's inspect).  For ps and images a leading "table "
   asks, as in podman, for a header row and tab-separated cells aligned
   in columns. */
#ifndef CL_TEMPLATE_H
#define CL_TEMPLATE_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "error.h"

/* The text of `field` (written into buf, or a constant), NULL when there
   is no such field. */
typedef const char *(*template_lookup) (const char *field, const void *row, char *buf, size_t len);

/* Over rows (ps, images): a field is the lookup's text. */
/* Check once that every field exists (rows may be none). */
int template_check (const char *fmt, template_lookup lookup, const void *sample,
                    struct cl_error *err);
/* The rendered text, malloc'd (no newline added). */
char *template_render (const char *fmt, template_lookup lookup, const void *row);

/* Over a JSON document (inspect): the rendered text, malloc'd in *out. */
int template_render_json (const char *fmt, yajl_val doc, char **out, struct cl_error *err);

/* Print n rows (an array of row_size each) a line each.  For "table FMT"
   the header names each field — from `headers` ({field, header} pairs up
   to a NULL field) or the field's name split at its capitals and upper-
   cased ("CreatedAt": "CREATED AT") — and cells separated by tabs are
   aligned as Go's tabwriter does for podman (minimum width 12, padding 2). */
struct template_header
{
  const char *field, *header;
};
void template_print (const char *fmt, template_lookup lookup, const void *rows, size_t row_size,
                     size_t n, const struct template_header *headers);

#endif
