#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cnb.h"
#include "json.h"
#include "scprofile.h"
#include "util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NOFILE_WANTED 1048576ULL

/* Every capability Linux 6.x knows, in bit order. */
static const char *all_caps[] = { "CAP_CHOWN",
                                  "CAP_DAC_OVERRIDE",
                                  "CAP_DAC_READ_SEARCH",
                                  "CAP_FOWNER",
                                  "CAP_FSETID",
                                  "CAP_KILL",
                                  "CAP_SETGID",
                                  "CAP_SETUID",
                                  "CAP_SETPCAP",
                                  "CAP_LINUX_IMMUTABLE",
                                  "CAP_NET_BIND_SERVICE",
                                  "CAP_NET_BROADCAST",
                                  "CAP_NET_ADMIN",
                                  "CAP_NET_RAW",
                                  "CAP_IPC_LOCK",
                                  "CAP_IPC_OWNER",
                                  "CAP_SYS_MODULE",
                                  "CAP_SYS_RAWIO",
                                  "CAP_SYS_CHROOT",
                                  "CAP_SYS_PTRACE",
                                  "CAP_SYS_PACCT",
                                  "CAP_SYS_ADMIN",
                                  "CAP_SYS_BOOT",
                                  "CAP_SYS_NICE",
                                  "CAP_SYS_RESOURCE",
                                  "CAP_SYS_TIME",
                                  "CAP_SYS_TTY_CONFIG",
                                  "CAP_MKNOD",
                                  "CAP_LEASE",
                                  "CAP_AUDIT_WRITE",
                                  "CAP_AUDIT_CONTROL",
                                  "CAP_SETFCAP",
                                  "CAP_MAC_OVERRIDE",
                                  "CAP_MAC_ADMIN",
                                  "CAP_SYSLOG",
                                  "CAP_WAKE_ALARM",
                                  "CAP_BLOCK_SUSPEND",
                                  "CAP_AUDIT_READ",
                                  "CAP_PERFMON",
                                  "CAP_BPF",
                                  "CAP_CHECKPOINT_RESTORE",
                                  NULL };
static const char *none[] = { NULL };

/* Docker's default set, but for CAP_MKNOD: a node made with it opens
   only where the device cgroup allows (devcgroup.h) — and only on a
   mount without nodev —, but making none is simpler still.  --cap-add
   MKNOD gives it. */
static const char *default_caps[] = {
  "CAP_CHOWN",      "CAP_DAC_OVERRIDE", "CAP_FSETID",      "CAP_FOWNER",  "CAP_NET_RAW",
  "CAP_SETGID",     "CAP_SETUID",       "CAP_SETFCAP",     "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT", "CAP_KILL",         "CAP_AUDIT_WRITE", NULL
};

/* podman's default masked and read-only paths. */
static const char *masked_paths[]
    = { "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",    "/sys/fs/selinux",   "/sys/dev/block",    NULL };
static const char *readonly_paths[]
    = { "/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
        "/proc/sys",    "/proc/sysrq-trigger", NULL };

static char **
strv_copy (const char *const *v)
{
  char **r = xcalloc (1, sizeof (char *));
  for (size_t i = 0; v && v[i]; i++)
    strv_append (&r, v[i]);
  return r;
}

/* Docker's rules: --entrypoint replaces the image's Entrypoint and drops
   its Cmd; trailing arguments replace Cmd. */
char **
spec_merge_args (char *const *img_entrypoint, char *const *img_cmd, const struct spec_opts *o)
{
  char **args = xcalloc (1, sizeof (char *));
  char *const *cmd = img_cmd;

  if (o->entrypoint_set)
    {
      if (o->entrypoint && *o->entrypoint)
        strv_append (&args, o->entrypoint);
      cmd = NULL;
    }
  else
    for (size_t i = 0; img_entrypoint && img_entrypoint[i]; i++)
      strv_append (&args, img_entrypoint[i]);
  if (o->args && o->args[0])
    cmd = o->args;
  for (size_t i = 0; cmd && cmd[i]; i++)
    strv_append (&args, cmd[i]);
  return args;
}

static size_t
env_name_len (const char *kv)
{
  const char *eq = strchr (kv, '=');
  return eq ? (size_t)(eq - kv) : strlen (kv);
}

/* Set NAME=VALUE, replacing an earlier NAME. */
static void
env_set (char ***env, const char *kv)
{
  size_t n = env_name_len (kv);

  for (size_t i = 0; (*env)[i]; i++)
    if (env_name_len ((*env)[i]) == n && strncmp ((*env)[i], kv, n) == 0)
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  strv_append (env, kv);
}

/* "NAME=VALUE" as is; a bare "NAME" takes the caller's value, or is
   dropped when the caller has none (as docker does). */
static void
env_apply (char ***env, const char *item)
{
  const char *host;
  cleanup_free char *kv = NULL;

  if (strchr (item, '='))
    {
      env_set (env, item);
      return;
    }
  host = getenv (item);
  if (!host)
    return;
  kv = xasprintf ("%s=%s", item, host);
  env_set (env, kv);
}

static int
env_file_apply (char ***env, const char *file, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  char *save = NULL;

  if (read_file_at (AT_FDCWD, file, 1 << 20, &buf, NULL, err) < 0)
    return cl_wrap (err, "--env-file");
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      size_t n = strlen (line);
      while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '=')
        return cl_fail (err, 0, "--env-file %s: variable without a name: \"%s\"", file, line);
      env_apply (env, line);
    }
  return 0;
}

int
spec_merge_env (char *const *img_env, const struct spec_opts *o, char ***out, struct cl_error *err)
{
  char **env = xcalloc (1, sizeof (char *));

  for (size_t i = 0; img_env && img_env[i]; i++)
    env_set (&env, img_env[i]);
  for (size_t i = 0; o->env_files && o->env_files[i]; i++)
    if (env_file_apply (&env, o->env_files[i], err) < 0)
      {
        strv_free (env);
        return -1;
      }
  for (size_t i = 0; o->env && o->env[i]; i++)
    env_apply (&env, o->env[i]);
  *out = env;
  return 0;
}

bool
spec_env_has (char *const *env, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; env[i]; i++)
    if (strncmp (env[i], name, n) == 0 && env[i][n] == '=')
      return true;
  return false;
}

static bool
parse_id (const char *s, unsigned long *out)
{
  char *end;
  if (!*s || *s == '-')
    return false;
  errno = 0;
  *out = strtoul (s, &end, 10);
  return errno == 0 && *end == '\0' && *out < 4294967295UL;
}

/* Find `key` (name or number, in field 0 or 2) in a passwd/group text;
   copies the matching line's fields into f[0..max). */
static bool
find_entry (const char *text, const char *key, bool by_id, char f[][256], int max)
{
  const char *line = text;

  while (line && *line)
    {
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t)(nl - line) : strlen (line);
      char buf[1024];
      int n = 0;
      char *save = NULL;
      snprintf (buf, sizeof buf, "%.*s", (int)len, line);
      for (char *p = buf, *tok; n < max && (tok = strsep (&p, ":"));)
        snprintf (f[n++], 256, "%s", tok);
      (void)save;
      if (n >= 3 && strcmp (by_id ? f[2] : f[0], key) == 0)
        return true;
      line = nl ? nl + 1 : NULL;
    }
  return false;
}

static int
resolve_group (const char *g, const char *group, gid_t *gid, struct cl_error *err)
{
  unsigned long id;
  char f[4][256];

  if (parse_id (g, &id))
    {
      *gid = (gid_t)id;
      return 0;
    }
  if (!group || !find_entry (group, g, false, f, 4) || !parse_id (f[2], &id))
    return cl_fail (err, 0, "unable to find group %s: no matching entries in group file", g);
  *gid = (gid_t)id;
  return 0;
}

/* Groups whose member list names the user (docker's additional groups). */
static void
supplementary_groups (const char *name, gid_t primary, const char *group, gid_t **groups, size_t *n)
{
  const char *line = group;

  /* As initgroups(3): the primary group, then those naming the user. */
  *groups = xmalloc (sizeof (gid_t));
  (*groups)[0] = primary;
  *n = 1;
  while (name && line && *line)
    {
      const char *nl = strchr (line, '\n');
      char buf[1024], *f[4] = { 0 }, *p = buf;
      unsigned long id;
      int k = 0;
      snprintf (buf, sizeof buf, "%.*s", (int)(nl ? (size_t)(nl - line) : strlen (line)), line);
      while (k < 4 && (f[k] = strsep (&p, ":")))
        k++;
      if (k == 4 && parse_id (f[2], &id))
        for (char *m = strtok_r (f[3], ",", &p); m; m = strtok_r (NULL, ",", &p))
          if (strcmp (m, name) == 0)
            {
              if ((gid_t)id == primary)
                continue;
              *groups = xrealloc (*groups, (*n + 1) * sizeof (gid_t));
              (*groups)[(*n)++] = (gid_t)id;
            }
      line = nl ? nl + 1 : NULL;
    }
}

int
spec_resolve_user (const char *user, const char *passwd, const char *group, uid_t *uid, gid_t *gid,
                   gid_t **groups, size_t *n_groups, struct cl_error *err)
{
  cleanup_free char *u = xstrdup (user && *user ? user : "0");
  char *colon = strchr (u, ':');
  char f[7][256];
  unsigned long id;
  bool found;

  *groups = NULL;
  *n_groups = 0;
  if (colon)
    *colon = '\0';
  if (parse_id (u, &id))
    {
      found = passwd && find_entry (passwd, u, true, f, 7);
      *uid = (uid_t)id;
      *gid = 0;
    }
  else
    {
      found = passwd && find_entry (passwd, u, false, f, 7) && parse_id (f[2], &id);
      if (!found)
        return cl_fail (err, 0, "unable to find user %s: no matching entries in passwd file", u);
      *uid = (uid_t)id;
    }
  if (found && parse_id (f[3], &id))
    *gid = (gid_t)id;
  if (colon)
    {
      if (resolve_group (colon + 1, group, gid, err) < 0)
        return -1;
      *groups = xmalloc (sizeof (gid_t));
      (*groups)[0] = *gid;
      *n_groups = 1;
      return 0;
    }
  supplementary_groups (found ? f[0] : NULL, *gid, group, groups, n_groups);
  return 0;
}

static void
add_mount (struct spec *s, const char *dest, const char *type, const char *src, const char *opts)
{
  struct spec_mount *m;
  cleanup_free char *copy = xstrdup (opts);
  char *save = NULL;

  s->mounts = xrealloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  m = &s->mounts[s->n_mounts++];
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (src);
  m->options = xcalloc (1, sizeof (char *));
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    strv_append (&m->options, t);
}

/* /etc/resolv.conf, /etc/hostname, /etc/hosts from etc_dir (podman's
   way: the container may edit them; the image's stay untouched). */
static void
etc_mounts (struct spec *s, const struct spec_opts *o)
{
  static const char *files[] = { "resolv.conf", "hostname", "hosts" };

  for (size_t i = 0; o->etc_dir && i < sizeof files / sizeof files[0]; i++)
    {
      cleanup_free char *src = xasprintf ("%s/%s", o->etc_dir, files[i]);
      cleanup_free char *dst = xasprintf ("/etc/%s", files[i]);
      if (strcmp (files[i], "hosts") != 0 || !o->no_hosts)
        add_mount (s, dst, "bind", src, "rbind,rw,nosuid,nodev,noexec");
    }
}

/* The device cgroup's rule for a --device node: its PERMS (default rwm). */
static int
device_rule (struct spec *s, const char *host, const char *perms, struct cl_error *err)
{
  struct stat st;

  if (stat (host, &st) < 0)
    return cl_fail (err, errno, "--device %s", host);
  if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
    return cl_fail (err, EINVAL, "--device %s: not a device node", host);
  spec_add_dev_rule (s, true, S_ISCHR (st.st_mode) ? 'c' : 'b', major (st.st_rdev),
                     minor (st.st_rdev), perms && *perms ? perms : "rwm");
  return 0;
}

/* --device HOST[:CONTAINER[:PERMS]]: the host's node bound in (/dev is
   nodev; the bind is not), and allowed in the device cgroup with PERMS
   ("rwm"). */
static int
device_mounts (struct spec *s, const struct spec_opts *o, struct cl_error *err)
{
  /* runc's template starts so too: a bundle says it denies the rest. */
  spec_add_dev_rule (s, false, 'a', -1, -1, "rwm");
  for (size_t i = 0; o->devices && o->devices[i]; i++)
    {
      cleanup_free char *copy = xstrdup (o->devices[i]);
      char *dst = strchr (copy, ':'), *perms = NULL;
      if (dst)
        {
          *dst++ = '\0';
          perms = strchr (dst, ':');
          if (perms)
            *perms++ = '\0';
          if (!perms && strspn (dst, "rwm") == strlen (dst) && dst[0] != '/')
            perms = dst, dst = NULL;
        }
      if (copy[0] != '/' || (dst && dst[0] != '/')
          || (perms && strspn (perms, "rwm") != strlen (perms)))
        return cl_fail (err, 0,
                        "invalid --device %s: want HOST[:CONTAINER[:rwm]] with absolute paths",
                        o->devices[i]);
      if (device_rule (s, copy, perms, err) < 0)
        return -1;
      add_mount (s, dst ? dst : copy, "bind", copy, "bind,nosuid,noexec");
    }
  /* --privileged: every device, as docker allows them. */
  if (o->privileged)
    spec_add_dev_rule (s, true, 'a', -1, -1, "rwm");
  return 0;
}

static void
default_mounts (struct spec *s, const struct spec_opts *o)
{
  cleanup_free char *shm = xasprintf ("nosuid,noexec,nodev,mode=1777,size=%lldk",
                                      o->shm_size > 0 ? (o->shm_size + 1023) / 1024 : 65536);

  add_mount (s, "/proc", "proc", "proc", "nosuid,noexec,nodev");
  /* --privileged: the host's devices, as docker gives them. */
  if (o->privileged)
    add_mount (s, "/dev", "bind", "/dev", "rbind,nosuid");
  else
    add_mount (s, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
  /* gid=5 (tty) exists only where the mapping has it. */
  add_mount (s, "/dev/pts", "devpts", "devpts",
             o->single_id ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"
                          : "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
  add_mount (s, "/dev/shm", "tmpfs", "shm", shm);
  add_mount (s, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
  /* A user namespace may not mount sysfs for a network namespace it does
     not own: bind the host's, read-only. */
  if (o->rootless && !o->network_none && !o->network_private)
    add_mount (s, "/sys", "bind", "/sys", "rbind,nosuid,noexec,nodev,ro");
  else
    add_mount (s, "/sys", "sysfs", "sysfs",
               o->privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro");
}

static bool
mounted_at (const struct spec_opts *o, const char *dest)
{
  for (size_t i = 0; i < o->n_volumes; i++)
    if (strcmp (o->volumes[i].destination, dest) == 0)
      return true;
  for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++)
    if (str_has_prefix (o->tmpfs[i], dest)
        && (o->tmpfs[i][strlen (dest)] == '\0' || o->tmpfs[i][strlen (dest)] == ':'))
      return true;
  return o->context && strcmp (o->context->destination, dest) == 0;
}

/* /tmp is a tmpfs in every container (rfc-0060 §3.2: an image without
   /tmp has one too), unless the image (a VOLUME, which became a volume in
   o->volumes) or the user mounts something there. */
static void
tmp_mount (struct spec *s, const struct spec_opts *o)
{
  if (!mounted_at (o, "/tmp"))
    add_mount (s, "/tmp", "tmpfs", "tmpfs", "nosuid,nodev,mode=1777");
}

/* run --context: before the user's mounts, so a -v inside TARGET lands
   on top of it. */
static void
context_mount (struct spec *s, const struct spec_opts *o)
{
  struct spec_mount *m;

  if (!o->context)
    return;
  s->mounts = xrealloc (s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  m = &s->mounts[s->n_mounts++];
  m->destination = xstrdup (o->context->destination);
  m->type = xstrdup (o->context->type);
  m->source = xstrdup (o->context->source);
  m->options = strv_copy ((const char *const *)o->context->options);
}

static void
user_mounts (struct spec *s, const struct spec_opts *o)
{
  /* A volume of the store's is nosuid,nodev, as podman mounts its named
     volumes: what the container leaves there (a node made with
     CAP_MKNOD where no device cgroup stops it) must not open a device or
     raise a user.  A host path is mounted as it is, as docker does. */
  for (size_t i = 0; i < o->n_volumes; i++)
    add_mount (s, o->volumes[i].destination, "bind", o->volumes[i].source,
               o->volumes[i].volume
                   ? (o->volumes[i].readonly ? "rbind,ro,nosuid,nodev" : "rbind,rw,nosuid,nodev")
               : o->volumes[i].readonly ? "rbind,ro"
                                        : "rbind,rw");
  for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++)
    {
      cleanup_free char *dest = xstrdup (o->tmpfs[i]);
      char *colon = strchr (dest, ':');
      cleanup_free char *opts = NULL;
      if (colon)
        *colon = '\0';
      opts = xasprintf ("nosuid,nodev%s%s", colon ? "," : "", colon ? colon + 1 : "");
      add_mount (s, dest, "tmpfs", "tmpfs", opts);
    }
}

/* docker's --ulimit names (RLIMIT_ + upper case). */
static const char *ulimit_names[]
    = { "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
        "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",    NULL };

static int
ulimit_value (const char *s, unsigned long long *v)
{
  char *end;

  if (strcmp (s, "-1") == 0 || strcmp (s, "unlimited") == 0)
    return *v = ~0ULL, 0;
  errno = 0;
  *v = strtoull (s, &end, 10);
  return *s && *s != '-' && !*end && errno == 0 ? 0 : -1;
}

/* --ulimit NAME=SOFT[:HARD] (-1: unlimited), replacing one set before. */
static int
add_ulimit (struct spec *s, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  char *eq = strchr (copy, '='), *colon;
  struct spec_rlimit rl = { 0 };
  size_t i = 0;

  if (eq)
    *eq++ = '\0';
  while (ulimit_names[i] && strcmp (ulimit_names[i], copy) != 0)
    i++;
  colon = eq ? strchr (eq, ':') : NULL;
  if (colon)
    *colon++ = '\0';
  if (!eq || !ulimit_names[i] || ulimit_value (eq, &rl.soft) < 0
      || ulimit_value (colon ? colon : eq, &rl.hard) < 0 || rl.soft > rl.hard)
    return cl_fail (err, 0,
                    "invalid --ulimit %s: want NAME=SOFT[:HARD] (nofile, nproc, core, "
                    "memlock, stack, ...; -1 for unlimited; soft not above hard)",
                    arg);
  rl.type = xasprintf ("RLIMIT_%s", ulimit_names[i]);
  for (char *p = rl.type; *p; p++)
    *p = (char)toupper ((unsigned char)*p);
  for (i = 0; i < s->n_rlimits && strcmp (s->rlimits[i].type, rl.type) != 0; i++)
    ;
  if (i == s->n_rlimits)
    s->rlimits = xrealloc (s->rlimits, ++s->n_rlimits * sizeof *s->rlimits);
  else
    free (s->rlimits[i].type);
  s->rlimits[i] = rl;
  return 0;
}

static int
set_rlimits (struct spec *s, const struct spec_opts *o, struct cl_error *err)
{
  /* Never ask for more than the caller's hard limit: without
     CAP_SYS_RESOURCE the kernel refuses, and the container would not start
     (podman's fixed 1048576 fails so on hosts like these). */
  unsigned long long n
      = o->nofile_hard && o->nofile_hard < NOFILE_WANTED ? o->nofile_hard : NOFILE_WANTED;
  s->rlimits = xcalloc (1, sizeof *s->rlimits);
  s->rlimits[0].type = xstrdup ("RLIMIT_NOFILE");
  s->rlimits[0].soft = s->rlimits[0].hard = n;
  s->n_rlimits = 1;
  for (size_t i = 0; o->ulimits && o->ulimits[i]; i++)
    if (add_ulimit (s, o->ulimits[i], err) < 0)
      return -1;
  return 0;
}

/* "net_admin", "CAP_NET_ADMIN": the spec's spelling, or NULL. */
static const char *
cap_named (const char *name)
{
  const char *bare = strncasecmp (name, "CAP_", 4) == 0 ? name + 4 : name;

  for (size_t i = 0; all_caps[i]; i++)
    if (strcasecmp (all_caps[i] + 4, bare) == 0)
      return all_caps[i];
  return NULL;
}

static bool
is_all (char *const *v)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcasecmp (v[i], "ALL") == 0)
      return true;
  return false;
}

static void
drop_cap (char **caps, const char *cap)
{
  size_t j = 0;

  for (size_t i = 0; caps[i]; i++)
    if (strcmp (caps[i], cap) == 0)
      free (caps[i]);
    else
      caps[j++] = caps[i];
  caps[j] = NULL;
}

/* docker's rules: --cap-add ALL starts from every capability, --cap-drop
   ALL from none, else from the defaults; then the named drops and adds. */
/* What the caller's bounding set has (all when cap_bounding is 0): ALL
   and --privileged mean every capability we can give, as docker's do. */
static bool
in_bounding (const struct spec_opts *o, const char *cap)
{
  size_t bit = 0;

  while (all_caps[bit] && strcmp (all_caps[bit], cap) != 0)
    bit++;
  return !o->cap_bounding || (bit < 64 && (o->cap_bounding >> bit) & 1);
}

static void
every_cap (struct spec *s, const struct spec_opts *o)
{
  s->caps = xcalloc (1, sizeof (char *));
  for (size_t i = 0; all_caps[i]; i++)
    if (in_bounding (o, all_caps[i]))
      strv_append (&s->caps, all_caps[i]);
}

static int
set_caps (struct spec *s, const struct spec_opts *o, struct cl_error *err)
{
  if (is_all (o->cap_add) || o->privileged)
    every_cap (s, o);
  else
    s->caps = strv_copy (is_all (o->cap_drop) ? none : default_caps);
  for (size_t i = 0; o->cap_drop && o->cap_drop[i]; i++)
    {
      const char *c = cap_named (o->cap_drop[i]);
      if (!c && strcasecmp (o->cap_drop[i], "ALL") != 0)
        return cl_fail (err, 0, "--cap-drop: unknown capability \"%s\"", o->cap_drop[i]);
      if (c)
        drop_cap (s->caps, c);
    }
  for (size_t i = 0; o->cap_add && o->cap_add[i]; i++)
    {
      const char *c = cap_named (o->cap_add[i]);
      if (!c && strcasecmp (o->cap_add[i], "ALL") != 0)
        return cl_fail (err, 0, "--cap-add: unknown capability \"%s\"", o->cap_add[i]);
      if (c && !in_bounding (o, c))
        return cl_fail (err, EPERM,
                        "--cap-add %s: crunlocal itself lacks it (not in its bounding set)",
                        o->cap_add[i]);
      if (c && !strv_contains (s->caps, c))
        strv_append (&s->caps, c);
    }
  return 0;
}

static void
copy_maps (struct spec_idmap **dst, size_t *n, const struct spec_idmap *src, size_t m)
{
  *n = m;
  *dst = m ? xcalloc (m, sizeof **dst) : NULL;
  if (m)
    memcpy (*dst, src, m * sizeof **dst);
}

/* A Cloud Native Buildpacks image's default process, when no command
   was given (cnb.h): through the launcher, which sets the process's
   environment up from its layers, when the image has one. */
static int
cnb_args (const struct image_config *img, const struct spec_opts *o, struct spec *s,
          struct cl_error *err)
{
  struct cnb_process p;
  int r;

  if ((o->args && o->args[0]) || o->entrypoint_set)
    return 0;
  r = cnb_default_process (img->labels, &p, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  strv_free (s->args);
  s->args = xcalloc (1, sizeof (char *));
  if (o->cnb_launcher)
    strv_append (&s->args, CNB_LAUNCHER);
  else if (p.shell)
    {
      /* Without the launcher, its part: a shell runs the command string. */
      strv_append (&s->args, "/bin/sh");
      strv_append (&s->args, "-c");
    }
  for (size_t i = 0; p.argv[i]; i++)
    strv_append (&s->args, p.argv[i]);
  if (!spec_env_has (s->env, "CNB_PROCESS_TYPE"))
    {
      cleanup_free char *kv = xasprintf ("CNB_PROCESS_TYPE=%s", p.type);
      env_set (&s->env, kv);
    }
  cnb_process_clear (&p);
  return 0;
}

/* The platform's part of the launch environment (platform.md), unless
   the image or -e sets it. */
static void
cnb_env (struct spec *s)
{
  static const char *vars[][2] = { { "CNB_PLATFORM_API", CNB_PLATFORM_API },
                                   { "CNB_APP_DIR", CNB_APP_DIR },
                                   { "CNB_LAYERS_DIR", CNB_LAYERS_DIR } };

  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (!spec_env_has (s->env, vars[i][0]))
      {
        cleanup_free char *kv = xasprintf ("%s=%s", vars[i][0], vars[i][1]);
        env_set (&s->env, kv);
      }
}

static int
process_from_image (const struct image_config *img, const struct spec_opts *o, spec_file_reader rd,
                    void *arg, struct spec *s, struct cl_error *err)
{
  cleanup_free char *passwd = rd ? rd ("/etc/passwd", arg) : NULL;
  cleanup_free char *group = rd ? rd ("/etc/group", arg) : NULL;
  bool cnb = cnb_image (img->labels);
  const char *cwd = o->workdir         ? o->workdir
                    : cnb              ? CNB_APP_DIR
                    : img->working_dir ? img->working_dir
                                       : "/";

  s->args = spec_merge_args (img->entrypoint, img->cmd, o);
  if (spec_merge_env (img->env, o, &s->env, err) < 0)
    return -1;
  if (cnb && cnb_args (img, o, s, err) < 0)
    return -1;
  if (cnb)
    cnb_env (s);
  if (!s->args[0])
    return cl_fail (err, 0, "no command specified: the image has neither Entrypoint nor Cmd");
  if (cwd[0] != '/')
    return cl_fail (err, 0, "the working directory \"%s\" is invalid: it must be absolute", cwd);
  s->cwd = xstrdup (cwd);
  if (spec_resolve_user (o->user ? o->user : img->user, passwd, group, &s->uid, &s->gid, &s->groups,
                         &s->n_groups, err)
      < 0)
    return -1;
  if (!spec_env_has (s->env, "PATH"))
    env_set (&s->env, DEFAULT_PATH);
  if (!spec_env_has (s->env, "HOSTNAME"))
    {
      cleanup_free char *h = xasprintf ("HOSTNAME=%s", s->hostname);
      env_set (&s->env, h);
    }
  if (o->terminal && !spec_env_has (s->env, "TERM"))
    env_set (&s->env, "TERM=xterm");
  if (!spec_env_has (s->env, "HOME"))
    {
      char f[7][256];
      char idbuf[32];
      cleanup_free char *home = NULL;
      snprintf (idbuf, sizeof idbuf, "%u", s->uid);
      home = xasprintf ("HOME=%s",
                        passwd && find_entry (passwd, idbuf, true, f, 7) && f[5][0] ? f[5] : "/");
      env_set (&s->env, home);
    }
  return 0;
}

/* --security-opt mask= and unmask= over the default lists. */
static void
apply_masks (struct spec *s, const struct spec_opts *o)
{
  for (size_t i = 0; o->unmask && o->unmask[i]; i++)
    {
      bool all = strcmp (o->unmask[i], "ALL") == 0;
      char **lists[] = { s->masked_paths, s->readonly_paths };
      for (size_t l = 0; l < 2; l++)
        {
          size_t k = 0;
          for (size_t j = 0; lists[l][j]; j++)
            if (all || strcmp (lists[l][j], o->unmask[i]) == 0)
              free (lists[l][j]);
            else
              lists[l][k++] = lists[l][j];
          lists[l][k] = NULL;
        }
    }
  for (size_t i = 0; o->mask && o->mask[i]; i++)
    if (!strv_contains (s->masked_paths, o->mask[i]))
      strv_append (&s->masked_paths, o->mask[i]);
}

/* Docker's default profile for the capabilities the container has, a
   profile file, or none (unconfined, --privileged). */
static int
set_seccomp (struct spec *s, const struct spec_opts *o, struct cl_error *err)
{
  struct scprofile_host h = { .caps = s->caps, .abi = sysnr_native () };

  if (o->privileged || (o->seccomp && strcmp (o->seccomp, "unconfined") == 0))
    {
      s->seccomp_profile = xstrdup ("unconfined");
      return 0;
    }
  s->seccomp = xcalloc (1, sizeof *s->seccomp);
  s->seccomp_profile = xstrdup (o->seccomp ? o->seccomp : "default");
  if (!o->seccomp)
    {
      scprofile_default (&h, s->seccomp);
      return 0;
    }
  if (!o->seccomp_json)
    return cl_fail (err, EINVAL, "seccomp profile %s: not read", o->seccomp);
  if (scprofile_load (o->seccomp_json, &h, s->seccomp, err) < 0)
    return cl_wrap (err, "seccomp profile %s", o->seccomp);
  return 0;
}

int
spec_from_image (const struct image_config *img, const struct spec_opts *o, spec_file_reader rd,
                 void *arg, struct spec *s, struct cl_error *err)
{
  memset (s, 0, sizeof *s);
  s->hostname = xstrdup (o->hostname ? o->hostname : "crunlocal");
  s->terminal = o->terminal;
  s->console_rows = o->console_rows;
  s->console_cols = o->console_cols;
  if (process_from_image (img, o, rd, arg, s, err) < 0)
    return -1;
  s->root_path = xstrdup (o->rootfs);
  s->root_readonly = o->read_only;
  default_mounts (s, o);
  etc_mounts (s, o);
  if (device_mounts (s, o, err) < 0)
    return -1;
  tmp_mount (s, o);
  context_mount (s, o);
  user_mounts (s, o);
  s->masked_paths = strv_copy (o->privileged ? none : masked_paths);
  s->readonly_paths = strv_copy (o->privileged ? none : readonly_paths);
  apply_masks (s, o);
  if (set_caps (s, o, err) < 0 || set_rlimits (s, o, err) < 0 || set_seccomp (s, o, err) < 0)
    return -1;
  s->no_new_privs = !o->new_privs;
  s->init = o->init;
  s->namespaces = NS_PID | NS_MOUNT | NS_UTS | NS_IPC | NS_CGROUP
                  | (o->network_none || o->network_private ? NS_NET : 0)
                  | (o->n_uid_maps ? NS_USER : 0);
  s->net_path = o->net_path ? xstrdup (o->net_path) : NULL;
  copy_maps (&s->uid_maps, &s->n_uid_maps, o->uid_maps, o->n_uid_maps);
  copy_maps (&s->gid_maps, &s->n_gid_maps, o->gid_maps, o->n_gid_maps);
  /* Rootless with one id: it becomes the image's user (uid 1000 for a
     Cloud Native Buildpacks image) rather than root, which could not
     switch to an id the namespace does not map. */
  if (o->single_id && s->n_uid_maps == 1 && s->n_gid_maps == 1)
    s->uid_maps[0].container = s->uid, s->gid_maps[0].container = s->gid;
  return 0;
}
