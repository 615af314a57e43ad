#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../spec.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static char *ep[] = { "/entry", "-x", NULL };
static char *cmd[] = { "default", "arg", NULL };
static char *user_args[] = { "mine", "1", NULL };

static void
check_args (char *const *e, char *const *c, const char *entry, bool entry_set, char **args,
            const char *want)
{
  struct spec_opts o = { .entrypoint = (char *)entry, .entrypoint_set = entry_set, .args = args };
  char **got = spec_merge_args (e, c, &o);
  char joined[256] = "";

  for (size_t i = 0; got[i]; i++)
    snprintf (joined + strlen (joined), sizeof joined - strlen (joined), "%s%s", i ? " " : "",
              got[i]);
  if (strcmp (joined, want) != 0)
    fprintf (stderr, "  args: got \"%s\", want \"%s\"\n", joined, want);
  CHECK (strcmp (joined, want) == 0);
  strv_free (got);
}

/* Docker's Entrypoint/Cmd rules, every combination. */
void
test_spec_args (void)
{
  char *empty[] = { NULL };

  check_args (ep, cmd, NULL, false, NULL, "/entry -x default arg");
  check_args (ep, cmd, NULL, false, user_args, "/entry -x mine 1");
  check_args (ep, NULL, NULL, false, NULL, "/entry -x");
  check_args (ep, NULL, NULL, false, user_args, "/entry -x mine 1");
  check_args (NULL, cmd, NULL, false, NULL, "default arg");
  check_args (NULL, cmd, NULL, false, user_args, "mine 1");
  check_args (NULL, NULL, NULL, false, user_args, "mine 1");
  check_args (NULL, NULL, NULL, false, NULL, "");
  check_args (ep, cmd, "/other", true, NULL, "/other");
  check_args (ep, cmd, "/other", true, user_args, "/other mine 1");
  check_args (ep, cmd, "", true, NULL, "");
  check_args (ep, cmd, "", true, user_args, "mine 1");
  check_args (NULL, cmd, "/other", true, NULL, "/other");
  check_args (ep, cmd, NULL, false, empty, "/entry -x default arg");
}

static const char *
env_get (char **env, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, n) == 0 && env[i][n] == '=')
      return env[i] + n + 1;
  return NULL;
}

void
test_spec_env (void)
{
  char *img_env[] = { "A=image", "B=image", "C=image", "PATH=/img", NULL };
  char *flags[] = { "B=flag", "HOSTVAR", "UNSETVAR", "D=x=y", NULL };
  char file[] = "/tmp/crunlocal-unit-envXXXXXX";
  int fd = mkstemp (file);
  char *files[] = { file, NULL };
  struct spec_opts o = { .env = flags, .env_files = files };
  struct cl_error err = { 0 };
  char **env = NULL;

  CHECK (fd >= 0);
  CHECK (write (fd, "# comment\n\nC=file\nB=file\n  E=spaced  \n", 39) == 39);
  close (fd);
  setenv ("HOSTVAR", "fromhost", 1);
  unsetenv ("UNSETVAR");
  CHECK (spec_merge_env (img_env, &o, &env, &err) == 0);
  CHECK_STR (env_get (env, "A"), "image");
  CHECK_STR (env_get (env, "B"), "flag"); /* -e beats the file and the image */
  CHECK_STR (env_get (env, "C"), "file"); /* the file beats the image */
  CHECK_STR (env_get (env, "HOSTVAR"), "fromhost");
  CHECK (env_get (env, "UNSETVAR") == NULL);
  CHECK_STR (env_get (env, "D"), "x=y");
  CHECK_STR (env_get (env, "E"), "spaced");
  CHECK_STR (env_get (env, "PATH"), "/img");
  strv_free (env);
  env = NULL;
  {
    char *bad[] = { file, NULL };
    struct spec_opts ob = { .env_files = bad };
    FILE *f = fopen (file, "w");
    fputs ("=novalue\n", f);
    fclose (f);
    CHECK (spec_merge_env (NULL, &ob, &env, &err) < 0);
  }
  unlink (file);
  {
    char *missing[] = { "/nonexistent/env", NULL };
    struct spec_opts om = { .env_files = missing };
    CHECK (spec_merge_env (NULL, &om, &env, &err) < 0);
  }
}

static const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
                            "user:x:1000:1000:user:/home/user:/bin/sh\n"
                            "svc:x:999:50::/:/bin/false\n";
static const char *group
    = "root:x:0:\nuser:x:1000:\nwheel:x:10:user,svc\nstaff:x:50:\ndocker:x:20:user\n";

static void
check_user (const char *u, int uid, int gid, size_t ngroups)
{
  struct cl_error err = { 0 };
  uid_t gu = 0;
  gid_t gg = 0, *groups = NULL;
  size_t n = 0;
  int r = spec_resolve_user (u, passwd, group, &gu, &gg, &groups, &n, &err);

  if (r < 0)
    fprintf (stderr, "  user %s: %s\n", u ? u : "(null)", err.msg);
  CHECK (r == 0);
  if ((int)gu != uid || (int)gg != gid || n != ngroups)
    fprintf (stderr, "  user %s: got %u:%u (%zu groups)\n", u ? u : "(null)", gu, gg, n);
  CHECK ((int)gu == uid && (int)gg == gid && n == ngroups);
  free (groups);
}

void
test_spec_user (void)
{
  struct cl_error err = { 0 };
  uid_t u;
  gid_t g, *gs = NULL;
  size_t n;

  check_user (NULL, 0, 0, 1);
  check_user ("", 0, 0, 1);
  check_user ("root", 0, 0, 1);
  check_user ("user", 1000, 1000, 3); /* 1000, wheel, docker */
  check_user ("1000", 1000, 1000, 3); /* a uid in passwd: its groups too */
  check_user ("4242", 4242, 0, 1);    /* a uid not in passwd: gid 0 */
  check_user ("1000:50", 1000, 50, 1);
  check_user ("user:staff", 1000, 50, 1);
  check_user ("svc:wheel", 999, 10, 1);
  check_user ("4242:4343", 4242, 4343, 1);
  check_user ("svc", 999, 50, 2); /* 50, wheel */
  CHECK (spec_resolve_user ("nobody", passwd, group, &u, &g, &gs, &n, &err) < 0);
  CHECK (strstr (err.msg, "unable to find user nobody") != NULL);
  CHECK (spec_resolve_user ("user:nogroup", passwd, group, &u, &g, &gs, &n, &err) < 0);
  CHECK (strstr (err.msg, "unable to find group nogroup") != NULL);
  CHECK (spec_resolve_user ("name", NULL, NULL, &u, &g, &gs, &n, &err) < 0);
  CHECK (spec_resolve_user ("-1", passwd, group, &u, &g, &gs, &n, &err) < 0);
}

static struct spec
spec_with (char **add, char **drop, char **ulimits, int *ret)
{
  char *args[] = { "true", NULL };
  struct spec_opts o = { .args = args,
                         .rootfs = "rootfs",
                         .cap_add = add,
                         .cap_drop = drop,
                         .ulimits = ulimits,
                         .nofile_hard = 20000 };
  struct image_config img = { 0 };
  struct cl_error err = { 0 };
  struct spec s;

  *ret = spec_from_image (&img, &o, NULL, NULL, &s, &err);
  return s;
}

/* docker's --cap-add/--cap-drop rules and --ulimit syntax. */
void
test_spec_caps_ulimits (void)
{
  char *all[] = { "ALL", NULL }, *chown[] = { "chown", NULL }, *admin[] = { "CAP_NET_ADMIN", NULL };
  char *bad[] = { "CAP_BOGUS", NULL };
  char *lims[] = { "nofile=100:200", "nproc=-1", "nofile=300", NULL };
  char *badlim[] = { "nofile=5:4", NULL }, *badname[] = { "files=1", NULL };
  int r;
  struct spec s = spec_with (chown, all, NULL, &r);

  CHECK (r == 0 && strv_len (s.caps) == 1 && strcmp (s.caps[0], "CAP_CHOWN") == 0);
  spec_clear (&s);
  s = spec_with (admin, chown, NULL, &r);
  CHECK (r == 0 && strv_contains (s.caps, "CAP_NET_ADMIN") && !strv_contains (s.caps, "CAP_CHOWN")
         && strv_contains (s.caps, "CAP_KILL"));
  spec_clear (&s);
  s = spec_with (all, admin, NULL, &r);
  CHECK (r == 0 && strv_len (s.caps) == 40 && !strv_contains (s.caps, "CAP_NET_ADMIN"));
  spec_clear (&s);
  s = spec_with (bad, NULL, NULL, &r);
  CHECK (r < 0);
  spec_clear (&s);
  s = spec_with (NULL, NULL, lims, &r);
  CHECK (r == 0 && s.n_rlimits == 2);
  CHECK (strcmp (s.rlimits[0].type, "RLIMIT_NOFILE") == 0 && s.rlimits[0].soft == 300
         && s.rlimits[0].hard == 300);
  CHECK (strcmp (s.rlimits[1].type, "RLIMIT_NPROC") == 0 && s.rlimits[1].soft == ~0ULL);
  spec_clear (&s);
  s = spec_with (NULL, NULL, badlim, &r);
  CHECK (r < 0);
  spec_clear (&s);
  s = spec_with (NULL, NULL, badname, &r);
  CHECK (r < 0);
  spec_clear (&s);
}

static bool
has_mount (const struct spec *s, const char *dest, const char *type)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    if (strcmp (s->mounts[i].destination, dest) == 0 && strcmp (s->mounts[i].type, type) == 0)
      return true;
  return false;
}

/* --privileged, the bounding set, --device, --shm-size, the /etc files,
   and a single mapped id that becomes the image's user. */
void
test_spec_privileged (void)
{
  char *args[] = { "true", NULL }, *dev[] = { "/dev/fuse:/dev/f:rw", "/dev/kvm:r", NULL };
  char *baddev[] = { "fuse", NULL }, *sysres[] = { "SYS_RESOURCE", NULL };
  struct spec_idmap one = { 0, 1000, 1 };
  struct spec_opts o = { .args = args,
                         .rootfs = "rootfs",
                         .privileged = true,
                         .nofile_hard = 20000,
                         .cap_bounding = ~(1ULL << 24),
                         .devices = dev,
                         .shm_size = 1 << 20,
                         .etc_dir = "/run/c1" };
  struct image_config img = { 0 };
  struct cl_error err = { 0 };
  struct spec s;

  CHECK (spec_from_image (&img, &o, NULL, NULL, &s, &err) == 0);
  CHECK (strv_len (s.caps) == 40 && !strv_contains (s.caps, "CAP_SYS_RESOURCE"));
  CHECK (!s.masked_paths[0] && !s.readonly_paths[0] && has_mount (&s, "/dev", "bind"));
  CHECK (has_mount (&s, "/dev/f", "bind") && has_mount (&s, "/dev/kvm", "bind"));
  CHECK (has_mount (&s, "/etc/resolv.conf", "bind") && has_mount (&s, "/etc/hosts", "bind")
         && has_mount (&s, "/etc/hostname", "bind"));
  for (size_t i = 0; i < s.n_mounts; i++)
    if (strcmp (s.mounts[i].destination, "/dev/shm") == 0)
      CHECK (strv_contains (s.mounts[i].options, "size=1024k"));
  spec_clear (&s);
  o = (struct spec_opts){
    .args = args, .rootfs = "rootfs", .devices = baddev, .nofile_hard = 20000
  };
  CHECK (spec_from_image (&img, &o, NULL, NULL, &s, &err) < 0);
  spec_clear (&s);
  o = (struct spec_opts){ .args = args,
                          .rootfs = "rootfs",
                          .cap_add = sysres,
                          .nofile_hard = 20000,
                          .cap_bounding = ~(1ULL << 24) };
  CHECK (spec_from_image (&img, &o, NULL, NULL, &s, &err) < 0 && strstr (err.msg, "bounding"));
  spec_clear (&s);
  o = (struct spec_opts){ .args = args,
                          .rootfs = "rootfs",
                          .user = "1000:1000",
                          .nofile_hard = 20000,
                          .single_id = true,
                          .rootless = true,
                          .uid_maps = &one,
                          .gid_maps = &one,
                          .n_uid_maps = 1,
                          .n_gid_maps = 1,
                          .no_hosts = true,
                          .etc_dir = "/run/c1" };
  CHECK (spec_from_image (&img, &o, NULL, NULL, &s, &err) == 0);
  CHECK (s.uid_maps[0].container == 1000 && s.uid_maps[0].host == 1000
         && s.gid_maps[0].container == 1000);
  CHECK (has_mount (&s, "/etc/resolv.conf", "bind") && !has_mount (&s, "/etc/hosts", "bind"));
  CHECK (has_mount (&s, "/dev", "tmpfs") && s.masked_paths[0] != NULL);
  spec_clear (&s);
}
