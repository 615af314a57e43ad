#include "image.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "digest.h"
#include "json.h"
#include "util.h"

void
platform_clear (struct platform *p)
{
  free (p->os);
  free (p->arch);
  free (p->variant);
  memset (p, 0, sizeof *p);
}

void
cleanup_platformp (struct platform *p)
{
  platform_clear (p);
}

char *
platform_string (const struct platform *p)
{
  return xasprintf ("%s/%s%s%s", p->os ? p->os : "?", p->arch ? p->arch : "?",
                    p->variant ? "/" : "", p->variant ? p->variant : "");
}

static void
descriptor_clear (struct descriptor *d)
{
  free (d->media_type);
  free (d->digest);
  free (d->ref_name);
  platform_clear (&d->platform);
}

void
manifest_clear (struct manifest *m)
{
  free (m->media_type);
  descriptor_clear (&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    descriptor_clear (&m->layers[i]);
  free (m->layers);
  for (size_t i = 0; i < m->n_manifests; i++)
    descriptor_clear (&m->manifests[i]);
  free (m->manifests);
  memset (m, 0, sizeof *m);
}

void
cleanup_manifestp (struct manifest *m)
{
  manifest_clear (m);
}

static int
descriptor_parse (yajl_val v, struct descriptor *d, struct cl_error *err)
{
  const char *mt = json_get_str (v, "mediaType");
  const char *digest = json_get_str (v, "digest");
  yajl_val plat = json_get_obj (v, "platform");
  yajl_val ann = json_get_obj (v, "annotations");

  if (!digest)
    return cl_fail (err, 0, "descriptor without a digest");
  if (digest_validate (digest, err) < 0)
    return -1;
  if (!json_get_int (v, "size", &d->size) || d->size < 0)
    return cl_fail (err, 0, "descriptor %s without a valid size", digest);
  d->digest = xstrdup (digest);
  d->media_type = xstrdup (mt ? mt : "");
  if (plat)
    {
      d->platform.os = xstrdup (json_get_str (plat, "os"));
      d->platform.arch = xstrdup (json_get_str (plat, "architecture"));
      if (json_get_str (plat, "variant"))
        d->platform.variant = xstrdup (json_get_str (plat, "variant"));
    }
  if (ann && json_get_str (ann, "org.opencontainers.image.ref.name"))
    d->ref_name = xstrdup (json_get_str (ann, "org.opencontainers.image.ref.name"));
  return 0;
}

static int
descriptors_parse (yajl_val arr, size_t max, struct descriptor **out, size_t *n, const char *what,
                   struct cl_error *err)
{
  size_t len = arr->u.array.len;

  if (len > max)
    return cl_fail (err, 0, "too many %s (%zu, at most %zu)", what, len, max);
  *out = xcalloc (len, sizeof **out);
  *n = len;
  for (size_t i = 0; i < len; i++)
    if (descriptor_parse (arr->u.array.values[i], &(*out)[i], err) < 0)
      return cl_wrap (err, "%s[%zu]", what, i);
  return 0;
}

static bool
is_layer_type (const char *mt)
{
  /* Empty: docker-archive and some old OCI writers leave it out. */
  return *mt == '\0' || str_has_prefix (mt, MT_OCI_LAYER)
         || str_has_prefix (mt, "application/vnd.oci.image.layer.nondistributable.v1.tar")
         || strcmp (mt, MT_DOCKER_LAYER) == 0
         || strcmp (mt, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") == 0;
}

static int
image_manifest_parse (yajl_val root, struct manifest *m, struct cl_error *err)
{
  yajl_val config = json_get_obj (root, "config");
  yajl_val layers = json_get_arr (root, "layers");

  if (!config || !layers)
    return cl_fail (err, 0, "manifest without config or layers");
  if (descriptor_parse (config, &m->config, err) < 0)
    return cl_wrap (err, "config");
  if (descriptors_parse (layers, MANIFEST_MAX_LAYERS, &m->layers, &m->n_layers, "layers", err) < 0)
    return -1;
  for (size_t i = 0; i < m->n_layers; i++)
    if (!is_layer_type (m->layers[i].media_type))
      return cl_fail (err, 0, "layer %s has unsupported media type %s", m->layers[i].digest,
                      m->layers[i].media_type);
  return 0;
}

int
manifest_parse (const char *buf, struct manifest *m, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  const char *mt;
  yajl_val manifests;
  long long schema = 0;

  memset (m, 0, sizeof *m);
  if (json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "manifest");
  if (!YAJL_IS_OBJECT (root))
    return cl_fail (err, 0, "manifest: not a JSON object");
  if (json_get_int (root, "schemaVersion", &schema) && schema == 1)
    return cl_fail (err, 0, "manifest: Docker schema 1 manifests are not supported");
  mt = json_get_str (root, "mediaType");
  m->media_type = xstrdup (mt ? mt : "");
  manifests = json_get_arr (root, "manifests");
  if (manifests)
    {
      m->is_index = true;
      if (descriptors_parse (manifests, INDEX_MAX_ENTRIES, &m->manifests, &m->n_manifests,
                             "manifests", err)
          < 0)
        return cl_wrap (err, "index");
      return 0;
    }
  if (image_manifest_parse (root, m, err) < 0)
    return cl_wrap (err, "manifest");
  return 0;
}

static bool
platform_matches (const struct platform *have, const struct platform *want)
{
  if (!have->os || !have->arch || strcmp (have->os, want->os) != 0
      || strcmp (have->arch, want->arch) != 0)
    return false;
  if (!want->variant || !have->variant)
    return true;
  return strcmp (have->variant, want->variant) == 0;
}

const struct descriptor *
manifest_select (const struct manifest *index, const struct platform *want, struct cl_error *err)
{
  cleanup_free char *wanted = platform_string (want);
  char offered[512] = "";
  size_t used = 0;

  /* An exact variant match first, then an entry that names none. */
  for (size_t i = 0; i < index->n_manifests; i++)
    {
      const struct platform *p = &index->manifests[i].platform;
      if (platform_matches (p, want) && (!want->variant || p->variant))
        return &index->manifests[i];
    }
  for (size_t i = 0; i < index->n_manifests; i++)
    if (platform_matches (&index->manifests[i].platform, want))
      return &index->manifests[i];
  for (size_t i = 0; i < index->n_manifests && used < sizeof offered - 64; i++)
    {
      cleanup_free char *s = platform_string (&index->manifests[i].platform);
      used += (size_t)snprintf (offered + used, sizeof offered - used, "%s%s", used ? ", " : "", s);
    }
  return cl_fail (err, 0, "no image for platform %s (the index has: %s)", wanted,
                  used ? offered : "nothing"),
         NULL;
}

void
image_config_clear (struct image_config *c)
{
  platform_clear (&c->platform);
  strv_free (c->diff_ids);
  free (c->created);
  strv_free (c->env);
  strv_free (c->entrypoint);
  strv_free (c->cmd);
  strv_free (c->labels);
  free (c->working_dir);
  free (c->user);
  free (c->stop_signal);
  strv_free (c->volumes);
  strv_free (c->exposed);
  memset (c, 0, sizeof *c);
}

void
cleanup_image_configp (struct image_config *c)
{
  image_config_clear (c);
}

static char *
dup_nonempty (const char *s)
{
  return s && *s ? xstrdup (s) : NULL;
}

/* A set's keys, {"/data": {}}, those that begin with `first` (any when
   '\0'), at most 128: config.Volumes and config.ExposedPorts (the image
   spec). */
static char **
set_keys (yajl_val obj, char first)
{
  char **v = NULL;

  for (size_t i = 0; obj && YAJL_IS_OBJECT (obj) && i < obj->u.object.len && i < 128; i++)
    if (!first || obj->u.object.keys[i][0] == first)
      strv_append (&v, obj->u.object.keys[i]);
  return v;
}

/* The "config" object: absent fields stay NULL (Cmd null ≠ Cmd []). */
/* {"k": "v"} as "k=v" strings; values that are not strings skipped. */
static char **
image_labels_parse (yajl_val labels)
{
  char **v = NULL;

  for (size_t i = 0; labels && i < labels->u.object.len; i++)
    if (YAJL_IS_STRING (labels->u.object.values[i]))
      {
        cleanup_free char *kv
            = xasprintf ("%s=%s", labels->u.object.keys[i], labels->u.object.values[i]->u.string);
        strv_append (&v, kv);
      }
  return v;
}

static void
image_run_config_parse (yajl_val cfg, struct image_config *c)
{
  if (!cfg)
    return;
  c->env = json_get_strv (cfg, "Env");
  c->entrypoint = json_get_strv (cfg, "Entrypoint");
  c->cmd = json_get_strv (cfg, "Cmd");
  c->working_dir = dup_nonempty (json_get_str (cfg, "WorkingDir"));
  c->user = dup_nonempty (json_get_str (cfg, "User"));
  c->stop_signal = dup_nonempty (json_get_str (cfg, "StopSignal"));
  c->volumes = set_keys (json_get_obj (cfg, "Volumes"), '/');
  c->exposed = set_keys (json_get_obj (cfg, "ExposedPorts"), '\0');
  c->labels = image_labels_parse (json_get_obj (cfg, "Labels"));
}

int
image_config_parse (const char *buf, struct image_config *c, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  yajl_val rootfs;

  memset (c, 0, sizeof *c);
  if (json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "image config");
  rootfs = json_get_obj (root, "rootfs");
  c->diff_ids = json_get_strv (rootfs, "diff_ids");
  if (!c->diff_ids)
    return cl_fail (err, 0, "image config: no rootfs.diff_ids");
  c->n_diff_ids = strv_len (c->diff_ids);
  if (c->n_diff_ids > MANIFEST_MAX_LAYERS)
    return cl_fail (err, 0, "image config: too many layers");
  for (size_t i = 0; i < c->n_diff_ids; i++)
    if (digest_validate (c->diff_ids[i], err) < 0)
      return cl_wrap (err, "image config: diff_ids[%zu]", i);
  c->platform.os = xstrdup (json_get_str (root, "os"));
  c->platform.arch = xstrdup (json_get_str (root, "architecture"));
  if (json_get_str (root, "variant"))
    c->platform.variant = xstrdup (json_get_str (root, "variant"));
  if (json_get_str (root, "created"))
    c->created = xstrdup (json_get_str (root, "created"));
  image_run_config_parse (json_get_obj (root, "config"), c);
  return 0;
}

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

int
image_history_parse (const char *buf, struct image_history **out, size_t *n, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  yajl_val arr;

  *out = NULL;
  *n = 0;
  if (json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "image config");
  arr = json_get_arr (root, "history");
  if (!arr)
    return 0;
  if (arr->u.array.len > IMAGE_HISTORY_MAX)
    return cl_fail (err, 0, "image config: too many history entries");
  *out = xcalloc (arr->u.array.len ? arr->u.array.len : 1, sizeof **out);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      yajl_val e = arr->u.array.values[i];
      struct image_history *h = &(*out)[*n];
      if (!YAJL_IS_OBJECT (e))
        continue;
      h->created = dup_or_null (json_get_str (e, "created"));
      h->created_by = dup_or_null (json_get_str (e, "created_by"));
      h->comment = dup_or_null (json_get_str (e, "comment"));
      h->empty_layer = json_get_bool (e, "empty_layer");
      (*n)++;
    }
  return 0;
}

void
image_history_free (struct image_history *h, size_t n)
{
  for (size_t i = 0; h && i < n; i++)
    {
      free (h[i].created);
      free (h[i].created_by);
      free (h[i].comment);
    }
  free (h);
}

int
platform_parse (const char *s, struct platform *p, struct cl_error *err)
{
  cleanup_strv char **parts = NULL;
  cleanup_free char *copy = xstrdup (s);
  char *save = NULL;
  size_t n;

  memset (p, 0, sizeof *p);
  for (char *t = strtok_r (copy, "/", &save); t; t = strtok_r (NULL, "/", &save))
    strv_append (&parts, t);
  n = strv_len (parts);
  if (n == 0 || n > 3 || strchr (s, ' ') || s[strlen (s) - 1] == '/')
    return cl_fail (err, 0, "invalid platform \"%s\": want os/arch[/variant]", s);
  if (n == 1)
    {
      p->os = xstrdup ("linux");
      p->arch = xstrdup (parts[0]);
      return 0;
    }
  p->os = xstrdup (parts[0]);
  p->arch = xstrdup (parts[1]);
  if (n == 3)
    p->variant = xstrdup (parts[2]);
  return 0;
}

void
platform_host (struct platform *p)
{
  static const struct
  {
    const char *uname, *arch, *variant;
  } map[] = { { "x86_64", "amd64", NULL }, { "aarch64", "arm64", NULL },
              { "armv7l", "arm", "v7" },   { "armv6l", "arm", "v6" },
              { "i686", "386", NULL },     { "ppc64le", "ppc64le", NULL },
              { "s390x", "s390x", NULL },  { "riscv64", "riscv64", NULL } };
  struct utsname u;

  memset (p, 0, sizeof *p);
  uname (&u);
  p->os = xstrdup ("linux");
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp (u.machine, map[i].uname) == 0)
      {
        p->arch = xstrdup (map[i].arch);
        if (map[i].variant)
          p->variant = xstrdup (map[i].variant);
        return;
      }
  p->arch = xstrdup (u.machine);
}
