/* `crunlocal volume`: create, ls, inspect, rm and prune the store's
   volumes (volume.h), as docker's `volume` commands do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "template.h"
#include "util.h"
#include "volume.h"

static const char volume_usage[]
    = "Usage: crunlocal volume COMMAND\n"
      "\n"
      "Manage volumes: directories in the store that containers mount with\n"
      "-v NAME:/dst (named, created on first use) or -v /dst (anonymous), and\n"
      "that outlive the containers.\n"
      "\n"
      "Commands:\n"
      "  create [NAME]                     create a volume (no NAME: a random one); print its "
      "name\n"
      "  ls [-q] [--format json|TEMPLATE] [-f dangling=true|false|name=TEXT|driver=local]\n"
      "                                    list volumes ({{.Name}} {{.Driver}} {{.Mountpoint}}\n"
      "                                    {{.CreatedAt}} {{.Scope}} {{.Anonymous}}); -f keeps "
      "the\n"
      "                                    unused ones (dangling), names holding TEXT\n"
      "  inspect [--format TEMPLATE] NAME...  show volumes as JSON\n"
      "  rm [-f] NAME...                   remove volumes; one a container uses (running or\n"
      "                                    not) is refused, even with -f; -f: a missing one is no "
      "error\n"
      "  prune [-f] [-a]                   remove the anonymous volumes no container uses\n"
      "                                    (-a: every unused volume, named ones too)\n";

/* --help on stdout (0); the bare command's usage on stderr (125). */
static int
show_usage (FILE *to)
{
  fputs (volume_usage, to);
  return to == stdout ? 0 : 125;
}

/* A field of `volume ls --format '{{.Field}}'`. */
static const char *
volume_field (const char *f, const void *arg, char *buf, size_t len)
{
  const struct volume *v = arg;

  if (strcmp (f, "Name") == 0)
    return v->name ? v->name : "";
  if (strcmp (f, "Driver") == 0)
    return "local";
  if (strcmp (f, "Scope") == 0)
    return "local";
  if (strcmp (f, "Mountpoint") == 0)
    return v->mountpoint ? v->mountpoint : "";
  if (strcmp (f, "CreatedAt") == 0)
    {
      utc_text (v->created, buf, len);
      return buf;
    }
  if (strcmp (f, "Anonymous") == 0)
    return v->anonymous ? "true" : "false";
  return NULL;
}

static void
gen_volume (yajl_gen g, const struct volume *v)
{
  char when[64];

  utc_text (v->created, when, sizeof when);
  yajl_gen_map_open (g);
  jg_kstr (g, "Name", v->name);
  jg_kstr (g, "Driver", "local");
  jg_kstr (g, "Mountpoint", v->mountpoint);
  jg_kstr (g, "CreatedAt", when);
  jg_str (g, "Labels");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  jg_kstr (g, "Scope", "local");
  jg_str (g, "Options");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  jg_kbool (g, "Anonymous", v->anonymous);
  yajl_gen_map_close (g);
}

static void
print_json (const struct volume *v, size_t n)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    gen_volume (g, &v[i]);
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  puts (text);
}

static void
print_template (const char *format, const struct volume *v, size_t n)
{
  static const struct template_header headers[] = { { "Name", "VOLUME NAME" }, { NULL, NULL } };

  template_print (format, volume_field, v, sizeof *v, n, headers);
}

/* A --format that is neither json nor a known template: a usage error. */
static int
check_format (const char *cmd, const char *format)
{
  static const struct volume none = { 0 };

  return cli_check_format (cmd, format, volume_field, &none);
}

static int
volume_create_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "driver", required_argument, NULL, 'd' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  struct cl_error err = { 0 };
  struct volume v;
  bool created;
  int c;

  while ((c = cli_getopt (argc, argv, "volume create", "+d:h", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'd':
        if (strcmp (optarg, "local") != 0)
          return cli_usage_error ("volume create", "driver \"%s\" is not supported (local)",
                                  optarg);
        break;
      default: return 125;
      }
  if (argc - optind > 1)
    return cli_usage_error ("volume create", "\"crunlocal volume create\" takes at most 1 name");
  if (optind < argc && !volume_name_valid (argv[optind]))
    return cli_usage_error ("volume create",
                            "invalid volume name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]+",
                            argv[optind]);
  if (cli_open_store (&s, STORE_USE, &err) < 0 || (lock = volume_lock (s, false, &err)) < 0
      || volume_create (s, optind < argc ? argv[optind] : NULL, false, &v, &created, &err) < 0)
    return cli_fail (&err);
  puts (v.name);
  volume_clear (&v);
  return 0;
}

/* ls -f KEY=VALUE, docker's keys; several keys must all hold. */
static int
check_filter (const char *f)
{
  if (strcmp (f, "dangling=true") == 0 || strcmp (f, "dangling=false") == 0
      || str_has_prefix (f, "name=") || str_has_prefix (f, "driver="))
    return 0;
  return cli_usage_error ("volume ls",
                          "invalid filter \"%s\": want dangling=true|false, name=TEXT "
                          "or driver=local",
                          f);
}

static bool
passes (struct store *s, const struct volume *v, char *const *filters)
{
  for (size_t i = 0; filters && filters[i]; i++)
    {
      const char *f = filters[i];
      if (str_has_prefix (f, "name=") && !strstr (v->name, f + strlen ("name=")))
        return false;
      if (str_has_prefix (f, "driver=") && strcmp (f + strlen ("driver="), "local") != 0)
        return false;
      if (str_has_prefix (f, "dangling="))
        {
          cleanup_strv char **users = volume_users (s, v->name);
          if ((users == NULL) != (strcmp (f, "dangling=true") == 0))
            return false;
        }
    }
  return true;
}

static int
volume_ls_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "quiet", no_argument, NULL, 'q' },
                                            { "format", required_argument, NULL, 'F' },
                                            { "filter", required_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_strv char **filters = NULL;
  struct cl_error err = { 0 };
  const char *format = "table";
  struct volume *v;
  bool quiet = false;
  size_t n, kept = 0;
  int c;

  while ((c = cli_getopt (argc, argv, "volume ls", "+qhf:", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'q': quiet = true; break;
      case 'F': format = optarg; break;
      case 'f':
        if (check_filter (optarg) != 0)
          return 125;
        strv_append (&filters, optarg);
        break;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("volume ls", "unexpected argument \"%s\"", argv[optind]);
  if (check_format ("volume ls", format) != 0)
    return 125;
  if (cli_open_store (&s, STORE_USE, &err) < 0 || volume_list (s, &v, &n, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; i < n; i++)
    if (passes (s, &v[i], filters))
      {
        struct volume t = v[kept];
        v[kept++] = v[i];
        v[i] = t;
      }
  if (strcmp (format, "json") == 0)
    print_json (v, kept);
  else if (quiet)
    print_template ("{{.Name}}", v, kept);
  else
    print_template (strcmp (format, "table") == 0 ? "table {{.Driver}}\\t{{.Name}}" : format, v,
                    kept);
  volume_list_free (v, n);
  return 0;
}

static int
volume_inspect_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  const char *format = NULL;
  struct volume *found = NULL;
  size_t n = 0;
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "volume inspect", "+hf:", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f':
      case 'F': format = optarg; break;
      default: return 125;
      }
  if (optind >= argc)
    return cli_usage_error ("volume inspect",
                            "\"crunlocal volume inspect\" requires at least 1 name");
  if (check_format ("volume inspect", format) != 0)
    return 125;
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    return cli_fail (&err);
  for (int i = optind; i < argc; i++)
    {
      int r;
      found = xrealloc (found, (n + 1) * sizeof *found);
      r = volume_lookup (s, argv[i], &found[n], &err);
      if (r == 0)
        n++;
      else if (r == 1)
        {
          fprintf (stderr, "crunlocal: no such volume: %s\n", argv[i]);
          ret = 1;
        }
      else
        ret = cli_fail (&err);
    }
  if (!format || strcmp (format, "json") == 0)
    print_json (found, n);
  else
    print_template (format, found, n);
  volume_list_free (found, n);
  return ret;
}

static int
volume_rm_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_close int lock = -1;
  struct cl_error err = { 0 };
  bool force = false;
  int c, ret = 0;

  while ((c = cli_getopt (argc, argv, "volume rm", "+fh", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f': force = true; break;
      default: return 125;
      }
  if (optind >= argc)
    return cli_usage_error ("volume rm", "\"crunlocal volume rm\" requires at least 1 name");
  if (cli_open_store (&s, STORE_USE, &err) < 0 || (lock = volume_lock (s, true, &err)) < 0)
    return cli_fail (&err);
  for (int i = optind; i < argc; i++)
    {
      int r = volume_remove (s, argv[i], &err);
      if (r == 0)
        puts (argv[i]);
      else if (r == 1 && !force)
        {
          fprintf (stderr, "crunlocal: no such volume: %s\n", argv[i]);
          ret = ret ? ret : 1;
        }
      else if (r < 0)
        ret = cli_fail (&err);
    }
  return ret;
}

static int
volume_prune_cmd (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "all", no_argument, NULL, 'a' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  cleanup_store struct store *s = NULL;
  cleanup_strv char **removed = NULL;
  struct cl_error err = { 0 };
  bool all = false;
  int c;

  while ((c = cli_getopt (argc, argv, "volume prune", "+fah", longopts)) != -1)
    switch (c)
      {
      case 'h': return show_usage (stdout);
      case 'f': break; /* nothing is asked: -f is accepted for docker's sake */
      case 'a': all = true; break;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("volume prune", "unexpected argument \"%s\"", argv[optind]);
  if (cli_open_store (&s, STORE_USE, &err) < 0 || volume_prune (s, all, &removed, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; removed && removed[i]; i++)
    puts (removed[i]);
  return 0;
}

int
cmd_volume (int argc, char **argv)
{
  static const struct cli_sub sub[] = {
    { "create", volume_create_cmd },   { "ls", volume_ls_cmd }, { "list", volume_ls_cmd },
    { "inspect", volume_inspect_cmd }, { "rm", volume_rm_cmd }, { "remove", volume_rm_cmd },
    { "prune", volume_prune_cmd },
  };

  return cli_subcommand ("volume", sub, sizeof sub / sizeof sub[0], show_usage, argc, argv);
}
