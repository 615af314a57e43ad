/* `crunlocal info` (and `system info`): what this host and store give
   containers — the kernel, the cgroup layout, the identity mapping, the
   snapshot mode run will use (re-probed each time, so it reflects the
   host now) — under podman's keys (host, store, registries, version) with
   ours beside them.  One document, built once: printed as YAML-like text,
   as JSON, or through a Go template with podman's field names
   ({{.Host.Kernel}}, {{.Store.GraphRoot}}, {{.Version.Version}}). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "image.h"
#include "json.h"
#include "snapshot.h"
#include "template.h"
#include "userns.h"
#include "util.h"
#include "volume.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char info_usage[]
    = "Usage: crunlocal info [--format json|TEMPLATE]\n"
      "\n"
      "Show the host, the identity mapping, the store and the snapshot mode\n"
      "(overlay, hardlink or copy) that containers get, under podman's keys.\n"
      "\n"
      "Options:\n"
      "  -f, --format FORMAT  'json', or a Go template over podman's field names\n"
      "                       ('{{.Host.Kernel}}', '{{.Store.GraphRoot}}',\n"
      "                       '{{.Version.Version}}', '{{json .Host}}')\n";

struct info
{
  char kernel[128], hostname[256];
  char distribution[64], distro_version[64], codename[64];
  struct platform platform;
  const char *cgroups, *id_mapping, *snapshot, *xattrs;
  unsigned long host_uid;
  bool wsl2;
  const char *root, *runroot;
  size_t images, containers, running, paused, stopped, volumes;
  int cpus;
  long long mem_total, mem_free, swap_total, swap_free, uptime;
  long long graph_size, graph_used;
  char *uid_map, *gid_map; /* /proc/self/{uid,gid}_map in the store's namespace */
  char *exe;
};

static void
info_clear (struct info *in)
{
  platform_clear (&in->platform);
  free (in->uid_map);
  free (in->gid_map);
  free (in->exe);
}

/* v2 alone, v1 alone, or both (v1 controllers beside a v2 mount). */
static const char *
cgroup_layout (void)
{
  struct statfs fs;

  if (statfs ("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    return "v2";
  if (statfs ("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
    return "hybrid";
  return "v1";
}

/* Windows' WSL2 kernel says so in its version string
   ("...-microsoft-standard-WSL2"); crunlocal works there as on Linux. */
static bool
in_wsl2 (void)
{
  cleanup_free char *v = NULL;
  struct cl_error ignored;

  return read_file_at (AT_FDCWD, "/proc/version", 4096, &v, NULL, &ignored) == 0
         && (strstr (v, "WSL2") || strstr (v, "microsoft-standard"));
}

/* KEY=value of /etc/os-release (quotes dropped) into buf. */
static void
os_release (const char *text, const char *key, char *buf, size_t len)
{
  size_t k = strlen (key);

  buf[0] = '\0';
  for (const char *l = text; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (strncmp (l, key, k) == 0 && l[k] == '=')
      {
        const char *v = l + k + 1;
        size_t n = strcspn (v, "\n");
        if (n >= 2 && (v[0] == '"' || v[0] == '\''))
          v++, n -= 2;
        snprintf (buf, len, "%.*s", (int)n, v);
        return;
      }
}

static void
gather_host (struct info *in)
{
  struct utsname u;
  struct sysinfo si;
  cleanup_free char *rel = NULL;
  struct cl_error ignored;

  uname (&u);
  snprintf (in->kernel, sizeof in->kernel, "%s", u.release);
  snprintf (in->hostname, sizeof in->hostname, "%s", u.nodename);
  if (read_file_at (AT_FDCWD, "/etc/os-release", 65536, &rel, NULL, &ignored) == 0)
    {
      os_release (rel, "ID", in->distribution, sizeof in->distribution);
      os_release (rel, "VERSION_ID", in->distro_version, sizeof in->distro_version);
      os_release (rel, "VERSION_CODENAME", in->codename, sizeof in->codename);
    }
  if (sysinfo (&si) == 0)
    {
      in->mem_total = (long long)si.totalram * si.mem_unit;
      in->mem_free = (long long)si.freeram * si.mem_unit;
      in->swap_total = (long long)si.totalswap * si.mem_unit;
      in->swap_free = (long long)si.freeswap * si.mem_unit;
      in->uptime = si.uptime;
    }
  in->cpus = (int)sysconf (_SC_NPROCESSORS_ONLN);
  platform_host (&in->platform);
  in->cgroups = cgroup_layout ();
  in->wsl2 = in_wsl2 ();
  in->host_uid = userns_host_euid ();
  in->id_mapping = in->host_uid == 0     ? "none"
                   : userns_has_range () ? "subordinate ids"
                                         : "single id";
  in->exe = realpath ("/proc/self/exe", NULL);
}

static void
count_containers (struct store *s, struct info *in)
{
  struct container *c = NULL;
  size_t n = 0;
  struct cl_error ignored;

  if (container_list (s, &c, &n, &ignored) < 0)
    return;
  in->containers = n;
  for (size_t i = 0; i < n; i++)
    if (container_state (&c[i]) != CONTAINER_RUNNING)
      in->stopped++;
    else if (cgroup_frozen (c[i].dir))
      in->paused++;
    else
      in->running++;
  container_list_free (c, n);
}

static int
gather (struct store *s, struct info *in, struct cl_error *err)
{
  enum snapshot_mode mode;
  struct image_record *imgs = NULL;
  struct volume *v = NULL;
  struct statfs fs;
  struct cl_error ignored;

  gather_host (in);
  if (snapshot_mode_for (s, true, &mode, err) < 0)
    return -1;
  in->snapshot = snapshot_mode_name (mode);
  in->xattrs = s->user_xattrs ? "user" : "trusted";
  in->root = s->root;
  in->runroot = s->runroot;
  if (store_images_list (s, &imgs, &in->images, err) < 0)
    return -1;
  image_records_free (imgs, in->images);
  count_containers (s, in);
  if (volume_list (s, &v, &in->volumes, &ignored) == 0)
    volume_list_free (v, in->volumes);
  if (fstatfs (s->rootfd, &fs) == 0)
    {
      in->graph_size = (long long)fs.f_blocks * fs.f_bsize;
      in->graph_used = (long long)(fs.f_blocks - fs.f_bfree) * fs.f_bsize;
    }
  /* In the store's user namespace (rootless): its mapping is the
     containers'. */
  if (in->host_uid != 0)
    {
      read_file_at (AT_FDCWD, "/proc/self/uid_map", 4096, &in->uid_map, NULL, &ignored);
      read_file_at (AT_FDCWD, "/proc/self/gid_map", 4096, &in->gid_map, NULL, &ignored);
    }
  return 0;
}

/* A key under podman's JSON name, or its Go field name (templates). */
#define K(json, go) (go_names ? (go) : (json))

/* podman's idMappings entries: "container_id host_id size" lines. */
static void
gen_id_map (yajl_gen g, bool go_names, const char *key, const char *map)
{
  jg_str (g, key);
  if (!map)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_array_open (g);
  for (const char *l = map; *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : "")
    {
      long long c, h, n;
      if (sscanf (l, "%lld %lld %lld", &c, &h, &n) != 3)
        continue;
      yajl_gen_map_open (g);
      jg_kint (g, K ("container_id", "ContainerID"), c);
      jg_kint (g, K ("host_id", "HostID"), h);
      jg_kint (g, K ("size", "Size"), n);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
gen_host (yajl_gen g, const struct info *in, bool go_names)
{
  jg_str (g, K ("host", "Host"));
  yajl_gen_map_open (g);
  jg_kstr (g, K ("arch", "Arch"), in->platform.arch);
  jg_kstr (g, K ("cgroupManager", "CgroupManager"), "cgroupfs");
  jg_kstr (g, K ("cgroupVersion", "CgroupsVersion"), strcmp (in->cgroups, "v2") == 0 ? "v2" : "v1");
  jg_kint (g, K ("cpus", "CPUs"), in->cpus);
  jg_str (g, K ("distribution", "Distribution"));
  yajl_gen_map_open (g);
  jg_kstr (g, K ("distribution", "Distribution"), in->distribution);
  jg_kstr (g, K ("version", "Version"), in->distro_version);
  jg_kstr (g, K ("codename", "Codename"), in->codename);
  yajl_gen_map_close (g);
  jg_kstr (g, K ("eventLogger", "EventLogger"), "file");
  jg_kstr (g, K ("hostname", "Hostname"), in->hostname);
  jg_str (g, K ("idMappings", "IDMappings"));
  yajl_gen_map_open (g);
  gen_id_map (g, go_names, K ("gidmap", "GIDMap"), in->gid_map);
  gen_id_map (g, go_names, K ("uidmap", "UIDMap"), in->uid_map);
  yajl_gen_map_close (g);
  jg_kstr (g, K ("kernel", "Kernel"), in->kernel);
  jg_kstr (g, K ("logDriver", "LogDriver"), "k8s-file");
  jg_kint (g, K ("memFree", "MemFree"), in->mem_free);
  jg_kint (g, K ("memTotal", "MemTotal"), in->mem_total);
  jg_str (g, K ("ociRuntime", "OCIRuntime"));
  yajl_gen_map_open (g);
  jg_kstr (g, K ("name", "Name"), "crunlocal");
  jg_kstr (g, K ("path", "Path"), in->exe);
  jg_kstr (g, K ("version", "Version"), "crunlocal version " CL_VERSION);
  yajl_gen_map_close (g);
  jg_kstr (g, K ("os", "OS"), in->platform.os);
  jg_str (g, K ("security", "Security"));
  yajl_gen_map_open (g);
  jg_kbool (g, K ("apparmorEnabled", "AppArmorEnabled"), false);
  jg_kbool (g, K ("rootless", "Rootless"), in->host_uid != 0);
  jg_kbool (g, K ("seccompEnabled", "SECCOMPEnabled"), true);
  jg_kstr (g, K ("seccompProfilePath", "SECCOMPProfilePath"), "builtin (docker's default)");
  jg_kbool (g, K ("selinuxEnabled", "SELinuxEnabled"), false);
  yajl_gen_map_close (g);
  jg_kint (g, K ("swapFree", "SwapFree"), in->swap_free);
  jg_kint (g, K ("swapTotal", "SwapTotal"), in->swap_total);
  jg_kint (g, K ("uptime", "Uptime"), in->uptime);
  /* Ours. */
  jg_kstr (g, K ("cgroups", "Cgroups"), in->cgroups);
  jg_kbool (g, K ("wsl2", "WSL2"), in->wsl2);
  jg_kbool (g, K ("rootless", "Rootless"), in->host_uid != 0);
  jg_kint (g, K ("uid", "UID"), (long long)in->host_uid);
  jg_kstr (g, K ("idMapping", "IDMapping"), in->id_mapping);
  yajl_gen_map_close (g);
}

static void
gen_store (yajl_gen g, const struct info *in, bool go_names)
{
  cleanup_free char *volumes = xasprintf ("%s/volumes", in->root);

  jg_str (g, K ("store", "Store"));
  yajl_gen_map_open (g);
  jg_kstr (g, K ("configFile", "ConfigFile"), "");
  jg_str (g, K ("containerStore", "ContainerStore"));
  yajl_gen_map_open (g);
  jg_kint (g, K ("number", "Number"), (long long)in->containers);
  jg_kint (g, K ("paused", "Paused"), (long long)in->paused);
  jg_kint (g, K ("running", "Running"), (long long)in->running);
  jg_kint (g, K ("stopped", "Stopped"), (long long)in->stopped);
  yajl_gen_map_close (g);
  jg_kstr (g, K ("graphDriverName", "GraphDriverName"),
           strcmp (in->snapshot, "overlay") == 0 ? "overlay" : in->snapshot);
  jg_kstr (g, K ("graphRoot", "GraphRoot"), in->root);
  jg_kint (g, K ("graphRootAllocated", "GraphRootAllocated"), in->graph_size);
  jg_kint (g, K ("graphRootUsed", "GraphRootUsed"), in->graph_used);
  jg_str (g, K ("imageStore", "ImageStore"));
  yajl_gen_map_open (g);
  jg_kint (g, K ("number", "Number"), (long long)in->images);
  yajl_gen_map_close (g);
  jg_kstr (g, K ("runRoot", "RunRoot"), in->runroot);
  jg_kstr (g, K ("volumePath", "VolumePath"), volumes);
  /* Ours. */
  jg_kstr (g, K ("root", "Root"), in->root);
  jg_kstr (g, K ("snapshotMode", "SnapshotMode"), in->snapshot);
  jg_kstr (g, K ("overlayXattrs", "OverlayXattrs"), in->xattrs);
  jg_kint (g, K ("images", "Images"), (long long)in->images);
  jg_kint (g, K ("containers", "Containers"), (long long)in->containers);
  jg_kint (g, K ("volumes", "Volumes"), (long long)in->volumes);
  yajl_gen_map_close (g);
}

static void
gen_rest (yajl_gen g, const struct info *in, bool go_names)
{
  cleanup_free char *osarch = xasprintf ("%s/%s", in->platform.os, in->platform.arch);
  char *search[] = { "docker.io", NULL };

  jg_str (g, K ("registries", "Registries"));
  yajl_gen_map_open (g);
  jg_kstrv (g, K ("search", "Search"), search);
  yajl_gen_map_close (g);
  jg_str (g, K ("network", "Network"));
  yajl_gen_map_open (g);
  jg_kstr (g, K ("default", "Default"), "private");
  /* Host-wide, as podman's and docker's bridges do: say so. */
  jg_kstr (g, K ("private", "Private"),
           in->host_uid ? "lo and a stub eth0, outbound through host sockets swapped in by a "
                          "seccomp supervisor, -p through a forwarder"
                        : "bridge crunlocalN, veth, nf_tables table ip crunlocal; sets "
                          "net.ipv4.ip_forward=1 host-wide");
  yajl_gen_map_close (g);
  /* podman's version keys are Go's in its JSON too. */
  jg_str (g, K ("version", "Version"));
  yajl_gen_map_open (g);
  jg_kstr (g, "Version", CL_VERSION);
  jg_kstr (g, "OsArch", osarch);
  jg_kstr (g, "Os", in->platform.os);
  yajl_gen_map_close (g);
}

/* The whole document, parsed (for the text and the templates). */
static char *
gen_doc (const struct info *in, bool go_names)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);

  yajl_gen_map_open (g);
  gen_host (g, in, go_names);
  gen_store (g, in, go_names);
  gen_rest (g, in, go_names);
  yajl_gen_map_close (g);
  return json_gen_take (g, NULL);
}

static void print_yaml (yajl_val v, int indent);

static void
print_yaml_scalar (yajl_val v)
{
  if (YAJL_IS_STRING (v))
    puts (v->u.string[0] ? v->u.string : "\"\"");
  else if (YAJL_IS_NUMBER (v))
    puts (YAJL_GET_NUMBER (v));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    puts (YAJL_IS_TRUE (v) ? "true" : "false");
  else
    puts ("null");
}

static void
print_yaml_array (yajl_val v, int indent)
{
  if (v->u.array.len == 0)
    {
      puts (" []");
      return;
    }
  putchar ('\n');
  for (size_t i = 0; i < v->u.array.len; i++)
    {
      yajl_val e = v->u.array.values[i];
      printf ("%*s-", indent, "");
      if (YAJL_IS_OBJECT (e))
        {
          /* "- k: v" then the other keys under it. */
          for (size_t k = 0; k < e->u.object.len; k++)
            {
              printf ("%*s%s:", k ? indent + 2 : 1, "", e->u.object.keys[k]);
              if (YAJL_IS_OBJECT (e->u.object.values[k]) || YAJL_IS_ARRAY (e->u.object.values[k]))
                print_yaml (e->u.object.values[k], indent + 4);
              else
                putchar (' '), print_yaml_scalar (e->u.object.values[k]);
            }
        }
      else
        putchar (' '), print_yaml_scalar (e);
    }
}

/* podman prints its info as YAML: "key: value", maps indented by two. */
static void
print_yaml (yajl_val v, int indent)
{
  if (YAJL_IS_ARRAY (v))
    {
      print_yaml_array (v, indent);
      return;
    }
  if (!YAJL_IS_OBJECT (v))
    {
      putchar (' ');
      print_yaml_scalar (v);
      return;
    }
  if (indent > 0)
    putchar ('\n');
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      printf ("%*s%s:", indent, "", v->u.object.keys[i]);
      print_yaml (v->u.object.values[i], indent + 2);
    }
}

static int
print_info (const struct info *in, const char *format, struct cl_error *err)
{
  bool json = strcmp (format, "json") == 0, text = strcmp (format, "text") == 0;
  cleanup_free char *doc = gen_doc (in, !json && !text);
  cleanup_json yajl_val v = NULL;
  cleanup_free char *line = NULL;

  if (json)
    {
      fputs (doc, stdout);
      return 0;
    }
  if (json_parse (doc, &v, err) < 0)
    return -1;
  if (text)
    {
      print_yaml (v, 0);
      return 0;
    }
  if (template_render_json (format, v, &line, err) < 0)
    return -1;
  puts (line);
  return 0;
}

int
cmd_info (int argc, char **argv)
{
  static const struct option longopts[] = { { "format", required_argument, NULL, 'f' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  const char *format = "text";
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  struct info in = { 0 };
  int c, r;

  while ((c = cli_getopt (argc, argv, "info", "f:h", longopts)) != -1)
    {
      if (c == -2)
        return 125;
      if (c == 'h')
        return fputs (info_usage, stdout), 0;
      format = optarg;
    }
  if (optind < argc)
    return cli_usage_error ("info", "\"crunlocal info\" accepts no arguments");
  r = cli_open_store (&s, STORE_USE, &err) < 0 || gather (s, &in, &err) < 0
              || print_info (&in, format, &err) < 0
          ? cli_fail (&err)
          : 0;
  info_clear (&in);
  return r;
}
