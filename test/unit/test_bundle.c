#include <stdlib.h>
#include <string.h>

#include "../../bundle.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* What spec_to_json writes, spec_from_json reads back the same. */
void
test_bundle_roundtrip (void)
{
  char *env[] = { "A=1", NULL }, *args[] = { "sh", "-c", "true", NULL };
  struct spec_idmap maps[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  struct spec_opts o = { .args = args, .env = env, .hostname = "h1", .rootfs = "rootfs",
                         .init = true, .uid_maps = maps, .gid_maps = maps,
                         .n_uid_maps = 2, .n_gid_maps = 2, .rootless = true, .nofile_hard = 4096,
                         .terminal = true, .console_rows = 40, .console_cols = 132 };
  struct image_config img = { 0 };
  struct spec a, b;
  struct cl_error err = { 0 };
  char *json;

  CHECK (spec_from_image (&img, &o, NULL, NULL, &a, &err) == 0);
  json = spec_to_json (&a, NULL);
  CHECK (spec_from_json (json, &b, &err) == 0);
  CHECK_STR (b.args[2], "true");
  CHECK_STR (b.hostname, "h1");
  CHECK_STR (b.root_path, "rootfs");
  CHECK_STR (b.cwd, "/");
  CHECK (strv_contains (b.env, "A=1"));
  CHECK (b.init && b.no_new_privs && !b.root_readonly);
  CHECK (b.terminal && b.console_rows == 40 && b.console_cols == 132);
  CHECK (strv_contains (b.env, "TERM=xterm"));
  CHECK (b.namespaces == a.namespaces && (b.namespaces & NS_USER));
  CHECK (b.n_uid_maps == 2 && b.uid_maps[1].host == 100000 && b.uid_maps[1].size == 65536);
  CHECK (b.n_gid_maps == 2 && b.gid_maps[0].host == 1000);
  CHECK (b.n_mounts == a.n_mounts && strcmp (b.mounts[0].destination, "/proc") == 0);
  CHECK (strv_len (b.caps) == strv_len (a.caps) && strv_len (b.masked_paths) == strv_len (a.masked_paths));
  CHECK (b.n_rlimits == 1 && b.rlimits[0].hard == 4096);
  free (json);
  spec_clear (&a);
  spec_clear (&b);
}

static void
check_refused (const char *json, const char *why)
{
  struct spec s;
  struct cl_error err = { 0 };

  CHECK (spec_from_json (json, &s, &err) < 0);
  if (!strstr (err.msg, why))
    fprintf (stderr, "  refused with \"%s\", want \"%s\"\n", err.msg, why);
  CHECK (strstr (err.msg, why) != NULL);
  spec_clear (&s);
}

void
test_bundle_refused (void)
{
  check_refused ("{", "invalid JSON");
  check_refused ("{\"ociVersion\": \"2.0.0\"}", "is not 1.x");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}}", "no process");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [], \"cwd\": \"/\"}}", "process.args");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"rel\"}}", "process.cwd");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"x\"], \"cwd\": \"/\"}}",
                 "root.path");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"hooks\": {}, "
                 "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\"}}", "hooks");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"namespaces\": "
                 "[{\"type\": \"net\", \"path\": \"/proc/1/ns/net\"}]}}", "by path");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"namespaces\": "
                 "[{\"type\": \"user\"}]}}", "needs uidMappings");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"mounts\": [{\"destination\": \"x\"}]}",
                 "absolute");
}
