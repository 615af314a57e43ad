#include "template.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The field named at `open` ("{{.Name}}" or "{{ .Name }}"); "" when the
   braces hold something else. */
static void
field_at (const char *open, char *field, size_t len)
{
  const char *p = open + 2, *end;

  while (*p == ' ')
    p++;
  if (*p != '.')
    {
      field[0] = '\0';
      return;
    }
  p++;
  for (end = p; (*end >= 'A' && *end <= 'Z') || (*end >= 'a' && *end <= 'z'); end++)
    ;
  snprintf (field, len, "%.*s", (int) (end - p), p);
  while (*end == ' ')
    end++;
  if (strncmp (end, "}}", 2) != 0)
    field[0] = '\0';
}

static const char *
skip_table (const char *fmt)
{
  return strncmp (fmt, "table ", 6) == 0 ? fmt + 6 : fmt;
}

int
template_check (const char *fmt, template_lookup lookup, const void *sample, struct cl_error *err)
{
  char field[64], buf[256];

  for (const char *open = strstr (skip_table (fmt), "{{"); open; open = strstr (open + 2, "{{"))
    {
      field_at (open, field, sizeof field);
      if (!strstr (open, "}}") || !field[0] || !lookup (field, sample, buf, sizeof buf))
        return cl_fail (err, 0, "template \"%s\": no field at \"%.*s\"", fmt,
                        (int) strcspn (open, " ") + 1, open);
    }
  return 0;
}

char *
template_render (const char *fmt, template_lookup lookup, const void *row)
{
  char *out = NULL, field[64], buf[256];
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  const char *p = skip_table (fmt);

  if (!f)
    return xstrdup ("");
  while (*p)
    {
      if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n'))
        fputc (p[1] == 't' ? '\t' : '\n', f), p += 2;
      else if (p[0] == '{' && p[1] == '{' && strstr (p, "}}"))
        {
          const char *v;
          field_at (p, field, sizeof field);
          v = field[0] ? lookup (field, row, buf, sizeof buf) : NULL;
          fputs (v ? v : "", f);
          p = strstr (p, "}}") + 2;
        }
      else
        fputc (*p++, f);
    }
  fclose (f);
  return out;
}

static bool
is_table (const char *fmt)
{
  return skip_table (fmt) != fmt;
}

static const char *
header_of (const char *field, const void *arg, char *buf, size_t len)
{
  const struct template_header *h = arg;
  size_t n = 0;

  for (; h && h->field; h++)
    if (strcmp (h->field, field) == 0)
      return h->header;
  for (const char *p = field; *p && n + 2 < len; p++)
    {
      bool word = p > field && isupper ((unsigned char) *p) && islower ((unsigned char) p[-1]);
      if (word)
        buf[n++] = ' ';
      buf[n++] = (char) toupper ((unsigned char) *p);
    }
  buf[n] = '\0';
  return buf;
}

/* Widths of the tab-terminated cells of every column. */
static size_t *
column_widths (char **lines, size_t n, size_t *ncols)
{
  size_t *w = NULL;

  *ncols = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t col = 0;
      for (const char *c = lines[i], *tab; (tab = strchr (c, '\t')); c = tab + 1, col++)
        {
          size_t cw = (size_t) (tab - c) + 2;
          if (col >= *ncols)
            w = xrealloc (w, (col + 1) * sizeof *w), w[col] = 12, *ncols = col + 1;
          if (cw > w[col])
            w[col] = cw;
        }
    }
  return w;
}

static void
print_aligned (char **lines, size_t n)
{
  size_t ncols;
  cleanup_free size_t *w = column_widths (lines, n, &ncols);

  for (size_t i = 0; i < n; i++)
    {
      size_t col = 0;
      const char *c = lines[i], *tab;
      for (; (tab = strchr (c, '\t')); c = tab + 1, col++)
        printf ("%-*.*s", (int) w[col], (int) (tab - c), c);
      puts (c);
    }
}

void
template_print (const char *fmt, template_lookup lookup, const void *rows, size_t row_size,
                size_t n, const struct template_header *headers)
{
  bool table = is_table (fmt);
  char **lines = xcalloc (n + 1, sizeof *lines);
  size_t k = 0;

  if (table)
    lines[k++] = template_render (fmt, header_of, headers);
  for (size_t i = 0; i < n; i++)
    lines[k++] = template_render (fmt, lookup, (const char *) rows + i * row_size);
  if (table)
    print_aligned (lines, k);
  else
    for (size_t i = 0; i < k; i++)
      puts (lines[i]);
  for (size_t i = 0; i < k; i++)
    free (lines[i]);
  free (lines);
}
