/* `crunlocal run`: the pipeline from an image name to a finished
   container — find or pull the image, make the container and its
   snapshot, build the spec, execute it, forward signals, wait. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "ns.h"
#include "pull.h"
#include "ref.h"
#include "snapshot.h"
#include "spec.h"
#include "userns.h"
#include "util.h"

static const char run_usage[] =
  "Usage: crunlocal run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
  "\n"
  "Run a command in a new container (pulling the image when missing).\n"
  "\n"
  "Options:\n"
  "  -e, --env NAME[=VALUE]       set an environment variable (NAME alone: the host's)\n"
  "      --env-file FILE          read variables from FILE\n"
  "  -v, --volume SRC:DST[:ro|rw] bind a host directory or file\n"
  "      --mount type=bind,source=SRC,target=DST[,readonly] | type=tmpfs,target=DST\n"
  "      --tmpfs DST[:OPTIONS]    mount a tmpfs\n"
  "  -w, --workdir DIR            working directory (created if missing)\n"
  "  -u, --user USER[:GROUP]      name, uid, uid:gid or name:group\n"
  "      --entrypoint CMD         replace the image's entrypoint (\"\" clears it)\n"
  "      --hostname NAME          the container's hostname (default: its short ID)\n"
  "      --name NAME              the container's name\n"
  "      --read-only              mount the root filesystem read-only\n"
  "      --rm                     remove the container when it exits\n"
  "      --pull missing|always|never  when to pull the image (default missing)\n"
  "      --platform OS/ARCH       the platform to pull\n"
  "      --network host|none      share the host's network (default) or have none\n"
  "      --tls-verify=false       allow plain HTTP and unverified TLS when pulling\n";

struct run_opts
{
  struct spec_opts spec;
  bool rm;
  char *name;
  const char *pull, *platform;
  bool tls_verify;
  const char *image;
};

static void
run_opts_clear (struct run_opts *o)
{
  strv_free (o->spec.env);
  strv_free (o->spec.env_files);
  strv_free (o->spec.tmpfs);
  for (size_t i = 0; i < o->spec.n_volumes; i++)
    free (o->spec.volumes[i].source), free (o->spec.volumes[i].destination);
  free (o->spec.volumes);
  free (o->spec.uid_maps);
  free (o->spec.gid_maps);
  free (o->spec.rootfs);
}

static int
add_volume (struct run_opts *o, const char *src, const char *dst, bool ro, struct cl_error *err)
{
  struct spec_volume *v;
  char *real;

  if (src[0] != '/')
    return cl_fail (err, 0, "volume source \"%s\" must be an absolute host path", src);
  if (dst[0] != '/')
    return cl_fail (err, 0, "volume destination \"%s\" must be an absolute path", dst);
  /* Docker creates a missing source directory. */
  if (access (src, F_OK) < 0 && mkdir_p (src, 0755, err) < 0)
    return cl_wrap (err, "volume %s", src);
  real = realpath (src, NULL);
  if (!real)
    return cl_fail (err, errno, "volume %s", src);
  o->spec.volumes = xrealloc (o->spec.volumes, (o->spec.n_volumes + 1) * sizeof *v);
  v = &o->spec.volumes[o->spec.n_volumes++];
  v->source = real;
  v->destination = xstrdup (dst);
  v->readonly = ro;
  return 0;
}

static int
parse_volume (struct run_opts *o, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  char *dst = strchr (copy, ':'), *mode;

  if (!dst)
    return cl_fail (err, 0, "invalid volume \"%s\": want SRC:DST[:ro|rw]", arg);
  *dst++ = '\0';
  mode = strchr (dst, ':');
  if (mode)
    *mode++ = '\0';
  if (mode && strcmp (mode, "ro") != 0 && strcmp (mode, "rw") != 0)
    return cl_fail (err, 0, "invalid volume mode \"%s\": want ro or rw", mode);
  return add_volume (o, copy, dst, mode && strcmp (mode, "ro") == 0, err);
}

static int
parse_mount (struct run_opts *o, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  const char *type = NULL, *src = NULL, *dst = NULL;
  bool ro = false;
  char *save = NULL;

  for (char *kv = strtok_r (copy, ",", &save); kv; kv = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (kv, '=');
      const char *v = eq ? eq + 1 : "";
      if (eq)
        *eq = '\0';
      if (strcmp (kv, "type") == 0)
        type = v;
      else if (strcmp (kv, "source") == 0 || strcmp (kv, "src") == 0)
        src = v;
      else if (strcmp (kv, "target") == 0 || strcmp (kv, "destination") == 0 || strcmp (kv, "dst") == 0)
        dst = v;
      else if (strcmp (kv, "readonly") == 0 || strcmp (kv, "ro") == 0)
        ro = !eq || strcmp (v, "true") == 0;
      else
        return cl_fail (err, 0, "--mount: unknown option \"%s\"", kv);
    }
  if (!type || !dst)
    return cl_fail (err, 0, "--mount needs type= and target=");
  if (strcmp (type, "tmpfs") == 0)
    {
      strv_append (&o->spec.tmpfs, dst);
      return 0;
    }
  if (strcmp (type, "bind") != 0)
    return cl_fail (err, 0, "--mount type \"%s\" is not supported (bind, tmpfs)", type);
  if (!src)
    return cl_fail (err, 0, "--mount type=bind needs source=");
  return add_volume (o, src, dst, ro, err);
}

enum
{
  OPT_ENV_FILE = 256, OPT_MOUNT, OPT_TMPFS, OPT_ENTRYPOINT, OPT_HOSTNAME, OPT_NAME,
  OPT_READ_ONLY, OPT_RM, OPT_PULL, OPT_PLATFORM, OPT_NETWORK, OPT_TLS_VERIFY,
};

static int
parse_one (struct run_opts *o, int c, struct cl_error *err)
{
  switch (c)
    {
    case 'e': strv_append (&o->spec.env, optarg); return 0;
    case OPT_ENV_FILE: strv_append (&o->spec.env_files, optarg); return 0;
    case 'v': return parse_volume (o, optarg, err);
    case OPT_MOUNT: return parse_mount (o, optarg, err);
    case OPT_TMPFS: strv_append (&o->spec.tmpfs, optarg); return 0;
    case 'w': o->spec.workdir = optarg; return 0;
    case 'u': o->spec.user = optarg; return 0;
    case OPT_ENTRYPOINT: o->spec.entrypoint = optarg; o->spec.entrypoint_set = true; return 0;
    case OPT_HOSTNAME: o->spec.hostname = optarg; return 0;
    case OPT_NAME: o->name = optarg; return 0;
    case OPT_READ_ONLY: o->spec.read_only = true; return 0;
    case OPT_RM: o->rm = true; return 0;
    case OPT_PLATFORM: o->platform = optarg; return 0;
    case 'i': return 0; /* stdin is always passed through */
    case OPT_PULL:
      if (strcmp (optarg, "missing") && strcmp (optarg, "always") && strcmp (optarg, "never"))
        return cl_fail (err, 0, "--pull must be missing, always or never, not \"%s\"", optarg);
      o->pull = optarg;
      return 0;
    case OPT_NETWORK:
      if (strcmp (optarg, "host") && strcmp (optarg, "none"))
        return cl_fail (err, 0, "--network %s is not supported (host, none)", optarg);
      o->spec.network_none = strcmp (optarg, "none") == 0;
      return 0;
    case OPT_TLS_VERIFY:
      if (cli_parse_bool ("run", "--tls-verify", optarg, &o->tls_verify) != 0)
        return cl_fail (err, 0, "bad --tls-verify");
      return 0;
    }
  return cl_fail (err, 0, "unexpected option");
}

/* Returns 0, -1 (err set), or -2 (a usage error already printed). */
static int
parse_run (int argc, char **argv, struct run_opts *o, struct cl_error *err)
{
  static const struct option longopts[] = {
    { "env", required_argument, NULL, 'e' },     { "env-file", required_argument, NULL, OPT_ENV_FILE },
    { "volume", required_argument, NULL, 'v' },  { "mount", required_argument, NULL, OPT_MOUNT },
    { "tmpfs", required_argument, NULL, OPT_TMPFS }, { "workdir", required_argument, NULL, 'w' },
    { "user", required_argument, NULL, 'u' },    { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
    { "hostname", required_argument, NULL, OPT_HOSTNAME }, { "name", required_argument, NULL, OPT_NAME },
    { "read-only", no_argument, NULL, OPT_READ_ONLY }, { "rm", no_argument, NULL, OPT_RM },
    { "pull", required_argument, NULL, OPT_PULL }, { "platform", required_argument, NULL, OPT_PLATFORM },
    { "network", required_argument, NULL, OPT_NETWORK }, { "net", required_argument, NULL, OPT_NETWORK },
    { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY }, { "interactive", no_argument, NULL, 'i' },
    { NULL, 0, NULL, 0 }
  };
  int c;

  o->pull = "missing";
  o->tls_verify = true;
  while ((c = cli_getopt (argc, argv, "run", "+e:v:w:u:i", longopts)) != -1)
    {
      if (c == -2)
        return -2;
      if (parse_one (o, c, err) < 0)
        return -1;
    }
  if (optind >= argc)
    return cli_usage_error ("run", "\"crunlocal run\" requires at least 1 argument"), -2;
  o->image = argv[optind];
  o->spec.args = argv + optind + 1;
  return 0;
}

static char *
canonical_name (const char *what)
{
  struct image_ref r;
  struct cl_error ignored;
  char *name;

  if (ref_parse (what, &r, &ignored) < 0)
    return xstrdup (what);
  name = steal_pointer (&r.name);
  ref_clear (&r);
  return name;
}

/* The image, pulled when the policy says so. */
static int
find_image (struct store *s, const struct run_opts *o, struct image_record *img,
            struct cl_error *err)
{
  cleanup_free char *canon = canonical_name (o->image);
  struct pull_opts po = { .platform = o->platform, .reg = { .tls_verify = o->tls_verify } };
  char id[DIGEST_HEX_LEN + 1];
  int r = 1;

  if (strcmp (o->pull, "always") != 0)
    {
      r = store_image_lookup (s, canon, img, err);
      if (r == 1 && strcmp (canon, o->image) != 0)
        r = store_image_lookup (s, o->image, img, err);
    }
  if (r <= 0)
    return r;
  if (strcmp (o->pull, "never") == 0)
    return cl_fail (err, ENOENT, "%s: image not known (and --pull=never)", o->image);
  po.progress = isatty (2) ? PROGRESS_BARS : PROGRESS_QUIET;
  if (pull_image (s, o->image, &po, id, err) < 0)
    return -1;
  return store_image_lookup (s, id, img, err) == 0 ? 0
         : cl_fail (err, ENOENT, "image %s vanished after the pull", id);
}

static int
read_image_config (struct store *s, const struct image_record *img, struct image_config *cfg,
                   struct cl_error *err)
{
  cleanup_free char *digest = xasprintf ("sha256:%s", img->id);
  cleanup_free char *buf = NULL;

  if (store_read_blob (s, digest, CONFIG_MAX_BYTES, &buf, NULL, err) < 0)
    return cl_wrap (err, "image %.12s config", img->id);
  return image_config_parse (buf, cfg, err);
}

/* Rootless without a subordinate range: a user namespace of one id. */
static void
identity_for (struct run_opts *o)
{
  struct rlimit rl;
  uid_t host = userns_host_euid ();

  o->spec.rootless = host != 0;
  o->spec.single_id = host != 0 && !userns_has_range ();
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0)
    o->spec.nofile_hard = rl.rlim_max;
  if (geteuid () == 0)
    return;
  o->spec.uid_maps = xcalloc (1, sizeof *o->spec.uid_maps);
  o->spec.gid_maps = xcalloc (1, sizeof *o->spec.gid_maps);
  o->spec.uid_maps[0] = (struct spec_idmap){ 0, geteuid (), 1 };
  o->spec.gid_maps[0] = (struct spec_idmap){ 0, getegid (), 1 };
  o->spec.n_uid_maps = o->spec.n_gid_maps = 1;
}

static int
write_bundle_config (const struct spec *sp, const char *dir, struct cl_error *err)
{
  size_t len;
  cleanup_free char *json = spec_to_json (sp, &len);
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  return write_file_atomic_at (dfd, "config.json", json, len, 0600, false, err);
}

static bool
terminating (int sig)
{
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

/* Forward signals to the container's PID 1 until it exits; returns its
   status as a shell would (128+n for a signal).  An init that does not
   catch a terminating signal would never see it (pid_namespaces(7)), so
   such a signal kills it, and the status says which signal asked. */
static int
wait_forwarding (pid_t pid, const sigset_t *set)
{
  int asked = 0, status;

  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (set, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          if (terminating (sig) && !ns_catches (pid, sig))
            {
              asked = sig;
              kill (pid, SIGKILL);
            }
          else
            kill (pid, sig);
          continue;
        }
      if (waitpid (pid, &status, WNOHANG) == pid)
        break;
    }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (asked ? asked : WTERMSIG (status));
}

static int
start_and_wait (struct store *s, struct container *c, const struct spec *sp,
                const struct snapshot *snap, int *code, struct cl_error *err)
{
  sigset_t set;
  pid_t pid;
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };

  sigemptyset (&set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset (&set, sigs[i]);
  sigprocmask (SIG_BLOCK, &set, NULL);
  /* A signal that came before the block went to the pull-time handler. */
  if (cl_check_interrupt (err) < 0)
    return -1;
  if (ns_start (sp, &snap->overlay, &set, &pid, err) < 0)
    return -1;
  c->pid = pid;
  c->started = (long long) time (NULL);
  free (c->status);
  c->status = xstrdup ("running");
  container_save (s, c, err);
  *code = wait_forwarding (pid, &set);
  c->exit_code = *code;
  c->finished = (long long) time (NULL);
  c->pid = 0;
  free (c->status);
  c->status = xstrdup ("exited");
  return 0;
}

static int
run_container (struct store *s, struct run_opts *o, const struct image_record *img,
               int *code, struct cl_error *err)
{
  cleanup_image_config struct image_config cfg = { 0 };
  struct snapshot_reader rd = { s, img };
  struct container c;
  struct snapshot snap = { 0 };
  struct spec sp = { 0 };
  char hostname[13];
  int ret;

  if (read_image_config (s, img, &cfg, err) < 0 || container_create (s, o->name, &c, err) < 0)
    return -1;
  c.image = xstrdup (o->image);
  c.image_id = xstrdup (img->id);
  c.created = (long long) time (NULL);
  snprintf (hostname, sizeof hostname, "%.12s", c.id);
  if (!o->spec.hostname)
    o->spec.hostname = hostname;
  ret = snapshot_prepare (s, img, c.dir, &snap, err);
  if (ret == 0)
    {
      o->spec.rootfs = xstrdup (snap.rootfs);
      ret = spec_from_image (&cfg, &o->spec, snapshot_read_file, &rd, &sp, err);
    }
  if (ret == 0)
    {
      c.command = xcalloc (1, sizeof (char *));
      for (size_t i = 0; sp.args[i]; i++)
        strv_append (&c.command, sp.args[i]);
      ret = write_bundle_config (&sp, c.dir, err);
    }
  if (ret == 0)
    ret = start_and_wait (s, &c, &sp, &snap, code, err);
  if (ret == 0 && !o->rm)
    ret = container_save (s, &c, err);
  if (o->rm || (ret < 0 && c.pid == 0))
    {
      struct cl_error ignored;
      container_remove (s, c.id, &ignored);
    }
  spec_clear (&sp);
  snapshot_clear (&snap);
  container_clear (&c);
  return ret;
}

int
cmd_run (int argc, char **argv)
{
  struct run_opts o = { 0 };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct image_record img = { 0 };
  int code = 0, r;

  for (int i = 1; i < argc && argv[i][0] == '-'; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
      return fputs (run_usage, stdout), 0;
  r = parse_run (argc, argv, &o, &err);
  if (r == 0 && cli_open_store (&s, STORE_USE, &err) == 0)
    {
      identity_for (&o);
      r = find_image (s, &o, &img, &err);
      if (r == 0)
        r = run_container (s, &o, &img, &code, &err);
    }
  else if (r == 0)
    r = -1;
  image_record_clear (&img);
  run_opts_clear (&o);
  if (r == -2)
    return 125;
  if (r < 0)
    return cli_fail (&err);
  return code;
}
