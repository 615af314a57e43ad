/* `crunlocal run`: the pipeline from an image name to a finished
   container — find or pull the image, make the container and its
   snapshot, build the spec, execute it, forward signals, wait. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ocispec.h"
#include "cgroup.h"
#include "cli.h"
#include "cnb.h"
#include "container.h"
#include "context.h"
#include "detach.h"
#include "etcfiles.h"
#include "evlog.h"
#include "exitrec.h"
#include "logfmt.h"
#include "mounts.h"
#include "net.h"
#include "ns.h"
#include "pty.h"
#include "pull.h"
#include "resflags.h"
#include "restart.h"
#include "ref.h"
#include "snapshot.h"
#include "spec.h"
#include "userns.h"
#include "util.h"
#include "volume.h"

static const char run_options[]
    = "  -i, --interactive            pass stdin to the container (else it reads /dev/null)\n"
      "  -t, --tty                    give the container a terminal (a PTY); with -i, ours is raw\n"
      "  -e, --env NAME[=VALUE]       set an environment variable (NAME alone: the host's)\n"
      "      --env-file FILE          read variables from FILE\n"
      "  -v, --volume [SRC:]DST[:OPTS] mount a volume: SRC a NAME (created on first use), a host\n"
      "                               path (/abs, ./rel; made if missing), none (an anonymous\n"
      "                               volume); OPTS ro, rw, z, Z (no-ops without SELinux), U "
      "(chown\n"
      "                               to the container's user), nocopy, comma-separated\n"
      "      --mount type=bind|volume|tmpfs,source=SRC,target=DST[,readonly]  (a bind's SRC must "
      "exist)\n"
      "      --tmpfs DST[:OPTIONS]    mount a tmpfs\n"
      "  -w, --workdir DIR            working directory (created if missing)\n"
      "  -u, --user USER[:GROUP]      name, uid, uid:gid or name:group\n"
      "      --entrypoint CMD         replace the image's entrypoint (\"\" clears it)\n"
      "  -h, --hostname NAME          the container's hostname (default: its short ID)\n"
      "      --name NAME              the container's name: [a-zA-Z0-9][a-zA-Z0-9_.-]*\n"
      "      --read-only              mount the root filesystem read-only\n"
      "      --rm                     remove the container when it exits\n"
      "  -d, --detach                 run in the background under a monitor; print the ID\n"
      "      --log-opt max-size=SIZE  rotate the log (-d) at SIZE (e.g. 10mb)\n"
      "      --stop-signal SIG        what `stop` sends first (default: the image's StopSignal, or "
      "TERM)\n"
      "      --restart POLICY         with -d: no, always, unless-stopped, on-failure[:MAX]\n"
      "      --pull missing|always|never  when to pull the image (default missing)\n"
      "      --platform OS/ARCH       the platform to pull\n"
      "      --network private|host|none|container:NAME|NETWORK  a network of its own (the\n"
      "                               default: an address on crunlocal's bridge for root; lo, a\n"
      "                               stub eth0 and outbound connections rootless), the host's,\n"
      "                               none, a running container's, or root's bridge network\n"
      "                               NETWORK (`crunlocal network create`); rootless, "
      "private:allow_host_loopback=true\n"
      "                               makes 10.0.2.2 (host.containers.internal) the host's "
      "127.0.0.1\n"
      "      --network-alias NAME     root, on a bridge network: another name the other\n"
      "                               containers on it reach this one by\n"
      "      --ip IP                  root, on a bridge network: this address (in its subnet,\n"
      "                               not taken) instead of the lowest free one\n"
      "  -P, --publish-all            publish every port the image EXPOSEs on a free host port\n"
      "  -p, --publish [IP:][HOSTPORT:]PORT[/tcp|udp]  with --network private, forward the\n"
      "                               host's HOSTPORT (default PORT; ranges: 8000-8009) to the\n"
      "                               container's PORT; on the host's network, the same port\n"
      "      --init                   run a small init as PID 1 that reaps zombies and forwards "
      "signals\n"
      "      --cap-add CAP, --cap-drop CAP  change the default capabilities (names, or ALL)\n"
      "      --ulimit NAME=SOFT[:HARD] a resource limit (nofile, nproc, core, memlock, ...; -1: "
      "none)\n"
      "      --cidfile FILE           write the container's ID to FILE (which must not exist)\n"
      "      --dns IP                 a nameserver for /etc/resolv.conf (else the host's)\n"
      "      --dns-search DOMAIN      a search domain for /etc/resolv.conf\n"
      "      --dns-option OPTION      an option for /etc/resolv.conf (e.g. ndots:2)\n"
      "      --add-host NAME:IP       a line in /etc/hosts\n"
      "      --no-hosts               keep the image's /etc/hosts\n"
      "      --privileged             every capability, the host's devices, no masked paths\n"
      "      --device HOST[:CONTAINER[:rwm]]  bind a host device into the container\n"
      "      --shm-size SIZE          the size of /dev/shm (default 64m)\n"
      "      --label KEY=VALUE, --label-file FILE  labels for inspect and ps --filter\n"
      "      --security-opt OPT       seccomp=unconfined | seccomp=PROFILE.json (docker's "
      "format),\n"
      "                               no-new-privileges[=false], mask=PATH[:PATH...],\n"
      "                               unmask=PATH[:PATH...] | unmask=ALL\n"
      "  -m, --memory SIZE            memory limit (e.g. 64m); past it the OOM killer strikes "
      "(exit 137)\n"
      "      --memory-swap SIZE       memory + swap limit (default 2x --memory; -1: unlimited "
      "swap)\n"
      "      --memory-reservation SIZE  the soft memory limit\n"
      "      --cpus N                 CPUs' worth of time (e.g. 0.5): --cpu-quota N*100000\n"
      "      --cpu-shares N           relative CPU weight (default 1024; cgroup v2: weight by "
      "runc's formula)\n"
      "      --cpu-quota US, --cpu-period US  CFS quota and period in microseconds\n"
      "      --cpuset-cpus LIST       the CPUs it may use (0-1,3); rootless: as CPU affinity\n"
      "      --cpuset-mems LIST       the memory nodes it may use\n"
      "      --pids-limit N           at most N processes (default 2048; -1: no limit)\n"
      "      --oom-score-adj N        the container's oom_score_adj (-1000..1000)\n"
      "      --tls-verify=false       allow plain HTTP and unverified TLS when pulling\n";

/* run and create only: a bundle (spec) is self-contained. */
static const char context_options[]
    = "      --context [DIR][:TARGET] DIR (default .) at TARGET (default /workspace, the working\n"
      "                               directory unless -w): read-only underneath, the container's\n"
      "                               writes kept apart; .dockerignore'd paths hidden (a DIR\n"
      "                               given as a separate word starts with ., / or :)\n"
      "      --context-ignore-none    without an ignore file, hide nothing (default: .git,\n"
      "                               node_modules, target)\n"
      "      --context-keep           keep the context's upper directory after the container "
      "is\n"
      "                               removed, and print where\n";

static const char run_usage[]
    = "Usage: crunlocal run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
      "       crunlocal run --bundle DIR\n"
      "\n"
      "Run a command in a new container (pulling the image when missing), or\n"
      "the OCI bundle DIR (a rootfs and config.json, as `crunlocal spec` or\n"
      "`runc spec` write them).  Options end at IMAGE: what follows it is the\n"
      "command and its arguments.\n"
      "\n"
      "Options:\n"
      "      --bundle DIR             run the OCI bundle DIR as its config.json says\n";

static const char create_usage[]
    = "Usage: crunlocal create [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
      "\n"
      "Create a container as `run -d` would, without starting it: it is Created\n"
      "in `ps -a` until `start` runs it.  Prints its ID.\n"
      "\n"
      "Options:\n";

static const char spec_usage[]
    = "Usage: crunlocal spec [OPTIONS] -o DIR IMAGE [COMMAND [ARG...]]\n"
      "       crunlocal spec [OPTIONS] IMAGE [COMMAND [ARG...]] -o DIR\n"
      "\n"
      "Write an OCI bundle for IMAGE into DIR (new or empty): rootfs/ with the\n"
      "image's layers flattened, and the config.json `run` would execute.\n"
      "Run it with `crunlocal run --bundle DIR` (or any OCI runtime).\n"
      "Options end at IMAGE, as for run; the one exception: without -o before\n"
      "IMAGE, a last \"-o DIR\" (or --output DIR, --output=DIR) is the output,\n"
      "not part of COMMAND.\n"
      "\n"
      "Options:\n"
      "  -o, --output DIR             the bundle directory (required)\n";

struct run_opts
{
  struct spec_opts spec;
  bool rm, detach, interactive;
  bool publish_all;         /* -P */
  bool create;              /* `create`: everything up to the start */
  struct mount_reqs mounts; /* -v, --mount */
  char **ports;             /* -p as recorded: "5432/tcp" (host), "0.0.0.0:8080:80/tcp" (private) */
  char **publish;           /* -p as given, parsed once the network is known */
  enum net_mode network;
  const char *net_target; /* --network container:X, or NETWORK */
  const char *ip;         /* --ip */
  char **net_aliases;     /* --network-alias */
  char *net_path;         /* its namespace */
  struct net_port *pub;
  size_t n_pub;
  size_t n_pub_given; /* of pub: -p's; after them -P's */
  long long log_max_size;
  const char *stop_signal;
  const char *restart;
  const char *cidfile;
  char *name;
  const char *pull, *platform;
  bool tls_verify;
  const char *image;
  const char *bundle; /* run --bundle */
  const char *output; /* spec -o */
  bool is_spec;
  struct etc_opts etc; /* --dns, --add-host, ... */
  char **labels;       /* --label, --label-file: "K=V" */
  char *seccomp_text;  /* --security-opt seccomp=FILE: its content */
  /* --memory, --cpus, --pids-limit, ...: linux.resources of the spec */
  struct res_flags res;
  /* --context: the request, and what was made for it */
  bool has_context;
  const char *context_arg;
  struct context_req context;
  struct context ctx;
  /* Root's `run` in the foreground: its network namespace, made by a
     thread from the moment the flags say it will be one (ns.h). */
  struct ns_net_ahead net_ahead;
  bool net_ahead_on;
};

static void
run_opts_clear (struct run_opts *o)
{
  strv_free (o->etc.dns);
  strv_free (o->etc.dns_search);
  strv_free (o->etc.dns_options);
  strv_free (o->etc.add_hosts);
  strv_free (o->spec.devices);
  strv_free (o->labels);
  free (o->seccomp_text);
  strv_free (o->spec.mask);
  strv_free (o->spec.unmask);
  res_flags_clear (&o->res);
  strv_free (o->spec.env);
  strv_free (o->spec.env_files);
  strv_free (o->spec.tmpfs);
  strv_free (o->spec.cap_add);
  strv_free (o->spec.cap_drop);
  strv_free (o->spec.ulimits);
  strv_free (o->ports);
  strv_free (o->publish);
  strv_free (o->net_aliases);
  free (o->pub);
  free (o->net_path);
  for (size_t i = 0; i < o->spec.n_volumes; i++)
    free (o->spec.volumes[i].source), free (o->spec.volumes[i].destination);
  free (o->spec.volumes);
  mount_reqs_clear (&o->mounts);
  free (o->spec.uid_maps);
  free (o->spec.gid_maps);
  free (o->spec.rootfs);
  context_req_clear (&o->context);
  context_clear (&o->ctx);
  if (o->net_ahead_on)
    ns_net_ahead_clear (&o->net_ahead);
  o->net_ahead_on = false;
}

/* Before the store is opened (that may enter a user namespace: then
   geteuid is no longer the caller's); run_container decides whether it
   is used, ns_start_with whether the spec can take it. */
static void
net_ahead_early (struct run_opts *o)
{
  if (geteuid () != 0 || o->detach || o->create || o->is_spec || o->bundle
      || (o->network != NET_NONE && o->network != NET_PRIVATE))
    return;
  ns_net_ahead_start (&o->net_ahead);
  o->net_ahead_on = true;
}

/* -v and --mount: host paths are resolved (or refused) now, before
   anything is made in the store. */
static int
parse_volume (struct run_opts *o, const char *arg, struct cl_error *err)
{
  if (mounts_parse_volume (&o->mounts, arg, err) < 0)
    return -1;
  return mounts_resolve_binds (&o->mounts, err);
}

static int
parse_mount (struct run_opts *o, const char *arg, struct cl_error *err)
{
  if (mounts_parse_mount (&o->mounts, arg, err) < 0)
    return -1;
  return mounts_resolve_binds (&o->mounts, err);
}

enum
{
  OPT_ENV_FILE = 256,
  OPT_MOUNT,
  OPT_TMPFS,
  OPT_ENTRYPOINT,
  OPT_HOSTNAME,
  OPT_NAME,
  OPT_READ_ONLY,
  OPT_RM,
  OPT_PULL,
  OPT_PLATFORM,
  OPT_NETWORK,
  OPT_NETWORK_ALIAS,
  OPT_IP,
  OPT_TLS_VERIFY,
  OPT_INIT,
  OPT_BUNDLE,
  OPT_LOG_OPT,
  OPT_STOP_SIGNAL,
  OPT_RESTART,
  OPT_CAP_ADD,
  OPT_CAP_DROP,
  OPT_ULIMIT,
  OPT_CIDFILE,
  OPT_DNS,
  OPT_DNS_SEARCH,
  OPT_DNS_OPTION,
  OPT_ADD_HOST,
  OPT_NO_HOSTS,
  OPT_PRIVILEGED,
  OPT_DEVICE,
  OPT_SHM_SIZE,
  OPT_LABEL,
  OPT_LABEL_FILE,
  OPT_SECURITY_OPT,
  OPT_MEMORY_SWAP,
  OPT_MEMORY_RESERVATION,
  OPT_CPUS,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_OOM_SCORE_ADJ,
  OPT_CONTEXT,
  OPT_CONTEXT_KEEP,
  OPT_CONTEXT_IGNORE_NONE,
};

/* --ip, --network-alias and a network by name: root's bridge networks. */
static int
check_bridge_flags (const struct run_opts *o, const char *cmd)
{
  enum net_mode m;
  bool named = o->network == NET_PRIVATE && o->net_target
               && strcmp (net_name (o->net_target), "crunlocal") != 0;

  if ((o->ip || o->net_aliases) && o->network != NET_PRIVATE)
    return cli_usage_error (cmd, "--ip and --network-alias need a bridge network (--network "
                                 "private or NETWORK)");
  if (userns_host_euid () == 0)
    return 0;
  if (named && net_mode_parse (o->net_target, &m) == 0)
    return cli_usage_error (cmd,
                            "--network %s: named networks need root (a rootless container has "
                            "a network of its own: --network private)",
                            o->net_target);
  if (o->ip || o->net_aliases)
    return cli_usage_error (cmd, "--ip and --network-alias need root: a rootless container's "
                                 "network is its own");
  return 0;
}

static long
port_number (const char *s)
{
  char *end;
  long v = strtol (s, &end, 10);

  return *s && !*end && v >= 1 && v <= 65535 ? v : -1;
}

/* -p [IP:][HOSTPORT:]PORT[/PROTO].  There is no network of the
   container's own to map from: on the host's network its port 80 is the
   host's port 80, so that is all -p can publish — and is refused
   otherwise, rather than silently not doing what was asked. */
static int
parse_publish (struct run_opts *o, const char *arg, struct cl_error *err)
{
  cleanup_free char *copy = xstrdup (arg);
  char *proto = strchr (copy, '/'), *last = strrchr (copy, ':'), *ip = NULL, *host = NULL;
  long port;

  if (proto)
    *proto++ = '\0';
  if (proto && strcmp (proto, "tcp") && strcmp (proto, "udp") && strcmp (proto, "sctp"))
    return cl_fail (err, 0, "invalid -p %s: the protocol is tcp, udp or sctp", arg);
  if (last)
    {
      *last = '\0';
      host = strrchr (copy, ':') ? strrchr (copy, ':') + 1 : copy;
      ip = host != copy ? (host[-1] = '\0', copy) : NULL;
    }
  port = port_number (last ? last + 1 : copy);
  if (port < 0 || (host && *host && port_number (host) < 0))
    return cl_fail (err, 0, "invalid -p %s: want [IP:][HOSTPORT:]PORT[/tcp|udp], ports 1-65535",
                    arg);
  if (host && *host && port_number (host) != port)
    return cl_fail (err, 0,
                    "-p %s: the container shares the host's network, where its port %ld is "
                    "the host's port %ld; publishing it on another port is not supported",
                    arg, port, port);
  if (ip && *ip && strcmp (ip, "0.0.0.0") != 0)
    return cl_fail (err, 0,
                    "-p %s: the container shares the host's network; it listens where "
                    "it binds, and crunlocal cannot restrict that to %s",
                    arg, ip);
  {
    cleanup_free char *entry = xasprintf ("%ld/%s", port, proto ? proto : "tcp");
    strv_append (&o->ports, entry);
  }
  return 0;
}

/* -p once the network is known: a network of its own maps any host port
   to any of the container's. */
static int
parse_publish_all (struct run_opts *o, struct cl_error *err)
{
  for (size_t i = 0; o->publish && o->publish[i]; i++)
    if (o->network != NET_PRIVATE ? parse_publish (o, o->publish[i], err) < 0
                                  : net_parse_publish (o->publish[i], &o->pub, &o->n_pub, err) < 0)
      return -1;
  for (size_t i = 0; i < o->n_pub; i++)
    {
      cleanup_free char *rec = net_port_format (&o->pub[i]);
      strv_append (&o->ports, rec);
    }
  return 0;
}

static int
parse_log_opt (struct run_opts *o, const char *arg, struct cl_error *err)
{
  if (!str_has_prefix (arg, "max-size="))
    return cl_fail (err, 0, "--log-opt %s is not supported (max-size=SIZE)", arg);
  if (flag_parse_size (arg + strlen ("max-size="), &o->log_max_size) < 0)
    return cl_fail (err, 0, "invalid --log-opt %s: want a size like 10mb", arg);
  return 0;
}

/* --label K[=V], a later one replacing an earlier K. */
static int
add_label (struct run_opts *o, const char *kv, struct cl_error *err)
{
  size_t n = strcspn (kv, "=");
  cleanup_free char *full = xasprintf ("%s%s", kv, kv[n] ? "" : "=");

  if (n == 0)
    return cl_fail (err, 0, "invalid label \"%s\": want KEY=VALUE", kv);
  for (size_t i = 0; o->labels && o->labels[i]; i++)
    if (strncmp (o->labels[i], full, n + 1) == 0)
      {
        free (o->labels[i]);
        o->labels[i] = steal_pointer (&full);
        return 0;
      }
  strv_append (&o->labels, full);
  return 0;
}

/* --label-file: a K=V per line; blank lines and # comments skipped. */
static int
add_label_file (struct run_opts *o, const char *file, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  char *save = NULL;

  if (read_file_at (AT_FDCWD, file, 1 << 20, &buf, NULL, err) < 0)
    return cl_wrap (err, "--label-file");
  for (char *l = strtok_r (buf, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      l[strcspn (l, "\r")] = '\0';
      if (*l && *l != '#' && add_label (o, l, err) < 0)
        return cl_wrap (err, "--label-file %s", file);
    }
  return 0;
}

static void
append_paths (char ***v, const char *list)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;

  for (char *p = strtok_r (copy, ":", &save); p; p = strtok_r (NULL, ":", &save))
    strv_append (v, p);
}

static bool
key_is (const char *arg, size_t klen, const char *key)
{
  return strlen (key) == klen && strncmp (arg, key, klen) == 0;
}

/* --security-opt, docker's spellings (KEY=VALUE, or the older KEY:VALUE). */
static int
parse_security_opt (struct run_opts *o, const char *arg, struct cl_error *err)
{
  size_t klen = strcspn (arg, "=:");
  const char *val = arg[klen] ? arg + klen + 1 : NULL;

  if (key_is (arg, klen, "seccomp") && val && *val)
    {
      free (o->seccomp_text);
      o->seccomp_text = NULL;
      o->spec.seccomp = val;
      if (strcmp (val, "unconfined") != 0
          && read_file_at (AT_FDCWD, val, 1 << 20, &o->seccomp_text, NULL, err) < 0)
        return cl_wrap (err, "--security-opt seccomp=%s", val);
      o->spec.seccomp_json = o->seccomp_text;
      return 0;
    }
  if (key_is (arg, klen, "no-new-privileges")
      && (!val || strcmp (val, "true") == 0 || strcmp (val, "false") == 0))
    {
      o->spec.new_privs = val && strcmp (val, "false") == 0;
      return 0;
    }
  if (key_is (arg, klen, "mask") && val && val[0] == '/')
    {
      append_paths (&o->spec.mask, val);
      return 0;
    }
  if (key_is (arg, klen, "unmask") && val && (val[0] == '/' || strcmp (val, "ALL") == 0))
    {
      append_paths (&o->spec.unmask, val);
      return 0;
    }
  return cl_fail (err, EINVAL,
                  "--security-opt %s is not supported (seccomp=unconfined|FILE, "
                  "no-new-privileges[=BOOL], mask=PATHS, unmask=PATHS|ALL)",
                  arg);
}

/* The resource flags (resflags.h); 1 when `c` is none of them. */
static int
parse_resource (struct run_opts *o, int c, struct cl_error *err)
{
  static const struct
  {
    int opt;
    const char *flag;
  } flags[] = { { 'm', "--memory" },
                { OPT_MEMORY_SWAP, "--memory-swap" },
                { OPT_MEMORY_RESERVATION, "--memory-reservation" },
                { OPT_CPUS, "--cpus" },
                { OPT_CPU_SHARES, "--cpu-shares" },
                { OPT_CPU_QUOTA, "--cpu-quota" },
                { OPT_CPU_PERIOD, "--cpu-period" },
                { OPT_CPUSET_CPUS, "--cpuset-cpus" },
                { OPT_CPUSET_MEMS, "--cpuset-mems" },
                { OPT_PIDS_LIMIT, "--pids-limit" },
                { OPT_OOM_SCORE_ADJ, "--oom-score-adj" } };

  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (flags[i].opt == c)
      return res_flags_parse (&o->res, flags[i].flag, optarg, err);
  return 1;
}

/* The spec carries what the flags asked (cgroup.c applies it). */
static void
spec_take_resources (struct run_opts *o, struct spec *sp)
{
  spec_resources_clear (&sp->resources);
  sp->resources = o->res.res;
  sp->resources.cpuset_cpus = o->res.res.cpuset_cpus ? xstrdup (o->res.res.cpuset_cpus) : NULL;
  sp->resources.cpuset_mems = o->res.res.cpuset_mems ? xstrdup (o->res.res.cpuset_mems) : NULL;
  sp->has_oom_score_adj = o->res.has_oom_score_adj;
  sp->oom_score_adj = o->res.oom_score_adj;
}

static int
parse_one (struct run_opts *o, int c, struct cl_error *err)
{
  int r = parse_resource (o, c, err);

  if (r <= 0)
    return r;
  switch (c)
    {
    case 'e': strv_append (&o->spec.env, optarg); return 0;
    case OPT_ENV_FILE: strv_append (&o->spec.env_files, optarg); return 0;
    case 'v': return parse_volume (o, optarg, err);
    case OPT_MOUNT: return parse_mount (o, optarg, err);
    case OPT_TMPFS: strv_append (&o->spec.tmpfs, optarg); return 0;
    case 'w': o->spec.workdir = optarg; return 0;
    case 'u': o->spec.user = optarg; return 0;
    case OPT_ENTRYPOINT:
      o->spec.entrypoint = optarg;
      o->spec.entrypoint_set = true;
      return 0;
    case 'h': /* -h is --hostname, as in docker and podman */
    case OPT_HOSTNAME: o->spec.hostname = optarg; return 0;
    case OPT_NAME: o->name = optarg; return container_name_check (optarg, err);
    case OPT_READ_ONLY: o->spec.read_only = true; return 0;
    case OPT_RM: o->rm = true; return 0;
    case 'd': o->detach = true; return 0;
    case OPT_LOG_OPT: return parse_log_opt (o, optarg, err);
    case OPT_STOP_SIGNAL:
      if (cli_parse_signal (optarg) < 0)
        return cl_fail (err, 0, "invalid --stop-signal \"%s\"", optarg);
      o->stop_signal = optarg;
      return 0;
    case OPT_INIT: o->spec.init = true; return 0;
    case OPT_CAP_ADD: strv_append (&o->spec.cap_add, optarg); return 0;
    case OPT_CAP_DROP: strv_append (&o->spec.cap_drop, optarg); return 0;
    case OPT_ULIMIT: strv_append (&o->spec.ulimits, optarg); return 0;
    case OPT_CIDFILE: o->cidfile = optarg; return 0;
    case OPT_DNS: strv_append (&o->etc.dns, optarg); return etc_check_dns (optarg, err);
    case OPT_DNS_SEARCH: strv_append (&o->etc.dns_search, optarg); return 0;
    case OPT_DNS_OPTION: strv_append (&o->etc.dns_options, optarg); return 0;
    case OPT_ADD_HOST: strv_append (&o->etc.add_hosts, optarg); return etc_check_host (optarg, err);
    case OPT_NO_HOSTS: o->etc.no_hosts = o->spec.no_hosts = true; return 0;
    case OPT_PRIVILEGED: o->spec.privileged = true; return 0;
    case OPT_DEVICE: strv_append (&o->spec.devices, optarg); return 0;
    case OPT_SHM_SIZE:
      if (flag_parse_size (optarg, &o->spec.shm_size) < 0 || o->spec.shm_size <= 0)
        return cl_fail (err, 0, "invalid --shm-size %s: want a size like 64m", optarg);
      return 0;
    case OPT_LABEL: return add_label (o, optarg, err);
    case OPT_LABEL_FILE: return add_label_file (o, optarg, err);
    case OPT_SECURITY_OPT: return parse_security_opt (o, optarg, err);
    case OPT_RESTART:
      {
        struct restart_policy p;
        if (restart_parse (optarg, &p, err) < 0)
          return -1;
        o->restart = p.kind == RESTART_NO ? NULL : optarg;
        return 0;
      }
    case OPT_BUNDLE: o->bundle = optarg; return 0;
    case 'o': o->output = optarg; return 0;
    case OPT_PLATFORM: o->platform = optarg; return 0;
    case 'i': o->interactive = true; return 0;
    case 'p': strv_append (&o->publish, optarg); return 0;
    case 'P': o->publish_all = true; return 0;
    case 't': o->spec.terminal = true; return 0;
    case OPT_PULL:
      if (strcmp (optarg, "missing") && strcmp (optarg, "always") && strcmp (optarg, "never"))
        return cl_fail (err, 0, "--pull must be missing, always or never, not \"%s\"", optarg);
      o->pull = optarg;
      return 0;
    case OPT_NETWORK:
      if (net_mode_parse (optarg, &o->network) < 0)
        return cl_fail (err, 0,
                        "--network %s is not supported (private[:allow_host_loopback=true], "
                        "host, none, container:NAME, or a network's name)",
                        optarg);
      o->spec.network_none = o->network == NET_NONE;
      o->spec.network_private = o->network == NET_PRIVATE;
      o->net_target = optarg;
      return 0;
    case OPT_NETWORK_ALIAS:
      if (!container_name_valid (optarg))
        return cl_fail (err, 0, "invalid --network-alias %s: want [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                        optarg);
      strv_append (&o->net_aliases, optarg);
      return 0;
    case OPT_IP:
      {
        struct in_addr a;
        if (inet_pton (AF_INET, optarg, &a) != 1)
          return cl_fail (err, 0, "invalid --ip %s: want an IPv4 address", optarg);
        o->ip = optarg;
        return 0;
      }
    case OPT_CONTEXT:
      o->has_context = true;
      o->context_arg = optarg;
      return 0;
    case OPT_CONTEXT_KEEP: o->context.keep = true; return 0;
    case OPT_CONTEXT_IGNORE_NONE: o->context.ignore_none = true; return 0;
    case OPT_TLS_VERIFY:
      if (cli_parse_bool ("run", "--tls-verify", optarg, &o->tls_verify) != 0)
        return cl_fail (err, 0, "bad --tls-verify");
      return 0;
    }
  return cl_fail (err, 0, "unexpected option");
}

/* Options end at the image; `spec` takes, as the one exception, -o DIR
   (--output DIR, --output=DIR) as its last arguments too — cut from the
   command — when it was not given before the image. */
static void
take_trailing_output (int argc, char **argv, struct run_opts *o)
{
  if (argc - optind >= 3
      && (strcmp (argv[argc - 2], "-o") == 0 || strcmp (argv[argc - 2], "--output") == 0))
    {
      o->output = argv[argc - 1];
      argv[argc - 2] = NULL;
    }
  else if (argc - optind >= 2 && str_has_prefix (argv[argc - 1], "--output="))
    {
      o->output = argv[argc - 1] + strlen ("--output=");
      argv[argc - 1] = NULL;
    }
}

/* Returns 0, -1 (err set), or -2 (a usage error already printed). */
static int
parse_run (int argc, char **argv, struct run_opts *o, struct cl_error *err)
{
  static const struct option longopts[]
      = { { "env", required_argument, NULL, 'e' },
          { "env-file", required_argument, NULL, OPT_ENV_FILE },
          { "volume", required_argument, NULL, 'v' },
          { "mount", required_argument, NULL, OPT_MOUNT },
          { "tmpfs", required_argument, NULL, OPT_TMPFS },
          { "workdir", required_argument, NULL, 'w' },
          { "user", required_argument, NULL, 'u' },
          { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
          { "hostname", required_argument, NULL, OPT_HOSTNAME },
          { "name", required_argument, NULL, OPT_NAME },
          { "read-only", no_argument, NULL, OPT_READ_ONLY },
          { "rm", no_argument, NULL, OPT_RM },
          { "pull", required_argument, NULL, OPT_PULL },
          { "platform", required_argument, NULL, OPT_PLATFORM },
          { "network", required_argument, NULL, OPT_NETWORK },
          { "net", required_argument, NULL, OPT_NETWORK },
          { "network-alias", required_argument, NULL, OPT_NETWORK_ALIAS },
          { "ip", required_argument, NULL, OPT_IP },
          { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
          { "interactive", no_argument, NULL, 'i' },
          { "tty", no_argument, NULL, 't' },
          { "publish", required_argument, NULL, 'p' },
          { "publish-all", no_argument, NULL, 'P' },
          { "init", no_argument, NULL, OPT_INIT },
          { "bundle", required_argument, NULL, OPT_BUNDLE },
          { "output", required_argument, NULL, 'o' },
          { "detach", no_argument, NULL, 'd' },
          { "log-opt", required_argument, NULL, OPT_LOG_OPT },
          { "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
          { "restart", required_argument, NULL, OPT_RESTART },
          { "cap-add", required_argument, NULL, OPT_CAP_ADD },
          { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
          { "ulimit", required_argument, NULL, OPT_ULIMIT },
          { "cidfile", required_argument, NULL, OPT_CIDFILE },
          { "dns", required_argument, NULL, OPT_DNS },
          { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
          { "dns-option", required_argument, NULL, OPT_DNS_OPTION },
          { "add-host", required_argument, NULL, OPT_ADD_HOST },
          { "no-hosts", no_argument, NULL, OPT_NO_HOSTS },
          { "privileged", no_argument, NULL, OPT_PRIVILEGED },
          { "device", required_argument, NULL, OPT_DEVICE },
          { "shm-size", required_argument, NULL, OPT_SHM_SIZE },
          { "label", required_argument, NULL, OPT_LABEL },
          { "label-file", required_argument, NULL, OPT_LABEL_FILE },
          { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
          { "memory", required_argument, NULL, 'm' },
          { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
          { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
          { "cpus", required_argument, NULL, OPT_CPUS },
          { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
          { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
          { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
          { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
          { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
          { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
          { "oom-score-adj", required_argument, NULL, OPT_OOM_SCORE_ADJ },
          { "context", optional_argument, NULL, OPT_CONTEXT },
          { "context-keep", no_argument, NULL, OPT_CONTEXT_KEEP },
          { "context-ignore-none", no_argument, NULL, OPT_CONTEXT_IGNORE_NONE },
          { NULL, 0, NULL, 0 } };
  const char *cmd = o->is_spec ? "spec" : "run";
  int c;

  o->pull = "missing";
  o->tls_verify = true;
  /* A network of its own by default, as podman's; a bundle for another
     runtime (spec) cannot carry one, so it keeps the host's. */
  if (!o->is_spec)
    {
      o->network = NET_PRIVATE;
      o->spec.network_private = true;
    }
  while ((c = cli_getopt (argc, argv, cmd,
                          o->is_spec ? "+e:v:w:u:h:itm:o:" : "+e:v:w:u:h:itdp:Pm:", longopts))
         != -1)
    {
      if (c == -2)
        return -2;
      if ((c == 'o' && !o->is_spec) || ((c == OPT_BUNDLE || c == 'd') && o->is_spec))
        return cli_usage_error (cmd, "unknown flag: %s", argv[optind - 1]), -2;
      if (parse_one (o, c, err) < 0)
        return -1;
      /* --context DIR: a separate word that cannot be an image (which
         starts with a letter or digit) is its DIR. */
      if (c == OPT_CONTEXT && !optarg && optind < argc - 1 && strchr ("./:", argv[optind][0]))
        o->context_arg = argv[optind++];
    }
  if (o->has_context && o->is_spec)
    return cli_usage_error (cmd, "--context is for run and create: a bundle is self-contained"), -2;
  if ((o->context.keep || o->context.ignore_none) && !o->has_context)
    return cli_usage_error (cmd, "--context-keep and --context-ignore-none need --context"), -2;
  if (o->has_context && context_parse (o->context_arg, &o->context, err) < 0)
    return -1;
  if (res_flags_check (&o->res, err) < 0)
    return -1;
  if (o->restart && o->rm)
    return cli_usage_error (cmd, "--restart and --rm conflict: a container that restarts is kept"),
           -2;
  if (o->restart && !o->detach && !o->is_spec)
    return cli_usage_error (cmd, "--restart needs -d: a foreground run ends with its container"),
           -2;
  if (o->publish && (o->network == NET_NONE || o->network == NET_CONTAINER))
    return cli_usage_error (cmd, "-p publishes a port: not with --network none or container:"), -2;
  if (parse_publish_all (o, err) < 0)
    return -1;
  if (!o->is_spec && check_bridge_flags (o, cmd) != 0)
    return -2;
  if (o->etc.no_hosts && o->etc.add_hosts)
    return cli_usage_error (
               cmd,
               "--no-hosts and --add-host conflict: with --no-hosts /etc/hosts is the image's"),
           -2;
  if (o->bundle && o->detach)
    return cli_usage_error (cmd, "--bundle runs in the foreground: -d is not supported with it"),
           -2;
  if (o->bundle)
    return optind < argc ? (
               cli_usage_error (cmd, "--bundle runs the bundle's config.json: no IMAGE or COMMAND"),
               -2)
                         : 0;
  if (o->is_spec && !o->output)
    take_trailing_output (argc, argv, o);
  if (o->is_spec && !o->output)
    return cli_usage_error (cmd, "\"crunlocal spec\" requires -o DIR"), -2;
  if (optind >= argc)
    return cli_usage_error (cmd, "\"crunlocal %s\" requires at least 1 argument", cmd), -2;
  o->image = argv[optind];
  o->spec.args = argv + optind + 1;
  return 0;
}

/* The image, pulled when the policy says so. */
static int
find_image (struct store *s, const struct run_opts *o, struct image_record *img,
            struct cl_error *err)
{
  cleanup_free char *canon = ref_canonical (o->image);
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
    return cl_fail (err, 0, "%s: image not known (and --pull=never)", o->image);
  po.progress = isatty (2) ? PROGRESS_BARS : PROGRESS_QUIET;
  if (pull_image (s, o->image, &po, id, err) < 0)
    return -1;
  return store_image_lookup (s, id, img, err) == 0
             ? 0
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
  for (int c = 0, in; c < 64 && (in = prctl (PR_CAPBSET_READ, c, 0, 0, 0)) >= 0; c++)
    if (in == 1)
      o->spec.cap_bounding |= 1ULL << c;
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

/* The container's config.json, written while its process execs: before
   it is recorded as running, which `exec`, `update` and `start` wait
   for (`inspect` and `diff` do without). */
struct config_job
{
  const char *dir;
  const struct spec *sp;
};

static int
write_config_job (void *arg, struct cl_error *err)
{
  const struct config_job *j = arg;

  return bundle_write_config (j->dir, j->sp, false, err);
}

/* The container goes into its cgroup between clone and "go" (cgroup.h);
   what could not be applied is one warning line.  `config`: written
   after "go" (NULL: not). */
static int
start_blocked (const struct spec *sp, const struct ns_overlay *ov, const struct ns_stdio *stdio,
               struct cgroup_join *cg, const struct ns_hook *next, struct ns_net_ahead *net,
               struct config_job *config, sigset_t *set, struct ns_proc *proc, struct cl_error *err)
{
  struct ns_hook hook = {
    .fn = cgroup_join_hook, .before = cgroup_join_before, .arg = cg, .next = next, .alongside = true
  };
  struct ns_opts no = { .hold = -1,
                        .serve = -1,
                        .net_ahead = net,
                        .after_go = config ? write_config_job : NULL,
                        .after_go_arg = config };

  cli_block_forwarded (set);
  if (cl_check_interrupt (err) < 0)
    return -1;
  if (ns_start_with (sp, ov, set, stdio, &hook, &no, proc, err) < 0)
    return -1;
  if (cg->warning)
    fprintf (stderr, "crunlocal: warning: %s\n", cg->warning);
  return 0;
}

/* After the container's end: was it OOM-killed?  Then nothing of it is
   left in its cgroups, and they go. */
static bool
finish_cgroup (struct cgroup_join *cg)
{
  cleanup_cgroup_dirs struct cgroup_dirs now = { 0 };
  struct cl_error ignored;
  bool oom;

  /* The record, which `update` may have grown (a cpuset cgroup added). */
  if (cg->recfd >= 0 && cgrouprec_read (cg->recfd, &now, &ignored) == 0)
    {
      cgroup_dirs_clear (&cg->dirs);
      cg->dirs = now;
      now = (struct cgroup_dirs){ 0 };
    }
  oom = cgroup_dirs_finish (&cg->dirs, cg->recfd);

  cgroup_join_clear (cg);
  return oom;
}

/* A foreground container's output comes through pipes (or its
   terminal), relayed to ours; one that stays (no --rm) has a log, as a
   detached one has. */
struct fg_log
{
  struct log_writer w;
  bool open;
  struct cli_pipes pipes;
};

static void
fg_log_close (struct fg_log *l)
{
  struct cl_error ignored;

  cli_pipes_close (&l->pipes);
  if (l->open)
    log_writer_flush (&l->w, &ignored), log_writer_close (&l->w);
}

/* As the monitor does, a log that cannot be opened (a full disk) does not
   stop the container: it runs unlogged. */
static int
fg_log_open (const struct container *c, bool terminal, struct fg_log *l, struct cl_error *err)
{
  cleanup_close int dfd = -1;
  struct cl_error ignored;

  l->open = false;
  if (cli_pipes_open (&l->pipes, c->interactive, terminal, err) < 0)
    return -1;
  if (c->auto_rm)
    return 0;
  dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  l->open = dfd >= 0 && log_writer_open (&l->w, dfd, c->log_max_size, &ignored) == 0;
  return 0;
}

/* `rm -f` may have removed the container meanwhile: then there is
   nothing to record. */
static void
record_exit (const struct container *c, const struct exit_record *rec)
{
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int lock = -1;
  struct cl_error ignored;

  if (dfd >= 0 && (lock = exitrec_open_lock (dfd, &ignored)) >= 0
      && exitrec_write (dfd, lock, rec, &ignored) == 0)
    evlog_append (dfd, EVLOG_FROM_CONTAINER, "container", "died", c->id, c->name, c->image);
}

/* In the foreground this process is the container's monitor. */
static int
start_and_wait (struct store *s, struct container *c, const struct spec *sp,
                const struct snapshot *snap, const struct ns_hook *hook, struct ns_net_ahead *net,
                int *code, struct cl_error *err)
{
  struct exit_record rec;
  struct ns_proc proc;
  struct fg_log l;
  struct cli_io io = { .input = c->interactive };
  sigset_t set;
  int r = fg_log_open (c, sp->terminal, &l, err);
  struct ns_stdio stdio;
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct cgroup_join cg = { .id = c->id, .spec = sp, .recfd = dfd };
  struct config_job config = { c->dir, sp };

  if (r < 0)
    return -1;
  memcpy (stdio.fd, l.pipes.theirs, sizeof stdio.fd);
  r = start_blocked (sp, snapshot_overlay (snap), &stdio, &cg, hook, net, &config, &set, &proc,
                     err);
  cli_pipes_started (&l.pipes);
  if (r < 0)
    {
      finish_cgroup (&cg);
      fg_log_close (&l);
      return -1;
    }
  c->pid = proc.pid;
  c->pid_start = container_pid_start (proc.pid);
  c->monitor_pid = getpid ();
  c->monitor_start = container_pid_start (getpid ());
  c->started = (long long)time (NULL);
  free (c->status);
  c->status = xstrdup ("running");
  container_save (s, c, err);
  evlog_append (s->rootfd, EVLOG_FILE, "container", "start", c->id, c->name, c->image);
  /* Its record keeps its image from rmi and prune now: they need not
     wait for the container to end. */
  store_release_gc (s);
  io.master = proc.console;
  io.in = steal_fd (&l.pipes.in);
  io.out[0] = steal_fd (&l.pipes.out[0]), io.out[1] = steal_fd (&l.pipes.out[1]);
  io.log = l.open ? &l.w : NULL;
  cli_wait_forwarding (proc.pid, &set, true, &io, &rec);
  if (proc.console >= 0)
    close (proc.console);
  fg_log_close (&l);
  *code = rec.code;
  rec.oom = finish_cgroup (&cg);
  record_exit (c, &rec);
  return 0;
}

/* run --bundle: the spec as written, the rootfs as it is; no store. */
static int
run_bundle (const struct run_opts *o, int *code, struct cl_error *err)
{
  struct spec sp;
  struct ns_proc proc;
  /* As runc: a bundle's process has our stdout and stderr, our stdin
     with -i (else its own /dev/null). */
  struct ns_stdio stdio = { { o->interactive ? -1 : NS_STDIO_NULL, -1, -1 } };
  sigset_t set;
  char id[32] = "bundle-";
  /* A bundle gets every limit it asks for, or does not run. */
  struct cgroup_join cg = { .id = id, .spec = &sp, .strict = true, .recfd = -1 };
  int ret = bundle_load (o->bundle, &sp, err);

  for (int k = 0; ret == 0 && k < SPEC_HOOK_N; k++)
    if (sp.n_hooks[k])
      ret = cl_fail (err, ENOTSUP,
                     "bundle %s: hooks are not supported by run --bundle "
                     "(crunlocal runtime run runs them)",
                     o->bundle);
  if (ret == 0 && geteuid () != 0 && !(sp.namespaces & NS_USER))
    ret = cl_fail (err, EPERM,
                   "bundle %s: an unprivileged user needs a user namespace "
                   "(linux.namespaces \"user\" with uidMappings and gidMappings)",
                   o->bundle);
  if (ret == 0)
    ret = random_hex (id + strlen (id), 16, err);
  if (ret == 0)
    ret = start_blocked (&sp, NULL, sp.terminal ? NULL : &stdio, &cg, NULL, NULL, NULL, &set, &proc,
                         err);
  if (ret == 0)
    {
      struct exit_record rec;
      /* As runc: a bundle's terminal takes our input. */
      struct cli_io io = { .master = proc.console, .input = true, .in = -1, .out = { -1, -1 } };
      cli_wait_forwarding (proc.pid, &set, true, &io, &rec);
      if (proc.console >= 0)
        close (proc.console);
      *code = rec.code;
    }
  finish_cgroup (&cg);
  spec_clear (&sp);
  return ret;
}

static void
describe_container (struct container *c, const struct run_opts *o, const struct image_record *img,
                    const struct image_config *cfg)
{
  c->image = xstrdup (o->image);
  c->image_id = xstrdup (img->id);
  c->created = (long long)time (NULL);
  c->stop_signal = o->stop_signal     ? xstrdup (o->stop_signal)
                   : cfg->stop_signal ? xstrdup (cfg->stop_signal)
                                      : NULL;
  c->detached = o->detach;
  c->auto_rm = o->rm;
  c->restart = o->restart ? xstrdup (o->restart) : NULL;
  c->interactive = o->interactive;
  c->ports = xcalloc (1, sizeof (char *));
  for (size_t i = 0; o->ports && o->ports[i]; i++)
    strv_append (&c->ports, o->ports[i]);
  c->network = o->network == NET_HOST                     ? NULL
               : net_allows_host_loopback (o->net_target) ? xstrdup (o->net_target)
               : o->network == NET_PRIVATE && o->net_target
                       && strcmp (net_name (o->net_target), "crunlocal") != 0
                   ? xstrdup (o->net_target)
                   : xstrdup (net_mode_name (o->network));
  c->net_ip = o->ip ? xstrdup (o->ip) : NULL;
  for (size_t i = 0; o->net_aliases && o->net_aliases[i]; i++)
    strv_append (&c->net_aliases, o->net_aliases[i]);
  c->tty = o->spec.terminal;
  c->log_max_size = o->log_max_size;
  /* docker's: the image's labels, then --label (a later key wins). */
  c->labels = xcalloc (1, sizeof (char *));
  for (size_t i = 0; cfg->labels && cfg->labels[i]; i++)
    strv_append (&c->labels, cfg->labels[i]);
  for (size_t i = 0; o->labels && o->labels[i]; i++)
    strv_append (&c->labels, o->labels[i]);
  c->entrypoint = xcalloc (1, sizeof (char *));
  if (o->spec.entrypoint_set && o->spec.entrypoint && *o->spec.entrypoint)
    strv_append (&c->entrypoint, o->spec.entrypoint);
  for (size_t i = 0; !o->spec.entrypoint_set && cfg->entrypoint && cfg->entrypoint[i]; i++)
    strv_append (&c->entrypoint, cfg->entrypoint[i]);
}

/* --cidfile: a file of its own, as docker's (an existing one may belong
   to a container still running). */
static int
write_cidfile (const char *path, const char *id, struct cl_error *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

  if (fd < 0)
    return cl_fail (err, errno, "--cidfile %s", path);
  return write_all (fd, id, strlen (id), err) < 0 ? cl_wrap (err, "--cidfile %s", path) : 0;
}

/* The container's resolv.conf, hostname and hosts, in its directory. */
static int
write_etc_files (struct run_opts *o, const struct container *c, struct cl_error *err)
{
  cleanup_close int dfd = open (c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", c->dir);
  o->etc.hostname = o->spec.hostname;
  if (etc_files_write (dfd, &o->etc, err) < 0)
    return -1;
  o->spec.etc_dir = c->dir;
  return 0;
}

/* -t: the container's terminal starts at the size of ours. */
static void
terminal_size (struct run_opts *o)
{
  struct winsize ws;

  if (o->spec.terminal && pty_caller_size (&ws))
    o->spec.console_rows = ws.ws_row, o->spec.console_cols = ws.ws_col;
}

/* The container's volumes are created (or found) and named in its record
   under the shared volume lock, so `volume rm` sees who uses them. */
static int
attach_mounts (struct store *s, struct run_opts *o, const struct image_record *img,
               struct container *c, struct cl_error *err)
{
  cleanup_close int lock = volume_lock (s, false, err);

  if (lock < 0 || mounts_prepare (s, img, &o->mounts, &o->spec, &c->volumes, err) < 0)
    return -1;
  return container_save (s, c, err);
}

/* With --rm, or when it never ran: the container, and its anonymous
   volumes with it (docker's --rm). */
static void
discard_container (struct store *s, const struct container *c)
{
  struct cl_error ignored;

  if (container_remove (s, c->id, c, &ignored) == 0)
    volume_remove_anonymous (s, c->volumes, &ignored);
}

/* --context: its overlay (or copy) as a spec mount; TARGET is the
   working directory unless -w says otherwise. */
static int
attach_context (struct store *s, struct run_opts *o, const struct container *c, bool overlay,
                bool userxattr, struct cl_error *err)
{
  if (context_prepare (s, &o->context, c->dir, c->id, overlay, userxattr, &o->ctx, err) < 0)
    return -1;
  o->spec.context = &o->ctx.mount;
  if (!o->spec.workdir)
    o->spec.workdir = o->context.target;
  if (o->context.keep)
    fprintf (stderr, "crunlocal: the context's %s is kept in %s/%s\n",
             o->ctx.mode == CONTEXT_OVERLAY ? "upper directory" : "copy", o->ctx.ctx,
             o->ctx.mode == CONTEXT_OVERLAY ? "upper" : "copy");
  return 0;
}

/* -P, with a network of its own: every port the image EXPOSEs, on a
   free host port (0 until net_bind_ports binds it).  A protocol -p does
   not take (sctp) is left out.  On the host's network its ports are
   the host's already. */
static int
publish_exposed (struct run_opts *o, const struct image_config *cfg, struct net_attach *net)
{
  size_t given = o->n_pub;

  if (!o->publish_all || o->network != NET_PRIVATE)
    return 0;
  for (size_t i = 0; cfg->exposed && cfg->exposed[i]; i++)
    {
      struct cl_error ignored;
      size_t before = o->n_pub;
      if (net_parse_publish (cfg->exposed[i], &o->pub, &o->n_pub, &ignored) < 0)
        continue;
      for (size_t k = before; k < o->n_pub; k++)
        o->pub[k].host_port = 0;
    }
  o->n_pub_given = given;
  net->ports = o->pub;
  net->n_ports = o->n_pub;
  return 0;
}

/* The ports -P bound, recorded as -p's are. */
static void
record_exposed (struct run_opts *o, const struct net_attach *net)
{
  for (size_t i = o->n_pub_given; o->publish_all && i < net->n_ports; i++)
    {
      cleanup_free char *rec = net_port_format (&net->ports[i]);
      strv_append (&o->ports, rec);
    }
}

static int
run_container (struct store *s, struct run_opts *o, const struct image_record *img, int *code,
               struct cl_error *err)
{
  cleanup_image_config struct image_config cfg = { 0 };
  struct snapshot_reader rd = { s, img };
  struct container c;
  struct snapshot snap = { 0 };
  struct spec sp = { 0 };
  enum snapshot_mode mode;
  char hostname[13];
  struct net_attach net = { .mode = o->network,
                            .store = s,
                            .rootless = o->spec.rootless,
                            .allow_host_loopback = net_allows_host_loopback (o->net_target),
                            .network = o->network == NET_PRIVATE ? o->net_target : NULL,
                            .ip = o->ip,
                            .aliases = o->net_aliases,
                            .ports = o->pub,
                            .n_ports = o->n_pub };
  struct ns_hook net_hook;
  cleanup_free char *joined = NULL;
  const struct ns_hook *hook = o->network == NET_PRIVATE ? &net_hook : NULL;
  /* Root in the foreground: its network namespace is being made. */
  struct ns_net_ahead *ahead
      = o->net_ahead_on && !o->spec.rootless && o->spec.n_uid_maps == 0 ? &o->net_ahead : NULL;
  int ret;

  net_hook_init (&net_hook, &net, NULL);
  /* The host's ports first: a busy one leaves nothing behind. */
  if (read_image_config (s, img, &cfg, err) < 0 || publish_exposed (o, &cfg, &net) < 0
      || snapshot_mode_for (s, false, &mode, err) < 0
      || net_join_path (s, o->network == NET_CONTAINER ? o->net_target : NULL, &o->net_path,
                        &joined, err)
             < 0
      || (!o->spec.rootless && o->network == NET_PRIVATE
          && (o->ip || strcmp (net_name (o->net_target), "crunlocal") != 0)
          && net_check_ip (s, o->net_target, o->ip, NULL, err) < 0)
      || net_bind_ports (&net, err) < 0 || container_create (s, o->name, &c, err) < 0)
    {
      net_attach_clear (&net);
      return -1;
    }
  net.id = c.id, net.dir = c.dir, net.name = c.name;
  record_exposed (o, &net);
  describe_container (&c, o, img, &cfg);
  if (joined)
    {
      free (c.network);
      c.network = xasprintf ("container:%s", joined);
      o->spec.net_path = o->net_path;
    }
  terminal_size (o);
  snprintf (hostname, sizeof hostname, "%.12s", c.id);
  if (!o->spec.hostname)
    o->spec.hostname = hostname;
  ret = write_etc_files (o, &c, err);
  if (ret == 0)
    ret = snapshot_prepare (s, img, c.dir, mode, &snap, err);
  if (ret == 0 && o->has_context)
    ret = attach_context (s, o, &c, mode == SNAPSHOT_OVERLAY, snap.overlay.userxattr, err);
  if (ret == 0)
    {
      c.snapshot = xstrdup (snapshot_mode_name (snap.mode)); /* `start` mounts it again */
      o->spec.rootfs = xstrdup (snap.rootfs);
      mounts_add_image_volumes (&o->mounts, cfg.volumes, o->spec.tmpfs);
      ret = attach_mounts (s, o, img, &c, err);
    }
  o->spec.cnb_launcher = snapshot_has_file (CNB_LAUNCHER, &rd);
  if (ret == 0)
    ret = spec_from_image (&cfg, &o->spec, snapshot_read_file, &rd, &sp, err);
  if (ret == 0)
    ret = mounts_chown (&o->mounts, &sp, err);
  if (ret == 0)
    {
      spec_take_resources (o, &sp);
      c.command = xcalloc (1, sizeof (char *));
      for (size_t i = 0; sp.args[i]; i++)
        strv_append (&c.command, sp.args[i]);
      /* In the foreground: while the process sets up (start_and_wait). */
      if (o->detach || o->create)
        ret = bundle_write_config (c.dir, &sp, false, err);
    }
  if (ret == 0 && o->cidfile)
    ret = write_cidfile (o->cidfile, c.id, err);
  if (ret == 0 && o->create && (ret = container_save (s, &c, err)) == 0)
    printf ("%s\n", c.id);
  else if (ret == 0 && o->detach
           && (ret = detach_start (s, &c, &sp, snapshot_overlay (&snap), hook, NULL, err)) == 0)
    printf ("%s\n", c.id);
  else if (ret == 0 && !o->detach)
    ret = start_and_wait (s, &c, &sp, &snap, hook, ahead, code, err);
  net_attach_clear (&net);
  if (ret < 0 && c.pid == 0 && !o->rm && (err->status == 126 || err->status == 127))
    container_keep_failed (s, &c, err->msg); /* as docker: "Created", with the error */
  else if ((o->rm && !o->detach) || (ret < 0 && c.pid == 0))
    {
      struct cl_error ignored;
      discard_container (s, &c);
      if (o->network == NET_PRIVATE)
        net_forget (s, &ignored);
    }
  spec_clear (&sp);
  snapshot_clear (&snap);
  container_clear (&c);
  return ret;
}

/* The maps of the user namespace this process is in, as a bundle must
   carry them to run outside it (rootless with subordinate ids). */
static void
read_maps (const char *file, struct spec_idmap **maps, size_t *n)
{
  cleanup_file FILE *f = fopen (file, "re");
  unsigned long c, h, sz;

  while (f && fscanf (f, "%lu %lu %lu", &c, &h, &sz) == 3)
    {
      *maps = xrealloc (*maps, (*n + 1) * sizeof **maps);
      (*maps)[(*n)++] = (struct spec_idmap){ c, h, sz };
    }
}

static int
open_empty_dir (const char *dir, bool *created, struct cl_error *err)
{
  cleanup_close int fd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  struct stat st;

  /* 0700, as umoci makes it: the rootfs below keeps the image's setuid
     files, which no other user of this machine may reach.  So an
     existing directory must be the caller's own, and not reached through
     a symlink: another user's could be opened to them at any time, and a
     link could lead root to fill and chmod any empty directory. */
  *created = mkdir (dir, 0700) == 0;
  if (!*created && errno != EEXIST)
    return cl_fail (err, errno, "create %s", dir);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
    return cl_fail (err, 0, "%s is not a directory (a symlink is not followed)", dir);
  if (fd < 0 || fstat (fd, &st) < 0)
    return cl_fail (err, errno, "open %s", dir);
  if (st.st_uid != geteuid ())
    return cl_fail (err, EPERM,
                    "%s belongs to uid %u, not to you: the bundle would hold the image's "
                    "setuid files; give a new path or a directory of yours",
                    dir, (unsigned)st.st_uid);
  if (fchmod (fd, 0700) < 0)
    return cl_fail (err, errno, "chmod 0700 %s", dir);
  d = fdopendir (dup (fd));
  while (d && (de = readdir (d)))
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return cl_fail (err, EEXIST, "%s is not empty", dir);
  return steal_fd (&fd);
}

/* A bundle's volumes are named: an anonymous one would belong to no
   container that could remove it. */
static int
spec_mounts (struct store *s, struct run_opts *o, const struct image_record *img,
             struct cl_error *err)
{
  cleanup_close int lock = volume_lock (s, false, err);
  cleanup_strv char **names = NULL;

  for (size_t i = 0; i < o->mounts.n; i++)
    if (o->mounts.v[i].kind == MOUNT_VOLUME && !o->mounts.v[i].source)
      return cl_fail (err, EINVAL,
                      "spec: the anonymous volume %s would belong to no container: "
                      "give it a name (-v NAME:%s)",
                      o->mounts.v[i].destination, o->mounts.v[i].destination);
  return lock < 0 ? -1 : mounts_prepare (s, img, &o->mounts, &o->spec, &names, err);
}

static int
fill_bundle (struct store *s, struct run_opts *o, const struct image_record *img, int dfd,
             struct cl_error *err)
{
  cleanup_image_config struct image_config cfg = { 0 };
  struct snapshot_reader rd = { s, img };
  struct spec sp = { 0 };
  cleanup_close int rootfd = -1;
  int ret;

  if (read_image_config (s, img, &cfg, err) < 0)
    return -1;
  if (mkdirat (dfd, "rootfs", 0755) < 0
      || (rootfd = openat (dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return cl_fail (err, errno, "create %s/rootfs", o->output);
  /* A copy, not links: the bundle is the caller's to change and keep. */
  if (snapshot_flatten (s, img, rootfd, SNAPSHOT_COPY, err) < 0)
    return -1;
  o->spec.rootfs = xstrdup ("rootfs");
  if (spec_mounts (s, o, img, err) < 0)
    return -1;
  if (userns_has_range ())
    {
      read_maps ("/proc/self/uid_map", &o->spec.uid_maps, &o->spec.n_uid_maps);
      read_maps ("/proc/self/gid_map", &o->spec.gid_maps, &o->spec.n_gid_maps);
    }
  ret = spec_from_image (&cfg, &o->spec, snapshot_read_file, &rd, &sp, err);
  if (ret == 0)
    {
      spec_take_resources (o, &sp);
      ret = bundle_write_config_at (dfd, &sp, true, err);
    }
  spec_clear (&sp);
  return ret;
}

static int
make_bundle (struct store *s, struct run_opts *o, const struct image_record *img,
             struct cl_error *err)
{
  bool created;
  cleanup_close int dfd = open_empty_dir (o->output, &created, err);
  struct cl_error ignored;

  if (dfd < 0)
    return -1;
  if (fill_bundle (s, o, img, dfd, err) == 0)
    return 0;
  /* Leave nothing half-made, through the fd: the path may lead
     elsewhere by now. */
  rm_rf_at (dfd, "rootfs", &ignored), unlinkat (dfd, "config.json", 0);
  if (created)
    rmdir (o->output);
  return -1;
}

static bool
wants_help (int argc, char **argv)
{
  for (int i = 1; i < argc && argv[i][0] == '-'; i++)
    if (strcmp (argv[i], "--help") == 0)
      return true;
  return false;
}

/* run and spec: parse, find the image, then `act` on it. */
static int
image_command (int argc, char **argv, struct run_opts *o,
               int (*act) (struct store *, struct run_opts *, const struct image_record *, int *,
                           struct cl_error *))
{
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct image_record img = { 0 };
  int code = 0, r = parse_run (argc, argv, o, &err);

  if (r == 0)
    net_ahead_early (o);
  if (r == 0 && o->bundle)
    r = run_bundle (o, &code, &err);
  else if (r == 0 && cli_open_store (&s, STORE_USE, &err) == 0)
    {
      identity_for (o);
      r = find_image (s, o, &img, &err);
      if (r == 0)
        r = act (s, o, &img, &code, &err);
    }
  else if (r == 0)
    r = -1;
  image_record_clear (&img);
  run_opts_clear (o);
  if (r == -2)
    return 125;
  if (r < 0)
    return cli_fail (&err);
  return code;
}

int
cmd_run (int argc, char **argv)
{
  struct run_opts o = { 0 };

  if (wants_help (argc, argv))
    return printf ("%s%s%s", run_usage, run_options, context_options), 0;
  return image_command (argc, argv, &o, run_container);
}

/* run -d up to the start. */
int
cmd_create (int argc, char **argv)
{
  struct run_opts o = { .create = true, .detach = true };

  if (wants_help (argc, argv))
    return printf ("%s%s%s", create_usage, run_options, context_options), 0;
  return image_command (argc, argv, &o, run_container);
}

static int
spec_action (struct store *s, struct run_opts *o, const struct image_record *img, int *code,
             struct cl_error *err)
{
  *code = 0;
  return make_bundle (s, o, img, err);
}

int
cmd_spec (int argc, char **argv)
{
  struct run_opts o = { .is_spec = true };

  if (wants_help (argc, argv))
    return printf ("%s%s", spec_usage, run_options), 0;
  return image_command (argc, argv, &o, spec_action);
}
