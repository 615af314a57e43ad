#include "ocispec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "json.h"
#include "util.h"

#define CONFIG_JSON_MAX (4 << 20)

static const struct
{
  const char *name;
  unsigned bit;
} ns_names[]
    = { { "pid", NS_PID },       { "mount", NS_MOUNT }, { "uts", NS_UTS },  { "ipc", NS_IPC },
        { "cgroup", NS_CGROUP }, { "network", NS_NET }, { "user", NS_USER } };

static char **
strv_or_empty (yajl_val obj, const char *key)
{
  char **v = json_get_strv (obj, key);
  return v ? v : xcalloc (1, sizeof (char *));
}

/* A non-negative integer; values past INT64 (RLIM_INFINITY) parse as
   doubles in yajl. */
static bool
get_ulong (yajl_val obj, const char *key, unsigned long long *out)
{
  yajl_val v = json_get (obj, key);

  if (v && YAJL_IS_INTEGER (v) && YAJL_GET_INTEGER (v) >= 0)
    return *out = (unsigned long long)YAJL_GET_INTEGER (v), true;
  if (v && YAJL_IS_DOUBLE (v) && YAJL_GET_DOUBLE (v) >= 0)
    return *out = YAJL_GET_DOUBLE (v) >= 1.8e19 ? ~0ULL : (unsigned long long)YAJL_GET_DOUBLE (v),
           true;
  return false;
}

static int
parse_user (yajl_val user, struct spec *s, struct cl_error *err)
{
  unsigned long long uid = 0, gid = 0, g;
  yajl_val groups = json_get_arr (user, "additionalGids");

  if (user && (!get_ulong (user, "uid", &uid) || !get_ulong (user, "gid", &gid)))
    return cl_fail (err, EINVAL, "process.user needs numeric uid and gid");
  s->uid = (uid_t)uid;
  s->gid = (gid_t)gid;
  if (user && get_ulong (user, "umask", &g))
    {
      if (g > 0777)
        return cl_fail (err, EINVAL, "process.user.umask %llo is not a mode", g);
      s->has_umask = true;
      s->umask = (unsigned)g;
    }
  s->n_groups = groups ? groups->u.array.len : 0;
  s->groups = xcalloc (s->n_groups + 1, sizeof *s->groups);
  for (size_t i = 0; i < s->n_groups; i++)
    {
      yajl_val v = groups->u.array.values[i];
      if (!YAJL_IS_INTEGER (v) || (g = (unsigned long long)YAJL_GET_INTEGER (v)) > 0xffffffffULL)
        return cl_fail (err, EINVAL, "process.user.additionalGids must be numbers");
      s->groups[i] = (gid_t)g;
    }
  return 0;
}

static int
parse_rlimits (yajl_val arr, struct spec *s, struct cl_error *err)
{
  size_t n = arr ? arr->u.array.len : 0;

  s->rlimits = xcalloc (n + 1, sizeof *s->rlimits);
  for (size_t i = 0; i < n; i++)
    {
      yajl_val r = arr->u.array.values[i];
      const char *type = json_get_str (r, "type");
      struct spec_rlimit *l = &s->rlimits[s->n_rlimits];
      if (!type || !get_ulong (r, "soft", &l->soft) || !get_ulong (r, "hard", &l->hard))
        return cl_fail (err, EINVAL, "process.rlimits[%zu] needs type, soft and hard", i);
      l->type = xstrdup (type);
      s->n_rlimits++;
    }
  return 0;
}

static void
parse_console_size (yajl_val cs, struct spec *s)
{
  long long h, w;

  if (json_get_int (cs, "height", &h) && json_get_int (cs, "width", &w) && h > 0 && w > 0
      && h <= 0xffff && w <= 0xffff)
    s->console_rows = (unsigned short)h, s->console_cols = (unsigned short)w;
}

static int
parse_process (yajl_val p, struct spec *s, struct cl_error *err)
{
  yajl_val caps = json_get_obj (p, "capabilities");
  const char *cwd = json_get_str (p, "cwd");
  long long adj = 0;

  if (!p)
    return cl_fail (err, EINVAL, "config.json has no process");
  s->args = json_get_strv (p, "args");
  if (!s->args || !s->args[0])
    return cl_fail (err, EINVAL, "process.args must name a command");
  if (!cwd || cwd[0] != '/')
    return cl_fail (err, EINVAL, "process.cwd must be an absolute path");
  s->cwd = xstrdup (cwd);
  s->env = strv_or_empty (p, "env");
  s->terminal = json_get_bool (p, "terminal");
  parse_console_size (json_get_obj (p, "consoleSize"), s);
  s->no_new_privs = json_get_bool (p, "noNewPrivileges");
  s->has_oom_score_adj = json_get_int (p, "oomScoreAdj", &adj);
  if (s->has_oom_score_adj && (adj < -1000 || adj > 1000))
    return cl_fail (err, EINVAL, "process.oomScoreAdj %lld is outside -1000..1000", adj);
  s->oom_score_adj = (int)adj;
  /* One set serves bounding, effective and permitted (see ns.c). */
  s->caps = json_get_strv (caps, "bounding");
  if (!s->caps)
    s->caps = strv_or_empty (caps, "effective");
  if (json_get (p, "apparmorProfile") || json_get (p, "selinuxLabel"))
    return cl_fail (err, ENOTSUP, "process: AppArmor and SELinux labels are not supported");
  if (parse_user (json_get_obj (p, "user"), s, err) < 0)
    return -1;
  return parse_rlimits (json_get_arr (p, "rlimits"), s, err);
}

static int
parse_mounts (yajl_val arr, struct spec *s, struct cl_error *err)
{
  size_t n = arr ? arr->u.array.len : 0;

  s->mounts = xcalloc (n + 1, sizeof *s->mounts);
  for (size_t i = 0; i < n; i++)
    {
      yajl_val m = arr->u.array.values[i];
      const char *dst = json_get_str (m, "destination"), *type = json_get_str (m, "type");
      const char *src = json_get_str (m, "source");
      struct spec_mount *sm = &s->mounts[s->n_mounts];
      if (!dst || dst[0] != '/')
        return cl_fail (err, EINVAL, "mounts[%zu].destination must be an absolute path", i);
      sm->options = strv_or_empty (m, "options");
      /* runc's bind mounts may leave the type out and say "bind" in options. */
      if (!type && (strv_contains (sm->options, "bind") || strv_contains (sm->options, "rbind")))
        type = "bind";
      sm->destination = xstrdup (dst);
      sm->type = xstrdup (type ? type : "none");
      sm->source = xstrdup (src ? src : sm->type);
      s->n_mounts++;
      if (!type)
        return cl_fail (err, EINVAL, "mounts[%zu] (%s) has no type", i, dst);
    }
  return 0;
}

static int
parse_maps (yajl_val arr, struct spec_idmap **out, size_t *n, struct cl_error *err)
{
  *n = arr ? arr->u.array.len : 0;
  *out = xcalloc (*n + 1, sizeof **out);
  for (size_t i = 0; i < *n; i++)
    {
      yajl_val m = arr->u.array.values[i];
      unsigned long long c, h, sz;
      if (!get_ulong (m, "containerID", &c) || !get_ulong (m, "hostID", &h)
          || !get_ulong (m, "size", &sz))
        return cl_fail (err, EINVAL, "an id mapping needs containerID, hostID and size");
      (*out)[i] = (struct spec_idmap){ c, h, sz };
    }
  return 0;
}

static int
parse_namespaces (yajl_val arr, struct spec *s, struct cl_error *err)
{
  for (size_t i = 0; arr && i < arr->u.array.len; i++)
    {
      yajl_val v = arr->u.array.values[i];
      const char *type = json_get_str (v, "type");
      size_t k = 0;
      const char *path = json_get_str (v, "path");
      if (path && type && strcmp (type, "network") == 0)
        {
          free (s->net_path);
          s->net_path = xstrdup (path);
          continue;
        }
      if (path)
        return cl_fail (err, ENOTSUP, "joining the %s namespace by path is not supported",
                        type ? type : "?");
      while (k < sizeof ns_names / sizeof ns_names[0]
             && (!type || strcmp (type, ns_names[k].name) != 0))
        k++;
      if (k == sizeof ns_names / sizeof ns_names[0])
        return cl_fail (err, EINVAL, "unknown namespace type \"%s\"", type ? type : "");
      s->namespaces |= ns_names[k].bit;
    }
  return 0;
}

/* linux.seccomp, and docker's profile files: one parser.  The names are
   libseccomp's, as the runtime-spec and docker use them. */
static const char *const sc_action_names[] = {
  [SC_ACT_KILL_THREAD] = "SCMP_ACT_KILL", [SC_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
  [SC_ACT_TRAP] = "SCMP_ACT_TRAP",        [SC_ACT_ERRNO] = "SCMP_ACT_ERRNO",
  [SC_ACT_TRACE] = "SCMP_ACT_TRACE",      [SC_ACT_ALLOW] = "SCMP_ACT_ALLOW",
  [SC_ACT_LOG] = "SCMP_ACT_LOG",          [SC_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};
static const char *const sc_op_names[] = {
  [SC_OP_NE] = "SCMP_CMP_NE",
  [SC_OP_LT] = "SCMP_CMP_LT",
  [SC_OP_LE] = "SCMP_CMP_LE",
  [SC_OP_EQ] = "SCMP_CMP_EQ",
  [SC_OP_GE] = "SCMP_CMP_GE",
  [SC_OP_GT] = "SCMP_CMP_GT",
  [SC_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int
name_index (const char *const *names, size_t n, const char *s)
{
  for (size_t i = 0; s && i < n; i++)
    if (strcmp (names[i], s) == 0)
      return (int)i;
  return -1;
}

/* Every key of `obj` is one of `allowed`: a profile never runs with a
   part of it silently ignored. */
static int
only_keys (yajl_val obj, const char *const *allowed, const char *where, struct cl_error *err)
{
  for (size_t i = 0; obj && YAJL_IS_OBJECT (obj) && i < obj->u.object.len; i++)
    {
      size_t k = 0;
      while (allowed[k] && strcmp (allowed[k], obj->u.object.keys[i]) != 0)
        k++;
      if (!allowed[k])
        return cl_fail (err, ENOTSUP, "seccomp: unsupported field \"%s%s%s\"", where,
                        *where ? "." : "", obj->u.object.keys[i]);
    }
  return 0;
}

/* A 64-bit unsigned value, exactly: yajl keeps a number's text. */
static bool
get_u64 (yajl_val obj, const char *key, unsigned long long *out)
{
  yajl_val v = json_get (obj, key);
  char *end;

  if (!v || !YAJL_IS_NUMBER (v) || !v->u.number.r || v->u.number.r[0] == '-')
    return false;
  errno = 0;
  *out = strtoull (v->u.number.r, &end, 10);
  return errno == 0 && *end == '\0';
}

static int
parse_sc_action (yajl_val obj, const char *akey, const char *rkey, enum spec_sc_action *action,
                 unsigned *ret, const char *where, struct cl_error *err)
{
  int a = name_index (sc_action_names, sizeof sc_action_names / sizeof sc_action_names[0],
                      json_get_str (obj, akey));
  unsigned long long r = 0;

  if (a < 0 && strcmp (json_get_str (obj, akey) ?: "", "SCMP_ACT_KILL_THREAD") == 0)
    a = SC_ACT_KILL_THREAD;
  if (a < 0)
    return cl_fail (err, ENOTSUP, "seccomp: %s%s%s: unsupported action \"%s\"", where,
                    *where ? "." : "", akey, json_get_str (obj, akey) ?: "");
  if (json_get (obj, rkey) && (!get_u64 (obj, rkey, &r) || r > 0xffff))
    return cl_fail (err, EINVAL, "seccomp: %s%s%s must be a small number", where, *where ? "." : "",
                    rkey);
  *action = (enum spec_sc_action)a;
  *ret = json_get (obj, rkey) ? (unsigned)r : a == SC_ACT_ERRNO ? EPERM : 0;
  return 0;
}

static int
parse_sc_args (yajl_val arr, struct spec_sc_rule *r, const char *where, struct cl_error *err)
{
  static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
  size_t n = arr ? arr->u.array.len : 0;

  r->args = xcalloc (n + 1, sizeof *r->args);
  for (size_t i = 0; i < n; i++, r->n_args++)
    {
      yajl_val a = arr->u.array.values[i];
      struct spec_sc_arg *sa = &r->args[i];
      unsigned long long index = 0;
      int op = name_index (sc_op_names, sizeof sc_op_names / sizeof sc_op_names[0],
                           json_get_str (a, "op"));
      char at[96];
      snprintf (at, sizeof at, "%s.args[%zu]", where, i);
      if (only_keys (a, keys, at, err) < 0)
        return -1;
      if (!get_u64 (a, "index", &index) || index > 5 || !get_u64 (a, "value", &sa->value) || op < 0)
        return cl_fail (err, EINVAL, "seccomp: %s needs an index 0-5, a value and a known op", at);
      if (json_get (a, "valueTwo") && !get_u64 (a, "valueTwo", &sa->value_two))
        return cl_fail (err, EINVAL, "seccomp: %s.valueTwo must be a number", at);
      sa->index = (unsigned)index;
      sa->op = (enum spec_sc_op)op;
    }
  return 0;
}

static int
parse_sc_cond (yajl_val c, struct spec_sc_cond *out, const char *where, struct cl_error *err)
{
  static const char *const keys[] = { "caps", "arches", "minKernel", NULL };

  if (only_keys (c, keys, where, err) < 0)
    return -1;
  out->caps = json_get_strv (c, "caps");
  out->arches = json_get_strv (c, "arches");
  out->min_kernel = json_get_str (c, "minKernel") ? xstrdup (json_get_str (c, "minKernel")) : NULL;
  return 0;
}

static int
parse_sc_rule (yajl_val v, bool profile, struct spec_sc_rule *r, size_t i, struct cl_error *err)
{
  static const char *const keys[]
      = { "names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes", NULL };
  char where[48];

  snprintf (where, sizeof where, "syscalls[%zu]", i);
  if (only_keys (
          v, profile ? keys : (const char *const[]){ "names", "action", "errnoRet", "args", NULL },
          where, err)
      < 0)
    return -1;
  r->names = json_get_strv (v, "names");
  if (!r->names && json_get_str (v, "name"))
    strv_append (&r->names, json_get_str (v, "name"));
  if (!r->names)
    return cl_fail (err, EINVAL, "seccomp: %s has no names", where);
  if (parse_sc_action (v, "action", "errnoRet", &r->action, &r->ret, where, err) < 0
      || parse_sc_args (json_get_arr (v, "args"), r, where, err) < 0)
    return -1;
  snprintf (where, sizeof where, "syscalls[%zu].includes", i);
  if (parse_sc_cond (json_get_obj (v, "includes"), &r->includes, where, err) < 0)
    return -1;
  snprintf (where, sizeof where, "syscalls[%zu].excludes", i);
  return parse_sc_cond (json_get_obj (v, "excludes"), &r->excludes, where, err);
}

static int
parse_sc_archmap (yajl_val arr, struct spec_seccomp *sc, struct cl_error *err)
{
  static const char *const keys[] = { "architecture", "subArchitectures", NULL };
  size_t n = arr ? arr->u.array.len : 0;

  sc->arch_map = xcalloc (n + 1, sizeof *sc->arch_map);
  for (size_t i = 0; i < n; i++, sc->n_arch_map++)
    {
      yajl_val m = arr->u.array.values[i];
      const char *arch = json_get_str (m, "architecture");
      if (only_keys (m, keys, "archMap[]", err) < 0)
        return -1;
      if (!arch)
        return cl_fail (err, EINVAL, "seccomp: archMap[%zu] has no architecture", i);
      sc->arch_map[i].arch = xstrdup (arch);
      sc->arch_map[i].subs = strv_or_empty (m, "subArchitectures");
    }
  return 0;
}

static int
parse_seccomp (yajl_val v, bool profile, struct spec_seccomp *sc, struct cl_error *err)
{
  static const char *const keys[] = {
    "defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", NULL
  };
  yajl_val rules = json_get_arr (v, "syscalls"), flags = json_get (v, "flags");
  size_t n = rules ? rules->u.array.len : 0;

  memset (sc, 0, sizeof *sc);
  if (!v || !YAJL_IS_OBJECT (v))
    return cl_fail (err, EINVAL, "seccomp: not a JSON object");
  if (only_keys (v,
                 profile ? keys
                         : (const char *const[]){ "defaultAction", "defaultErrnoRet",
                                                  "architectures", "syscalls", "flags",
                                                  "listenerPath", "listenerMetadata", NULL },
                 "", err)
          < 0
      || parse_sc_action (v, "defaultAction", "defaultErrnoRet", &sc->default_action,
                          &sc->default_ret, "", err)
             < 0
      || parse_sc_archmap (json_get_arr (v, "archMap"), sc, err) < 0)
    return -1;
  /* Tools write an empty list; a flag asks for what we do not do. */
  if (flags && (!YAJL_IS_ARRAY (flags) || flags->u.array.len))
    return cl_fail (err, ENOTSUP, "seccomp: unsupported field \"flags\" (filter flags)");
  sc->arches = strv_or_empty (v, "architectures");
  if (json_get_str (v, "listenerPath") && *json_get_str (v, "listenerPath"))
    sc->listener_path = xstrdup (json_get_str (v, "listenerPath"));
  if (json_get_str (v, "listenerMetadata"))
    sc->listener_metadata = xstrdup (json_get_str (v, "listenerMetadata"));
  sc->rules = xcalloc (n + 1, sizeof *sc->rules);
  for (size_t i = 0; i < n; i++)
    {
      sc->n_rules = i + 1; /* cleared whole even when it fails half-parsed */
      if (parse_sc_rule (rules->u.array.values[i], profile, &sc->rules[i], i, err) < 0)
        return -1;
    }
  return 0;
}

int
spec_seccomp_parse (const char *text, bool profile, struct spec_seccomp *sc, struct cl_error *err)
{
  cleanup_json yajl_val doc = NULL;

  memset (sc, 0, sizeof *sc);
  if (json_parse (text, &doc, err) < 0)
    return -1;
  return parse_seccomp (doc, profile, sc, err);
}

/* Every key of `obj` is one of `known` (NULL-terminated), or has a null
   value: a limit crunlocal cannot apply is refused, never dropped. */
static int
only_known_keys (yajl_val obj, const char *where, const char *const *known, struct cl_error *err)
{
  for (size_t i = 0; obj && YAJL_IS_OBJECT (obj) && i < obj->u.object.len; i++)
    {
      const char *k = obj->u.object.keys[i];
      size_t j = 0;
      while (known[j] && strcmp (known[j], k) != 0)
        j++;
      if (!known[j] && !YAJL_IS_NULL (obj->u.object.values[i]))
        return cl_fail (err, ENOTSUP, "%s.%s is not supported: refusing to run without it", where,
                        k);
    }
  return 0;
}

void
spec_add_dev_rule (struct spec *s, bool allow, char type, long long major, long long minor,
                   const char *access)
{
  struct spec_dev_rule *d;

  s->dev_rules = xrealloc (s->dev_rules, (s->n_dev_rules + 1) * sizeof *s->dev_rules);
  d = &s->dev_rules[s->n_dev_rules++];
  *d = (struct spec_dev_rule){ .allow = allow, .type = type, .major = major, .minor = minor };
  snprintf (d->access, sizeof d->access, "%s", access);
}

/* One rule: type a/c/b (default a), major/minor absent for any, access
   of "rwm" (default all); what the device cgroup cannot say is refused. */
static int
parse_dev_rule (yajl_val d, size_t i, struct spec *s, struct cl_error *err)
{
  static const char *const known[] = { "allow", "type", "major", "minor", "access", NULL };
  const char *type = json_get_str (d, "type"), *access = json_get_str (d, "access");
  long long major = -1, minor = -1;
  yajl_val allow = json_get (d, "allow");
  char acc[4] = "";

  if (!YAJL_IS_OBJECT (d))
    return cl_fail (err, EINVAL, "linux.resources.devices[%zu] is not a rule", i);
  if (only_known_keys (d, "linux.resources.devices[]", known, err) < 0)
    return -1;
  if (!allow || !(YAJL_IS_TRUE (allow) || YAJL_IS_FALSE (allow)))
    return cl_fail (err, EINVAL, "linux.resources.devices[%zu] has no \"allow\"", i);
  if (type && (strlen (type) != 1 || !strchr ("acb", type[0])))
    return cl_fail (err, ENOTSUP, "linux.resources.devices[%zu]: type \"%s\" (a, c or b)", i, type);
  /* runc keeps the letters it knows and drops the rest ("rwa": rw); a
     rule of none is refused. */
  for (size_t k = 0; access && access[k]; k++)
    if (strchr ("rwm", access[k]) && !strchr (acc, access[k]) && strlen (acc) < 3)
      acc[strlen (acc)] = access[k];
  if (access && *access && !*acc)
    return cl_fail (err, EINVAL, "linux.resources.devices[%zu]: access \"%s\" (of rwm)", i, access);
  json_get_int (d, "major", &major);
  json_get_int (d, "minor", &minor);
  spec_add_dev_rule (s, YAJL_IS_TRUE (allow), type ? type[0] : 'a', major, minor,
                     *acc ? acc : "rwm");
  return 0;
}

static int
parse_dev_rules (yajl_val arr, struct spec *s, struct cl_error *err)
{
  for (size_t i = 0; arr && YAJL_IS_ARRAY (arr) && i < arr->u.array.len; i++)
    if (parse_dev_rule (arr->u.array.values[i], i, s, err) < 0)
      return -1;
  return 0;
}

/* Go's encoding/json matches keys without regard to case, and runc's
   tests write "CPU": {"Cpus": ...}: such keys get their spec spelling. */
static void
canon_keys (yajl_val obj, const char *const *known)
{
  for (size_t i = 0; obj && YAJL_IS_OBJECT (obj) && i < obj->u.object.len; i++)
    for (size_t j = 0; known[j]; j++)
      if (strcasecmp (obj->u.object.keys[i], known[j]) == 0
          && strcmp (obj->u.object.keys[i], known[j]) != 0)
        {
          free ((char *)obj->u.object.keys[i]);
          obj->u.object.keys[i] = xstrdup (known[j]);
        }
}

static const char *const blkio_lists[SPEC_BLKIO_N]
    = { "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
        "throttleWriteIOPSDevice" };

/* An integer in [min, max] at `key` (its place in `where`), as Go's
   typed fields take it: 1 when there, 0 when absent or null. */
static int
get_ranged (yajl_val obj, const char *key, const char *where, long long min, long long max,
            long long *out, struct cl_error *err)
{
  yajl_val v = json_get (obj, key);

  if (!v || YAJL_IS_NULL (v))
    return 0;
  if (!YAJL_IS_INTEGER (v) || YAJL_GET_INTEGER (v) < min || YAJL_GET_INTEGER (v) > max)
    return cl_fail (err, EINVAL, "%s.%s is not an integer in %lld..%lld", where, key, min, max);
  *out = YAJL_GET_INTEGER (v);
  return 1;
}

/* One device of a blockIO list: major and minor required, as the
   runtime-spec has them, and a throttle's rate. */
static int
parse_blkio_dev (yajl_val d, enum spec_blkio_list list, size_t i, struct spec_blkio_dev *out,
                 struct cl_error *err)
{
  static const char *const wkeys[] = { "major", "minor", "weight", "leafWeight", NULL };
  static const char *const tkeys[] = { "major", "minor", "rate", NULL };
  const char *const *keys = list == SPEC_BLKIO_WEIGHT_DEVICE ? wkeys : tkeys;
  char where[96];
  long long major = 0, minor = 0, weight = 0, leaf = 0, rate = 0;
  int has_major, has_minor, has_rate;

  snprintf (where, sizeof where, "linux.resources.blockIO.%s[%zu]", blkio_lists[list], i);
  if (!YAJL_IS_OBJECT (d))
    return cl_fail (err, EINVAL, "%s is not an object", where);
  canon_keys (d, keys);
  if (only_known_keys (d, where, keys, err) < 0)
    return -1;
  has_major = get_ranged (d, "major", where, 0, LLONG_MAX, &major, err);
  has_minor = has_major < 0 ? -1 : get_ranged (d, "minor", where, 0, LLONG_MAX, &minor, err);
  if (has_major < 0 || has_minor < 0)
    return -1;
  if (!has_major || !has_minor)
    return cl_fail (err, EINVAL, "%s needs major and minor", where);
  if (list == SPEC_BLKIO_WEIGHT_DEVICE
      && (get_ranged (d, "weight", where, 0, UINT16_MAX, &weight, err) < 0
          || get_ranged (d, "leafWeight", where, 0, UINT16_MAX, &leaf, err) < 0))
    return -1;
  has_rate = list == SPEC_BLKIO_WEIGHT_DEVICE
                 ? 1
                 : get_ranged (d, "rate", where, 0, LLONG_MAX, &rate, err);
  if (has_rate < 0)
    return -1;
  if (has_rate == 0)
    return cl_fail (err, EINVAL, "%s has no rate", where);
  *out = (struct spec_blkio_dev){ .major = major,
                                  .minor = minor,
                                  .weight = (unsigned)weight,
                                  .leaf_weight = (unsigned)leaf,
                                  .rate = (unsigned long long)rate };
  return 0;
}

/* linux.resources.blockIO (config-linux.md#block-io), every field. */
static int
parse_blkio (yajl_val b, struct spec_resources *res, struct cl_error *err)
{
  static const char *const keys[] = { "weight",
                                      "leafWeight",
                                      "weightDevice",
                                      "throttleReadBpsDevice",
                                      "throttleWriteBpsDevice",
                                      "throttleReadIOPSDevice",
                                      "throttleWriteIOPSDevice",
                                      NULL };
  const char *where = "linux.resources.blockIO";
  long long weight = 0, leaf = 0;

  if (!b || YAJL_IS_NULL (b))
    return 0;
  if (!YAJL_IS_OBJECT (b))
    return cl_fail (err, EINVAL, "%s is not an object", where);
  canon_keys (b, keys);
  if (only_known_keys (b, where, keys, err) < 0
      || get_ranged (b, "weight", where, 0, UINT16_MAX, &weight, err) < 0
      || get_ranged (b, "leafWeight", where, 0, UINT16_MAX, &leaf, err) < 0)
    return -1;
  res->blkio_weight = (unsigned)weight;
  res->blkio_leaf_weight = (unsigned)leaf;
  for (int l = 0; l < SPEC_BLKIO_N; l++)
    {
      yajl_val arr = json_get (b, blkio_lists[l]);
      if (!arr || YAJL_IS_NULL (arr))
        continue;
      if (!YAJL_IS_ARRAY (arr))
        return cl_fail (err, EINVAL, "%s.%s is not an array", where, blkio_lists[l]);
      for (size_t i = 0; i < arr->u.array.len; i++)
        {
          struct spec_blkio_dev dev;
          if (parse_blkio_dev (arr->u.array.values[i], (enum spec_blkio_list)l, i, &dev, err) < 0)
            return -1;
          spec_blkio_dev_put (res, (enum spec_blkio_list)l, &dev);
        }
    }
  return 0;
}

static int
parse_resources (yajl_val r, struct spec_resources *res, struct cl_error *err)
{
  static const char *const top[] = { "memory", "cpu", "pids", "devices", "blockIO", NULL };
  static const char *const mem[] = { "limit", "swap", "reservation", NULL };
  static const char *const cpu[]
      = { "shares", "quota", "period", "cpus", "mems", "realtimePeriod", "realtimeRuntime", NULL };
  static const char *const pids[] = { "limit", NULL };
  yajl_val m, c, p;
  const char *cpus, *mems;

  canon_keys (r, top);
  m = json_get_obj (r, "memory");
  c = json_get_obj (r, "cpu");
  p = json_get_obj (r, "pids");
  canon_keys (m, mem);
  canon_keys (c, cpu);
  canon_keys (p, pids);
  cpus = json_get_str (c, "cpus");
  mems = json_get_str (c, "mems");
  /* runc's wording where it refuses them (a cgroup v1 host) */
  if (json_get_obj (r, "unified") && json_get_obj (r, "unified")->u.object.len)
    return cl_fail (err, ENOTSUP,
                    "invalid configuration: linux.resources.unified (cgroup v2 files) is not "
                    "supported by this runtime");
  if (only_known_keys (r, "linux.resources", top, err) < 0
      || only_known_keys (m, "linux.resources.memory", mem, err) < 0
      || only_known_keys (c, "linux.resources.cpu", cpu, err) < 0
      || only_known_keys (p, "linux.resources.pids", pids, err) < 0
      || parse_blkio (json_get (r, "blockIO"), res, err) < 0)
    return -1;
  json_get_int (m, "limit", &res->memory_limit);
  json_get_int (m, "swap", &res->memory_swap);
  json_get_int (m, "reservation", &res->memory_reservation);
  get_ulong (c, "shares", &res->cpu_shares);
  get_ulong (c, "period", &res->cpu_period);
  json_get_int (c, "quota", &res->cpu_quota);
  get_ulong (c, "realtimePeriod", &res->cpu_rt_period);
  json_get_int (c, "realtimeRuntime", &res->cpu_rt_runtime);
  json_get_int (p, "limit", &res->pids_limit);
  res->cpuset_cpus = cpus && *cpus ? xstrdup (cpus) : NULL;
  res->cpuset_mems = mems && *mems ? xstrdup (mems) : NULL;
  return 0;
}

void
spec_resources_clear (struct spec_resources *r)
{
  free (r->cpuset_cpus);
  free (r->cpuset_mems);
  for (int l = 0; l < SPEC_BLKIO_N; l++)
    free (r->blkio_devs[l]);
  *r = (struct spec_resources){ 0 };
}

bool
spec_resources_have_blkio (const struct spec_resources *r)
{
  bool devs = false;

  for (int l = 0; l < SPEC_BLKIO_N; l++)
    devs = devs || r->n_blkio_devs[l];
  return r->blkio_weight || r->blkio_leaf_weight || devs;
}

/* A device named twice keeps the last of each value, as the kernel
   would after writing both. */
void
spec_blkio_dev_put (struct spec_resources *r, enum spec_blkio_list list,
                    const struct spec_blkio_dev *dev)
{
  struct spec_blkio_dev *d = r->blkio_devs[list];
  size_t i = 0;

  while (i < r->n_blkio_devs[list] && (d[i].major != dev->major || d[i].minor != dev->minor))
    i++;
  if (i == r->n_blkio_devs[list])
    {
      r->blkio_devs[list] = d = xrealloc (d, (i + 1) * sizeof *d);
      d[r->n_blkio_devs[list]++] = *dev;
      return;
    }
  if (list != SPEC_BLKIO_WEIGHT_DEVICE)
    d[i].rate = dev->rate;
  if (dev->weight)
    d[i].weight = dev->weight;
  if (dev->leaf_weight)
    d[i].leaf_weight = dev->leaf_weight;
}

int
spec_resources_from_json (const char *text, struct spec_resources *res, struct cl_error *err)
{
  cleanup_json yajl_val doc = NULL;

  if (json_parse (text, &doc, err) < 0)
    return -1;
  if (!YAJL_IS_OBJECT (doc))
    return cl_fail (err, EINVAL, "the resources are not a JSON object");
  return parse_resources (doc, res, err);
}

/* linux.devices: a node of the host's at the same path, of the same type
   and numbers, is bound in (a user namespace cannot mknod, and /dev is
   nodev); the device cgroup still decides whether it opens.  A device
   the host has not is refused. */
static int
parse_devices (yajl_val arr, struct spec *s, struct cl_error *err)
{
  static char *const standard[] = { "/dev/null",    "/dev/zero", "/dev/full", "/dev/random",
                                    "/dev/urandom", "/dev/tty",  "/dev/ptmx", NULL };

  s->dev_paths = xcalloc (1, sizeof (char *));
  for (size_t i = 0; arr && YAJL_IS_ARRAY (arr) && i < arr->u.array.len; i++)
    {
      yajl_val d = arr->u.array.values[i];
      const char *path = json_get_str (d, "path"), *type = json_get_str (d, "type");
      long long major = -1, minor = -1;
      struct stat st;
      json_get_int (d, "major", &major);
      json_get_int (d, "minor", &minor);
      if (!path || strncmp (path, "/dev/", 5) != 0 || strstr (path, "..") || !type
          || (strcmp (type, "c") != 0 && strcmp (type, "u") != 0 && strcmp (type, "b") != 0))
        return cl_fail (err, ENOTSUP,
                        "linux.devices[%zu]: a character or block device below /dev is supported",
                        i);
      if (stat (path, &st) < 0 || (type[0] == 'b' ? !S_ISBLK (st.st_mode) : !S_ISCHR (st.st_mode))
          || (long long)major (st.st_rdev) != major || (long long)minor (st.st_rdev) != minor)
        return cl_fail (err, ENOTSUP,
                        "linux.devices[%zu]: %s: no such device (%s %lld:%lld) on the host to bind "
                        "(this runtime binds the host's nodes, never mknods)",
                        i, path, type, major, minor);
      /* the standard ones are there already (ptmx: the devpts one) */
      if (!strv_contains (standard, path))
        strv_append (&s->dev_paths, path);
    }
  return 0;
}

static int
parse_linux (yajl_val l, struct spec *s, struct cl_error *err)
{
  s->masked_paths = strv_or_empty (l, "maskedPaths");
  s->readonly_paths = strv_or_empty (l, "readonlyPaths");
  if (json_get_obj (l, "seccomp"))
    {
      s->seccomp = xcalloc (1, sizeof *s->seccomp);
      if (parse_seccomp (json_get_obj (l, "seccomp"), false, s->seccomp, err) < 0)
        return cl_wrap (err, "linux");
    }
  if (parse_namespaces (json_get_arr (l, "namespaces"), s, err) < 0
      || parse_maps (json_get_arr (l, "uidMappings"), &s->uid_maps, &s->n_uid_maps, err) < 0
      || parse_maps (json_get_arr (l, "gidMappings"), &s->gid_maps, &s->n_gid_maps, err) < 0
      || parse_resources (json_get_obj (l, "resources"), &s->resources, err) < 0
      || parse_dev_rules (json_get_arr (json_get_obj (l, "resources"), "devices"), s, err) < 0
      || parse_devices (json_get_arr (l, "devices"), s, err) < 0)
    return -1;
  if ((s->namespaces & NS_USER) && (!s->n_uid_maps || !s->n_gid_maps))
    return cl_fail (err, EINVAL, "a user namespace needs uidMappings and gidMappings");
  if (json_get_str (l, "cgroupsPath") && *json_get_str (l, "cgroupsPath"))
    {
      const char *cp = json_get_str (l, "cgroupsPath");
      /* systemd's "slice:prefix:name" needs systemd; ".." would leave the hierarchy. */
      if (strchr (cp, ':'))
        return cl_fail (err, ENOTSUP,
                        "linux.cgroupsPath \"%s\": systemd cgroup paths are not supported "
                        "(cgroupfs only)",
                        cp);
      if (strstr (cp, ".."))
        return cl_fail (err, EINVAL, "linux.cgroupsPath \"%s\" has ..", cp);
      s->cgroups_path = xstrdup (cp);
    }
  return 0;
}

static const char *const hook_names[SPEC_HOOK_N]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static int
parse_hooks (yajl_val h, struct spec *s, struct cl_error *err)
{
  for (int k = 0; k < SPEC_HOOK_N; k++)
    {
      yajl_val arr = json_get_arr (h, hook_names[k]);
      size_t n = arr ? arr->u.array.len : 0;
      s->hooks[k] = xcalloc (n + 1, sizeof *s->hooks[k]);
      for (size_t i = 0; i < n; i++)
        {
          yajl_val v = arr->u.array.values[i];
          const char *path = json_get_str (v, "path");
          struct spec_hook *o = &s->hooks[k][s->n_hooks[k]];
          long long t = 0;
          if (!path || path[0] != '/')
            return cl_fail (err, EINVAL, "hooks.%s[%zu].path must be an absolute path",
                            hook_names[k], i);
          if (json_get_int (v, "timeout", &t) && t <= 0)
            return cl_fail (err, EINVAL, "hooks.%s[%zu].timeout must be positive", hook_names[k],
                            i);
          o->path = xstrdup (path);
          o->args = json_get_strv (v, "args");
          o->env = json_get_strv (v, "env");
          o->timeout = t;
          s->n_hooks[k]++;
        }
    }
  if (h && YAJL_IS_OBJECT (h))
    for (size_t i = 0; i < h->u.object.len; i++)
      {
        int k = 0;
        while (k < SPEC_HOOK_N && strcmp (hook_names[k], h->u.object.keys[i]) != 0)
          k++;
        if (k == SPEC_HOOK_N)
          return cl_fail (err, ENOTSUP, "hooks.%s is not supported", h->u.object.keys[i]);
      }
  return 0;
}

int
spec_from_json (const char *text, struct spec *s, struct cl_error *err)
{
  cleanup_json yajl_val doc = NULL;
  const char *version, *hostname;
  yajl_val root;

  memset (s, 0, sizeof *s);
  if (json_parse (text, &doc, err) < 0)
    return -1;
  version = json_get_str (doc, "ociVersion");
  if (!version || !str_has_prefix (version, "1."))
    return cl_fail (err, EINVAL, "ociVersion \"%s\" is not 1.x", version ? version : "");
  if (parse_hooks (json_get_obj (doc, "hooks"), s, err) < 0)
    return -1;
  root = json_get_obj (doc, "root");
  if (!json_get_str (root, "path"))
    return cl_fail (err, EINVAL, "config.json has no root.path");
  s->root_path = xstrdup (json_get_str (root, "path"));
  s->root_readonly = json_get_bool (root, "readonly");
  hostname = json_get_str (doc, "hostname");
  s->hostname = xstrdup (hostname ? hostname : "");
  s->init = strcmp (json_get_str (json_get_obj (doc, "annotations"), SPEC_ANNOTATION_INIT) ?: "",
                    "true")
            == 0;
  if (json_get_str (json_get_obj (doc, "annotations"), SPEC_ANNOTATION_SECCOMP))
    s->seccomp_profile
        = xstrdup (json_get_str (json_get_obj (doc, "annotations"), SPEC_ANNOTATION_SECCOMP));
  if (parse_process (json_get_obj (doc, "process"), s, err) < 0
      || parse_mounts (json_get_arr (doc, "mounts"), s, err) < 0)
    return -1;
  return parse_linux (json_get_obj (doc, "linux"), s, err);
}

static void
clear_process (struct spec *s)
{
  strv_free (s->args);
  strv_free (s->env);
  strv_free (s->caps);
  free (s->cwd);
  free (s->groups);
  for (size_t i = 0; i < s->n_rlimits; i++)
    free (s->rlimits[i].type);
  free (s->rlimits);
  s->args = s->env = s->caps = NULL;
  s->cwd = NULL;
  s->groups = NULL;
  s->rlimits = NULL;
  s->n_groups = s->n_rlimits = 0;
  s->terminal = s->no_new_privs = s->has_oom_score_adj = false;
  s->console_rows = s->console_cols = 0;
}

int
spec_process_from_json (const char *text, struct spec *s, struct cl_error *err)
{
  cleanup_json yajl_val doc = NULL;

  if (json_parse (text, &doc, err) < 0)
    return -1;
  clear_process (s);
  return parse_process (doc, s, err);
}

int
bundle_load (const char *dir, struct spec *s, struct cl_error *err)
{
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *text = NULL, *abs = NULL;

  memset (s, 0, sizeof *s);
  if (dfd < 0)
    return cl_fail (err, errno, "bundle %s", dir);
  if (read_file_at (dfd, "config.json", CONFIG_JSON_MAX, &text, NULL, err) < 0)
    return cl_wrap (err, "bundle %s", dir);
  if (spec_from_json (text, s, err) < 0)
    return cl_wrap (err, "%s/config.json", dir);
  abs = realpath (dir, NULL);
  if (!abs)
    return cl_fail (err, errno, "bundle %s", dir);
  if (s->root_path[0] != '/')
    {
      char *p = xasprintf ("%s/%s", abs, s->root_path);
      free (s->root_path);
      s->root_path = p;
    }
  return 0;
}

static void
sc_cond_clear (struct spec_sc_cond *c)
{
  strv_free (c->caps);
  strv_free (c->arches);
  free (c->min_kernel);
}

void
spec_seccomp_clear (struct spec_seccomp *sc)
{
  strv_free (sc->arches);
  free (sc->listener_path);
  free (sc->listener_metadata);
  for (size_t i = 0; i < sc->n_arch_map; i++)
    {
      free (sc->arch_map[i].arch);
      strv_free (sc->arch_map[i].subs);
    }
  free (sc->arch_map);
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      strv_free (sc->rules[i].names);
      free (sc->rules[i].args);
      sc_cond_clear (&sc->rules[i].includes);
      sc_cond_clear (&sc->rules[i].excludes);
    }
  free (sc->rules);
  memset (sc, 0, sizeof *sc);
}

void
spec_clear (struct spec *s)
{
  strv_free (s->args);
  strv_free (s->env);
  free (s->cwd);
  free (s->groups);
  free (s->hostname);
  free (s->root_path);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      free (s->mounts[i].destination);
      free (s->mounts[i].type);
      free (s->mounts[i].source);
      strv_free (s->mounts[i].options);
    }
  free (s->mounts);
  strv_free (s->masked_paths);
  strv_free (s->dev_paths);
  strv_free (s->readonly_paths);
  strv_free (s->caps);
  for (size_t i = 0; i < s->n_rlimits; i++)
    free (s->rlimits[i].type);
  free (s->rlimits);
  free (s->uid_maps);
  free (s->gid_maps);
  if (s->seccomp)
    spec_seccomp_clear (s->seccomp);
  free (s->seccomp);
  free (s->seccomp_profile);
  free (s->net_path);
  free (s->cgroups_path);
  for (int k = 0; k < SPEC_HOOK_N; k++)
    {
      for (size_t i = 0; i < s->n_hooks[k]; i++)
        {
          free (s->hooks[k][i].path);
          strv_free (s->hooks[k][i].args);
          strv_free (s->hooks[k][i].env);
        }
      free (s->hooks[k]);
    }
  spec_resources_clear (&s->resources);
  free (s->dev_rules);
  memset (s, 0, sizeof *s);
}

static void
gen_maps (yajl_gen g, const char *key, const struct spec_idmap *m, size_t n)
{
  jg_str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      jg_kint (g, "containerID", (long long)m[i].container);
      jg_kint (g, "hostID", (long long)m[i].host);
      jg_kint (g, "size", (long long)m[i].size);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
gen_process (yajl_gen g, const struct spec *s)
{
  static const char *cap_sets[] = { "bounding", "effective", "permitted" };

  jg_str (g, "process");
  yajl_gen_map_open (g);
  jg_kbool (g, "terminal", s->terminal);
  if (s->terminal && s->console_rows && s->console_cols)
    {
      jg_str (g, "consoleSize");
      yajl_gen_map_open (g);
      jg_kint (g, "height", s->console_rows);
      jg_kint (g, "width", s->console_cols);
      yajl_gen_map_close (g);
    }
  jg_str (g, "user");
  yajl_gen_map_open (g);
  jg_kint (g, "uid", s->uid);
  jg_kint (g, "gid", s->gid);
  jg_str (g, "additionalGids");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < s->n_groups; i++)
    yajl_gen_integer (g, s->groups[i]);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  jg_kstrv (g, "args", s->args);
  jg_kstrv (g, "env", s->env);
  jg_kstr (g, "cwd", s->cwd);
  jg_str (g, "capabilities");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < 3; i++)
    jg_kstrv (g, cap_sets[i], s->caps);
  yajl_gen_map_close (g);
  jg_str (g, "rlimits");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < s->n_rlimits; i++)
    {
      yajl_gen_map_open (g);
      jg_kstr (g, "type", s->rlimits[i].type);
      jg_kint (g, "hard", (long long)s->rlimits[i].hard);
      jg_kint (g, "soft", (long long)s->rlimits[i].soft);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  jg_kbool (g, "noNewPrivileges", s->no_new_privs);
  if (s->has_oom_score_adj)
    jg_kint (g, "oomScoreAdj", s->oom_score_adj);
  yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, const struct spec *s)
{
  jg_str (g, "mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      yajl_gen_map_open (g);
      jg_kstr (g, "destination", s->mounts[i].destination);
      jg_kstr (g, "type", s->mounts[i].type);
      jg_kstr (g, "source", s->mounts[i].source);
      jg_kstrv (g, "options", s->mounts[i].options);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
jg_kuint (yajl_gen g, const char *key, unsigned long long v)
{
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%llu", v);

  jg_str (g, key);
  yajl_gen_number (g, buf, (size_t)n);
}

static void
gen_sc_action (yajl_gen g, const char *akey, const char *rkey, enum spec_sc_action a, unsigned ret)
{
  jg_kstr (g, akey, sc_action_names[a]);
  if (a == SC_ACT_ERRNO || a == SC_ACT_TRACE)
    jg_kuint (g, rkey, ret);
}

static void
gen_seccomp (yajl_gen g, const struct spec_seccomp *sc)
{
  jg_str (g, "seccomp");
  yajl_gen_map_open (g);
  gen_sc_action (g, "defaultAction", "defaultErrnoRet", sc->default_action, sc->default_ret);
  jg_kstrv (g, "architectures", sc->arches);
  jg_str (g, "syscalls");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      const struct spec_sc_rule *r = &sc->rules[i];
      yajl_gen_map_open (g);
      jg_kstrv (g, "names", r->names);
      gen_sc_action (g, "action", "errnoRet", r->action, r->ret);
      jg_str (g, "args");
      yajl_gen_array_open (g);
      for (size_t k = 0; k < r->n_args; k++)
        {
          yajl_gen_map_open (g);
          jg_kuint (g, "index", r->args[k].index);
          jg_kuint (g, "value", r->args[k].value);
          jg_kuint (g, "valueTwo", r->args[k].value_two);
          jg_kstr (g, "op", sc_op_names[r->args[k].op]);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

/* Only what is set: an absent key means "not set". */
static void
gen_dev_rules (yajl_gen g, const struct spec_dev_rule *d, size_t n)
{
  char type[2] = { 0 };

  if (!n)
    return;
  jg_str (g, "devices");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      jg_kbool (g, "allow", d[i].allow);
      type[0] = d[i].type;
      jg_kstr (g, "type", type);
      if (d[i].major >= 0)
        jg_kint (g, "major", d[i].major);
      if (d[i].minor >= 0)
        jg_kint (g, "minor", d[i].minor);
      jg_kstr (g, "access", d[i].access);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

/* blockIO, where anything of it is set. */
static void
gen_blkio (yajl_gen g, const struct spec_resources *r)
{
  if (!spec_resources_have_blkio (r))
    return;
  jg_str (g, "blockIO");
  yajl_gen_map_open (g);
  jg_kint_set (g, "weight", r->blkio_weight);
  jg_kint_set (g, "leafWeight", r->blkio_leaf_weight);
  for (int l = 0; l < SPEC_BLKIO_N; l++)
    {
      if (!r->n_blkio_devs[l])
        continue;
      jg_str (g, blkio_lists[l]);
      yajl_gen_array_open (g);
      for (size_t i = 0; i < r->n_blkio_devs[l]; i++)
        {
          const struct spec_blkio_dev *d = &r->blkio_devs[l][i];
          yajl_gen_map_open (g);
          jg_kint (g, "major", d->major);
          jg_kint (g, "minor", d->minor);
          if (l != SPEC_BLKIO_WEIGHT_DEVICE)
            jg_kint (g, "rate", (long long)d->rate);
          jg_kint_set (g, "weight", d->weight);
          jg_kint_set (g, "leafWeight", d->leaf_weight);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

char *
spec_resources_to_json (const struct spec_resources *r, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);

  yajl_gen_map_open (g);
  jg_str (g, "memory");
  yajl_gen_map_open (g);
  jg_kint (g, "limit", r->memory_limit);
  jg_kint (g, "swap", r->memory_swap);
  jg_kint (g, "reservation", r->memory_reservation);
  yajl_gen_map_close (g);
  jg_str (g, "cpu");
  yajl_gen_map_open (g);
  jg_kint (g, "shares", (long long)r->cpu_shares);
  jg_kint (g, "quota", r->cpu_quota);
  jg_kint (g, "period", (long long)r->cpu_period);
  jg_kint (g, "realtimePeriod", (long long)r->cpu_rt_period);
  jg_kint (g, "realtimeRuntime", r->cpu_rt_runtime);
  if (r->cpuset_cpus)
    jg_kstr (g, "cpus", r->cpuset_cpus);
  if (r->cpuset_mems)
    jg_kstr (g, "mems", r->cpuset_mems);
  yajl_gen_map_close (g);
  jg_str (g, "pids");
  yajl_gen_map_open (g);
  jg_kint (g, "limit", r->pids_limit);
  yajl_gen_map_close (g);
  gen_blkio (g, r);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

static void
gen_resources (yajl_gen g, const struct spec_resources *r, const struct spec_dev_rule *d,
               size_t n_dev)
{
  jg_str (g, "resources");
  yajl_gen_map_open (g);
  gen_dev_rules (g, d, n_dev);
  if (r->memory_limit || r->memory_swap || r->memory_reservation)
    {
      jg_str (g, "memory");
      yajl_gen_map_open (g);
      jg_kint_set (g, "limit", r->memory_limit);
      jg_kint_set (g, "swap", r->memory_swap);
      jg_kint_set (g, "reservation", r->memory_reservation);
      yajl_gen_map_close (g);
    }
  if (r->cpu_shares || r->cpu_period || r->cpu_quota || r->cpuset_cpus || r->cpuset_mems)
    {
      jg_str (g, "cpu");
      yajl_gen_map_open (g);
      jg_kint_set (g, "shares", (long long)r->cpu_shares);
      jg_kint_set (g, "quota", r->cpu_quota);
      jg_kint_set (g, "period", (long long)r->cpu_period);
      if (r->cpuset_cpus)
        jg_kstr (g, "cpus", r->cpuset_cpus);
      if (r->cpuset_mems)
        jg_kstr (g, "mems", r->cpuset_mems);
      yajl_gen_map_close (g);
    }
  if (r->pids_limit)
    {
      jg_str (g, "pids");
      yajl_gen_map_open (g);
      jg_kint (g, "limit", r->pids_limit);
      yajl_gen_map_close (g);
    }
  gen_blkio (g, r);
  yajl_gen_map_close (g);
}

static void
gen_linux (yajl_gen g, const struct spec *s)
{
  static const struct
  {
    unsigned bit;
    const char *name;
  } ns[] = { { NS_PID, "pid" },     { NS_NET, "network" },   { NS_IPC, "ipc" },  { NS_UTS, "uts" },
             { NS_MOUNT, "mount" }, { NS_CGROUP, "cgroup" }, { NS_USER, "user" } };

  jg_str (g, "linux");
  yajl_gen_map_open (g);
  jg_str (g, "namespaces");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
    if (s->namespaces & ns[i].bit)
      {
        yajl_gen_map_open (g);
        jg_kstr (g, "type", ns[i].name);
        yajl_gen_map_close (g);
      }
  if (s->net_path)
    {
      yajl_gen_map_open (g);
      jg_kstr (g, "type", "network");
      jg_kstr (g, "path", s->net_path);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  if (s->cgroups_path)
    jg_kstr (g, "cgroupsPath", s->cgroups_path);
  gen_resources (g, &s->resources, s->dev_rules, s->n_dev_rules);
  if (s->namespaces & NS_USER)
    {
      gen_maps (g, "uidMappings", s->uid_maps, s->n_uid_maps);
      gen_maps (g, "gidMappings", s->gid_maps, s->n_gid_maps);
    }
  jg_kstrv (g, "maskedPaths", s->masked_paths);
  jg_kstrv (g, "readonlyPaths", s->readonly_paths);
  if (s->seccomp)
    gen_seccomp (g, s->seccomp);
  yajl_gen_map_close (g);
}

char *
spec_to_json (const struct spec *s, bool pretty, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (pretty);

  yajl_gen_map_open (g);
  jg_kstr (g, "ociVersion", "1.0.2");
  gen_process (g, s);
  jg_str (g, "root");
  yajl_gen_map_open (g);
  jg_kstr (g, "path", s->root_path);
  jg_kbool (g, "readonly", s->root_readonly);
  yajl_gen_map_close (g);
  jg_kstr (g, "hostname", s->hostname);
  gen_mounts (g, s);
  gen_linux (g, s);
  /* The built-in init is ours, not the runtime-spec's: an annotation. */
  jg_str (g, "annotations");
  yajl_gen_map_open (g);
  jg_kstr (g, SPEC_ANNOTATION_INIT, s->init ? "true" : "false");
  if (s->seccomp_profile)
    jg_kstr (g, SPEC_ANNOTATION_SECCOMP, s->seccomp_profile);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

int
bundle_write_config (const char *dir, const struct spec *s, bool pretty, struct cl_error *err)
{
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  return bundle_write_config_at (dfd, s, pretty, err);
}

int
bundle_write_config_at (int dfd, const struct spec *s, bool pretty, struct cl_error *err)
{
  size_t len;
  cleanup_free char *json = spec_to_json (s, pretty, &len);

  return write_file_atomic_at (dfd, "config.json", json, len, 0600, false, err);
}
