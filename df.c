/* system df: what the store holds, as podman shows it — images (their
   layers counted once), containers (what each wrote) and local volumes,
   with how much removing the unused ones would free; -v lists each. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "json.h"
#include "template.h"
#include "util.h"
#include "volume.h"

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

/* How many containers name volume `name` in their records. */
static int
volume_links (const struct container *ctrs, size_t nc, const char *name)
{
  int links = 0;

  for (size_t k = 0; k < nc; k++)
    links += strv_contains (ctrs[k].volumes, name);
  return links;
}

static long long
volume_size (struct store *s, const char *name)
{
  cleanup_free char *p = xasprintf ("volumes/%s/_data", name);

  return tree_size (s->rootfd, p, false);
}

/* A volume is active while a container (running or not) uses it, as
   podman counts it: only the others are reclaimable. */
static int
df_volumes (struct store *s, const struct container *ctrs, size_t nc, struct df_row *row,
            struct cl_error *err)
{
  struct volume *v = NULL;
  size_t n = 0;

  if (volume_list (s, &v, &n, err) < 0)
    return -1;
  row->total = (long long)n;
  for (size_t i = 0; i < n; i++)
    {
      long long size = volume_size (s, v[i].name);
      bool active = volume_links (ctrs, nc, v[i].name) > 0;
      row->active += active;
      row->size += size;
      row->reclaimable += active ? 0 : size;
    }
  volume_list_free (v, n);
  return 0;
}

static int
df_rows (struct store *s, struct df_row rows[3], struct cl_error *err)
{
  struct container *ctrs = NULL;
  size_t nc = 0;
  int ret;

  rows[0] = (struct df_row){ .type = "Images" };
  rows[1] = (struct df_row){ .type = "Containers" };
  rows[2] = (struct df_row){ .type = "Local Volumes" };
  if (container_list (s, &ctrs, &nc, err) < 0)
    return -1;
  ret = df_images (s, ctrs, nc, &rows[0], err);
  if (ret == 0)
    ret = df_volumes (s, ctrs, nc, &rows[2], err);
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

/* -v: a row per image name, container and volume, as podman's
   `system df -v` prints them. */
struct dfv_image
{
  const struct image_record *r;
  char *repo, *tag;
  long long shared, unique;
  int containers;
};

struct dfv_ctr
{
  const struct container *c;
  long long size;
};

struct dfv_volume
{
  const char *name;
  int links;
  long long size;
};

static const char *
dfv_image_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct dfv_image *row = arg;

  if (strcmp (field, "Repository") == 0)
    return row->repo;
  if (strcmp (field, "Tag") == 0)
    return row->tag;
  if (strcmp (field, "ID") == 0)
    return snprintf (buf, len, "%.12s", row->r->id), buf;
  if (strcmp (field, "Created") == 0)
    {
      struct tm tm = { 0 };
      long long t = row->r->created && strptime (row->r->created, "%Y-%m-%dT%H:%M:%S", &tm)
                        ? (long long)timegm (&tm)
                        : 0;
      return human_ago ((long long)time (NULL) - t, buf, len), buf;
    }
  if (strcmp (field, "Size") == 0)
    return size_text (row->shared + row->unique, buf, len);
  if (strcmp (field, "SharedSize") == 0)
    return size_text (row->shared, buf, len);
  if (strcmp (field, "UniqueSize") == 0)
    return size_text (row->unique, buf, len);
  if (strcmp (field, "Containers") == 0)
    return snprintf (buf, len, "%d", row->containers), buf;
  return NULL;
}

static const char *
dfv_ctr_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct dfv_ctr *row = arg;

  if (strcmp (field, "ID") == 0)
    return snprintf (buf, len, "%.12s", row->c->id), buf;
  if (strcmp (field, "Image") == 0)
    return row->c->image ? row->c->image : "";
  if (strcmp (field, "Command") == 0)
    {
      size_t used = 0;
      buf[0] = '\0';
      for (size_t i = 0; row->c->command && row->c->command[i] && used + 1 < len; i++)
        used += (size_t)snprintf (buf + used, len - used, "%s%s", i ? " " : "", row->c->command[i]);
      return buf;
    }
  if (strcmp (field, "LocalVolumes") == 0)
    return snprintf (buf, len, "%zu", strv_len (row->c->volumes)), buf;
  if (strcmp (field, "Size") == 0)
    return size_text (row->size, buf, len);
  if (strcmp (field, "Created") == 0)
    return human_ago ((long long)time (NULL) - row->c->created, buf, len), buf;
  if (strcmp (field, "Status") == 0)
    return container_state_name (container_state (row->c));
  if (strcmp (field, "Names") == 0)
    return row->c->name;
  return NULL;
}

static const char *
dfv_volume_field (const char *field, const void *arg, char *buf, size_t len)
{
  const struct dfv_volume *row = arg;

  if (strcmp (field, "Name") == 0)
    return row->name;
  if (strcmp (field, "Links") == 0)
    return snprintf (buf, len, "%d", row->links), buf;
  if (strcmp (field, "Size") == 0)
    return size_text (row->size, buf, len);
  return NULL;
}

/* Layer `l`'s users among the images. */
static int
layer_users (const struct image_record *imgs, size_t n, const char *l)
{
  int users = 0;

  for (size_t i = 0; i < n; i++)
    users += strv_contains (imgs[i].layers, l);
  return users;
}

static void
dfv_image_sizes (struct store *s, const struct image_record *imgs, size_t n,
                 const struct container *ctrs, size_t nc, size_t i, struct dfv_image *row)
{
  for (size_t l = 0; imgs[i].layers[l]; l++)
    {
      long long size = store_layer_size (s, imgs[i].layers[l]);
      if (layer_users (imgs, n, imgs[i].layers[l]) > 1)
        row->shared += size;
      else
        row->unique += size;
    }
  for (size_t k = 0; k < nc; k++)
    row->containers += ctrs[k].image_id && strcmp (ctrs[k].image_id, imgs[i].id) == 0;
}

static void
dfv_print_images (struct store *s, const struct image_record *imgs, size_t n,
                  const struct container *ctrs, size_t nc)
{
  static const struct template_header headers[] = { { "ID", "IMAGE ID" },
                                                    { "SharedSize", "SHARED SIZE" },
                                                    { "UniqueSize", "UNIQUE SIZE" },
                                                    { NULL, NULL } };
  struct dfv_image *rows = NULL;
  size_t count = 0;

  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < (imgs[i].names && imgs[i].names[0] ? strv_len (imgs[i].names) : 1); k++)
      {
        struct dfv_image row = { .r = &imgs[i] };
        if (imgs[i].names && imgs[i].names[0])
          {
            const char *name = imgs[i].names[k], *colon = strrchr (name, ':');
            bool tagged = colon && colon > strrchr (name, '/') && !strchr (name, '@');
            row.repo = tagged ? xstrndup (name, (size_t)(colon - name)) : xstrdup (name);
            row.tag = xstrdup (tagged ? colon + 1 : "<none>");
          }
        else
          row.repo = xstrdup ("<none>"), row.tag = xstrdup ("<none>");
        dfv_image_sizes (s, imgs, n, ctrs, nc, i, &row);
        rows = xrealloc (rows, (count + 1) * sizeof *rows);
        rows[count++] = row;
      }
  puts ("Images space usage:\n");
  template_print ("table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}\\t"
                  "{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.Containers}}",
                  dfv_image_field, rows, sizeof *rows, count, headers);
  for (size_t i = 0; i < count; i++)
    free (rows[i].repo), free (rows[i].tag);
  free (rows);
}

static void
dfv_print_containers (struct store *s, const struct container *ctrs, size_t nc)
{
  static const struct template_header headers[] = { { "ID", "CONTAINER ID" }, { NULL, NULL } };
  cleanup_free struct dfv_ctr *rows = xcalloc (nc ? nc : 1, sizeof *rows);

  for (size_t i = 0; i < nc; i++)
    rows[i] = (struct dfv_ctr){ &ctrs[i], container_size (s, &ctrs[i]) };
  puts ("\nContainers space usage:\n");
  template_print ("table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.LocalVolumes}}\\t{{.Size}}\\t"
                  "{{.Created}}\\t{{.Status}}\\t{{.Names}}",
                  dfv_ctr_field, rows, sizeof *rows, nc, headers);
}

static int
dfv_print_volumes (struct store *s, const struct container *ctrs, size_t nc, struct cl_error *err)
{
  static const struct template_header headers[] = { { "Name", "VOLUME NAME" }, { NULL, NULL } };
  struct volume *v = NULL;
  cleanup_free struct dfv_volume *rows = NULL;
  size_t n = 0;

  if (volume_list (s, &v, &n, err) < 0)
    return -1;
  rows = xcalloc (n ? n : 1, sizeof *rows);
  for (size_t i = 0; i < n; i++)
    rows[i] = (struct dfv_volume){ v[i].name, volume_links (ctrs, nc, v[i].name),
                                   volume_size (s, v[i].name) };
  puts ("\nLocal Volumes space usage:\n");
  template_print ("table {{.Name}}\\t{{.Links}}\\t{{.Size}}", dfv_volume_field, rows, sizeof *rows,
                  n, headers);
  volume_list_free (v, n);
  return 0;
}

static int
df_verbose (struct store *s, struct cl_error *err)
{
  struct image_record *imgs = NULL;
  struct container *ctrs = NULL;
  size_t n = 0, nc = 0;
  int r;

  if (container_list (s, &ctrs, &nc, err) < 0)
    return -1;
  r = store_images_list (s, &imgs, &n, err);
  if (r == 0)
    {
      dfv_print_images (s, imgs, n, ctrs, nc);
      dfv_print_containers (s, ctrs, nc);
      r = dfv_print_volumes (s, ctrs, nc, err);
      image_records_free (imgs, n);
    }
  container_list_free (ctrs, nc);
  return r;
}

static const char df_usage[]
    = "Usage: crunlocal system df [-v] [--format FORMAT]\n"
      "\n"
      "Show the store's disk usage: images (layers counted once), containers\n"
      "(what each wrote) and local volumes; ACTIVE: images and volumes in use by a\n"
      "container, containers that run; RECLAIMABLE: what removing the others\n"
      "would free.\n"
      "\n"
      "Options:\n"
      "  -v, --verbose        a row per image, container and volume\n"
      "      --format FORMAT  'json', or a template with Type, Total, Active, Size,\n"
      "                       Reclaimable\n";

int
cmd_system_df (int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "verbose", no_argument, NULL, 'v' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  bool verbose = false;
  const char *format = "table {{.Type}}\\t{{.Total}}\\t{{.Active}}\\t{{.Size}}\\t{{.Reclaimable}}";
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct df_row rows[3];
  int c;

  while ((c = cli_getopt (argc, argv, "system df", "+vh", longopts)) != -1)
    switch (c)
      {
      case 'f': format = optarg; break;
      case 'v': verbose = true; break;
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
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    return cli_fail (&err);
  if (verbose)
    return df_verbose (s, &err) < 0 ? cli_fail (&err) : 0;
  if (df_rows (s, rows, &err) < 0)
    return cli_fail (&err);
  if (strcmp (format, "json") == 0)
    print_json (rows, 3);
  else
    template_print (format, df_field, rows, sizeof rows[0], 3, NULL);
  return 0;
}
