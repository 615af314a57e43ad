/* `crunlocal inspect` and `image inspect`: containers and images as
   JSON documents in podman's shape (docker's names), printed as an array
   or through a --format template (template.h) one line each. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cgroup.h"
#include "container.h"
#include "image.h"
#include "json.h"
#include "logfmt.h"
#include "net.h"
#include "ocispec.h"
#include "ref.h"
#include "restart.h"
#include "template.h"
#include "util.h"
#include "volume.h"

static const char inspect_usage[]
    = "Usage: crunlocal inspect [OPTIONS] NAME...\n"
      "       crunlocal image inspect [OPTIONS] IMAGE...\n"
      "\n"
      "Show containers or images as a JSON array, in podman's shape.  A name\n"
      "that is no container's is looked up as an image, as docker does.\n"
      "\n"
      "Options:\n"
      "  -f, --format TEMPLATE   a Go template per object, one line each:\n"
      "                          '{{.State.ExitCode}}', '{{json .Mounts}}',\n"
      "                          '{{range .Config.Env}}{{.}} {{end}}',\n"
      "                          '{{index .Config.Labels \"k\"}}' (json: the array)\n"
      "      --type TYPE         container or image (default: either)\n";

static void
gen_restart_policy (yajl_gen g, const struct container *c)
{
  struct restart_policy p = { RESTART_NO, 0 };
  struct cl_error ignored;

  if (c->restart)
    restart_parse (c->restart, &p, &ignored);
  jg_str (g, "RestartPolicy");
  yajl_gen_map_open (g);
  jg_kstr (g, "Name", p.kind == RESTART_NO ? "" : restart_name (&p));
  jg_kint (g, "MaximumRetryCount", p.max);
  yajl_gen_map_close (g);
}

/* {"5432/tcp": [{"HostIp": "", "HostPort": "5432"}]}, as podman writes
   it; on the host's network the host port is the container's. */
static void
gen_port_bindings (yajl_gen g, const struct container *c)
{
  jg_str (g, "PortBindings");
  yajl_gen_map_open (g);
  for (size_t i = 0; c->ports && c->ports[i]; i++)
    {
      char port[16], key[24], ip[INET_ADDRSTRLEN];
      struct net_port p;
      if (net_port_parse_record (c->ports[i], &p) < 0)
        continue;
      snprintf (port, sizeof port, "%u", p.host_port);
      snprintf (key, sizeof key, "%u/%s", p.port, p.udp ? "udp" : "tcp");
      inet_ntop (AF_INET, &p.host_ip, ip, sizeof ip);
      jg_str (g, key);
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      jg_kstr (g, "HostIp", p.host_ip ? ip : "");
      jg_kstr (g, "HostPort", port);
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
}

static void
gen_time (yajl_gen g, const char *key, long long sec, long nsec)
{
  struct timespec ts = { (time_t)sec, nsec };
  char buf[64];

  logfmt_time (&ts, buf, sizeof buf);
  jg_kstr (g, key, sec > 0 ? buf : "0001-01-01T00:00:00Z");
}

static void
gen_state (yajl_gen g, const struct container *c)
{
  enum container_state st = container_state (c);
  bool exited = st == CONTAINER_EXITED;

  jg_str (g, "State");
  yajl_gen_map_open (g);
  jg_kstr (g, "Status", container_state_name (st));
  jg_kbool (g, "Running", st == CONTAINER_RUNNING);
  jg_kbool (g, "Paused", st == CONTAINER_RUNNING && cgroup_frozen (c->dir));
  jg_kbool (g, "Restarting", false);
  jg_kbool (g, "OOMKilled", exited && c->exit.oom);
  jg_kbool (g, "Dead", false);
  jg_kint (g, "Pid", st == CONTAINER_RUNNING ? c->pid : 0);
  jg_kint (g, "ConmonPid", st == CONTAINER_RUNNING && c->detached ? c->monitor_pid : 0);
  jg_kint (g, "ExitCode", exited ? c->exit.code : st == CONTAINER_LOST ? -1 : 0);
  jg_kstr (g, "Error",
           st == CONTAINER_LOST ? "its monitor died: exit code unknown"
           : c->error           ? c->error
                                : "");
  gen_time (g, "StartedAt", c->started, 0);
  gen_time (g, "FinishedAt", exited ? c->exit.finished_sec : 0, exited ? c->exit.finished_nsec : 0);
  yajl_gen_map_close (g);
}

/* "Labels": {"k": "v"} from "k=v" strings (a later k wins). */
static void
gen_labels (yajl_gen g, char *const *labels)
{
  jg_str (g, "Labels");
  yajl_gen_map_open (g);
  for (size_t i = 0; labels && labels[i]; i++)
    {
      const char *eq = strchr (labels[i], '=');
      bool later = false;
      size_t klen = eq ? (size_t)(eq - labels[i]) : strlen (labels[i]);
      for (size_t k = i + 1; labels[k] && !later; k++)
        later = strncmp (labels[k], labels[i], klen) == 0
                && (labels[k][klen] == '=' || !labels[k][klen]);
      if (later)
        continue;
      yajl_gen_string (g, (const unsigned char *)labels[i], klen);
      jg_str (g, eq ? eq + 1 : "");
    }
  yajl_gen_map_close (g);
}

/* The cmd: the command without its entrypoint prefix. */
static void
gen_config (yajl_gen g, const struct container *c, const struct spec *sp)
{
  size_t n_ep = strv_len (c->entrypoint);
  char user[48] = "";

  if (sp->uid || sp->gid)
    snprintf (user, sizeof user, "%u:%u", sp->uid, sp->gid);
  jg_str (g, "Config");
  yajl_gen_map_open (g);
  jg_kstr (g, "Hostname", sp->hostname);
  jg_kstr (g, "User", user);
  jg_kstrv (g, "Env", sp->env);
  jg_kstrv (g, "Cmd", strv_len (c->command) >= n_ep ? c->command + n_ep : c->command);
  jg_kstrv (g, "Entrypoint", c->entrypoint);
  jg_kstr (g, "Image", c->image);
  jg_kstr (g, "WorkingDir", sp->cwd);
  jg_kstr (g, "StopSignal", c->stop_signal ? c->stop_signal : "SIGTERM");
  jg_kbool (g, "Tty", c->tty);
  jg_kbool (g, "OpenStdin", c->interactive);
  gen_labels (g, c->labels);
  yajl_gen_map_close (g);
}

/* The user's binds (-v, --mount), not the standard ones: /sys and /dev
   from the host at the same path (a volume may well live in /dev/shm),
   and the container's own /etc/hosts, hostname and resolv.conf, which
   docker and podman do not list either. */
static bool
user_bind (const struct spec_mount *m, const char *dir)
{
  bool standard = strcmp (m->source, m->destination) == 0
                  && (strcmp (m->source, "/sys") == 0 || str_has_prefix (m->source, "/dev/"));
  size_t n = dir ? strlen (dir) : 0;
  bool own = n && strncmp (m->source, dir, n) == 0 && m->source[n] == '/';

  return strcmp (m->type, "bind") == 0 && !standard && !own;
}

/* As docker shows them: a volume by its Name, a bind by its Source. */
static void
gen_mounts (yajl_gen g, const struct store *s, const struct container *c, const struct spec *sp)
{
  jg_str (g, "Mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < sp->n_mounts; i++)
    if (user_bind (&sp->mounts[i], c->dir))
      {
        cleanup_free char *volume = volume_name_of_path (s, sp->mounts[i].source);
        yajl_gen_map_open (g);
        jg_kstr (g, "Type", volume ? "volume" : "bind");
        if (volume)
          jg_kstr (g, "Name", volume);
        jg_kstr (g, "Source", sp->mounts[i].source);
        jg_kstr (g, "Destination", sp->mounts[i].destination);
        if (volume)
          jg_kstr (g, "Driver", "local");
        jg_kstr (g, "Mode", "");
        jg_kbool (g, "RW", !strv_contains (sp->mounts[i].options, "ro"));
        jg_kstr (g, "Propagation", volume ? "" : "rprivate");
        jg_kstrv (g, "Options", sp->mounts[i].options);
        yajl_gen_map_close (g);
      }
  yajl_gen_array_close (g);
}

/* What confines the process, as docker's inspect shows it: the seccomp
   profile applied ("default", "unconfined" or the file's path). */
static void
gen_security_opt (yajl_gen g, const struct spec *sp)
{
  cleanup_free char *seccomp = xasprintf ("seccomp=%s", sp->seccomp_profile ? sp->seccomp_profile
                                                        : sp->seccomp       ? "default"
                                                                            : "unconfined");

  jg_str (g, "SecurityOpt");
  yajl_gen_array_open (g);
  jg_str (g, seccomp);
  if (sp->no_new_privs)
    jg_str (g, "no-new-privileges");
  yajl_gen_array_close (g);
  jg_kstrv (g, "MaskedPaths", sp->masked_paths);
  jg_kstrv (g, "ReadonlyPaths", sp->readonly_paths);
}

/* docker's names for linux.resources (0: not set; NanoCpus from quota
   and period, as --cpus gives them). */
static void
gen_resources (yajl_gen g, const struct spec *sp)
{
  const struct spec_resources *r = &sp->resources;
  long long nano = r->cpu_quota > 0 && r->cpu_period
                       ? r->cpu_quota * 1000000000LL / (long long)r->cpu_period
                       : 0;

  jg_kint (g, "Memory", r->memory_limit);
  jg_kint (g, "MemorySwap", r->memory_swap);
  jg_kint (g, "MemoryReservation", r->memory_reservation);
  jg_kint (g, "NanoCpus", nano);
  jg_kint (g, "CpuShares", (long long)r->cpu_shares);
  jg_kint (g, "CpuQuota", r->cpu_quota);
  jg_kint (g, "CpuPeriod", (long long)r->cpu_period);
  jg_kstr (g, "CpusetCpus", r->cpuset_cpus ? r->cpuset_cpus : "");
  jg_kstr (g, "CpusetMems", r->cpuset_mems ? r->cpuset_mems : "");
  jg_kint (g, "PidsLimit", r->pids_limit);
  jg_kint (g, "OomScoreAdj", sp->has_oom_score_adj ? sp->oom_score_adj : 0);
}

static void
gen_host_config (yajl_gen g, const struct container *c, const struct spec *sp)
{
  char size[32];

  snprintf (size, sizeof size, "%lld", c->log_max_size);
  jg_str (g, "HostConfig");
  yajl_gen_map_open (g);
  jg_kbool (g, "AutoRemove", c->auto_rm);
  jg_kstr (g, "NetworkMode", c->network ? c->network : sp->namespaces & NS_NET ? "none" : "host");
  jg_kbool (g, "ReadonlyRootfs", sp->root_readonly);
  jg_kbool (g, "Init", sp->init);
  gen_security_opt (g, sp);
  gen_port_bindings (g, c);
  gen_restart_policy (g, c);
  gen_resources (g, sp);
  jg_str (g, "LogConfig");
  yajl_gen_map_open (g);
  jg_kstr (g, "Type", "k8s-file");
  jg_kstr (g, "Path", c->dir ? c->dir : "");
  jg_kstr (g, "Size", c->log_max_size > 0 ? size : "0B");
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* podman's NetworkSettings: the address on the bridge network, and the
   network by name with the container's aliases there. */
static void
gen_network_settings (yajl_gen g, struct store *s, const struct container *c)
{
  struct net_info ni;
  bool on = net_container_info (s, c, &ni) == 0;

  jg_str (g, "NetworkSettings");
  yajl_gen_map_open (g);
  jg_kstr (g, "IPAddress", on ? ni.ip : "");
  jg_kstr (g, "Gateway", on ? ni.gateway : "");
  jg_kint (g, "IPPrefixLen", on ? ni.prefix : 0);
  jg_str (g, "Networks");
  yajl_gen_map_open (g);
  if (on)
    {
      jg_str (g, ni.network);
      yajl_gen_map_open (g);
      jg_kstr (g, "NetworkID", ni.id);
      jg_kstr (g, "IPAddress", ni.ip);
      jg_kstr (g, "Gateway", ni.gateway);
      jg_kint (g, "IPPrefixLen", ni.prefix);
      jg_kstrv (g, "Aliases", c->net_aliases ? c->net_aliases : (char *[]){ NULL });
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
gen_container (yajl_gen g, const struct store *s, const struct container *c, const struct spec *sp)
{
  cleanup_free char *log = xasprintf ("%s/%s", c->dir, LOG_FILE);
  size_t n = strv_len (c->command);

  yajl_gen_map_open (g);
  jg_kstr (g, "Id", c->id);
  gen_time (g, "Created", c->created, 0);
  jg_kstr (g, "Path", n ? c->command[0] : "");
  jg_kstrv (g, "Args", n ? c->command + 1 : c->command);
  gen_state (g, c);
  jg_kstr (g, "Image", c->image_id);
  jg_kstr (g, "ImageName", c->image);
  jg_kstr (g, "Name", c->name);
  jg_kstr (g, "Driver", c->snapshot ? c->snapshot : "");
  jg_kint (g, "RestartCount", c->restart_count);
  jg_kstr (g, "LogPath", log);
  gen_config (g, c, sp);
  gen_mounts (g, s, c, sp);
  gen_host_config (g, c, sp);
  gen_network_settings (g, (struct store *)s, c);
  yajl_gen_map_close (g);
}

/* The image's record and its config, as podman's `image inspect`. */
static void
gen_repo_digests (yajl_gen g, const struct image_record *r)
{
  cleanup_strv char **seen = NULL;

  jg_str (g, "RepoDigests");
  yajl_gen_array_open (g);
  for (size_t i = 0; r->digest && r->names && r->names[i]; i++)
    {
      const char *name = r->names[i], *slash = strrchr (name, '/');
      const char *cut = strchr (name, '@');
      cleanup_free char *d = NULL;
      if (!cut)
        {
          cut = strrchr (name, ':');
          if (!cut || (slash && cut < slash))
            cut = name + strlen (name);
        }
      d = xasprintf ("%.*s@%s", (int)(cut - name), name, r->digest);
      if (!strv_contains (seen, d))
        {
          jg_str (g, d);
          strv_append (&seen, d);
        }
    }
  yajl_gen_array_close (g);
}

static void
gen_image_config (yajl_gen g, const struct image_config *cfg)
{
  jg_str (g, "Config");
  yajl_gen_map_open (g);
  jg_kstr (g, "User", cfg->user ? cfg->user : "");
  jg_kstrv (g, "Env", cfg->env);
  jg_kstrv (g, "Entrypoint", cfg->entrypoint);
  jg_kstrv (g, "Cmd", cfg->cmd);
  jg_kstr (g, "WorkingDir", cfg->working_dir ? cfg->working_dir : "");
  gen_labels (g, cfg->labels);
  if (cfg->stop_signal)
    jg_kstr (g, "StopSignal", cfg->stop_signal);
  yajl_gen_map_close (g);
}

static int
gen_image (yajl_gen g, struct store *s, const struct image_record *r, struct cl_error *err)
{
  cleanup_free char *digest = xasprintf ("sha256:%s", r->id);
  cleanup_image_config struct image_config cfg = { 0 };
  cleanup_free char *buf = NULL;
  cleanup_strv char **tags = NULL;

  if (store_read_blob (s, digest, CONFIG_MAX_BYTES, &buf, NULL, err) < 0
      || image_config_parse (buf, &cfg, err) < 0)
    return cl_wrap (err, "image %.12s", r->id);
  for (size_t i = 0; r->names && r->names[i]; i++)
    if (!strchr (r->names[i], '@'))
      strv_append (&tags, r->names[i]);
  yajl_gen_map_open (g);
  jg_kstr (g, "Id", r->id);
  jg_kstr (g, "Digest", r->digest);
  jg_kstrv (g, "RepoTags", tags);
  gen_repo_digests (g, r);
  jg_kstr (g, "Created", r->created ? r->created : cfg.created);
  jg_kstr (g, "Architecture", cfg.platform.arch);
  jg_kstr (g, "Os", cfg.platform.os);
  if (cfg.platform.variant)
    jg_kstr (g, "Variant", cfg.platform.variant);
  jg_kint (g, "Size", r->size);
  gen_image_config (g, &cfg);
  jg_str (g, "RootFS");
  yajl_gen_map_open (g);
  jg_kstr (g, "Type", "layers");
  jg_kstrv (g, "Layers", r->layers);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  return 0;
}

enum inspect_type
{
  INSPECT_ANY,
  INSPECT_CONTAINER,
  INSPECT_IMAGE,
};

/* By canonical name first, then as typed (a short ID, a local name). */
static int
find_image (struct store *s, const char *what, struct image_record *r, struct cl_error *err)
{
  cleanup_free char *canon = ref_canonical (what);
  int ret = store_image_lookup (s, canon, r, err);

  if (ret == 1 && strcmp (canon, what) != 0)
    ret = store_image_lookup (s, what, r, err);
  return ret;
}

/* The document of the container or image `what` names: 0, 1 when there
   is none, -1 on error. */
static int
inspect_doc (struct store *s, const char *what, enum inspect_type type, yajl_val *doc,
             struct cl_error *err)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  cleanup_free char *text = NULL;
  struct container c = { 0 };
  struct image_record r = { 0 };
  int found = 1;

  if (type != INSPECT_IMAGE && (found = container_find (s, what, &c, err)) == 0)
    {
      struct spec sp = { 0 };
      /* A container half-made by a killed run may lack its spec. */
      if (bundle_load (c.dir, &sp, err) < 0)
        memset (&sp, 0, sizeof sp);
      gen_container (g, s, &c, &sp);
      spec_clear (&sp);
    }
  container_clear (&c);
  if (found == 1 && type != INSPECT_CONTAINER && (found = find_image (s, what, &r, err)) == 0)
    found = gen_image (g, s, &r, err);
  image_record_clear (&r);
  if (found != 0)
    return found;
  text = json_gen_take (g, NULL);
  return json_parse (text, doc, err);
}

static int
not_found (const char *what, enum inspect_type type)
{
  static const char *kinds[] = { "object", "container", "image" };
  struct cl_error err = { 0 };

  cl_fail (&err, 0, "no such %s: %s", kinds[type], what);
  return cli_fail (&err);
}

/* Every document, then the array or each through the template: a
   template error prints nothing (as Go's, checked on the first). */
static int
print_docs (yajl_val *docs, size_t n, const char *format)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;
  struct cl_error err = { 0 };

  if (format && strcmp (format, "json") != 0)
    {
      for (size_t i = 0; i < n; i++)
        {
          cleanup_free char *line = NULL;
          if (template_render_json (format, docs[i], &line, &err) < 0)
            return cli_fail (&err);
          puts (line);
        }
      return 0;
    }
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    json_gen_val (g, docs[i]);
  yajl_gen_array_close (g);
  text = json_gen_take (g, NULL);
  puts (text);
  return 0;
}

static int
inspect_all (char **names, enum inspect_type type, const char *format)
{
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  yajl_val *docs = NULL;
  size_t n = 0;
  int ret = 0;

  if (cli_open_store_host (&s, &err) < 0)
    return cli_fail (&err);
  docs = xcalloc (strv_len (names) + 1, sizeof *docs);
  for (size_t i = 0; names[i]; i++)
    {
      int r = inspect_doc (s, names[i], type, &docs[n], &err);
      if (r == 0)
        n++;
      else
        ret = r == 1 ? not_found (names[i], type) : cli_fail (&err);
    }
  if (n > 0 || !format)
    {
      int r = print_docs (docs, n, format);
      ret = ret ? ret : r;
    }
  for (size_t i = 0; i < n; i++)
    yajl_tree_free (docs[i]);
  free (docs);
  return ret;
}

static int
inspect_main (int argc, char **argv, const char *cmd, enum inspect_type type)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "type", required_argument, NULL, 'T' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *format = NULL;
  int c;

  while ((c = cli_getopt (argc, argv, cmd, "f:h", longopts)) != -1)
    switch (c)
      {
      case -2: return 125;
      case 'h': fputs (inspect_usage, stdout); return 0;
      case 'f': format = optarg; break;
      case 'T':
        if (strcmp (optarg, "container") == 0)
          type = INSPECT_CONTAINER;
        else if (strcmp (optarg, "image") == 0)
          type = INSPECT_IMAGE;
        else
          return cli_usage_error (cmd, "invalid --type \"%s\": want container or image", optarg);
        break;
      }
  if (optind >= argc)
    return cli_usage_error (cmd, "\"crunlocal %s\" requires at least 1 argument", cmd);
  return inspect_all (argv + optind, type, format);
}

int
cmd_inspect (int argc, char **argv)
{
  return inspect_main (argc, argv, "inspect", INSPECT_ANY);
}

int
cmd_image_inspect (int argc, char **argv)
{
  return inspect_main (argc, argv, "image inspect", INSPECT_IMAGE);
}
