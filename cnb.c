/* Cloud Native Buildpacks images (cnb.h): the labels read. */
#include "cnb.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define METADATA_LABEL "io.buildpacks.build.metadata="

bool
cnb_image (char *const *labels)
{
  for (size_t i = 0; labels && labels[i]; i++)
    if (str_has_prefix (labels[i], "io.buildpacks."))
      return true;
  return false;
}

static yajl_val
pick_default (yajl_val procs)
{
  yajl_val web = NULL;

  for (size_t i = 0; i < procs->u.array.len; i++)
    {
      yajl_val p = procs->u.array.values[i];
      const char *type = json_get_str (p, "type");
      if (!YAJL_IS_OBJECT (p))
        continue;
      if (json_get_bool (p, "default"))
        return p;
      if (type && strcmp (type, "web") == 0)
        web = p;
    }
  return web;
}

/* "command" is an array since Buildpack API 0.9, a string before. */
static char **
process_argv (yajl_val p)
{
  char **argv = json_get_strv (p, "command"), **args = json_get_strv (p, "args");
  const char *one = json_get_str (p, "command");

  if (!argv)
    {
      argv = xcalloc (1, sizeof (char *));
      if (one)
        strv_append (&argv, one);
    }
  for (size_t i = 0; args && args[i]; i++)
    strv_append (&argv, args[i]);
  strv_free (args);
  return argv;
}

/* A shell's command line: the command string, then its args. */
static void
join_for_shell (char ***argv)
{
  char *line = xstrdup ((*argv)[0]);

  for (size_t i = 1; (*argv)[i]; i++)
    {
      char *longer = xasprintf ("%s %s", line, (*argv)[i]);
      free (line);
      line = longer;
    }
  strv_free (*argv);
  *argv = xcalloc (2, sizeof (char *));
  (*argv)[0] = line;
}

int
cnb_default_process (char *const *labels, struct cnb_process *out, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  const char *text = NULL;
  yajl_val procs, p;

  memset (out, 0, sizeof *out);
  for (size_t i = 0; labels && labels[i]; i++)
    if (str_has_prefix (labels[i], METADATA_LABEL))
      text = labels[i] + strlen (METADATA_LABEL);
  if (!text)
    return 1;
  if (json_parse (text, &root, err) < 0)
    return cl_wrap (err, "label io.buildpacks.build.metadata");
  procs = json_get_arr (root, "processes");
  if (!procs || !(p = pick_default (procs)))
    return 1;
  out->argv = process_argv (p);
  if (!out->argv[0])
    {
      cnb_process_clear (out);
      return cl_fail (err, 0,
                      "label io.buildpacks.build.metadata: the default process has no command");
    }
  out->shell = json_get_str (p, "command") && !json_get_bool (p, "direct");
  if (out->shell)
    join_for_shell (&out->argv);
  out->type = xstrdup (json_get_str (p, "type") ? json_get_str (p, "type") : "web");
  return 0;
}

void
cnb_process_clear (struct cnb_process *p)
{
  free (p->type);
  strv_free (p->argv);
  memset (p, 0, sizeof *p);
}
