/* tag and untag: names of images in the store.  A name given without a
   registry is podman's local one ("myimg" → localhost/myimg:latest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evlog.h"
#include "ref.h"
#include "util.h"

static bool
wants_help (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      return true;
  return false;
}

/* Docker's rule: the first component names a registry when it has a dot
   or a port, or is "localhost". */
static bool
has_domain (const char *name)
{
  const char *slash = strchr (name, '/');
  size_t n = slash ? (size_t)(slash - name) : 0;

  if (!slash)
    return false;
  return memchr (name, '.', n) || memchr (name, ':', n)
         || (n == 9 && strncmp (name, "localhost", 9) == 0);
}

/* The canonical registry name a new tag gets, as podman normalises it. */
static int
local_name (const char *what, char **out, struct cl_error *err)
{
  cleanup_free char *full = NULL;
  cleanup_ref struct image_ref r = { 0 };

  if (strchr (what, '@'))
    return cl_fail (err, 0, "%s: tag by digest not supported", what);
  if (str_has_prefix (what, "docker://"))
    what += strlen ("docker://");
  full = has_domain (what) ? xstrdup (what) : xasprintf ("localhost/%s", what);
  if (ref_parse (full, &r, err) < 0)
    return cl_wrap (err, "invalid name \"%s\"", what);
  if (r.transport != REF_REGISTRY)
    return cl_fail (err, 0, "invalid name \"%s\": a registry name is needed", what);
  *out = steal_pointer (&r.name);
  return 0;
}

static const char tag_usage[]
    = "Usage: crunlocal tag IMAGE TARGET_NAME[:TAG] [TARGET_NAME[:TAG]...]\n"
      "\n"
      "Add names to an image in the store.  A name without a registry is a\n"
      "local one: \"myimg\" is localhost/myimg:latest.  A name another image had\n"
      "moves to this one.\n";

int
cmd_tag (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct image_record r = { 0 };
  int ret = 0;

  if (wants_help (argc, argv))
    return fputs (tag_usage, stdout), 0;
  if (cli_getopt (argc, argv, "tag", "+h", longopts) != -1)
    return 125;
  if (argc - optind < 2)
    return cli_usage_error ("tag", "\"crunlocal tag\" requires at least 2 arguments");
  for (int i = optind + 1; i < argc; i++)
    {
      cleanup_free char *name = NULL;
      if (local_name (argv[i], &name, &err) < 0)
        return cli_fail (&err);
    }
  if (cli_open_store (&s, STORE_USE, &err) < 0 || cli_find_image (s, argv[optind], &r, &err) < 0)
    return cli_fail (&err);
  for (int i = optind + 1; i < argc && ret == 0; i++)
    {
      cleanup_free char *name = NULL;
      ret = local_name (argv[i], &name, &err);
      if (ret == 0)
        ret = store_image_save (s, &r, name, &err);
      if (ret == 0)
        evlog_append (s->rootfd, EVLOG_FILE, "image", "tag", r.id, name, NULL);
    }
  image_record_clear (&r);
  return ret < 0 ? cli_fail (&err) : 0;
}

/* Which of the image's names `what` means: as podman normalises it, as a
   pull would, or as a short name.  NULL when none. */
static const char *
image_name (const struct image_record *r, const char *what)
{
  cleanup_free char *canon = ref_canonical (what);
  cleanup_free char *local = NULL;
  struct cl_error ignored;
  const char *name = NULL;

  if (local_name (what, &local, &ignored) == 0)
    name = store_image_name_of (r, local);
  if (!name)
    name = store_image_name_of (r, canon);
  return name ? name : store_image_name_of (r, what);
}

static const char untag_usage[]
    = "Usage: crunlocal untag IMAGE [NAME...]\n"
      "\n"
      "Remove names from an image (all of them when none is given); the image\n"
      "stays, as <none> when it has no name left.\n";

int
cmd_untag (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  cleanup_strv char **names = NULL;
  struct image_record r = { 0 };
  int ret = 0;

  if (wants_help (argc, argv))
    return fputs (untag_usage, stdout), 0;
  if (cli_getopt (argc, argv, "untag", "+h", longopts) != -1)
    return 125;
  if (argc - optind < 1)
    return cli_usage_error ("untag", "\"crunlocal untag\" requires at least 1 argument");
  if (cli_open_store (&s, STORE_USE, &err) < 0 || cli_find_image (s, argv[optind], &r, &err) < 0)
    return cli_fail (&err);
  for (int i = optind + 1; i < argc && ret == 0; i++)
    {
      const char *name = image_name (&r, argv[i]);
      if (!name)
        ret = cl_fail (&err, 0, "%s: tag not known", argv[i]);
      else if (!strv_contains (names, name))
        strv_append (&names, name);
    }
  for (size_t i = 0; argc - optind == 1 && r.names && r.names[i]; i++)
    strv_append (&names, r.names[i]);
  for (size_t i = 0; ret == 0 && names && names[i]; i++)
    if ((ret = store_image_untag (s, r.id, names[i], &err)) == 0)
      evlog_append (s->rootfd, EVLOG_FILE, "image", "untag", r.id, names[i], NULL);
  image_record_clear (&r);
  return ret < 0 ? cli_fail (&err) : 0;
}
