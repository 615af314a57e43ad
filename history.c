/* history: an image's layers and the steps that made them, from its
   config's "history" (newest first, as podman lists them) and the sizes
   of its unpacked layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "digest.h"
#include "image.h"
#include "json.h"
#include "template.h"
#include "util.h"

struct history_row
{
  const char *id; /* the image's for the newest entry, else "<missing>" */
  const char *created, *created_by, *comment;
  char *const *tags;
  long long size;
  bool no_trunc;
};

struct history
{
  struct image_record r;
  struct image_history *h;
  size_t n_h;
  struct history_row *rows;
  size_t n;
};

static void
history_clear (struct history *hs)
{
  image_record_clear (&hs->r);
  image_history_free (hs->h, hs->n_h);
  free (hs->rows);
}

static long long
epoch_of (const char *created)
{
  struct tm tm = { 0 };

  if (!created || !strptime (created, "%Y-%m-%dT%H:%M:%S", &tm))
    return 0;
  return (long long)timegm (&tm);
}

/* Rows newest first; each entry that made a layer takes the next layer
   down.  An image without history gets a row per layer (as docker shows). */
static void
history_rows (struct store *s, struct history *hs)
{
  size_t layers = strv_len (hs->r.layers);
  size_t next = layers, total = hs->n_h ? hs->n_h : layers;

  hs->rows = xcalloc (total ? total : 1, sizeof *hs->rows);
  for (size_t k = 0; k < total; k++)
    {
      struct history_row *row = &hs->rows[hs->n++];
      const struct image_history *e = hs->n_h ? &hs->h[hs->n_h - 1 - k] : NULL;
      row->id = k == 0 ? hs->r.id : "<missing>";
      row->tags = k == 0 ? hs->r.names : NULL;
      row->created = e ? e->created : hs->r.created;
      row->created_by = e && e->created_by ? e->created_by : "";
      row->comment = e && e->comment ? e->comment : "";
      if ((!e || !e->empty_layer) && next > 0)
        row->size = store_layer_size (s, hs->r.layers[--next]);
    }
}

static int
history_load (struct store *s, const char *what, struct history *hs, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  cleanup_free char *digest = NULL;

  if (cli_find_image (s, what, &hs->r, err) < 0)
    return -1;
  digest = xasprintf ("sha256:%s", hs->r.id);
  if (store_read_blob (s, digest, CONFIG_MAX_BYTES, &buf, NULL, err) < 0
      || image_history_parse (buf, &hs->h, &hs->n_h, err) < 0)
    return cl_wrap (err, "%s", what);
  history_rows (s, hs);
  return 0;
}

/* podman's sizes here: "4.26MB", "0B" (no space, unlike `images`). */
static const char *
size_text (long long size, char *buf, size_t len)
{
  char tmp[32];
  size_t j = 0;

  human_size ((double)size, tmp, sizeof tmp);
  for (size_t i = 0; tmp[i] && j + 1 < len; i++)
    if (tmp[i] != ' ')
      buf[j++] = tmp[i];
  buf[j] = '\0';
  return buf;
}

static const char *
history_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct history_row *row = arg;
  time_t t = (time_t)epoch_of (row->created);
  struct tm tm;

  if (strcmp (field, "ID") == 0)
    return snprintf (buf, len, "%.*s", row->no_trunc ? DIGEST_HEX_LEN : 12, row->id), buf;
  if (strcmp (field, "Created") == 0 || strcmp (field, "CreatedSince") == 0)
    return human_ago ((long long)time (NULL) - (long long)t, buf, len), buf;
  if (strcmp (field, "CreatedAt") == 0)
    return strftime (buf, len, "%Y-%m-%d %H:%M:%S +0000 UTC", gmtime_r (&t, &tm)), buf;
  if (strcmp (field, "CreatedBy") == 0)
    {
      if (row->no_trunc || strlen (row->created_by) <= 45)
        return row->created_by;
      return snprintf (buf, len, "%.42s...", row->created_by), buf;
    }
  if (strcmp (field, "Size") == 0)
    return size_text (row->size, buf, len);
  if (strcmp (field, "Comment") == 0)
    return row->comment;
  if (strcmp (field, "Tags") == 0)
    {
      size_t off = snprintf (buf, len, "[");
      for (size_t i = 0; row->tags && row->tags[i] && off < len; i++)
        off += snprintf (buf + off, len - off, "%s%s", i ? " " : "", row->tags[i]);
      if (off < len)
        snprintf (buf + off, len - off, "]");
      return buf;
    }
  return NULL;
}

/* podman's keys: id, created, CreatedBy, tags, size, comment. */
static void
print_json (const struct history *hs)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < hs->n; i++)
    {
      const struct history_row *row = &hs->rows[i];
      yajl_gen_map_open (g);
      jg_kstr (g, "id", row->id);
      jg_kstr (g, "created", row->created);
      if (*row->created_by)
        jg_kstr (g, "CreatedBy", row->created_by);
      if (row->tags)
        jg_kstrv (g, "tags", row->tags);
      jg_kint (g, "size", row->size);
      if (*row->comment)
        jg_kstr (g, "comment", row->comment);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  fputs (text, stdout);
}

static const char history_usage[]
    = "Usage: crunlocal history [OPTIONS] IMAGE\n"
      "\n"
      "Show how an image was built: a row per history entry of its config,\n"
      "newest first (a row per layer when it has none).\n"
      "\n"
      "Options:\n"
      "      --no-trunc       do not truncate IDs and CREATED BY\n"
      "  -q, --quiet          print only the IDs\n"
      "      --format FORMAT  'json', or a template such as '{{.ID}} {{.Size}}' with\n"
      "                       ID, Created, CreatedAt, CreatedBy, Size, Comment, Tags\n"
      "                       ('table …': a header row and aligned columns)\n";

int
cmd_history (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "no-trunc", no_argument, NULL, 'n' },     { "quiet", no_argument, NULL, 'q' },
          { "format", required_argument, NULL, 'f' }, { "human", optional_argument, NULL, 'H' },
          { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct history hs = { 0 };
  const char *format = "table {{.ID}}\\t{{.Created}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}";
  bool no_trunc = false, quiet = false;
  int c;

  while ((c = cli_getopt (argc, argv, "history", "+qHh", longopts)) != -1)
    switch (c)
      {
      case 'n': no_trunc = true; break;
      case 'q': quiet = true; break;
      case 'f': format = optarg; break;
      case 'H': break;
      case 'h': return fputs (history_usage, stdout), 0;
      default: return 125;
      }
  if (argc - optind != 1)
    return cli_usage_error ("history", "\"crunlocal history\" requires exactly 1 argument");
  if (strcmp (format, "json") != 0)
    {
      struct history_row sample = { .id = "", .created_by = "", .comment = "" };
      if (template_check (format, history_field, &sample, &err) < 0)
        return cli_usage_error ("history", "%s", err.msg);
    }
  if (cli_open_store (&s, STORE_USE, &err) < 0 || history_load (s, argv[optind], &hs, &err) < 0)
    {
      history_clear (&hs);
      return cli_fail (&err);
    }
  for (size_t i = 0; i < hs.n; i++)
    hs.rows[i].no_trunc = no_trunc;
  if (quiet)
    format = "{{.ID}}";
  if (strcmp (format, "json") == 0)
    print_json (&hs);
  else
    template_print (format, history_field, hs.rows, sizeof *hs.rows, hs.n, NULL);
  history_clear (&hs);
  return 0;
}
