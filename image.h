/* Typed image-spec documents: manifests, indexes, image configs, platforms.
   Parsed once from JSON with bounds; the yajl tree never leaks out. */
#ifndef CL_IMAGE_H
#define CL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

#define MANIFEST_MAX_BYTES (4 << 20) /* distribution's own limit */
#define CONFIG_MAX_BYTES (8 << 20)
#define MANIFEST_MAX_LAYERS 1000
#define INDEX_MAX_ENTRIES 1000

struct platform
{
  char *os, *arch, *variant;
};

struct descriptor
{
  char *media_type;
  char *digest;
  long long size;
  struct platform platform; /* index entries only */
  char *ref_name;           /* org.opencontainers.image.ref.name */
};

struct manifest
{
  bool is_index;
  char *media_type;
  struct descriptor config;  /* image manifests */
  struct descriptor *layers; /* image manifests */
  size_t n_layers;
  struct descriptor *manifests; /* indexes */
  size_t n_manifests;
};

struct image_config
{
  struct platform platform;
  char **diff_ids;
  size_t n_diff_ids;
  char *created;
  /* config: what a container of this image runs (all may be NULL) */
  char **env, **entrypoint, **cmd;
  char *working_dir, *user, *stop_signal;
  char **volumes; /* VOLUME: the keys of config.Volumes, NULL when none */
  char **labels;  /* Labels as "K=V" strings */
  char **exposed; /* EXPOSE: the keys of config.ExposedPorts ("80/tcp"), NULL when none */
};

int manifest_parse (const char *buf, struct manifest *m, struct cl_error *err);
void manifest_clear (struct manifest *m);
void cleanup_manifestp (struct manifest *m);
#define cleanup_manifest __attribute__ ((cleanup (cleanup_manifestp)))

/* The entry of an index for `want`; NULL and an error naming what the
   index offers when none matches. */
const struct descriptor *manifest_select (const struct manifest *index, const struct platform *want,
                                          struct cl_error *err);

int image_config_parse (const char *buf, struct image_config *c, struct cl_error *err);
void image_config_clear (struct image_config *c);
void cleanup_image_configp (struct image_config *c);
#define cleanup_image_config __attribute__ ((cleanup (cleanup_image_configp)))

/* One entry of an image config's "history", oldest first. */
struct image_history
{
  char *created, *created_by, *comment;
  bool empty_layer; /* made no layer (ENV, CMD, …) */
};
#define IMAGE_HISTORY_MAX 10000
/* The config's history (none: *n = 0). */
int image_history_parse (const char *buf, struct image_history **out, size_t *n,
                         struct cl_error *err);
void image_history_free (struct image_history *h, size_t n);

/* "linux/arm64[/v8]" → platform; "arm64" alone means linux/arm64. */
int platform_parse (const char *s, struct platform *p, struct cl_error *err);
/* This machine's platform, in OCI names (x86_64 → amd64, …). */
void platform_host (struct platform *p);
void platform_clear (struct platform *p);
void cleanup_platformp (struct platform *p);
#define cleanup_platform __attribute__ ((cleanup (cleanup_platformp)))
char *platform_string (const struct platform *p);

#endif
