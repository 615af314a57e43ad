/* The image commands of the CLI: pull, images, rmi, system prune, store
   check.  Only parsing and printing here; the work is in pull.c, store.c
   and gc.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "template.h"
#include "container.h"
#include "digest.h"
#include "evlog.h"
#include "gc.h"
#include "json.h"
#include "pull.h"
#include "ref.h"
#include "repair.h"
#include "util.h"
#include "volume.h"

static bool
wants_help (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        return false;
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        return true;
    }
  return false;
}

static const char pull_usage[]
    = "Usage: crunlocal pull [OPTIONS] IMAGE\n"
      "\n"
      "Pull an image into the store and print its ID.  IMAGE is a registry\n"
      "reference (alpine, host:port/path:tag, …@sha256:…) or oci:DIR[:TAG],\n"
      "oci-archive:FILE[:TAG], docker-archive:FILE.\n"
      "\n"
      "Options:\n"
      "      --platform OS/ARCH[/VARIANT]  pick this entry of a multi-platform image\n"
      "      --tls-verify=false            allow plain HTTP and unverified TLS\n"
      "      --creds USER:PASSWORD         registry credentials\n"
      "      --cert-dir DIR                trust DIR/ca.crt for the registry\n"
      "  -q, --quiet                       print only the image ID\n";

int
cmd_pull (int argc, char **argv)
{
  static const struct option longopts[] = { { "platform", required_argument, NULL, 'p' },
                                            { "tls-verify", optional_argument, NULL, 't' },
                                            { "creds", required_argument, NULL, 'c' },
                                            { "cert-dir", required_argument, NULL, 'd' },
                                            { "quiet", no_argument, NULL, 'q' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct pull_opts o = { .reg = { .tls_verify = true } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  char id[DIGEST_HEX_LEN + 1];
  bool quiet = false;
  int c;

  if (wants_help (argc, argv))
    return fputs (pull_usage, stdout), 0;
  while ((c = cli_getopt (argc, argv, "pull", "+qh", longopts)) != -1)
    switch (c)
      {
      case 'p': o.platform = optarg; break;
      case 't':
        if (cli_parse_bool ("pull", "--tls-verify", optarg, &o.reg.tls_verify) != 0)
          return 125;
        break;
      case 'c': o.reg.creds = optarg; break;
      case 'd': o.reg.cert_dir = optarg; break;
      case 'q': quiet = true; break;
      default: return 125;
      }
  if (argc - optind != 1)
    return cli_usage_error ("pull", "\"crunlocal pull\" requires exactly 1 argument");
  o.progress = quiet ? PROGRESS_QUIET : isatty (2) ? PROGRESS_BARS : PROGRESS_LINES;
  if (cli_open_store (&s, STORE_USE, &err) < 0 || pull_image (s, argv[optind], &o, id, &err) < 0)
    return cli_fail (&err);
  printf ("%s\n", id);
  return 0;
}

static const char images_usage[]
    = "Usage: crunlocal images [OPTIONS]\n"
      "\n"
      "List the images in the store.\n"
      "\n"
      "Options:\n"
      "  -q, --quiet          print only image IDs\n"
      "      --no-trunc       print full image IDs\n"
      "      --format FORMAT  'table' (default), 'json', or a template such as\n"
      "                       '{{.Repository}}:{{.Tag}} {{.ID}}' ('table …': with a header,\n"
      "                       tab-separated cells aligned in columns)\n";

struct image_row
{
  char *repo, *tag;
  const struct image_record *r;
  bool no_trunc;
};

/* Repository and tag of a canonical name ("host/path:tag", "…@digest"). */
static void
split_name (const char *name, char **repo, char **tag)
{
  const char *at = strchr (name, '@');
  const char *slash = strrchr (name, '/');
  const char *colon = strrchr (name, ':');

  if (at)
    {
      *repo = xstrndup (name, (size_t)(at - name));
      *tag = xstrdup ("<none>");
      colon = strrchr (*repo, ':');
      slash = strrchr (*repo, '/');
      if (colon && slash && colon > slash)
        {
          free (*tag);
          *tag = xstrdup (colon + 1);
          (*repo)[colon - *repo] = '\0';
        }
      return;
    }
  if (colon && (!slash || colon > slash))
    {
      *repo = xstrndup (name, (size_t)(colon - name));
      *tag = xstrdup (colon + 1);
      return;
    }
  *repo = xstrdup (name);
  *tag = xstrdup ("<none>");
}

static long long
created_epoch (const char *created)
{
  struct tm tm = { 0 };

  if (!created || !strptime (created, "%Y-%m-%dT%H:%M:%S", &tm))
    return 0;
  return (long long)timegm (&tm);
}

/* A field of `images --format '{{.Field}}'`. */
static const char *
image_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct image_row *row = arg;

  if (strcmp (field, "ID") == 0 || strcmp (field, "Id") == 0)
    return snprintf (buf, len, "%.*s", row->no_trunc ? DIGEST_HEX_LEN : 12,
                     row->r->id ? row->r->id : ""),
           buf;
  if (strcmp (field, "Repository") == 0)
    return row->repo;
  if (strcmp (field, "Tag") == 0)
    return row->tag;
  if (strcmp (field, "Digest") == 0)
    return row->r->digest ? row->r->digest : "";
  if (strcmp (field, "Size") == 0)
    return human_size ((double)row->r->size, buf, len), buf;
  if (strcmp (field, "Created") == 0 || strcmp (field, "CreatedSince") == 0)
    return human_ago ((long long)time (NULL) - created_epoch (row->r->created), buf, len), buf;
  if (strcmp (field, "CreatedAt") == 0)
    return row->r->created ? row->r->created : "";
  return NULL;
}

static void
print_json (const struct image_record *all, size_t n)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *cfg = xasprintf ("sha256:%s", all[i].id);
      yajl_gen_map_open (g);
      jg_kstr (g, "Id", all[i].id);
      jg_kstrv (g, "Names", all[i].names);
      jg_kstr (g, "Digest", all[i].digest);
      jg_kstr (g, "ConfigDigest", cfg);
      jg_kstr (g, "Created", all[i].created);
      jg_kint (g, "CreatedAt", created_epoch (all[i].created));
      jg_kint (g, "Size", all[i].size);
      jg_kstr (g, "Platform", all[i].platform);
      jg_kstrv (g, "Layers", all[i].layers);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  fputs (text, stdout);
}

static struct image_row *
image_rows (const struct image_record *all, size_t n, size_t *count)
{
  struct image_row *rows = NULL;

  *count = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t names = strv_len (all[i].names);
      for (size_t k = 0; k < (names ? names : 1); k++)
        {
          rows = xrealloc (rows, (*count + 1) * sizeof *rows);
          rows[*count].r = &all[i];
          if (names)
            split_name (all[i].names[k], &rows[*count].repo, &rows[*count].tag);
          else
            rows[*count].repo = xstrdup ("<none>"), rows[*count].tag = xstrdup ("<none>");
          (*count)++;
        }
    }
  return rows;
}

static int
sort_by_pulled (const void *a, const void *b)
{
  const struct image_record *x = a, *y = b;
  return x->pulled < y->pulled ? 1 : x->pulled > y->pulled ? -1 : strcmp (x->id, y->id);
}

int
cmd_images (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "quiet", no_argument, NULL, 'q' },        { "no-trunc", no_argument, NULL, 'n' },
          { "format", required_argument, NULL, 'f' }, { "all", no_argument, NULL, 'a' },
          { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct image_record *all = NULL;
  struct image_row *rows;
  size_t n = 0, nrows;
  bool quiet = false, no_trunc = false;
  const char *format = "table";
  int c;

  if (wants_help (argc, argv))
    return fputs (images_usage, stdout), 0;
  while ((c = cli_getopt (argc, argv, "images", "+qah", longopts)) != -1)
    switch (c)
      {
      case 'q': quiet = true; break;
      case 'n': no_trunc = true; break;
      case 'f': format = optarg; break;
      case 'a': break;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("images", "unexpected argument \"%s\"", argv[optind]);
  if (strcmp (format, "json") != 0 && strcmp (format, "table") != 0)
    {
      struct image_record none = { 0 };
      struct image_row sample = { .repo = "", .tag = "", .r = &none };
      if (template_check (format, image_field, &sample, &err) < 0)
        return cli_usage_error ("images", "%s", err.msg);
    }
  if (cli_open_store (&s, STORE_USE, &err) < 0 || store_images_list (s, &all, &n, &err) < 0)
    return cli_fail (&err);
  qsort (all, n, sizeof *all, sort_by_pulled);
  rows = image_rows (all, n, &nrows);
  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%.*s\n", no_trunc ? DIGEST_HEX_LEN : 12, all[i].id);
  else if (strcmp (format, "json") == 0)
    print_json (all, n), fputc ('\n', stdout);
  else
    {
      static const struct template_header headers[]
          = { { "ID", "IMAGE ID" }, { "Id", "IMAGE ID" }, { NULL, NULL } };
      for (size_t i = 0; i < nrows; i++)
        rows[i].no_trunc = no_trunc;
      /* The default is podman's own template. */
      template_print (strcmp (format, "table") == 0
                          ? "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}"
                          : format,
                      image_field, rows, sizeof *rows, nrows, headers);
    }
  for (size_t i = 0; i < nrows; i++)
    free (rows[i].repo), free (rows[i].tag);
  free (rows);
  image_records_free (all, n);
  return 0;
}

static const char rmi_usage[]
    = "Usage: crunlocal rmi [OPTIONS] IMAGE [IMAGE...]\n"
      "\n"
      "Remove images by name or ID, and the layers no other image uses.  A name\n"
      "of an image that has others is only untagged.\n"
      "\n"
      "Options:\n"
      "  -f, --force   remove an image even when several names refer to it\n";

static int
lookup (struct store *s, const char *what, struct image_record *r, struct cl_error *err)
{
  cleanup_free char *canon = ref_canonical (what);
  int ret = store_image_lookup (s, canon, r, err);

  if (ret == 1 && strcmp (canon, what) != 0)
    ret = store_image_lookup (s, what, r, err);
  return ret;
}

/* Returns 0 done, 1 no such image, -1 error. */
static int
remove_one (struct store *s, const char *what, bool force, struct cl_error *err)
{
  cleanup_free char *canon = ref_canonical (what);
  struct image_record r;
  int ret = lookup (s, what, &r, err);
  const char *name;

  if (ret != 0)
    return ret;
  name = store_image_name_of (&r, canon);
  if (!name)
    name = store_image_name_of (&r, what);
  if (name && strv_len (r.names) > 1)
    {
      ret = store_image_untag (s, r.id, name, err);
      if (ret == 0)
        evlog_append (s->rootfd, EVLOG_FILE, "image", "untag", r.id, name, NULL);
      if (ret == 0)
        printf ("Untagged: %s\n", name);
    }
  else if (!name && strv_len (r.names) > 1 && !force)
    ret = cl_fail (err, 0, "image %.12s has %zu names: remove them by name or use --force", r.id,
                   strv_len (r.names));
  else if (container_uses_image (s, r.id))
    ret = cl_fail (err, EBUSY, "image %.12s is in use by a container: remove the container first",
                   r.id);
  else
    {
      for (size_t i = 0; r.names[i]; i++)
        printf ("Untagged: %s\n", r.names[i]);
      ret = store_image_remove (s, r.id, err);
      if (ret == 0)
        evlog_append (s->rootfd, EVLOG_FILE, "image", "remove", r.id, r.names[0], NULL);
      if (ret == 0)
        printf ("Deleted: %s\n", r.id);
    }
  image_record_clear (&r);
  return ret;
}

int
cmd_rmi (int argc, char **argv)
{
  static const struct option longopts[] = { { "force", no_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct gc_stats st;
  bool force = false;
  int c, status = 0;

  if (wants_help (argc, argv))
    return fputs (rmi_usage, stdout), 0;
  while ((c = cli_getopt (argc, argv, "rmi", "+fh", longopts)) != -1)
    {
      if (c != 'f')
        return 125;
      force = true;
    }
  if (optind >= argc)
    return cli_usage_error ("rmi", "\"crunlocal rmi\" requires at least 1 argument");
  if (cli_open_store (&s, STORE_GC, &err) < 0)
    return cli_fail (&err);
  for (int i = optind; i < argc; i++)
    {
      int r = remove_one (s, argv[i], force, &err);
      if (r == 1)
        {
          fprintf (stderr, "crunlocal: %s: image not known\n", argv[i]);
          status = status ? status : 1;
        }
      else if (r < 0)
        status = cli_fail (&err);
    }
  if (store_gc (s, &st, &err) < 0)
    return cli_fail (&err);
  return status;
}

static const char system_usage[]
    = "Usage: crunlocal system prune [-f] [--volumes] | system df [-v] [--format FORMAT]\n"
      "       crunlocal system info [--format FORMAT]\n"
      "\n"
      "prune: remove blobs and layers no image references, and what killed\n"
      "commands left in the store's staging area.  Volumes stay, unless\n"
      "--volumes: then the anonymous ones no container uses go too (as docker's).\n"
      "df: show the disk usage.  info: as `crunlocal info`.\n";

/* Remove `flag` from argv (after argv[0]); was it there? */
static bool
take_flag (int *argc, char **argv, const char *flag)
{
  bool found = false;
  int kept = 0;

  for (int i = 0; i < *argc; i++)
    if (i > 0 && strcmp (argv[i], flag) == 0)
      found = true;
    else
      argv[kept++] = argv[i];
  argv[kept] = NULL;
  *argc = kept;
  return found;
}

static int
prune_volumes (struct store *s, struct cl_error *err)
{
  cleanup_strv char **removed = NULL;

  if (volume_prune (s, false, &removed, err) < 0)
    return -1;
  if (removed)
    puts ("Deleted Volumes:");
  for (size_t i = 0; removed && removed[i]; i++)
    puts (removed[i]);
  return 0;
}

int
cmd_system (int argc, char **argv)
{
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct gc_stats st;
  bool volumes = argc > 1 && strcmp (argv[1], "prune") == 0 && take_flag (&argc, argv, "--volumes");
  int r;

  if (argc > 1 && strcmp (argv[1], "df") == 0)
    return cmd_system_df (argc - 1, argv + 1);
  if (argc > 1 && strcmp (argv[1], "info") == 0)
    return cmd_info (argc - 1, argv + 1);
  r = cli_prune_args ("system", system_usage, argc, argv);

  if (r >= 0)
    return r;
  if (cli_open_store (&s, STORE_GC, &err) < 0 || (volumes && prune_volumes (s, &err) < 0)
      || store_gc (s, &st, &err) < 0)
    return cli_fail (&err);
  printf ("Deleted %lld blobs, %lld layers, %lld staging leftovers\n", st.blobs, st.layers,
          st.staging);
  return 0;
}

static const char store_usage[]
    = "Usage: crunlocal store check [--repair]\n"
      "\n"
      "Verify the digest of every blob, every layer's record and contents (re-hashed\n"
      "against the digest taken when it was unpacked) and every image's references;\n"
      "clean what killed commands left behind.  Exit 1 on damage.\n"
      "\n"
      "Options:\n"
      "      --repair   remove damaged or missing layers and fetch them again from their\n"
      "                 blobs (the images using them are pulled again by digest)\n";

static void
print_damage (const char *msg, void *arg)
{
  (*(int *)arg)++;
  printf ("damaged: %s\n", msg);
}

static void
print_repair (const char *msg, void *arg)
{
  printf ("repair: %s\n", msg);
}

int
cmd_store (int argc, char **argv)
{
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct pull_opts po = { .reg = { .tls_verify = true }, .progress = PROGRESS_QUIET };
  bool repair = argc > 2 && take_flag (&argc, argv, "--repair");
  int damage = 0, ret;

  if (argc < 2 || wants_help (argc, argv))
    return fputs (store_usage, argc < 2 ? stderr : stdout), argc < 2 ? 125 : 0;
  if (strcmp (argv[1], "check") != 0)
    return cli_usage_error ("store", "unknown command \"%s\" for \"crunlocal store\"", argv[1]);
  if (argc > 2)
    return cli_usage_error ("store check", "unexpected argument \"%s\"", argv[2]);
  if (cli_open_store (&s, STORE_GC, &err) < 0)
    return cli_fail (&err);
  if (repair && store_repair (s, &po, print_repair, NULL, &err) < 0)
    return cli_fail (&err);
  ret = store_check (s, print_damage, &damage, &err);
  if (ret < 0)
    return cli_fail (&err);
  if (damage)
    {
      fprintf (stderr, "crunlocal: store %s: %d damaged item(s)\n", s->root, damage);
      return 1;
    }
  printf ("store %s: ok\n", s->root);
  return 0;
}
