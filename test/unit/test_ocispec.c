#include <stdlib.h>
#include <string.h>

#include "../../ocispec.h"
#include "../../spec.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static bool
strv_equal (char *const *a, char *const *b)
{
  size_t n = strv_len (a);

  if (n != strv_len (b))
    return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp (a[i], b[i]) != 0)
      return false;
  return true;
}

static bool
maps_equal (const struct spec_idmap *a, size_t na, const struct spec_idmap *b, size_t nb)
{
  return na == nb && (na == 0 || memcmp (a, b, na * sizeof *a) == 0);
}

/* Field by field: the structs have padding. */
static bool
dev_rules_equal (const struct spec *a, const struct spec *b)
{
  if (a->n_dev_rules != b->n_dev_rules)
    return false;
  for (size_t i = 0; i < a->n_dev_rules; i++)
    {
      const struct spec_dev_rule *x = &a->dev_rules[i], *y = &b->dev_rules[i];
      if (x->allow != y->allow || x->type != y->type || x->major != y->major || x->minor != y->minor
          || strcmp (x->access, y->access) != 0)
        return false;
    }
  return true;
}

static bool
mounts_equal (const struct spec *a, const struct spec *b)
{
  if (a->n_mounts != b->n_mounts)
    return false;
  for (size_t i = 0; i < a->n_mounts; i++)
    if (strcmp (a->mounts[i].destination, b->mounts[i].destination) != 0
        || strcmp (a->mounts[i].type, b->mounts[i].type) != 0
        || strcmp (a->mounts[i].source, b->mounts[i].source) != 0
        || !strv_equal (a->mounts[i].options, b->mounts[i].options))
      return false;
  return true;
}

static bool
rlimits_equal (const struct spec *a, const struct spec *b)
{
  if (a->n_rlimits != b->n_rlimits)
    return false;
  for (size_t i = 0; i < a->n_rlimits; i++)
    if (strcmp (a->rlimits[i].type, b->rlimits[i].type) != 0
        || a->rlimits[i].soft != b->rlimits[i].soft || a->rlimits[i].hard != b->rlimits[i].hard)
      return false;
  return true;
}

static bool
seccomp_equal (const struct spec_seccomp *a, const struct spec_seccomp *b)
{
  if (!a || !b)
    return a == b;
  if (a->default_action != b->default_action || a->default_ret != b->default_ret
      || !strv_equal (a->arches, b->arches) || a->n_rules != b->n_rules)
    return false;
  for (size_t i = 0; i < a->n_rules; i++)
    {
      const struct spec_sc_rule *x = &a->rules[i], *y = &b->rules[i];
      if (!strv_equal (x->names, y->names) || x->action != y->action || x->ret != y->ret
          || x->n_args != y->n_args)
        return false;
      for (size_t k = 0; k < x->n_args; k++)
        if (x->args[k].index != y->args[k].index || x->args[k].value != y->args[k].value
            || x->args[k].value_two != y->args[k].value_two || x->args[k].op != y->args[k].op)
          return false;
    }
  return true;
}

static bool
opt_str_equal (const char *a, const char *b)
{
  return (!a && !b) || (a && b && strcmp (a, b) == 0);
}

static bool
resources_equal (const struct spec_resources *a, const struct spec_resources *b)
{
  return a->memory_limit == b->memory_limit && a->memory_swap == b->memory_swap
         && a->memory_reservation == b->memory_reservation && a->cpu_shares == b->cpu_shares
         && a->cpu_period == b->cpu_period && a->cpu_quota == b->cpu_quota
         && opt_str_equal (a->cpuset_cpus, b->cpuset_cpus)
         && opt_str_equal (a->cpuset_mems, b->cpuset_mems) && a->pids_limit == b->pids_limit;
}

/* Every field of the spec, compared one by one. */
static void
check_equal (const struct spec *a, const struct spec *b)
{
  CHECK (strv_equal (a->args, b->args) && strv_equal (a->env, b->env));
  CHECK_STR (a->cwd, b->cwd);
  CHECK (dev_rules_equal (a, b));
  CHECK (a->terminal == b->terminal && a->console_rows == b->console_rows
         && a->console_cols == b->console_cols);
  CHECK (
      a->uid == b->uid && a->gid == b->gid && a->n_groups == b->n_groups
      && (a->n_groups == 0 || memcmp (a->groups, b->groups, a->n_groups * sizeof *a->groups) == 0));
  CHECK_STR (a->hostname, b->hostname);
  CHECK_STR (a->root_path, b->root_path);
  CHECK (a->root_readonly == b->root_readonly);
  CHECK (mounts_equal (a, b));
  CHECK (strv_equal (a->masked_paths, b->masked_paths)
         && strv_equal (a->readonly_paths, b->readonly_paths));
  CHECK (strv_equal (a->caps, b->caps));
  CHECK (rlimits_equal (a, b));
  CHECK (a->no_new_privs == b->no_new_privs && a->init == b->init
         && a->namespaces == b->namespaces);
  CHECK ((!a->net_path && !b->net_path)
         || (a->net_path && b->net_path && strcmp (a->net_path, b->net_path) == 0));
  CHECK (maps_equal (a->uid_maps, a->n_uid_maps, b->uid_maps, b->n_uid_maps));
  CHECK (resources_equal (&a->resources, &b->resources));
  CHECK (a->has_oom_score_adj == b->has_oom_score_adj && a->oom_score_adj == b->oom_score_adj);
  CHECK (maps_equal (a->gid_maps, a->n_gid_maps, b->gid_maps, b->n_gid_maps));
  CHECK (seccomp_equal (a->seccomp, b->seccomp));
  CHECK ((!a->seccomp_profile && !b->seccomp_profile)
         || strcmp (a->seccomp_profile, b->seccomp_profile) == 0);
}

/* What spec_to_json writes, spec_from_json reads back the same: once for
   what the builder makes (indented), once for a spec with every field set
   apart from its default (on one line). */
void
test_bundle_roundtrip (void)
{
  char *env[] = { "A=1", NULL }, *args[] = { "sh", "-c", "true", NULL };
  struct spec_idmap maps[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  char *dev[] = { "/dev/null:/dev/n2:rw", NULL };
  struct spec_opts o = { .args = args,
                         .env = env,
                         .hostname = "h1",
                         .rootfs = "rootfs",
                         .init = true,
                         .uid_maps = maps,
                         .gid_maps = maps,
                         .n_uid_maps = 2,
                         .n_gid_maps = 2,
                         .rootless = true,
                         .nofile_hard = 4096,
                         .terminal = true,
                         .console_rows = 40,
                         .console_cols = 132,
                         .user = "7:8",
                         .read_only = true,
                         .devices = dev,
                         .network_none = true,
                         .etc_dir = "/c" };
  struct image_config img = { 0 };
  cleanup_spec struct spec a = { 0 };
  cleanup_spec struct spec b = { 0 };
  cleanup_spec struct spec c = { 0 };
  cleanup_spec struct spec d = { 0 };
  struct cl_error err = { 0 };
  cleanup_free char *json = NULL, *json2 = NULL, *json3 = NULL;
  struct spec_sc_rule *rule;
  gid_t groups[] = { 10, 20 };

  CHECK (spec_from_image (&img, &o, NULL, NULL, &a, &err) == 0);
  json = spec_to_json (&a, true, NULL);
  CHECK (spec_from_json (json, &b, &err) == 0);
  check_equal (&a, &b);
  CHECK (b.init && b.no_new_privs && b.root_readonly && (b.namespaces & NS_USER)
         && (b.namespaces & NS_NET));
  CHECK (b.seccomp && b.seccomp->n_rules > 10 && strcmp (b.seccomp_profile, "default") == 0);
  /* --device: its node allowed in the device cgroup, with its letters. */
  CHECK (b.n_dev_rules == 2 && !b.dev_rules[0].allow && b.dev_rules[0].type == 'a'
         && b.dev_rules[1].allow && b.dev_rules[1].type == 'c' && b.dev_rules[1].major == 1
         && b.dev_rules[1].minor == 3 && strcmp (b.dev_rules[1].access, "rw") == 0);
  /* Every field away from the builder's values. */
  a.init = false, a.no_new_privs = false, a.terminal = false, a.root_readonly = false;
  a.uid = 4242, a.gid = 4343;
  a.resources = (struct spec_resources){ .memory_limit = 64 << 20,
                                         .memory_swap = -1,
                                         .memory_reservation = 32 << 20,
                                         .cpu_shares = 512,
                                         .cpu_period = 50000,
                                         .cpu_quota = 25000,
                                         .cpuset_cpus = xstrdup ("0-1"),
                                         .cpuset_mems = xstrdup ("0"),
                                         .pids_limit = -1 };
  a.has_oom_score_adj = true, a.oom_score_adj = -17;
  free (a.groups);
  a.groups = malloc (sizeof groups), memcpy (a.groups, groups, sizeof groups), a.n_groups = 2;
  a.namespaces = NS_PID | NS_MOUNT | NS_IPC;
  a.net_path = strdup ("/proc/4242/ns/net");
  a.console_rows = a.console_cols = 0;
  free (a.uid_maps), free (a.gid_maps);
  a.uid_maps = a.gid_maps = NULL, a.n_uid_maps = a.n_gid_maps = 0;
  a.seccomp->default_action = SC_ACT_LOG, a.seccomp->default_ret = 0; /* no errno to return */
  strv_append (&a.seccomp->arches, "SCMP_ARCH_AARCH64");
  rule = &a.seccomp->rules[a.seccomp->n_rules - 1];
  rule->action = SC_ACT_TRACE, rule->ret = 7;
  rule->args = realloc (rule->args, sizeof *rule->args);
  rule->args[0] = (struct spec_sc_arg){ 5, ~0ULL, 0x8000000000000001ULL, SC_OP_MASKED_EQ };
  rule->n_args = 1;
  free (a.seccomp_profile);
  a.seccomp_profile = strdup ("/etc/p.json");
  /* On one line, as a container's own config.json is. */
  json2 = spec_to_json (&a, false, NULL);
  CHECK (!strchr (json2, '\n') && strchr (json, '\n'));
  CHECK (spec_from_json (json2, &c, &err) == 0);
  check_equal (&a, &c);
  /* No filter: none comes back. */
  spec_seccomp_clear (a.seccomp);
  free (a.seccomp), free (a.seccomp_profile);
  a.seccomp = NULL, a.seccomp_profile = NULL;
  json3 = spec_to_json (&a, false, NULL);
  CHECK (spec_from_json (json3, &d, &err) == 0);
  check_equal (&a, &d);
}

static void
check_refused (const char *json, const char *why)
{
  cleanup_spec struct spec s = { 0 };
  struct cl_error err = { 0 };

  CHECK (spec_from_json (json, &s, &err) < 0);
  if (!strstr (err.msg, why))
    fprintf (stderr, "  refused with \"%s\", want \"%s\"\n", err.msg, why);
  CHECK (strstr (err.msg, why) != NULL);
}

void
test_bundle_refused (void)
{
  check_refused ("{", "invalid JSON");
  check_refused ("{\"ociVersion\": \"2.0.0\"}", "is not 1.x");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}}", "no process");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [], \"cwd\": \"/\"}}",
                 "process.args");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"rel\"}}",
                 "process.cwd");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"x\"], \"cwd\": \"/\"}}",
                 "root.path");
  /* Hooks are parsed (the OCI runtime runs them): a relative path or a
     kind the runtime-spec does not define is refused. */
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"hooks\": "
                 "{\"prestart\": [{\"path\": \"rel\"}]}, "
                 "\"process\": {\"args\": [\"x\"], \"cwd\": \"/\"}}",
                 "hooks.prestart[0].path");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"hooks\": "
                 "{\"nosuch\": []}, \"process\": {\"args\": [\"x\"], \"cwd\": \"/\"}}",
                 "hooks.nosuch");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"namespaces\": "
                 "[{\"type\": \"net\", \"path\": \"/proc/1/ns/net\"}]}}",
                 "by path");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"namespaces\": "
                 "[{\"type\": \"user\"}]}}",
                 "needs uidMappings");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"blockIO\": {\"weight\": 10, \"nosuch\": 1}}}}",
                 "linux.resources.blockIO.nosuch is not supported");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"blockIO\": {\"weight\": \"333\"}}}}",
                 "linux.resources.blockIO.weight is not an integer in 0..65535");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 7}]}}}}",
                 "throttleReadBpsDevice[0] needs major and minor");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"memory\": {\"limit\": 1048576, \"kernel\": 1}}}}",
                 "linux.resources.memory.kernel");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"devices\": [{\"allow\": true, \"type\": \"u\", \"major\": 1}]}}}",
                 "type \"u\"");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"resources\": "
                 "{\"devices\": [{\"access\": \"rwm\"}]}}}",
                 "has no \"allow\"");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\", \"oomScoreAdj\": 5000}}",
                 "oomScoreAdj");
  check_refused ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
                 "{\"args\": [\"x\"], \"cwd\": \"/\"}, \"mounts\": [{\"destination\": \"x\"}]}",
                 "absolute");
}

/* linux.resources.blockIO: every field, keys in Go's any case, a device
   named twice merged, and the text spec_resources_to_json makes read
   back the same. */
void
test_blkio_parse (void)
{
  static const char text[]
      = "{\"BlockIO\": {\"weight\": 333, \"leafWeight\": 20, \"weightDevice\": ["
        "{\"major\": 7, \"minor\": 1, \"weight\": 444},"
        "{\"major\": 7, \"minor\": 1, \"leafWeight\": 55},"
        "{\"Major\": 8, \"minor\": 0, \"weight\": 100}],"
        "\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}],"
        "\"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 0}],"
        "\"throttleWriteBpsDevice\": null}}";
  struct spec_resources r = { 0 }, back = { 0 };
  struct cl_error err = { 0 };
  cleanup_free char *json = NULL;

  CHECK (spec_resources_from_json (text, &r, &err) == 0);
  CHECK (r.blkio_weight == 333 && r.blkio_leaf_weight == 20);
  CHECK (r.n_blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE] == 2);
  CHECK (r.blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE][0].major == 7);
  CHECK (r.blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE][0].weight == 444);
  CHECK (r.blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE][0].leaf_weight == 55);
  CHECK (r.blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE][1].major == 8);
  CHECK (r.n_blkio_devs[SPEC_BLKIO_READ_BPS] == 1);
  CHECK (r.blkio_devs[SPEC_BLKIO_READ_BPS][0].rate == 1048576);
  CHECK (r.n_blkio_devs[SPEC_BLKIO_WRITE_IOPS] == 1 && r.n_blkio_devs[SPEC_BLKIO_WRITE_BPS] == 0);
  CHECK (spec_resources_have_blkio (&r));
  json = spec_resources_to_json (&r, NULL);
  CHECK (spec_resources_from_json (json, &back, &err) == 0);
  CHECK (back.blkio_weight == 333 && back.blkio_leaf_weight == 20);
  CHECK (back.n_blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE] == 2);
  CHECK (back.blkio_devs[SPEC_BLKIO_WEIGHT_DEVICE][0].leaf_weight == 55);
  CHECK (back.n_blkio_devs[SPEC_BLKIO_READ_BPS] == 1);
  CHECK (back.blkio_devs[SPEC_BLKIO_READ_BPS][0].rate == 1048576);
  CHECK (back.n_blkio_devs[SPEC_BLKIO_WRITE_IOPS] == 1);
  spec_resources_clear (&back);
  spec_resources_clear (&r);
  CHECK (!spec_resources_have_blkio (&r));
  CHECK (spec_resources_from_json ("{\"blockIO\": {\"weight\": 70000}}", &r, &err) < 0);
  spec_resources_clear (&r);
  CHECK (spec_resources_from_json ("{\"blockIO\": {\"weightDevice\": {}}}", &r, &err) < 0);
  spec_resources_clear (&r);
  CHECK (
      spec_resources_from_json (
          "{\"blockIO\": {\"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 0}]}}", &r, &err)
      < 0);
  CHECK (strstr (err.msg, "has no rate") != NULL);
  spec_resources_clear (&r);
}
