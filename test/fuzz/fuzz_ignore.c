/* The .dockerignore matcher (ignore.c), which `run --context` applies to
   a directory it may not have written.  The input is an ignore file, then
   a NUL byte, then paths one a line (none: a fixed list of paths); each
   path goes through the whole-file matcher, the exact one, and the walk's
   pruning question, with the file read as ignorefile does and its lines
   added one by one as patternmatcher.New takes them. */
#include "../../ignore.h"
#include "../../util.h"
#include "fuzz.h"

static const char default_paths[]
    = "a\na/b\na/b/c.go\nnode_modules/x/y.js\n.git/HEAD\n"
      "src/main.c\nbuild/out.o\ndocs/README.md\n.dockerignore\nDockerfile";

static void
check_paths (const struct ignore *ig, const char *paths)
{
  cleanup_free char *copy = xstrdup (paths);
  char *save = NULL;

  /* strtok_r skips empty lines; the empty path is checked on its own. */
  ignore_match (ig, "");
  ignore_may_match_below (ig, "", false);
  for (char *p = strtok_r (copy, "\n", &save); p; p = strtok_r (NULL, "\n", &save))
    {
      ignore_match (ig, p);
      ignore_match_exact (ig, p);
      ignore_may_match_below (ig, p, false);
      ignore_may_match_below (ig, p, true);
    }
}

static void
add_lines (struct ignore *ig, const char *text)
{
  cleanup_free char *copy = xstrdup (text);
  char *save = NULL;

  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      struct cl_error err;
      ignore_add (ig, l, &err);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  const char *paths = strlen (s) < size ? s + strlen (s) + 1 : default_paths;
  struct cl_error err;

  {
    cleanup_ignore struct ignore ig = { 0 };
    if (ignore_parse (&ig, s, ".dockerignore", &err) == 0)
      check_paths (&ig, paths);
  }
  {
    cleanup_ignore struct ignore ig = { 0 };
    add_lines (&ig, s);
    check_paths (&ig, paths);
  }
  return 0;
}
