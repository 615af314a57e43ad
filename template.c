#include "template.h"

#include <stdio.h>
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
