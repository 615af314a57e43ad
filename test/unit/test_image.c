#include <stdlib.h>

#include "../../image.h"
#include "../../unpack.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

void
test_clean_path (void)
{
  char out[256];

  CHECK (unpack_clean_path ("./a/b", out, sizeof out) == 2);
  CHECK_STR (out, "a/b");
  CHECK (unpack_clean_path ("/abs//x/./y/", out, sizeof out) == 3);
  CHECK_STR (out, "abs/x/y");
  CHECK (unpack_clean_path ("./", out, sizeof out) == 0);
  CHECK_STR (out, "");
  CHECK (unpack_clean_path ("a/../b", out, sizeof out) < 0);
  CHECK (unpack_clean_path ("..", out, sizeof out) < 0);
  CHECK (unpack_clean_path ("../x", out, sizeof out) < 0);
  CHECK (unpack_clean_path ("a/..b/c..", out, sizeof out) == 3);
  CHECK (unpack_clean_path ("aaaaaaaaaa", out, 5) < 0);
}

void
test_manifest_parse (void)
{
  struct cl_error err = { 0 };
  struct manifest m = { 0 };
  const char *img
      = "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
        "\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7},"
        "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER "+gzip\",\"digest\":\"" D2 "\",\"size\":9}]}";

  CHECK (manifest_parse (img, &m, &err) == 0);
  CHECK (!m.is_index);
  CHECK_STR (m.config.digest, D1);
  CHECK (m.n_layers == 1 && m.layers[0].size == 9);
  manifest_clear (&m);
  CHECK (manifest_parse ("{\"schemaVersion\":1,\"fsLayers\":[]}", &m, &err) < 0);
  CHECK (strstr (err.msg, "schema 1") != NULL);
  manifest_clear (&m);
  CHECK (manifest_parse (
             "{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:x\",\"size\":1},\"layers\":[]}", &m,
             &err)
         < 0);
  manifest_clear (&m);
  CHECK (manifest_parse ("{\"config\":{\"digest\":\"" D1
                         "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/"
                         "vnd.cncf.helm.chart.content.v1.tar+gzip\",\"digest\":\"" D2
                         "\",\"size\":1}]}",
                         &m, &err)
         < 0);
  CHECK (strstr (err.msg, "unsupported media type") != NULL);
  manifest_clear (&m);
  CHECK (manifest_parse ("not json", &m, &err) < 0);
  manifest_clear (&m);
  CHECK (manifest_parse ("[1,2]", &m, &err) < 0);
  manifest_clear (&m);
  CHECK (manifest_parse ("{\"layers\":[{\"digest\":\"" D2 "\"}],\"config\":{\"digest\":\"" D1
                         "\",\"size\":1}}",
                         &m, &err)
         < 0);
  manifest_clear (&m);
}

static const char *index_json
    = "{\"schemaVersion\":2,\"manifests\":["
      "{\"digest\":\"" D1
      "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
      "{\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
      "\"variant\":\"v7\"}}]}";

void
test_platform_select (void)
{
  struct cl_error err = { 0 };
  struct manifest m = { 0 };
  struct platform p = { 0 };
  const struct descriptor *d;

  CHECK (manifest_parse (index_json, &m, &err) == 0);
  CHECK (m.is_index && m.n_manifests == 2);
  CHECK (platform_parse ("linux/amd64", &p, &err) == 0);
  d = manifest_select (&m, &p, &err);
  CHECK (d && strcmp (d->digest, D1) == 0);
  platform_clear (&p);
  CHECK (platform_parse ("linux/arm/v7", &p, &err) == 0);
  d = manifest_select (&m, &p, &err);
  CHECK (d && strcmp (d->digest, D2) == 0);
  platform_clear (&p);
  CHECK (platform_parse ("linux/arm/v6", &p, &err) == 0);
  CHECK (manifest_select (&m, &p, &err) == NULL);
  CHECK (strstr (err.msg, "linux/arm/v7") != NULL);
  platform_clear (&p);
  CHECK (platform_parse ("arm64", &p, &err) == 0);
  CHECK_STR (p.os, "linux");
  CHECK_STR (p.arch, "arm64");
  platform_clear (&p);
  CHECK (platform_parse ("a/b/c/d", &p, &err) < 0);
  platform_clear (&p);
  CHECK (platform_parse ("linux/", &p, &err) < 0);
  platform_clear (&p);
  manifest_clear (&m);
}

void
test_image_config (void)
{
  struct cl_error err = { 0 };
  struct image_config c = { 0 };

  CHECK (image_config_parse ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                             "\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}",
                             &c, &err)
         == 0);
  CHECK (c.n_diff_ids == 2);
  CHECK_STR (c.platform.arch, "amd64");
  image_config_clear (&c);
  CHECK (image_config_parse (
             "{\"config\":{\"Volumes\":{\"/"
             "data\":{},\"rel\":{}}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}",
             &c, &err)
         == 0);
  CHECK (c.volumes && strv_len (c.volumes) == 1 && strcmp (c.volumes[0], "/data") == 0);
  image_config_clear (&c);
  CHECK (image_config_parse ("{\"rootfs\":{}}", &c, &err) < 0);
  image_config_clear (&c);
  CHECK (image_config_parse ("{\"rootfs\":{\"diff_ids\":[\"sha256:xyz\"]}}", &c, &err) < 0);
  image_config_clear (&c);
}

void
test_base64 (void)
{
  size_t n;
  char *e = base64_encode ("user:pa:ss", 10);
  char *d;

  CHECK_STR (e, "dXNlcjpwYTpzcw==");
  d = base64_decode (e, &n);
  CHECK (d && n == 10 && memcmp (d, "user:pa:ss", 10) == 0);
  free (e);
  free (d);
  CHECK (base64_decode ("!!!", &n) == NULL);
}
