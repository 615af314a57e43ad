#include <stdlib.h>
#include <string.h>

#include "../../json.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* `depth` opening brackets of `open`, then as many closing ones. */
static char *
nested (size_t depth, char open, char close)
{
  char *s = xmalloc (2 * depth + 1);

  memset (s, open, depth);
  memset (s + depth, close, depth);
  s[2 * depth] = '\0';
  return s;
}

static int
parse (const char *text, struct cl_error *err)
{
  cleanup_json yajl_val v = NULL;

  return json_parse (text, &v, err);
}

void
test_json_depth (void)
{
  struct cl_error err = { 0 };
  cleanup_free char *ok = nested (JSON_MAX_DEPTH, '[', ']');
  cleanup_free char *deep = nested (JSON_MAX_DEPTH + 1, '[', ']');
  cleanup_free char *million = nested (1000000, '[', ']');
  cleanup_free char *in_string = NULL, *objects = NULL;
  cleanup_free char *brackets = nested (100000, '[', '{');

  CHECK (parse (ok, &err) == 0);
  CHECK (parse (deep, &err) < 0);
  CHECK (strstr (err.msg, "nested deeper than 256 levels") != NULL);
  /* The attack: a million deep used to overflow yajl's recursion. */
  CHECK (parse (million, &err) < 0);
  CHECK (strstr (err.msg, "nested deeper than") != NULL);
  /* Unbalanced, unterminated: refused by the count, not parsed. */
  million[1000000] = '\0';
  CHECK (parse (million, &err) < 0);
  CHECK (strstr (err.msg, "nested deeper than") != NULL);
  /* Brackets in strings (with escaped quotes) are text, not nesting. */
  in_string = xasprintf ("{\"a\\\"[\": \"%s\", \"b\": [1]}", brackets);
  CHECK (parse (in_string, &err) == 0);
  /* Objects count as arrays do. */
  objects = xmalloc (6 * (JSON_MAX_DEPTH + 1) + 2);
  objects[0] = '\0';
  for (int i = 0; i <= JSON_MAX_DEPTH; i++)
    strcat (objects, "{\"a\":");
  strcat (objects, "1");
  for (int i = 0; i <= JSON_MAX_DEPTH; i++)
    strcat (objects, "}");
  CHECK (parse (objects, &err) < 0);
}
