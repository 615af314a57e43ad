/* system df: what the store holds, as podman shows it — images (their
   layers counted once) and containers (what each wrote), with how much
   removing the unused ones would free.  There are no named volumes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "json.h"
#include "template.h"
#include "util.h"

struct df_row
{
  const char *type;
  long long total, active, size, reclaimable;
};

/* Bytes under parent/name (apparent sizes); with `unique`, only files no
   other directory links to (a hard-link farm shares the image's). */
static long long
tree_size (int parent, const char *name, bool unique)
{
  cleanup_close int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  long long sum = 0;

  if (fd < 0 || !(d = fdopendir (fd)))
    return 0;
  fd = -1; /* the DIR owns it now */
  while ((de = readdir (d)))
    {
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
          || fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISDIR (st.st_mode))
        sum += tree_size (dirfd (d), de->d_name, unique);
      else if (!unique || st.st_nlink == 1)
        sum += st.st_size;
    }
  return sum;
}

/* What a container wrote: its overlay's upper directory, or (other
   snapshot modes) the files of its rootfs that are its own. */
static long long
container_size (struct store *s, const struct container *c)
{
  bool overlay = !c->snapshot || strcmp (c->snapshot, "overlay") == 0;
  cleanup_free char *p = xasprintf ("containers/%s/%s", c->id, overlay ? "upper" : "rootfs");

  return tree_size (s->rootfd, p, !overlay);
}

static int
df_images (struct store *s, const struct container *ctrs, size_t nc, struct df_row *row,
           struct cl_error *err)
{
  struct image_record *imgs = NULL;
  cleanup_strv char **seen = NULL, **used = NULL;
  size_t n = 0;

  if (store_images_list (s, &imgs, &n, err) < 0)
    return -1;
  row->total = (long long)n;
  for (size_t i = 0; i < n; i++)
    {
      bool active = false;
      for (size_t k = 0; k < nc && !active; k++)
        active = ctrs[k].image_id && strcmp (ctrs[k].image_id, imgs[i].id) == 0;
      row->active += active;
      for (size_t l = 0; active && imgs[i].layers[l]; l++)
        if (!strv_contains (used, imgs[i].layers[l]))
          strv_append (&used, imgs[i].layers[l]);
    }
  for (size_t i = 0; i < n; i++)
    for (size_t l = 0; imgs[i].layers[l]; l++)
      if (!strv_contains (seen, imgs[i].layers[l]))
        {
          long long size = store_layer_size (s, imgs[i].layers[l]);
          strv_append (&seen, imgs[i].layers[l]);
          row->size += size;
          if (!strv_contains (used, imgs[i].layers[l]))
            row->reclaimable += size;
        }
  image_records_free (imgs, n);
  return 0;
}

static int
df_rows (struct store *s, struct df_row rows[2], struct cl_error *err)
{
  struct container *ctrs = NULL;
  size_t nc = 0;
  int ret;

  rows[0] = (struct df_row){ .type = "Images" };
  rows[1] = (struct df_row){ .type = "Containers" };
  if (container_list (s, &ctrs, &nc, err) < 0)
    return -1;
  ret = df_images (s, ctrs, nc, &rows[0], err);
  rows[1].total = (long long)nc;
  for (size_t i = 0; i < nc; i++)
    {
      long long size = container_size (s, &ctrs[i]);
      bool running = container_state (&ctrs[i]) == CONTAINER_RUNNING;
      rows[1].active += running;
      rows[1].size += size;
      rows[1].reclaimable += running ? 0 : size;
    }
  container_list_free (ctrs, nc);
  return ret;
}

/* go-units' HumanSize: four significant digits, no space ("5.844MB"). */
static const char *
size_text (long long size, char *buf, size_t len)
{
  static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
  double v = (double)size;
  size_t u = 0;

  while (v >= 1000 && u < 5)
    {
      v /= 1000;
      u++;
    }
  snprintf (buf, len, "%.4g%s", v, units[u]);
  return buf;
}

static const char *
df_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct df_row *row = arg;

  if (strcmp (field, "Type") == 0)
    return row->type;
  if (strcmp (field, "Total") == 0)
    return snprintf (buf, len, "%lld", row->total), buf;
  if (strcmp (field, "Active") == 0)
    return snprintf (buf, len, "%lld", row->active), buf;
  if (strcmp (field, "Size") == 0)
    return size_text (row->size, buf, len);
  if (strcmp (field, "Reclaimable") == 0)
    {
      char sz[32];
      int pct = row->size ? (int)((200 * row->reclaimable / row->size + 1) / 2) : 0;
      return snprintf (buf, len, "%s (%d%%)", size_text (row->reclaimable, sz, sizeof sz), pct),
             buf;
    }
  return NULL;
}

static void
print_json (const struct df_row *rows, size_t n)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      jg_kstr (g, "Type", rows[i].type);
      jg_kint (g, "Total", rows[i].total);
      jg_kint (g, "Active", rows[i].active);
      jg_kint (g, "Size", rows[i].size);
      jg_kint (g, "Reclaimable", rows[i].reclaimable);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  fputs (text, stdout);
}

static const char df_usage[]
    = "Usage: crunlocal system df [--format FORMAT]\n"
      "\n"
      "Show the store's disk usage: images (layers counted once) and containers\n"
      "(what each wrote); ACTIVE: images in use by a container, containers that\n"
      "run; RECLAIMABLE: what removing the others would free.\n"
      "\n"
      "Options:\n"
      "      --format FORMAT  'json', or a template with Type, Total, Active, Size,\n"
      "                       Reclaimable\n";

int
cmd_system_df (int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *format = "table {{.Type}}\\t{{.Total}}\\t{{.Active}}\\t{{.Size}}\\t{{.Reclaimable}}";
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct df_row rows[2];
  int c;

  while ((c = cli_getopt (argc, argv, "system df", "+h", longopts)) != -1)
    switch (c)
      {
      case 'f': format = optarg; break;
      case 'h': return fputs (df_usage, stdout), 0;
      default: return 125;
      }
  if (optind < argc)
    return cli_usage_error ("system df", "unexpected argument \"%s\"", argv[optind]);
  if (strcmp (format, "json") != 0)
    {
      struct df_row sample = { .type = "" };
      if (template_check (format, df_field, &sample, &err) < 0)
        return cli_usage_error ("system df", "%s", err.msg);
    }
  /* Rootless: in the store's namespace, where every file can be read. */
  if (cli_open_store (&s, STORE_USE, &err) < 0 || df_rows (s, rows, &err) < 0)
    return cli_fail (&err);
  if (strcmp (format, "json") == 0)
    print_json (rows, 2);
  else
    template_print (format, df_field, rows, sizeof rows[0], 2, NULL);
  return 0;
}
