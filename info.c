/* `crunlocal info`: what this host and store give containers — the
   kernel, the cgroup layout, the identity mapping, and the snapshot mode
   run will use (re-probed each time, so it reflects the host now). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "json.h"
#include "snapshot.h"
#include "userns.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char info_usage[]
    = "Usage: crunlocal info [--format json]\n"
      "\n"
      "Show the host, the identity mapping, the store and the snapshot mode\n"
      "(overlay, hardlink or copy) that containers get.\n";

struct info
{
  char kernel[128];
  struct platform platform;
  const char *cgroups, *id_mapping, *snapshot, *xattrs;
  unsigned long host_uid;
  bool wsl2;
  const char *root, *runroot;
  size_t images, containers;
};

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

static size_t
count_entries (int rootfd, const char *dir)
{
  int fd = openat (rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  size_t n = 0;

  if (!d && fd >= 0)
    close (fd);
  while (d && (de = readdir (d)))
    n += de->d_name[0] != '.';
  return n;
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

static int
gather (struct store *s, struct info *in, struct cl_error *err)
{
  struct utsname u;
  enum snapshot_mode mode;
  struct image_record *imgs = NULL;

  uname (&u);
  snprintf (in->kernel, sizeof in->kernel, "%s", u.release);
  platform_host (&in->platform);
  in->cgroups = cgroup_layout ();
  in->wsl2 = in_wsl2 ();
  in->host_uid = userns_host_euid ();
  in->id_mapping = in->host_uid == 0     ? "none"
                   : userns_has_range () ? "subordinate ids"
                                         : "single id";
  if (snapshot_mode_for (s, true, &mode, err) < 0)
    return -1;
  in->snapshot = snapshot_mode_name (mode);
  in->xattrs = s->user_xattrs ? "user" : "trusted";
  in->root = s->root;
  in->runroot = s->runroot;
  if (store_images_list (s, &imgs, &in->images, err) < 0)
    return -1;
  image_records_free (imgs, in->images);
  in->containers = count_entries (s->rootfd, "containers");
  return 0;
}

static void
print_json (const struct info *in)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *out = NULL;

  yajl_gen_map_open (g);
  jg_str (g, "host");
  yajl_gen_map_open (g);
  jg_kstr (g, "os", in->platform.os);
  jg_kstr (g, "arch", in->platform.arch);
  jg_kstr (g, "kernel", in->kernel);
  jg_kstr (g, "cgroups", in->cgroups);
  jg_kbool (g, "wsl2", in->wsl2);
  jg_kbool (g, "rootless", in->host_uid != 0);
  jg_kint (g, "uid", (long long)in->host_uid);
  jg_kstr (g, "idMapping", in->id_mapping);
  yajl_gen_map_close (g);
  jg_str (g, "store");
  yajl_gen_map_open (g);
  jg_kstr (g, "root", in->root);
  jg_kstr (g, "runRoot", in->runroot);
  jg_kstr (g, "snapshotMode", in->snapshot);
  jg_kstr (g, "overlayXattrs", in->xattrs);
  jg_kint (g, "images", (long long)in->images);
  jg_kint (g, "containers", (long long)in->containers);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  out = json_gen_take (g, NULL);
  fputs (out, stdout);
}

static void
print_text (const struct info *in)
{
  printf ("host:\n  os: %s\n  arch: %s\n  kernel: %s\n  cgroups: %s\n  wsl2: %s\n  rootless: %s\n"
          "  uid: %lu\n  idMapping: %s\n",
          in->platform.os, in->platform.arch, in->kernel, in->cgroups, in->wsl2 ? "true" : "false",
          in->host_uid ? "true" : "false", in->host_uid, in->id_mapping);
  printf ("store:\n  root: %s\n  runRoot: %s\n  snapshotMode: %s\n  overlayXattrs: %s\n"
          "  images: %zu\n  containers: %zu\n",
          in->root, in->runroot, in->snapshot, in->xattrs, in->images, in->containers);
  /* Host-wide, as podman's and docker's bridges do: say so. */
  printf ("network:\n  default: private\n  private: %s\n",
          in->host_uid ? "lo and a stub eth0, outbound through host sockets swapped in by a "
                         "seccomp supervisor, -p through a forwarder"
                       : "bridge crunlocalN, veth, nf_tables table ip crunlocal; sets "
                         "net.ipv4.ip_forward=1 host-wide");
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
  int c;

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
  if (strcmp (format, "json") != 0 && strcmp (format, "text") != 0)
    return cli_usage_error ("info", "--format must be json or text, not \"%s\"", format);
  if (cli_open_store (&s, STORE_USE, &err) < 0 || gather (s, &in, &err) < 0)
    {
      platform_clear (&in.platform);
      return cli_fail (&err);
    }
  if (strcmp (format, "json") == 0)
    print_json (&in);
  else
    print_text (&in);
  platform_clear (&in.platform);
  return 0;
}
