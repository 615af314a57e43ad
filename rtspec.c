/* The OCI runtime's fixed texts (see rtspec.h). */
#include "rtspec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

static void
gen_strs (yajl_gen g, const char *key, const char *const *v)
{
  jg_str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; v[i]; i++)
    jg_str (g, v[i]);
  yajl_gen_array_close (g);
}

static void
gen_mount (yajl_gen g, const char *dst, const char *type, const char *src, const char *const *opts)
{
  yajl_gen_map_open (g);
  jg_kstr (g, "destination", dst);
  jg_kstr (g, "type", type);
  jg_kstr (g, "source", src);
  if (opts)
    gen_strs (g, "options", opts);
  yajl_gen_map_close (g);
}

static void
gen_process (yajl_gen g)
{
  static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
  static const char *const env[]
      = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };
  static const char *const args[] = { "sh", NULL };
  static const char *const sets[] = { "bounding", "effective", "permitted", "ambient", NULL };

  jg_str (g, "process");
  yajl_gen_map_open (g);
  jg_kbool (g, "terminal", true);
  jg_str (g, "user");
  yajl_gen_map_open (g);
  jg_kint (g, "uid", 0);
  jg_kint (g, "gid", 0);
  yajl_gen_map_close (g);
  gen_strs (g, "args", args);
  gen_strs (g, "env", env);
  jg_kstr (g, "cwd", "/");
  jg_str (g, "capabilities");
  yajl_gen_map_open (g);
  for (size_t i = 0; sets[i]; i++)
    gen_strs (g, sets[i], caps);
  yajl_gen_map_close (g);
  jg_str (g, "rlimits");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  jg_kstr (g, "type", "RLIMIT_NOFILE");
  jg_kint (g, "hard", 1024);
  jg_kint (g, "soft", 1024);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  jg_kbool (g, "noNewPrivileges", true);
  yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, bool rootless)
{
  static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  static const char *const pts_rootless[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
  static const char *const shm[]
      = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const sys_bind[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

  jg_str (g, "mounts");
  yajl_gen_array_open (g);
  gen_mount (g, "/proc", "proc", "proc", NULL);
  gen_mount (g, "/dev", "tmpfs", "tmpfs", dev);
  gen_mount (g, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
  gen_mount (g, "/dev/shm", "tmpfs", "shm", shm);
  gen_mount (g, "/dev/mqueue", "mqueue", "mqueue", mq);
  if (rootless)
    gen_mount (g, "/sys", "none", "/sys", sys_bind);
  else
    {
      gen_mount (g, "/sys", "sysfs", "sysfs", sys);
      gen_mount (g, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
    }
  yajl_gen_array_close (g);
}

static void
gen_idmap (yajl_gen g, const char *key, unsigned id)
{
  jg_str (g, key);
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  jg_kint (g, "containerID", 0);
  jg_kint (g, "hostID", id);
  jg_kint (g, "size", 1);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
}

static void
gen_linux (yajl_gen g, bool rootless)
{
  static const char *const masked[] = { "/proc/acpi",
                                        "/proc/asound",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/sys/firmware",
                                        "/proc/scsi",
                                        NULL };
  static const char *const ro[]
      = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };
  const char *ns_root[] = { "pid", "network", "ipc", "uts", "mount", NULL };
  const char *ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };
  const char *const *ns = rootless ? ns_rootless : ns_root;

  jg_str (g, "linux");
  yajl_gen_map_open (g);
  if (rootless)
    {
      gen_idmap (g, "uidMappings", (unsigned)geteuid ());
      gen_idmap (g, "gidMappings", (unsigned)getegid ());
    }
  else
    {
      jg_str (g, "resources");
      yajl_gen_map_open (g);
      jg_str (g, "devices");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      jg_kbool (g, "allow", false);
      jg_kstr (g, "access", "rwm");
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  jg_str (g, "namespaces");
  yajl_gen_array_open (g);
  for (size_t i = 0; ns[i]; i++)
    {
      yajl_gen_map_open (g);
      jg_kstr (g, "type", ns[i]);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  gen_strs (g, "maskedPaths", masked);
  gen_strs (g, "readonlyPaths", ro);
  yajl_gen_map_close (g);
}

int
rtspec_write (const char *bundle, bool rootless, struct cl_error *err)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL, *path = xasprintf ("%s/config.json", bundle);
  cleanup_close int fd = -1;
  size_t len;

  yajl_gen_map_open (g);
  jg_kstr (g, "ociVersion", "1.0.2");
  gen_process (g);
  jg_str (g, "root");
  yajl_gen_map_open (g);
  jg_kstr (g, "path", "rootfs");
  jg_kbool (g, "readonly", true);
  yajl_gen_map_close (g);
  jg_kstr (g, "hostname", "runc");
  gen_mounts (g, rootless);
  gen_linux (g, rootless);
  yajl_gen_map_close (g);
  text = json_gen_take (g, &len);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    return errno == EEXIST ? cl_fail (err, 0, "File %s exists. Remove it first", path)
                           : cl_fail (err, errno, "spec: %s", path);
  if (write_all (fd, text, len, err) < 0 || write_all (fd, "\n", 1, err) < 0)
    return cl_wrap (err, "spec: %s", path);
  return 0;
}

void
rtspec_features (FILE *out)
{
  static const char *const hooks[] = { NULL };
  static const char *const mount_opts[]
      = { "bind",   "rbind",    "ro",      "rw",          "nosuid", "nodev",
          "noexec", "relatime", "noatime", "strictatime", NULL };
  static const char *const ns[]
      = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL };
  static const char *const actions[]
      = { "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
          "SCMP_ACT_TRAP",         "SCMP_ACT_TRACE",       NULL };
  static const char *const ops[]
      = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
          "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;

  yajl_gen_map_open (g);
  jg_kstr (g, "ociVersionMin", "1.0.0");
  jg_kstr (g, "ociVersionMax", "1.1.0");
  gen_strs (g, "hooks", hooks);
  gen_strs (g, "mountOptions", mount_opts);
  jg_str (g, "linux");
  yajl_gen_map_open (g);
  gen_strs (g, "namespaces", ns);
  jg_str (g, "cgroup");
  yajl_gen_map_open (g);
  jg_kbool (g, "v1", true);
  jg_kbool (g, "v2", true);
  jg_kbool (g, "systemd", false);
  jg_kbool (g, "systemdUser", false);
  yajl_gen_map_close (g);
  jg_str (g, "seccomp");
  yajl_gen_map_open (g);
  jg_kbool (g, "enabled", true);
  gen_strs (g, "actions", actions);
  gen_strs (g, "operators", ops);
  yajl_gen_map_close (g);
  jg_str (g, "apparmor");
  yajl_gen_map_open (g);
  jg_kbool (g, "enabled", false);
  yajl_gen_map_close (g);
  jg_str (g, "selinux");
  yajl_gen_map_open (g);
  jg_kbool (g, "enabled", false);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  text = json_gen_take (g, NULL);
  fprintf (out, "%s\n", text);
}

static const struct
{
  const char *cmd, *text;
} helps[] = {
  { "create", "Usage: crunlocal-runtime create [--bundle DIR] [--pid-file FILE] "
              "[--console-socket SOCK] [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n\n"
              "Set the container up from DIR/config.json and leave its process waiting for "
              "`start`.\n" },
  { "run", "Usage: crunlocal-runtime run [--bundle DIR] [--detach] [--keep] [--pid-file FILE] "
           "[--console-socket SOCK] [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n\n"
           "Create and start the container; without --detach wait for it, exit with its code and "
           "delete it (--keep: not).\n" },
  { "start", "Usage: crunlocal-runtime start ID\n\nStart the process of a created container.\n" },
  { "state", "Usage: crunlocal-runtime state ID\n\nPrint the container's OCI state as JSON.\n" },
  { "kill", "Usage: crunlocal-runtime kill [--all] ID [SIGNAL]\n\n"
            "Send SIGNAL (default SIGTERM) to the container's process (--all: every one).\n" },
  { "delete", "Usage: crunlocal-runtime delete [--force] ID\n\n"
              "Delete a stopped (or created) container; --force kills a running one first.\n" },
  { "list", "Usage: crunlocal-runtime list [--format table|json] [--quiet]\n\n"
            "List the containers under --root.\n" },
  { "ps", "Usage: crunlocal-runtime ps [--format table|json] ID [PS-OPTIONS]\n\n"
          "Show the container's processes (ps -ef by default).\n" },
  { "exec", "Usage: crunlocal-runtime exec [--process FILE] [--detach] [--pid-file FILE] "
            "[--console-socket SOCK] [--tty] [--cwd DIR] [--env K=V] [--user UID[:GID]] "
            "[--additional-gids GID] [--cap CAP] [--no-new-privs] [--ignore-paused] "
            "[--preserve-fds N] [--cgroup [CONTROLLER[,...]:]PATH] ID [COMMAND [ARG...]]\n\n"
            "Run a process in a running container (--cgroup: in PATH below its cgroup, of those "
            "controllers or of all).\n" },
  { "pause", "Usage: crunlocal-runtime pause ID\n\nFreeze every process of the container.\n" },
  { "resume", "Usage: crunlocal-runtime resume ID\n\nThaw a paused container.\n" },
  { "update", "Usage: crunlocal-runtime update [--resources FILE|-] [--memory SIZE] "
              "[--memory-swap SIZE] [--memory-reservation SIZE] [--kernel-memory SIZE] "
              "[--kernel-memory-tcp SIZE] [--cpu-share N] [--cpu-quota US] [--cpu-period US] "
              "[--cpu-rt-period US] [--cpu-rt-runtime US] [--cpuset-cpus LIST] "
              "[--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID\n\n"
              "Change the limits of a created, running or paused container in its cgroups "
              "(-1: unlimited; --blkio-weight 10..1000, 0: unchanged); --resources: a "
              "linux.resources JSON object (- for stdin, blockIO included) instead of the "
              "flags.  --kernel-memory* are ignored, with a warning.\n" },
  { "events", "Usage: crunlocal-runtime events [--stats] [--interval DURATION] ID\n\n"
              "Print the container's events as JSON lines: stats every DURATION (default 5s), "
              "oom when the OOM killer kills in it, until it stops; --stats: one stats event.\n" },
  { "features", "Usage: crunlocal-runtime features\n\nPrint what this runtime implements "
                "(runtime-spec features JSON).\n" },
  { "spec", "Usage: crunlocal-runtime spec [--bundle DIR] [--rootless]\n\n"
            "Write a default config.json into DIR (runc's).\n" },
};

void
rtspec_help (const char *cmd)
{
  for (size_t i = 0; cmd && i < sizeof helps / sizeof helps[0]; i++)
    if (strcmp (helps[i].cmd, cmd) == 0)
      {
        fputs (helps[i].text, stdout);
        return;
      }
  if (cmd)
    {
      printf ("Usage: crunlocal-runtime %s ID\n\nNot supported by this runtime.\n", cmd);
      return;
    }
  fputs ("Usage: crunlocal-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] "
         "COMMAND [ARG...]\n"
         "       crunlocal runtime [the same]\n\n"
         "An OCI runtime with runc's command line (podman --runtime, containerd's runc shim).\n\n"
         "Global flags:\n"
         "  --root DIR          state directory (/run/crunlocal-runtime; rootless: "
         "$XDG_RUNTIME_DIR/crunlocal-runtime)\n"
         "  --log FILE          log errors (and --debug lines) to FILE\n"
         "  --log-format FMT    text (default) or json\n"
         "  --debug             debug lines (on stderr without --log)\n"
         "  --systemd-cgroup    refused: cgroupfs only\n\n"
         "Commands:\n"
         "  create    set a container up, its process waiting for start\n"
         "  start     start a created container's process\n"
         "  run       create and start (in the foreground unless --detach)\n"
         "  state     the OCI state JSON\n"
         "  kill      signal the container (--all: every process)\n"
         "  delete    delete a container (--force: kill a running one)\n"
         "  list      list containers (--format json)\n"
         "  ps        the container's processes\n"
         "  exec      run a process in a container\n"
         "  pause     freeze a container\n"
         "  resume    thaw it\n"
         "  features  what this runtime implements, as JSON\n"
         "  spec      write a default config.json (--rootless)\n"
         "  update    change a container's cgroup limits\n"
         "  events    stats and OOM events as JSON lines (--stats: one)\n"
         "  checkpoint, restore: refused (not supported)\n\n"
         "Run 'crunlocal-runtime COMMAND --help' for a command's flags.\n",
         stdout);
}
