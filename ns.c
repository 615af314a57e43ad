#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bindsrc.h"
#include "nsserve.h"
#include "pty.h"
#include "rthooks.h"
#include "seccomp.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* What the child sends: the PTY master or the network filter's
   listener (with the fd), or why it cannot start the command. */
enum
{
  MSG_FAILED,
  MSG_CONSOLE,
  MSG_LISTENER,
  MSG_READY,       /* ns_opts.hold: set up, waiting for the start byte */
  MSG_SC_LISTENER, /* the profile's SCMP_ACT_NOTIFY listener */
  MSG_NET_JOINED,  /* in the network namespace passed (before any hook) */
};

struct child_msg
{
  int kind;
  int errnum;
  int status;
  char text[900];
};

/* The caller's answer to MSG_SC_LISTENER: the agent has the listener. */
#define MSG_AGENT_OK 'a'

static const char *host_devices[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

static void __attribute__ ((noreturn)) child_fail (int sync, int status, const struct cl_error *err)
{
  struct child_msg m = { .kind = MSG_FAILED, .errnum = err->errnum, .status = status };

  snprintf (m.text, sizeof m.text, "%s", err->msg);
  if (write (sync, &m, sizeof m) < 0)
    _exit (status);
  _exit (status);
}

static int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return (int)syscall (SYS_pivot_root, new_root, put_old);
}

/* Create `rel` below rootfd one component at a time; each prefix is
   resolved inside the rootfs (openat2 RESOLVE_IN_ROOT: an image's
   symlinks, /etc -> usr/etc say, are followed as they would be inside,
   and none leads out), so a mount destination cannot be steered out of
   the rootfs; returns an O_PATH fd of it.  `file`: the last component is
   a file. */
static int
open_beneath (int rootfd, const char *rel, bool file, struct cl_error *err)
{
  cleanup_free char *copy = NULL, *prefix = NULL;
  cleanup_close int fd = -1;
  char *save = NULL, *next;
  struct cl_error ignored;

  if (path_has_dotdot (rel))
    return cl_fail (err, EINVAL, "mount destination %s has ..", rel);
  /* Most destinations exist in the image: one lookup. */
  fd = openat_beneath (rootfd, rel, O_PATH | (file ? 0 : O_DIRECTORY), true, &ignored);
  if (fd >= 0)
    return steal_fd (&fd);
  copy = xstrdup (rel);
  prefix = xstrdup (".");
  fd = dup (rootfd);
  for (char *c = strtok_r (copy, "/", &save); c; c = next)
    {
      int nfd;
      char *longer;
      next = strtok_r (NULL, "/", &save);
      if (!next && file)
        {
          int f = openat (fd, c, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (f >= 0)
            close (f);
        }
      else if (mkdirat (fd, c, 0755) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "mkdir %s", rel);
      longer = xasprintf ("%s/%s", prefix, c);
      free (prefix);
      prefix = longer;
      nfd = openat_beneath (rootfd, prefix, O_PATH | (next || !file ? O_DIRECTORY : 0), true, err);
      if (nfd < 0)
        return cl_wrap (err, "mount destination %s", rel);
      close (fd);
      fd = nfd;
    }
  return steal_fd (&fd);
}

/* A bind remount must repeat the flags a user namespace may not clear
   (nosuid, nodev, noexec, the atime ones: mount_namespaces(7)); keep what
   the mount has and add `flags`. */
static int
remount_bind (const char *target, unsigned long flags)
{
  static const struct
  {
    unsigned long st, ms;
  } keep[] = { { ST_NOSUID, MS_NOSUID },         { ST_NODEV, MS_NODEV },
               { ST_NOEXEC, MS_NOEXEC },         { ST_NOATIME, MS_NOATIME },
               { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
               { ST_RDONLY, MS_RDONLY } };
  struct statvfs sv;

  if (statvfs (target, &sv) == 0)
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
      if (sv.f_flag & keep[i].st)
        flags |= keep[i].ms;
  return mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

struct mount_flag
{
  const char *name;
  unsigned long set, clear;
};

/* dev, suid, exec: the defaults spelled out (a node on a dev mount still
   opens only if the device cgroup allows it: devcgroup.h). */
static const struct mount_flag mount_flags[]
    = { { "ro", MS_RDONLY, 0 },         { "rw", 0, MS_RDONLY },
        { "nosuid", MS_NOSUID, 0 },     { "nodev", MS_NODEV, 0 },
        { "noexec", MS_NOEXEC, 0 },     { "strictatime", MS_STRICTATIME, 0 },
        { "bind", MS_BIND, 0 },         { "rbind", MS_BIND | MS_REC, 0 },
        { "relatime", MS_RELATIME, 0 }, { "noatime", MS_NOATIME, 0 },
        { "dev", 0, MS_NODEV },         { "suid", 0, MS_NOSUID },
        { "exec", 0, MS_NOEXEC } };

/* Split spec options into mount(2) flags and the data string. */
static unsigned long
parse_options (char *const *opts, char *data, size_t len)
{
  unsigned long flags = 0;
  size_t used = 0;

  data[0] = '\0';
  for (size_t i = 0; opts && opts[i]; i++)
    {
      bool known = false;
      for (size_t k = 0; k < sizeof mount_flags / sizeof mount_flags[0]; k++)
        if (strcmp (opts[i], mount_flags[k].name) == 0)
          {
            flags = (flags | mount_flags[k].set) & ~mount_flags[k].clear;
            known = true;
          }
      if (!known && used < len)
        used += (size_t)snprintf (data + used, len - used, "%s%s", used ? "," : "", opts[i]);
    }
  return flags;
}

/* A tmpfs /dev is nodev here whatever the spec says: this runtime binds
   the device nodes in (populate_dev), so none made inside ever opens.
   (The spec itself stays runc's: runc mknods its nodes in /dev.) */
static bool
is_dev_tmpfs (const struct spec_mount *m)
{
  return strcmp (m->destination, "/dev") == 0 && strcmp (m->type, "tmpfs") == 0;
}

/* "rro" (runc's recursive read-only): every mount below the bind too,
   with mount_setattr(2) (Linux 5.12), on the fd of the mount's root. */
static int
make_recursive_ro (int fd, const char *dest, struct cl_error *err)
{
  struct
  {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
  } attr = { .attr_set = 0x1 /* MOUNT_ATTR_RDONLY */ };

  if (syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return cl_fail (err, errno, "make %s recursively read-only (rro)", dest);
  return 0;
}

/* `srcfd` >= 0: a bind's source, opened by the caller outside our user
   namespace (bindsrc.h); bound through its magic link. */
static int
mount_one (int rootfd, const struct spec_mount *m, int srcfd, struct cl_error *err)
{
  /* A page: overlay's lowerdir=,upperdir=,workdir= (run --context). */
  char data[4096], target[64], source[64];
  unsigned long flags
      = parse_options (m->options, data, sizeof data) | (is_dev_tmpfs (m) ? MS_NODEV : 0);
  /* A read-only /dev is filled first, then made read-only (dev_readonly). */
  if (is_dev_tmpfs (m))
    flags &= ~(unsigned long)MS_RDONLY;
  bool bind = (flags & MS_BIND) || strcmp (m->type, "bind") == 0;
  struct stat st;
  cleanup_close int fd = -1;

  if (bind && (srcfd >= 0 ? fstat (srcfd, &st) : stat (m->source, &st)) < 0)
    return cl_fail (err, errno, "mount source %s", m->source);
  snprintf (source, sizeof source, "/proc/self/fd/%d", srcfd);
  /* proc and sysfs on a symlink would land wherever it points (a masked
     path mounted over the host's, say): runc refuses it too. */
  if ((strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0)
      && fstatat (rootfd, m->destination + 1, &st, AT_SYMLINK_NOFOLLOW) == 0
      && S_ISLNK (st.st_mode))
    return cl_fail (err, 0, "%s (%s) must be mounted on ordinary directory", m->destination,
                    m->type);
  fd = open_beneath (rootfd, m->destination, bind && !S_ISDIR (st.st_mode), err);
  if (fd < 0)
    return -1;
  /* Mount on the fd we resolved, not on a path that could change under us. */
  snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
  if (bind)
    {
      if (mount (srcfd >= 0 ? source : m->source, target, NULL, MS_BIND | (flags & MS_REC), NULL)
          < 0)
        return cl_fail (err, errno, "bind %s on %s", m->source, m->destination);
      if (!(flags & ~(MS_BIND | MS_REC)) && !strv_contains (m->options, "rro"))
        return 0;
      /* The fd still names the directory under the new mount: resolve
         again to reach the mount's root, which a bind remount needs. */
      close (fd);
      fd = open_beneath (rootfd, m->destination, !S_ISDIR (st.st_mode), err);
      if (fd < 0)
        return -1;
      snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
      if ((flags & ~(MS_BIND | MS_REC)) && remount_bind (target, flags & ~(MS_REC | MS_BIND)) < 0)
        return cl_fail (err, errno, "remount %s", m->destination);
      if (strv_contains (m->options, "rro"))
        return make_recursive_ro (fd, m->destination, err);
      return 0;
    }
  if (mount (m->source, target, m->type, flags, data[0] ? data : NULL) < 0)
    return cl_fail (err, errno, "mount %s on %s", m->type, m->destination);
  return 0;
}

/* The process's own cgroup in the hierarchy whose controller list is
   `ctl` ("" for cgroup v2), from /proc/self/cgroup's text, or NULL. */
static char *
own_cgroup (const char *cgroups, const char *ctl)
{
  size_t n = strlen (ctl);

  for (const char *l = cgroups; l && *l; l = strchr (l, '\n'), l = l ? l + 1 : NULL)
    {
      const char *a = strchr (l, ':'), *end = strchr (l, '\n');
      if (!a || (end && a > end) || strncmp (a + 1, ctl, n) != 0 || a[1 + n] != ':')
        continue;
      return xstrndup (a + 2 + n, end ? (size_t)(end - (a + 2 + n)) : strlen (a + 2 + n));
    }
  return NULL;
}

/* One hierarchy of the host at `dst` (its name under the cgroup mount):
   with a cgroup namespace, mounted afresh (the namespace's view); else
   the host's directory of our own cgroup, bound. */
static int
mount_hierarchy (const char *cgroups, const char *host_mnt, const char *name, const char *dst,
                 bool cgns, unsigned long flags, struct cl_error *err)
{
  const char *ctl = strcmp (name, "unified") == 0 ? "" : name;
  cleanup_free char *sysd = xasprintf ("name=%s", name);
  cleanup_free char *own = own_cgroup (cgroups, ctl);
  cleanup_free char *src = NULL;
  unsigned long keep = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);

  if (!own && (own = own_cgroup (cgroups, sysd)))
    ctl = sysd;
  if (!own)
    return 0; /* a hierarchy this process is in none of (net_cls not mounted, ...) */
  if (mkdir (dst, 0755) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s", dst);
  if (cgns)
    {
      bool v2 = !*ctl;
      if (mount ("cgroup", dst, v2 ? "cgroup2" : "cgroup", keep, v2 ? NULL : ctl) == 0)
        return 0;
    }
  src = xasprintf ("%s%s", host_mnt, own);
  if (mount (src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
    return cl_fail (err, errno, "bind the cgroup %s on %s", src, dst);
  if (keep && remount_bind (dst, keep) < 0)
    return cl_fail (err, errno, "remount the cgroup %s", dst);
  return 0;
}

/* A cgroup hierarchy's mount point under /sys/fs/cgroup/ in a line of
   /proc/self/mountinfo (a copy, or NULL). */
static char *
hierarchy_mount (const char *line)
{
  char mnt[1024], fstype[64];
  const char *dash = strstr (line, " - ");

  if (sscanf (line, "%*s %*s %*s %*s %1023s", mnt) != 1 || !dash
      || sscanf (dash, " - %63s", fstype) != 1
      || (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0)
      || !str_has_prefix (mnt, "/sys/fs/cgroup/"))
    return NULL;
  return xstrdup (mnt);
}

/* Its controllers, each a link to the hierarchy ("cpu" -> "cpu,cpuacct"). */
static int
link_controllers (const char *target, const char *name, struct cl_error *err)
{
  cleanup_free char *names = xstrdup (name);
  char *save = NULL;

  if (!strchr (name, ','))
    return 0;
  for (char *n = strtok_r (names, ",", &save); n; n = strtok_r (NULL, ",", &save))
    {
      cleanup_free char *link = xasprintf ("%s/%s", target, n);
      if (symlink (name, link) < 0 && errno != EEXIST)
        return cl_fail (err, errno, "symlink %s", link);
    }
  return 0;
}

/* type "cgroup" (runc spec's /sys/fs/cgroup): cgroup v2 alone is one
   mount; with v1 controllers (legacy, hybrid) it is runc's layout, a
   tmpfs holding each hierarchy of the host by its name (cpu,cpuacct
   with cpu and cpuacct as links), at the container's own cgroup — the
   child is in it by now.  /proc/self/cgroup and mountinfo are read once
   each. */
static int
mount_cgroup (int rootfd, const struct spec_mount *m, bool cgns, struct cl_error *err)
{
  char data[1024], target[64];
  unsigned long flags = parse_options (m->options, data, sizeof data);
  cleanup_close int fd = open_beneath (rootfd, m->destination, false, err);
  cleanup_free char *mi = NULL, *cgroups = NULL;
  char *save = NULL;
  int ret = 0;

  if (fd < 0)
    return -1;
  snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", 1 << 26, &mi, NULL, err) < 0
      || read_file_at (AT_FDCWD, "/proc/self/cgroup", 1 << 16, &cgroups, NULL, err) < 0)
    return -1;
  if (!strstr (mi, " - cgroup "))
    return mount_hierarchy (cgroups, "/sys/fs/cgroup", "unified", target, cgns, flags, err);
  if (mount ("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return cl_fail (err, errno, "mount a tmpfs on %s", m->destination);
  /* The fd names the directory under the tmpfs: resolve again. */
  close (fd);
  fd = open_beneath (rootfd, m->destination, false, err);
  if (fd < 0)
    return -1;
  snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
  for (char *line = strtok_r (mi, "\n", &save); ret == 0 && line;
       line = strtok_r (NULL, "\n", &save))
    {
      cleanup_free char *mnt = hierarchy_mount (line);
      const char *name = mnt ? mnt + strlen ("/sys/fs/cgroup/") : NULL;
      cleanup_free char *dst = name ? xasprintf ("%s/%s", target, name) : NULL;
      if (name)
        ret = mount_hierarchy (cgroups, mnt, name, dst, cgns, flags, err) < 0
                      || link_controllers (target, name, err) < 0
                  ? -1
                  : 0;
    }
  if (ret == 0 && (flags & MS_RDONLY) && remount_bind (target, MS_RDONLY) < 0
      && mount (NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "mode=755")
             < 0)
    return cl_fail (err, errno, "read-only %s", m->destination);
  return ret;
}

static int
mount_rootfs (const struct spec *s, const struct ns_overlay *ov, struct cl_error *err)
{
  cleanup_free char *data = NULL;

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return cl_fail (err, errno, "make mounts private");
  if (!ov)
    {
      if (mount (s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0
          || remount_bind (s->root_path, MS_NODEV) < 0)
        return cl_fail (err, errno, "bind rootfs %s", s->root_path);
      return 0;
    }
  data = xasprintf ("lowerdir=%s,upperdir=%s,workdir=%s%s", ov->lowerdir, ov->upperdir, ov->workdir,
                    ov->userxattr ? ",userxattr" : "");
  if (chdir (ov->layers_dir) < 0)
    return cl_fail (err, errno, "chdir %s", ov->layers_dir);
  /* nodev: a device node shipped in an image never opens. */
  if (mount ("overlay", s->root_path, "overlay", MS_NODEV, data) < 0)
    return cl_fail (err, errno, "mount the overlay rootfs");
  return 0;
}

/* linux.devices (ocispec.h): the host's nodes, bound read-write. */
static int
bind_spec_devices (const struct spec *s, int rootfd, struct cl_error *err)
{
  for (size_t i = 0; s->dev_paths && s->dev_paths[i]; i++)
    {
      char *opts[] = { "bind", "nosuid", "noexec", NULL };
      struct spec_mount m = {
        .destination = s->dev_paths[i], .type = "bind", .source = s->dev_paths[i], .options = opts
      };
      if (mount_one (rootfd, &m, -1, err) < 0)
        return -1;
    }
  return 0;
}

static int
populate_dev (int rootfd, struct cl_error *err)
{
  static const char *links[][2]
      = { { "/proc/self/fd", "dev/fd" },       { "/proc/self/fd/0", "dev/stdin" },
          { "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
          { "pts/ptmx", "dev/ptmx" },          { "/proc/kcore", "dev/core" } };

  /* Bind the host's nodes: a user namespace cannot mknod them, and /dev
     is nodev.  Read-only binds: a device still reads and writes, but its
     owner and mode (the host's) cannot be changed from inside. */
  for (size_t i = 0; host_devices[i]; i++)
    {
      cleanup_free char *src = xasprintf ("/dev/%s", host_devices[i]);
      cleanup_free char *dst = xasprintf ("/dev/%s", host_devices[i]);
      char *opts[] = { "bind", "ro", "nosuid", "noexec", NULL };
      struct spec_mount m = { .destination = dst, .type = "bind", .source = src, .options = opts };
      if (access (src, F_OK) == 0 && mount_one (rootfd, &m, -1, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i][0], rootfd, links[i][1]) < 0 && errno != EEXIST)
      return cl_fail (err, errno, "symlink /%s", links[i][1]);
  return 0;
}

/* /dev with "ro": read-only once its nodes and links are in. */
static int
dev_readonly (int rootfd, const struct spec_mount *m, struct cl_error *err)
{
  char target[64];
  cleanup_close int fd = -1;

  if (!strv_contains (m->options, "ro"))
    return 0;
  fd = open_beneath (rootfd, m->destination, false, err);
  if (fd < 0)
    return -1;
  snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
  /* Where a terminal's /dev/console will be bound, later. */
  {
    cleanup_free char *console = xasprintf ("%s/console", target);
    int c = open (console, O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (c >= 0)
      close (c);
  }
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
    return cl_fail (err, errno, "read-only /dev");
  return 0;
}

static int
pivot (const char *root, struct cl_error *err)
{
  if (chdir (root) < 0)
    return cl_fail (err, errno, "chdir rootfs");
  if (sys_pivot_root (".", ".") < 0)
    return cl_fail (err, errno, "pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    return cl_fail (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return cl_fail (err, errno, "chdir /");
  return 0;
}

/* After pivot_root: hide and freeze what the spec says. */
static int
protect_paths (const struct spec *s, struct cl_error *err)
{
  struct stat st;

  for (size_t i = 0; s->masked_paths[i]; i++)
    {
      const char *p = s->masked_paths[i];
      if (stat (p, &st) < 0)
        continue;
      if (S_ISDIR (st.st_mode) ? mount ("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k") < 0
                               : mount ("/dev/null", p, NULL, MS_BIND, NULL) < 0)
        return cl_fail (err, errno, "mask %s", p);
    }
  for (size_t i = 0; s->readonly_paths[i]; i++)
    {
      const char *p = s->readonly_paths[i];
      if (stat (p, &st) < 0)
        continue;
      if (mount (p, p, NULL, MS_BIND | MS_REC, NULL) < 0
          || remount_bind (p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
        return cl_fail (err, errno, "read-only %s", p);
    }
  if (s->root_readonly && remount_bind ("/", MS_RDONLY) < 0)
    return cl_fail (err, errno, "read-only rootfs");
  return 0;
}

/* How far the filesystem's set-up got: one started early (while the
   caller makes the cgroups, ns_hook.alongside) stops at the first
   "cgroup" mount, which shows the container's own cgroup — joined only
   at "go" — and goes on from there after it. */
struct fs_setup
{
  bool begun, done;
  bool lo_up;  /* the network namespace came made, its lo up (ns_net_ahead) */
  int rootfd;  /* the mounted rootfs (O_PATH), until done */
  size_t next; /* the next of spec->mounts */
};

/* `src`: the binds' sources the caller opened (or NULL), closed once
   the mounts are made. */
static int
setup_filesystem (const struct spec *s, const struct ns_overlay *ov, const struct ns_opts *o,
                  struct bind_sources *src, bool early, struct fs_setup *fs, struct cl_error *err)
{
  if (fs->rootfd < 0)
    {
      if (mount_rootfs (s, ov, err) < 0)
        return -1;
      fs->rootfd = open (s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fs->rootfd < 0)
        return cl_fail (err, errno, "open rootfs");
    }
  for (; fs->next < s->n_mounts; fs->next++)
    {
      const struct spec_mount *m = &s->mounts[fs->next];
      bool cgroup = strcmp (m->type, "cgroup") == 0;
      if (cgroup && early)
        return 0;
      if (cgroup ? mount_cgroup (fs->rootfd, m, s->namespaces & NS_CGROUP, err) < 0
                 : mount_one (fs->rootfd, m, bind_sources_fd (src, fs->next), err) < 0)
        return -1;
      if (is_dev_tmpfs (m)
          && (populate_dev (fs->rootfd, err) < 0 || bind_spec_devices (s, fs->rootfd, err) < 0))
        return -1;
    }
  if (src)
    bind_sources_clear (src);
  /* After the mounts below it (/dev/pts, /dev/shm) are made. */
  for (size_t i = 0; i < s->n_mounts; i++)
    if (is_dev_tmpfs (&s->mounts[i]) && dev_readonly (fs->rootfd, &s->mounts[i], err) < 0)
      return -1;
  close (fs->rootfd);
  fs->rootfd = -1;
  if (o && o->before_pivot
      && ((chdir (s->root_path) < 0 && cl_fail (err, errno, "chdir rootfs") < 0)
          || o->before_pivot (o->arg, err) < 0))
    return -1;
  if (pivot (s->root_path, err) < 0)
    return -1;
  fs->done = true;
  return protect_paths (s, err);
}

static const struct
{
  const char *name;
  int resource;
} rlimit_types[] = {
  { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },     { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },           { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },       { "RLIMIT_AS", RLIMIT_AS },
};

static int
set_rlimits (const struct spec *s, struct cl_error *err)
{
  for (size_t i = 0; i < s->n_rlimits; i++)
    {
      struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard };
      size_t k = 0;
      while (k < sizeof rlimit_types / sizeof rlimit_types[0]
             && strcmp (rlimit_types[k].name, s->rlimits[i].type) != 0)
        k++;
      if (k == sizeof rlimit_types / sizeof rlimit_types[0])
        return cl_fail (err, EINVAL, "unknown rlimit %s", s->rlimits[i].type);
      if (setrlimit (rlimit_types[k].resource, &rl) < 0)
        return cl_fail (err, errno, "setrlimit %s %llu:%llu%s", s->rlimits[i].type,
                        s->rlimits[i].soft, s->rlimits[i].hard,
                        errno == EPERM ? " (above the hard limit: that needs CAP_SYS_RESOURCE)"
                                       : "");
    }
  return 0;
}

static bool
cap_listed (const struct spec *s, cap_value_t c)
{
  char *name = cap_to_name (c);
  bool found = false;

  for (size_t i = 0; name && s->caps[i] && !found; i++)
    found = strcasecmp (s->caps[i], name) == 0;
  cap_free (name);
  return found;
}

/* Bounding set first (needs CAP_SETPCAP), then the ids, then what the
   process keeps: the listed caps for root, none for another user. */
static int
set_identity (const struct spec *s, bool may_setgroups, struct cl_error *err)
{
  cap_t caps;
  cap_value_t keep[64];
  int n = 0;

  for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
    {
      if (cap_listed (s, c))
        keep[n++] = c;
      else if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return cl_fail (err, errno, "drop capability %d", c);
    }
  if (may_setgroups && setgroups (s->n_groups, s->groups) < 0)
    return cl_fail (err, errno, "setgroups");
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid (s->gid, s->gid, s->gid) < 0
      || setresuid (s->uid, s->uid, s->uid) < 0)
    return cl_fail (err, errno, "become uid %u gid %u", s->uid, s->gid);
  caps = cap_init ();
  if (s->uid == 0 && n > 0)
    {
      cap_set_flag (caps, CAP_EFFECTIVE, n, keep, CAP_SET);
      cap_set_flag (caps, CAP_PERMITTED, n, keep, CAP_SET);
    }
  if (cap_set_proc (caps) < 0)
    {
      cap_free (caps);
      return cl_fail (err, errno, "set capabilities");
    }
  cap_free (caps);
  return 0;
}

/* The working directory must be inside the container's root: a path
   through a leaked fd (/proc/self/fd/N) would put the process on the
   host's filesystem, where ".." reaches the host's / (runc's
   CVE-2024-21626).  The kernel's getcwd says "(unreachable)" for a
   directory outside our root, whatever the libc makes of it. */
static int
verify_cwd (const char *cwd, struct cl_error *err)
{
  char buf[PATH_MAX];
  long n = syscall (SYS_getcwd, buf, sizeof buf);

  if (n < 0 || buf[0] != '/')
    return cl_fail (err, 0, "working directory %s is outside the container", cwd);
  return 0;
}

/* Into the process's working directory, made when missing (`create`:
   a container's first process, as runc and docker; not a process that
   joins one, which must not change its files). */
static int
enter_cwd (const char *cwd, bool create, bool *later, struct cl_error *err)
{
  if (chdir (cwd) == 0)
    return verify_cwd (cwd, err);
  /* Perhaps only the process's user may enter it (root inside lacks the
     capability over a directory whose group is not mapped, or the spec
     drops CAP_DAC_OVERRIDE): again once we are that user, as runc. */
  if ((errno == EACCES || errno == EPERM) && later)
    {
      *later = true;
      return 0;
    }
  if (errno == ENOENT && create && mkdir_p (cwd, 0755, err) == 0 && chdir (cwd) == 0)
    return verify_cwd (cwd, err);
  return cl_fail (err, errno, "working directory %s", cwd);
}

/* Everything a process needs before it touches a container's files: no
   fd of ours but stdio and the start-up socket (closed, not only
   close-on-exec: a leaked directory fd is a way out), not dumpable (so
   nothing inside opens /proc/PID/exe or our memory), a session keyring
   of its own (the caller's holds the caller's secrets), and without a
   terminal a session of its own (the caller's terminal would take
   TIOCSTI).  Dumpable it stays until the caller has written its id
   maps (a non-dumpable process's /proc files are root's): see
   make_undumpable. */
/* The fds to keep (ns_opts.hold, ns_opts.serve; -1: none) move next to
   the socket, to sync+1 and sync+2, so one range below and one above
   close the rest.  Copies first: one may sit where the other goes. */
static int
keep_fds (int sync, int *keep[2], struct cl_error *err)
{
  int tmp[2] = { -1, -1 };
  bool placed = true;

  for (int i = 0; i < 2; i++)
    placed &= *keep[i] < 0 || *keep[i] == sync + 1 + i;
  for (int i = 0; i < 2 && !placed; i++)
    if (*keep[i] >= 0 && (tmp[i] = fcntl (*keep[i], F_DUPFD_CLOEXEC, sync + 3)) < 0)
      return cl_fail (err, errno, "keep the start fifo");
  for (int i = 0; i < 2 && !placed; i++)
    if (tmp[i] >= 0)
      {
        if (dup3 (tmp[i], sync + 1 + i, O_CLOEXEC) < 0)
          return cl_fail (err, errno, "keep the start fifo");
        *keep[i] = sync + 1 + i;
      }
  return *keep[1] >= 0 ? 2 : *keep[0] >= 0 ? 1 : 0;
}

static int
isolate_process (int sync, int *hold, int *serve, int preserve, bool terminal, struct cl_error *err)
{
  int low = 3 + preserve; /* ns_opts.preserve_fds: 3 .. 3+N-1 stay */
  int none = -1, *keep[2] = { hold ? hold : &none, serve ? serve : &none };
  int kept = keep_fds (sync, keep, err);

  if (kept < 0)
    return -1;
  /* A kept serve without a hold: sync+1 goes too. */
  if (kept == 2 && *keep[0] < 0 && close (sync + 1) < 0 && errno != EBADF)
    return cl_fail (err, errno, "close inherited file descriptors");
  if ((sync > low && syscall (SYS_close_range, low, sync - 1, 0) < 0)
      || syscall (SYS_close_range, sync + 1 + kept, ~0U, 0) < 0)
    return cl_fail (err, errno, "close inherited file descriptors");
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0 && errno != ENOSYS)
    return cl_fail (err, errno, "join a session keyring of the container's own");
  if (!terminal && setsid () < 0)
    return cl_fail (err, errno, "start a session of the container's own");
  return 0;
}

static int
make_undumpable (struct cl_error *err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return cl_fail (err, errno, "make the process non-dumpable");
  return 0;
}

/* A new network namespace has lo down: 127.0.0.1 would be unreachable
   inside. */
static int
loopback_up (struct cl_error *err)
{
  struct ifreq ifr = { .ifr_name = "lo" };
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return cl_fail (err, errno, "the container's loopback interface");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return cl_fail (err, errno, "bring the container's lo up");
  return 0;
}

/* Our stdio fds set to NS_STDIO_NULL get the container's /dev/null: one
   opened on the host would let the container's root change the host's
   node through /proc/self/fd. */
static int
null_stdio_inside (const struct ns_stdio *stdio, struct cl_error *err)
{
  cleanup_close int fd = -1;

  for (int i = 0; stdio && i < 3; i++)
    if (stdio->fd[i] == NS_STDIO_NULL)
      {
        if (fd < 0 && (fd = open ("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
          return cl_fail (err, errno, "open the container's /dev/null");
        if (dup2 (fd, i) < 0)
          return cl_fail (err, errno, "dup2 /dev/null");
      }
  return 0;
}

/* The stdio the caller gave, before anything else is closed. */
static int
take_stdio (const struct ns_stdio *stdio, struct cl_error *err)
{
  for (int i = 0; stdio && i < 3; i++)
    if (stdio->fd[i] >= 0 && dup2 (stdio->fd[i], i) < 0)
      return cl_fail (err, errno, "dup2 the container's stdio");
  return 0;
}

/* The profile's filter; one with SCMP_ACT_NOTIFY gives a listener fd,
   which goes to the caller (ns_hook.seccomp_listener) at once: calls it
   catches wait for an agent, or fail with ENOSYS once there is none. */
static int
load_filter (const struct spec *s, const struct bpf_prog *filter, int sync, struct cl_error *err)
{
  struct child_msg m = { .kind = MSG_SC_LISTENER };
  char ack;
  ssize_t n;
  int fd;

  if (!seccomp_notifies (s->seccomp))
    return seccomp_install (filter, err);
  fd = seccomp_install_listener (filter, err);
  if (fd < 0)
    return -1;
  if (pty_send_fd (sync, &m, sizeof m, fd) != (ssize_t)sizeof m)
    {
      close (fd);
      return cl_fail (err, errno, "hand the seccomp listener to the caller");
    }
  close (fd);
  /* Not a call under the filter before the agent has it: with none
     there the caller kills us, and the calls it would catch must not
     have run (runc connects before the command starts). */
  while ((n = read (sync, &ack, 1)) < 0 && errno == EINTR)
    ;
  if (n != 1 || ack != MSG_AGENT_OK)
    _exit (125);
  return 0;
}

/* runc's order: with no_new_privs the filter goes on last, right before
   execve (after --init's fork: our init is not the container's program);
   without it, loading one needs CAP_SYS_ADMIN, which set_identity is
   about to drop, so it goes on before.  Returns the filter still to
   install. */
static const struct bpf_prog *
seccomp_early (const struct spec *s, const struct bpf_prog *filter, int sync)
{
  struct cl_error err = { 0 };

  if (!filter || s->no_new_privs)
    return filter;
  if (load_filter (s, filter, sync, &err) < 0)
    child_fail (sync, 125, &err);
  return NULL;
}

static void __attribute__ ((noreturn))
child_exec (const struct spec *s, const struct bpf_prog *filter, int sync)
{
  struct cl_error err = { 0 };
  extern char **environ;
  int e;

  if (filter && load_filter (s, filter, sync, &err) < 0)
    child_fail (sync, 125, &err);
  umask (s->has_umask ? s->umask : 022);
  environ = s->env;
  execvp (s->args[0], s->args);
  e = errno;
  /* Only a bare name is searched for in $PATH (docker's wording). */
  if (e == ENOENT && strchr (s->args[0], '/'))
    cl_fail (&err, 0, "%s: no such file or directory", s->args[0]);
  else if (e == ENOENT)
    cl_fail (&err, 0, "%s: executable file not found in $PATH", s->args[0]);
  else
    cl_fail (&err, e, "exec %s", s->args[0]);
  child_fail (sync,
              e == ENOENT                                   ? 127
              : (e == EACCES || e == ENOEXEC || e == EPERM) ? 126
                                                            : 125,
              &err);
}

static void
ignore_signal (int sig)
{
  (void)sig;
}

/* The exit status a shell would report for `status`. */
static int
shell_status (int status)
{
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* --init: PID 1 forks the command, forwards every signal to it, reaps
   every orphan the namespace hands it, and exits as the command did.
   Signals stay blocked and are taken with sigwaitinfo; the no-op handlers
   only make them "caught", because the kernel drops a signal that a
   namespace's init does not catch (pid_namespaces(7)). */
static void __attribute__ ((noreturn))
init_main (const struct spec *s, const struct bpf_prog *filter, int sync)
{
  sigset_t all, none;
  pid_t child;

  sigfillset (&all);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
      signal (sig, ignore_signal);
  child = fork ();
  if (child < 0)
    {
      struct cl_error err = { 0 };
      child_fail (sync, 125, (cl_fail (&err, errno, "fork the command under --init"), &err));
    }
  if (child == 0)
    {
      for (int sig = 1; sig < NSIG; sig++)
        signal (sig, SIG_DFL);
      sigprocmask (SIG_SETMASK, &none, NULL);
      child_exec (s, filter, sync);
    }
  /* Hold nothing the container's files or the caller's locks need. */
  syscall (SYS_close_range, 3, ~0U, 0);
  prctl (PR_SET_NAME, "init", 0, 0, 0);
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (&all, &si), status;
      pid_t p;
      if (sig > 0 && sig != SIGCHLD)
        kill (child, sig);
      while ((p = waitpid (-1, &status, WNOHANG)) > 0)
        if (p == child)
          _exit (shell_status (status));
    }
}

/* -t: the terminal is made inside (its devpts), its master handed out. */
static int
send_console (const struct spec *s, bool console, int sync, struct cl_error *err)
{
  struct winsize ws = { .ws_row = s->console_rows, .ws_col = s->console_cols };
  struct child_msg m = { .kind = MSG_CONSOLE };
  cleanup_close int master = pty_open_console (&ws, s->uid, console, err);

  if (master < 0)
    return -1;
  if (pty_send_fd (sync, &m, sizeof m, master) != (ssize_t)sizeof m)
    return cl_fail (err, errno, "hand the terminal to the caller");
  return 0;
}

/* The network's user-notification filter (a hook asked for it): on
   before the profile's, whose ERRNO and KILL still win over its
   USER_NOTIF; its listener goes to the caller and is not kept. */
static int
send_listener (const struct bpf_prog *notify, int sync, struct cl_error *err)
{
  struct child_msg m = { .kind = MSG_LISTENER };
  cleanup_close int fd = -1;

  if (!notify)
    return 0;
  fd = seccomp_install_listener (notify, err);
  if (fd < 0)
    return -1;
  if (pty_send_fd (sync, &m, sizeof m, fd) != (ssize_t)sizeof m)
    return cl_fail (err, errno, "hand the network filter's listener to the caller");
  return 0;
}

static bool
maps_id (const struct spec_idmap *m, size_t n, unsigned long id)
{
  for (size_t i = 0; i < n; i++)
    if (id >= m[i].container && id - m[i].container < m[i].size)
      return true;
  return false;
}

/* Before `create` reports success, the command must be there to exec
   (runc looks it up at the same point): execvp's search, over the
   container's own PATH. */
static int
command_found (const struct spec *s, struct cl_error *err)
{
  const char *cmd = s->args[0],
             *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  struct stat st;

  if (strchr (cmd, '/'))
    {
      if (stat (cmd, &st) < 0)
        return cl_fail (err, 0, "%s: no such file or directory", cmd), 127;
      if (!S_ISREG (st.st_mode) || access (cmd, X_OK) < 0)
        return cl_fail (err, EACCES, "exec %s", cmd), 126;
      return 0;
    }
  for (size_t i = 0; s->env && s->env[i]; i++)
    if (str_has_prefix (s->env[i], "PATH="))
      path = s->env[i] + 5;
  for (const char *p = path; *p;)
    {
      size_t n = strcspn (p, ":");
      cleanup_free char *f = xasprintf ("%.*s/%s", (int)n, n ? p : ".", cmd);
      if (stat (f, &st) == 0 && S_ISREG (st.st_mode) && access (f, X_OK) == 0)
        return 0;
      p += n + (p[n] == ':');
    }
  return cl_fail (err, 0, "%s: executable file not found in $PATH", cmd), 127;
}

/* All of n bytes from fd, or false. */
static bool
read_all (int fd, void *buf, size_t n)
{
  for (size_t got = 0; got < n;)
    {
      ssize_t r = read (fd, (char *)buf + got, n - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return false;
      got += (size_t)r;
    }
  return true;
}

/* ns_opts.hold: everything is set up; say so (the caller — `create` —
   returns and exits), then wait for what `start` writes: '0', or
   NS_START_HOOKS_HERE with the state's length (4 bytes) and the state
   JSON, returned, when the startContainer hooks are to run from here.
   Only the command's execve is left after it. */
static char *
wait_for_start (int sync, int hold, int serve)
{
  struct child_msg m = { .kind = MSG_READY };
  uint32_t len;
  char b, *state;

  if (hold < 0)
    return NULL;
  if (send (sync, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
    _exit (125);
  /* Meanwhile our namespaces to our owner, who cannot open them (ns.h). */
  for (struct pollfd p[2] = { { hold, POLLIN, 0 }, { serve, POLLIN, 0 } }; serve >= 0;)
    {
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        _exit (125);
      if (p[0].revents)
        break;
      if (p[1].revents)
        nsserve_answer (serve);
    }
  if (serve >= 0)
    close (serve);
  if (!read_all (hold, &b, 1))
    _exit (125);
  if (b != NS_START_HOOKS_HERE)
    {
      close (hold);
      return NULL;
    }
  if (!read_all (hold, &len, sizeof len) || len > NS_START_STATE_MAX)
    _exit (125);
  state = xmalloc ((size_t)len + 1);
  if (!read_all (hold, state, len))
    _exit (125);
  state[len] = '\0';
  close (hold);
  return state;
}

/* The startContainer hooks `start` could not run (rootless, this
   process is not dumpable: its /proc namespace files are root's, closed
   to `start`): from here, in the container's namespaces and root, under
   its filter, as runc runs them.  A failure ends the container. */
static void
start_hooks_here (const struct spec *s, const struct bpf_prog *filter, char *state)
{
  struct cl_error err = { 0 };

  if (!state)
    return;
  if (rthooks_run_filtered (s->hooks[SPEC_HOOK_START_CONTAINER],
                            s->n_hooks[SPEC_HOOK_START_CONTAINER], "startContainer", state, 0,
                            filter, &err)
      < 0)
    {
      dprintf (2, "crunlocal-runtime: %s\n", err.msg);
      _exit (1);
    }
  free (state);
}

static void
parent_death_kills (const struct ns_opts *o)
{
  if (!o || !o->orphan)
    prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

/* A cgroup v1 "tasks" file the caller opened for us (ns.h's
   ns_cgroups): our one thread moves itself, which takes no global lock. */
static int
join_cgroup (int fd, struct cl_error *err)
{
  int r = write (fd, "0", 1) == 1 ? 0 : cl_fail (err, errno, "join the container's cgroup");

  close (fd);
  return r;
}

/* The caller's messages until "go" ('g') — or, `until_joined`, until
   NS_MSG_JOINED, whichever comes first, returned: on the way the sources
   of our binds it opened for us, if any (bindsrc.h), and the cgroups to
   join (NS_MSG_CGROUP). */
static char
await_caller (int sync, struct bind_sources *src, bool until_joined)
{
  struct cl_error err = { 0 };
  union
  {
    char go;
    struct bindsrc_msg src;
  } m;
  ssize_t n;
  int fd;

  for (;;)
    {
      n = pty_recv_fd (sync, &m, sizeof m, &fd);
      if (n == (ssize_t)sizeof m.src || (n == 1 && m.go == NS_MSG_CGROUP && fd >= 0))
        {
          if (n == 1 ? join_cgroup (fd, &err) < 0
              : !src ? cl_fail (&err, EPROTO, "a bind source, not asked for") < 0
                     : bindsrc_take (src, &m.src, fd, &err) < 0)
            child_fail (sync, 125, &err);
          continue;
        }
      if (fd >= 0)
        close (fd);
      if (n == 1 && (m.go == 'g' || (m.go == NS_MSG_JOINED && until_joined)))
        return m.go;
      if (n != 1 || m.go != NS_MSG_JOINED)
        child_fail (sync, 125, (cl_fail (&err, errno, "wait for the caller's go"), &err));
    }
}

/* "go": the caller has placed us (id maps, then its hooks). */
static void
await_go (int sync, struct bind_sources *src)
{
  await_caller (sync, src, false);
}

/* The container's filesystem and what else is set up inside before its
   command is: not dumpable first (nothing that later enters may open
   our /proc/PID files), then lo, the rootfs, stdio, the hostname and
   the working directory. */
static int
prepare_inside (const struct spec *s, const struct ns_overlay *ov, const struct ns_stdio *stdio,
                const struct ns_opts *o, struct bind_sources *src, bool early, struct fs_setup *fs,
                bool *cwd_later, struct cl_error *err)
{
  if (!fs->begun
      && (make_undumpable (err) < 0
          || ((s->namespaces & NS_NET) && !fs->lo_up && loopback_up (err) < 0)))
    return -1;
  fs->begun = true;
  if (setup_filesystem (s, ov, o, src, early, fs, err) < 0)
    return -1;
  if (!fs->done)
    return 0; /* stopped early: the rest after "go" */
  if (null_stdio_inside (stdio, err) < 0)
    return -1;
  if (sethostname (s->hostname, strlen (s->hostname)) < 0)
    return cl_fail (err, errno, "sethostname");
  return enter_cwd (s->cwd, true, cwd_later, err);
}

static void __attribute__ ((noreturn))
child_main (const struct spec *s, const struct ns_overlay *ov, const sigset_t *blocked,
            const struct ns_stdio *stdio, const struct ns_opts *o, const struct bpf_prog *filter,
            const struct bpf_prog *notify, int netfd, bool lo_up, bool early, int sync)
{
  struct cl_error err = { 0 };
  bool in_userns = s->namespaces & NS_USER;
  int hold = o ? o->hold : -1, serve = o ? o->serve : -1, status;
  struct bind_sources src;
  struct fs_setup fs = { .rootfd = -1, .lo_up = lo_up };
  bool cwd_later = false, cgns_made = false;

  parent_death_kills (o);
  bind_sources_init (&src, s->n_mounts);
  /* linux.namespaces network with a path: joined first, while the fd
     opened before clone is still ours. */
  if (netfd >= 0)
    {
      struct child_msg m = { .kind = MSG_NET_JOINED };
      if (setns (netfd, CLONE_NEWNET) < 0 || close (netfd) < 0)
        child_fail (sync, 125,
                    (cl_fail (&err, errno, "join the network namespace %s",
                              s->net_path ? s->net_path : "made for it"),
                     &err));
      /* The hooks find our network namespace by our pid. */
      if (send (sync, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        _exit (125);
    }
  if (take_stdio (stdio, &err) < 0
      || isolate_process (sync, &hold, &serve, o ? o->preserve_fds : 0, s->terminal, &err) < 0)
    child_fail (sync, 125, &err);
  /* early: the filesystem is set up while the caller moves us into our
     cgroups, a move that can wait a kernel RCU grace period (cgroup.h),
     which this work then overlaps.  The caller, root outside any user
     namespace of ours, may still read our /proc files once we are not
     dumpable. */
  if (early && prepare_inside (s, ov, stdio, o, &src, true, &fs, &cwd_later, &err) < 0)
    child_fail (sync, 125, &err);
  /* Stopped at a cgroup mount: on as soon as we are in our cgroups
     (ns_cgroups_ready), unless "go" comes first. */
  if (early && !fs.done && await_caller (sync, &src, true) == NS_MSG_JOINED)
    {
      if ((s->namespaces & NS_CGROUP) && unshare (CLONE_NEWCGROUP) < 0)
        child_fail (sync, 125, (cl_fail (&err, errno, "create the cgroup namespace"), &err));
      cgns_made = true;
      if (prepare_inside (s, ov, stdio, o, &src, false, &fs, &cwd_later, &err) < 0)
        child_fail (sync, 125, &err);
    }
  if (!early || fs.done)
    await_go (sync, &src);
  if (in_userns)
    {
      /* Dumpable until the caller has written our id maps (a
         non-dumpable process's /proc files are the host root's), so
         everything waited for "go".  Now root inside, where the maps
         have one; else (a single id mapped to the image's user) we stay
         that id, with every capability the new namespace gave us until
         set_identity. */
      if ((maps_id (s->gid_maps, s->n_gid_maps, 0) && setresgid (0, 0, 0) < 0)
          || (maps_id (s->uid_maps, s->n_uid_maps, 0) && setresuid (0, 0, 0) < 0))
        child_fail (sync, 125, (cl_fail (&err, errno, "enter the user namespace"), &err));
    }
  /* Only after "go": the new cgroup namespace is rooted at the cgroup the
     hook moved us into, so /proc/self/cgroup reads "/" inside. */
  if (!cgns_made && (s->namespaces & NS_CGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    child_fail (sync, 125, (cl_fail (&err, errno, "create the cgroup namespace"), &err));
  if ((!fs.done && prepare_inside (s, ov, stdio, o, &src, false, &fs, &cwd_later, &err) < 0)
      || set_rlimits (s, &err) < 0 || (s->terminal && send_console (s, true, sync, &err) < 0)
      || send_listener (notify, sync, &err) < 0)
    child_fail (sync, 125, &err);
  filter = seccomp_early (s, filter, sync);
  /* With a single mapping, setgroups is denied (user_namespaces(7)). */
  if (set_identity (s, !in_userns || s->n_gid_maps > 1 || s->gid_maps[0].size > 1, &err) < 0
      || (s->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
          && cl_fail (&err, errno, "no_new_privs") < 0)
      || (cwd_later && enter_cwd (s->cwd, true, NULL, &err) < 0))
    child_fail (sync, 125, &err);
  /* Again: a change of credentials reset both (prctl(2)).  The parent —
     `run` or the monitor — dying must take the container along. */
  parent_death_kills (o);
  make_undumpable (&err);
  /* A listener must reach the caller before `create` returns: runc
     loads such a filter before the wait for `start`. */
  if (filter && hold >= 0 && seccomp_notifies (s->seccomp))
    {
      if (load_filter (s, filter, sync, &err) < 0)
        child_fail (sync, 125, &err);
      filter = NULL;
    }
  if (hold >= 0 && (status = command_found (s, &err)) != 0)
    child_fail (sync, status, &err);
  start_hooks_here (s, filter, wait_for_start (sync, hold, serve));
  syscall (SYS_close_range, 3 + (o ? o->preserve_fds : 0), ~0U, CLOSE_RANGE_CLOEXEC);
  if (s->init)
    init_main (s, filter, sync);
  sigprocmask (SIG_UNBLOCK, blocked, NULL);
  child_exec (s, filter, sync);
}

/* No CLONE_NEWCGROUP: the child unshares it after "go" (child_main). */
static unsigned long
clone_flags (unsigned ns)
{
  return (ns & NS_PID ? CLONE_NEWPID : 0) | (ns & NS_MOUNT ? CLONE_NEWNS : 0)
         | (ns & NS_UTS ? CLONE_NEWUTS : 0) | (ns & NS_IPC ? CLONE_NEWIPC : 0)
         | (ns & NS_NET ? CLONE_NEWNET : 0) | (ns & NS_USER ? CLONE_NEWUSER : 0);
}

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define NS_CLONE_INTO_CGROUP 0x200000000ULL

/* A raw clone (the new PID namespace must hold the child itself), into
   the cgroup2 directory cg->into where there is one and the kernel can
   (clone3, Linux 5.7); else a plain one, and the hook moves the child —
   libc's fork when there is no namespace to make (ns_spawn). */
static pid_t
clone_child (unsigned long flags, struct ns_cgroups *cg)
{
  if (cg->into >= 0)
    {
      struct
      {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
            set_tid_size, cgroup;
      } args = { .flags = flags | NS_CLONE_INTO_CGROUP,
                 .exit_signal = SIGCHLD,
                 .cgroup = (uint64_t)cg->into };
      pid_t pid = (pid_t)syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0)
        {
          cg->cloned_into = true;
          return pid;
        }
    }
  if (!flags)
    return fork ();
  return (pid_t)syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* What a hook left running (ns_cgroups's `finish`), waited for once. */
static int
cgroups_finish (struct ns_cgroups *cg, struct cl_error *err)
{
  int (*finish) (void *arg, struct cl_error *err) = cg->finish;

  cg->finish = NULL;
  return finish ? finish (cg->finish_arg, err) : 0;
}

static void
cgroups_close (struct ns_cgroups *cg)
{
  struct cl_error ignored;

  cgroups_finish (cg, &ignored);
  if (cg->into >= 0)
    close (cg->into);
  for (size_t i = 0; i < cg->n_tasks; i++)
    close (cg->tasks[i]);
  cg->into = -1;
  cg->n_tasks = 0;
}

/* The profile's filter, compiled by a thread beside the work before
   clone (~0.3 ms, cold), joined before it: no thread of ours may hold
   the allocator's lock when the child is cloned.  An error is simply
   returned. */
struct filter_job
{
  const struct spec *s;
  struct bpf_prog prog;
  struct cl_error err;
  int ret;
  pthread_t thread;
  bool running;
};

static void *
filter_compile (void *arg)
{
  struct filter_job *f = arg;

  f->ret = seccomp_compile (f->s->seccomp, &f->prog, &f->err);
  if (f->ret == 0 && f->prog.n > BPF_MAXINSNS)
    f->ret = cl_fail (&f->err, E2BIG, "%zu BPF instructions, more than the kernel's %d", f->prog.n,
                      BPF_MAXINSNS);
  return NULL;
}

static void
filter_start (struct filter_job *f, const struct spec *s)
{
  *f = (struct filter_job){ .s = s };
  if (s->seccomp)
    f->running = pthread_create (&f->thread, NULL, filter_compile, f) == 0;
}

/* The filter (NULL: the spec has none), or NULL with err set. */
static const struct bpf_prog *
filter_finish (struct filter_job *f, struct cl_error *err)
{
  if (!f->s->seccomp)
    return NULL;
  if (f->running)
    pthread_join (f->thread, NULL);
  else if (f->ret == 0 && !f->prog.insns)
    filter_compile (f);
  f->running = false;
  if (f->ret < 0)
    {
      *err = f->err;
      cl_wrap (err, "linux.seccomp");
      return NULL;
    }
  return &f->prog;
}

static void
filter_clear (struct filter_job *f)
{
  struct cl_error ignored;

  if (f->running)
    filter_finish (f, &ignored);
  bpf_prog_clear (&f->prog);
}

/* The hooks' work before clone (ns_hook.before). */
static int
run_before (const struct ns_hook *h, struct ns_cgroups *cg, struct cl_error *err)
{
  for (; h; h = h->next)
    if (h->before && h->before (h->arg, cg, err) < 0)
      return -1;
  return 0;
}

/* A new network namespace costs half a millisecond (its sysctl tables),
   most of a clone's time: a thread makes it (ns.h's ns_net_ahead), and
   brings its lo up, which the child would otherwise do while the
   caller's hooks hold the kernel's network lock (a veth's creation). */
static void *
make_net (void *arg)
{
  struct ns_net_ahead *m = arg;
  struct cl_error ignored;

  if (unshare (CLONE_NEWNET) < 0)
    return NULL;
  m->lo_up = loopback_up (&ignored) == 0;
  m->fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  return NULL;
}

void
ns_net_ahead_start (struct ns_net_ahead *m)
{
  pthread_attr_t a;

  m->fd = -1;
  m->running = m->lo_up = false;
  if (pthread_attr_init (&a) != 0)
    return;
  /* Two system calls: no need for the default stack (musl's, raised to
     1 MiB at link time for pull's workers). */
  pthread_attr_setstacksize (&a, 64 * 1024);
  m->running = pthread_create (&m->thread, &a, make_net, m) == 0;
  pthread_attr_destroy (&a);
}

/* Its fd (the caller's to close), or -1. */
static int
net_ahead_join (struct ns_net_ahead *m)
{
  if (m->running)
    pthread_join (m->thread, NULL);
  m->running = false;
  return m->fd;
}

void
ns_net_ahead_clear (struct ns_net_ahead *m)
{
  if (net_ahead_join (m) >= 0)
    close (m->fd);
  m->fd = -1;
}

/* Does the spec ask for a network namespace that one made ahead can be?
   Not inside a user namespace (one made there must be owned by it), not
   with a path to join. */
static bool
net_made_ahead (const struct spec *s)
{
  return (s->namespaces & NS_NET) && !(s->namespaces & NS_USER) && !s->net_path;
}

/* The child joins its v1 cgroups itself, before "go". */
static int
send_cgroups (int sock, struct ns_cgroups *cg, struct cl_error *err)
{
  const char msg = NS_MSG_CGROUP;

  if (cg->sent)
    return 0;
  cg->sent = true;
  for (size_t i = 0; i < cg->n_tasks; i++)
    if (pty_send_fd (sock, &msg, 1, cg->tasks[i]) != 1)
      return cl_fail (err, errno, "hand the container its cgroups");
  return 0;
}

int
ns_cgroups_ready (struct ns_cgroups *cg, struct cl_error *err)
{
  const char joined = NS_MSG_JOINED;

  if (cg->sock < 0 || cg->sent)
    return 0;
  if (send_cgroups (cg->sock, cg, err) < 0)
    return -1;
  /* A child that failed has closed its end: its reason comes later. */
  if (send (cg->sock, &joined, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
    return cl_fail (err, errno, "hand the container its cgroups");
  return 0;
}

/* May the child set up its filesystem while the hooks run (ns.h)? */
static bool
hooks_alongside (const struct ns_hook *h)
{
  for (; h; h = h->next)
    if (h->fn && !h->alongside)
      return false;
  return true;
}

static int
run_hooks (const struct ns_hook *h, pid_t pid, struct cl_error *err)
{
  for (; h; h = h->next)
    if (h->fn && h->fn (pid, h->arg, err) < 0)
      return -1;
  return 0;
}

static const struct ns_hook *
listener_hook (const struct ns_hook *h)
{
  for (; h; h = h->next)
    if (h->listener)
      return h;
  return NULL;
}

/* SCMP_ACT_NOTIFY needs someone to take the listener (the runtime's
   seccomp agent); without, the calls would fail with ENOSYS. */
static int
check_notify (const struct spec *s, const struct ns_hook *h, struct cl_error *err)
{
  if (!seccomp_notifies (s->seccomp))
    return 0;
  for (; h; h = h->next)
    if (h->seccomp_listener)
      return 0;
  return cl_fail (err, ENOTSUP,
                  "linux.seccomp: unsupported action \"SCMP_ACT_NOTIFY\" here (it needs a "
                  "seccomp agent: crunlocal-runtime with linux.seccomp.listenerPath)");
}

/* The network filter, compiled here where an error is simply returned,
   when a hook wants its listener. */
static int
notify_filter (const struct ns_hook *hook, struct bpf_prog *prog, const struct bpf_prog **out,
               struct cl_error *err)
{
  *out = NULL;
  if (!listener_hook (hook))
    return 0;
  if (seccomp_netnotify_compile (prog, err) < 0)
    return cl_wrap (err, "the network's seccomp filter");
  *out = prog;
  return 0;
}

static int
write_proc (pid_t pid, const char *file, const char *text, struct cl_error *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", pid, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write_all (fd, text, strlen (text), err) < 0)
    return cl_fail (err, errno, "write %s", path);
  return 0;
}

/* Start newuidmap or newgidmap for `pid`'s maps; its pid, or -1. */
static pid_t
spawn_idmap_tool (const char *tool, pid_t pid, const struct spec_idmap *m, size_t n)
{
  char *argv[64] = { (char *)tool };
  char buf[64][24];
  int k = 1;
  pid_t child;

  snprintf (buf[0], sizeof buf[0], "%d", pid);
  argv[k++] = buf[0];
  for (size_t i = 0; i < n && k < 60; i++)
    {
      snprintf (buf[k], sizeof buf[k], "%lu", m[i].container), argv[k] = buf[k], k++;
      snprintf (buf[k], sizeof buf[k], "%lu", m[i].host), argv[k] = buf[k], k++;
      snprintf (buf[k], sizeof buf[k], "%lu", m[i].size), argv[k] = buf[k], k++;
    }
  argv[k] = NULL;
  child = fork ();
  if (child == 0)
    {
      execvp (tool, argv);
      _exit (127);
    }
  return child;
}

static int
idmap_tool_done (const char *tool, pid_t child, struct cl_error *err)
{
  int status;

  if (child < 0 || waitpid (child, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status))
    return cl_fail (err, 0, "%s failed to map ids for the container", tool);
  return 0;
}

/* Root of the initial user namespace writes any maps itself. */
static int
write_map_lines (pid_t pid, const char *file, const struct spec_idmap *m, size_t n,
                 struct cl_error *err)
{
  cleanup_free char *text = xstrdup ("");

  for (size_t i = 0; i < n; i++)
    {
      char *t = xasprintf ("%s%lu %lu %lu\n", text, m[i].container, m[i].host, m[i].size);
      free (text);
      text = t;
    }
  return write_proc (pid, file, text, err);
}

/* One mapping of our own ids we may write ourselves (root: any); more
   take the setuid helpers, both at once (each writes a file of its own). */
static int
write_maps (const struct spec *s, pid_t pid, struct cl_error *err)
{
  char line[128];
  pid_t uids, gids;
  struct cl_error second = { 0 };

  if (geteuid () == 0 && (s->n_uid_maps > 1 || s->n_gid_maps > 1 || s->uid_maps[0].size > 1))
    {
      if (write_map_lines (pid, "uid_map", s->uid_maps, s->n_uid_maps, err) < 0)
        return -1;
      return write_map_lines (pid, "gid_map", s->gid_maps, s->n_gid_maps, err);
    }

  if (s->n_uid_maps == 1 && s->uid_maps[0].size == 1 && s->n_gid_maps == 1
      && s->gid_maps[0].size == 1)
    {
      if (write_proc (pid, "setgroups", "deny", err) < 0)
        return -1;
      snprintf (line, sizeof line, "%lu %lu 1\n", s->uid_maps[0].container, s->uid_maps[0].host);
      if (write_proc (pid, "uid_map", line, err) < 0)
        return -1;
      snprintf (line, sizeof line, "%lu %lu 1\n", s->gid_maps[0].container, s->gid_maps[0].host);
      return write_proc (pid, "gid_map", line, err);
    }
  uids = spawn_idmap_tool ("newuidmap", pid, s->uid_maps, s->n_uid_maps);
  gids = spawn_idmap_tool ("newgidmap", pid, s->gid_maps, s->n_gid_maps);
  if (idmap_tool_done ("newuidmap", uids, err) < 0)
    {
      idmap_tool_done ("newgidmap", gids, &second);
      return -1;
    }
  return idmap_tool_done ("newgidmap", gids, err);
}

/* The child's MSG_FAILED as our error: its reason and exit status. */
static int
child_reason (const struct child_msg *m, struct cl_error *err)
{
  cl_fail (err, m->errnum, "%s", m->text);
  err->status = m->status;
  return -1;
}

/* After a failed hook: did the child fail already, and why?  (err is
   replaced with its reason if so.) */
static void
child_failed (int sync, struct cl_error *err)
{
  struct child_msg m;

  while (recv (sync, &m, sizeof m, MSG_DONTWAIT) == (ssize_t)sizeof m)
    if (m.kind == MSG_FAILED)
      {
        child_reason (&m, err);
        return;
      }
}

/* The child is in the network namespace it was passed (child_main),
   where the hooks look for it. */
static int
await_net (int sync, struct cl_error *err)
{
  struct child_msg m;
  ssize_t n;

  do
    n = recv (sync, &m, sizeof m, 0);
  while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof m && m.kind == MSG_NET_JOINED)
    return 0;
  if (n == (ssize_t)sizeof m && m.kind == MSG_FAILED)
    return child_reason (&m, err);
  return cl_fail (err, n < 0 ? errno : EPIPE, "the container's process ended while starting");
}

/* The profile's listener, to the hook that takes it; closed here. */
static int
seccomp_listener (pid_t pid, int fd, const struct ns_hook *h, struct cl_error *err)
{
  int r;

  for (; h && !h->seccomp_listener; h = h->next)
    ;
  r = h ? h->seccomp_listener (pid, fd, h->arg, err)
        : cl_fail (err, EINVAL, "SCMP_ACT_NOTIFY: no seccomp agent to hand the calls to");
  close (fd);
  return r;
}

static int
await_child (pid_t pid, int sync, const struct ns_hook *hook, int *console, struct cl_error *err)
{
  const struct ns_hook *lh = listener_hook (hook);
  struct child_msg m;
  ssize_t n;
  int fd;

  *console = -1;
  for (;;)
    {
      n = pty_recv_fd (sync, &m, sizeof m, &fd);
      if (n == 0)
        return 0; /* exec closed its end: the command runs */
      if (n == (ssize_t)sizeof m && m.kind == MSG_CONSOLE && fd >= 0 && *console < 0)
        {
          *console = fd;
          continue;
        }
      if (n == (ssize_t)sizeof m && m.kind == MSG_LISTENER && fd >= 0 && lh)
        {
          /* The hook takes it (and closes it) whatever happens: a
             failure leaves the filter with no listener, so the calls
             it catches fail with ENOSYS rather than hang. */
          if (lh->listener (fd, lh->arg, err) < 0)
            {
              if (*console >= 0)
                close (*console);
              *console = -1;
              kill (pid, SIGKILL);
              waitpid (pid, NULL, 0);
              return -1;
            }
          lh = NULL;
          continue;
        }
      if (n == (ssize_t)sizeof m && m.kind == MSG_SC_LISTENER && fd >= 0)
        {
          if (seccomp_listener (pid, fd, hook, err) == 0
              && (write (sync, &(char){ MSG_AGENT_OK }, 1) == 1
                  || cl_fail (err, errno, "tell the container's process its agent is there") == 0))
            continue;
          if (*console >= 0)
            close (*console);
          *console = -1;
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return -1;
        }
      if (n == (ssize_t)sizeof m && m.kind == MSG_READY)
        return 0; /* ns_opts.hold: waiting for its start byte */
      if (fd >= 0)
        close (fd);
      break;
    }
  if (*console >= 0)
    close (*console), *console = -1;
  waitpid (pid, NULL, 0);
  if (n != (ssize_t)sizeof m)
    return cl_fail (err, errno, "the container process died while starting");
  return child_reason (&m, err);
}

int
ns_start (const struct spec *s, const struct ns_overlay *ov, const sigset_t *blocked,
          const struct ns_stdio *stdio, const struct ns_hook *hook, struct ns_proc *proc,
          struct cl_error *err)
{
  return ns_start_with (s, ov, blocked, stdio, hook, NULL, proc, err);
}

int
ns_start_with (const struct spec *s, const struct ns_overlay *ov, const sigset_t *blocked,
               const struct ns_stdio *stdio, const struct ns_hook *hook, const struct ns_opts *o,
               struct ns_proc *proc, struct cl_error *err)
{
  __attribute__ ((cleanup (filter_clear))) struct filter_job fj;
  cleanup_bpf_prog struct bpf_prog notify_prog = { 0 };
  const struct bpf_prog *notify, *filter;
  cleanup_close int netfd = -1;
  __attribute__ ((cleanup (cgroups_close))) struct ns_cgroups cg = { .into = -1, .sock = -1 };
  __attribute__ ((cleanup (ns_net_ahead_clear))) struct ns_net_ahead own = { .fd = -1 };
  struct ns_net_ahead *net = o && o->net_ahead ? o->net_ahead : &own;
  bool early = !(s->namespaces & NS_USER) && hooks_alongside (hook), lo_up = false;
  unsigned ns = s->namespaces;
  int sv[2];
  pid_t pid;

  filter_start (&fj, s);
  if (net == &own && net_made_ahead (s))
    ns_net_ahead_start (&own);
  if (check_notify (s, hook, err) < 0 || notify_filter (hook, &notify_prog, &notify, err) < 0)
    return -1;
  if (s->net_path && (netfd = open (s->net_path, O_RDONLY | O_CLOEXEC)) < 0)
    return cl_fail (err, errno, "open the network namespace %s", s->net_path);
  if (run_before (hook, &cg, err) < 0)
    return -1;
  filter = filter_finish (&fj, err);
  if (s->seccomp && !filter)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return cl_fail (err, errno, "socketpair");
  if (net_ahead_join (net) >= 0 && net_made_ahead (s))
    {
      netfd = net->fd;
      net->fd = -1;
      lo_up = net->lo_up;
      ns &= ~(unsigned)NS_NET;
    }
  pid = clone_child (clone_flags (ns), &cg);
  if (pid < 0)
    {
      int e = errno;
      close (sv[0]);
      close (sv[1]);
      return cl_fail (err, e, "create the container's namespaces");
    }
  if (pid == 0)
    {
      close (sv[0]);
      child_main (s, ov, blocked, stdio, o, filter, notify, netfd, lo_up, early, sv[1]);
    }
  close (sv[1]);
  if (early)
    cg.sock = sv[0];
  if ((netfd >= 0 && await_net (sv[0], err) < 0)
      || ((s->namespaces & NS_USER) && write_maps (s, pid, err) < 0)
      || run_hooks (hook, pid, err) < 0 || cgroups_finish (&cg, err) < 0
      || bindsrc_send (s, pid, sv[0], err) < 0 || send_cgroups (sv[0], &cg, err) < 0)
    {
      struct cl_error ignored;
      cgroups_finish (&cg, &ignored);
      kill (pid, SIGKILL);
      /* It may have failed first, setting up while the hooks ran: its
         reason is the one to tell. */
      child_failed (sv[0], err);
      waitpid (pid, NULL, 0);
      close (sv[0]);
      return -1;
    }
  /* A child that failed before "go" has closed its end: its reason
     waits in the socket for await_child. */
  if ((send (sv[0], "g", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE
       && cl_fail (err, errno, "tell the container to go") < 0)
      || (o && o->after_go && o->after_go (o->after_go_arg, err) < 0))
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      close (sv[0]);
      return -1;
    }
  if (await_child (pid, sv[0], hook, &proc->console, err) < 0)
    {
      close (sv[0]);
      return -1;
    }
  close (sv[0]);
  proc->pid = pid;
  return 0;
}

bool
ns_catches (pid_t pid, int sig)
{
  cleanup_free char *path = xasprintf ("/proc/%d/status", pid);
  cleanup_file FILE *f = fopen (path, "re");
  char line[256];
  unsigned long long mask;

  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "SigCgt: %llx", &mask) == 1)
      return (mask >> (sig - 1)) & 1;
  return false;
}

static bool
same_ns (const char *name, int fd)
{
  cleanup_free char *self = xasprintf ("/proc/self/ns/%s", name);
  struct stat a, b;

  return stat (self, &a) == 0 && fstat (fd, &b) == 0 && a.st_ino == b.st_ino
         && a.st_dev == b.st_dev;
}

static int
open_namespaces (pid_t pid, int fds[NSSERVE_N], struct cl_error *err)
{
  int ret = 0;

  /* Every fd first: once in its mount namespace, /proc is the container's. */
  for (size_t i = 0; i < NSSERVE_N; i++)
    {
      cleanup_free char *path = xasprintf ("/proc/%d/ns/%s", pid, nsserve_order[i].name);
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0 && ret == 0)
        ret = cl_fail (err, errno, "open %s", path);
    }
  return ret;
}

/* A process waiting for `start` whose /proc files are closed to us hands
   its namespaces out over its socket — unless it has started meanwhile,
   and exec'd, which opens them. */
static int
ask_namespaces (pid_t pid, int serve_dirfd, int fds[NSSERVE_N], struct cl_error *err)
{
  struct cl_error asked = { 0 };

  nsserve_close (fds);
  if (nsserve_fetch (serve_dirfd, fds, &asked) == 0)
    return 0;
  if (asked.errnum != ECONNREFUSED && asked.errnum != ENOENT)
    {
      *err = asked;
      return -1;
    }
  nsserve_close (fds);
  return open_namespaces (pid, fds, err);
}

int
ns_join (pid_t pid, int serve_dirfd, struct cl_error *err)
{
  int fds[NSSERVE_N];
  int ret = open_namespaces (pid, fds, err);

  if (ret < 0 && serve_dirfd >= 0 && (err->errnum == EACCES || err->errnum == EPERM))
    ret = ask_namespaces (pid, serve_dirfd, fds, err);
  for (size_t i = 0; i < NSSERVE_N && ret == 0; i++)
    if (!same_ns (nsserve_order[i].name, fds[i]) && setns (fds[i], nsserve_order[i].type) < 0)
      ret = cl_fail (err, errno, "join the container's %s namespace", nsserve_order[i].name);
  nsserve_close (fds);
  return ret;
}

static void __attribute__ ((noreturn))
spawned_main (const struct spec *s, const sigset_t *blocked, const struct ns_stdio *stdio,
              const struct ns_opts *o, const struct bpf_prog *filter, const struct bpf_prog *notify,
              int sync)
{
  struct cl_error err = { 0 };
  bool single_id = s->n_gid_maps == 1 && s->gid_maps[0].size == 1, cwd_later = false;

  /* "go": the caller's hook has placed us (ns_spawn), or handed us our
     cgroups to join before it (NS_MSG_CGROUP). */
  await_go (sync, NULL);
  if (take_stdio (stdio, &err) < 0
      || isolate_process (sync, NULL, NULL, o ? o->preserve_fds : 0, s->terminal, &err) < 0
      || make_undumpable (&err) < 0 || null_stdio_inside (stdio, &err) < 0
      || enter_cwd (s->cwd, false, &cwd_later, &err) < 0 || set_rlimits (s, &err) < 0
      || (s->terminal && send_console (s, false, sync, &err) < 0)
      || send_listener (notify, sync, &err) < 0)
    child_fail (sync, 125, &err);
  filter = seccomp_early (s, filter, sync);
  if (set_identity (s, !single_id, &err) < 0
      || (s->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
          && cl_fail (&err, errno, "no_new_privs") < 0)
      || (cwd_later && enter_cwd (s->cwd, false, NULL, &err) < 0))
    child_fail (sync, 125, &err);
  parent_death_kills (o);
  make_undumpable (&err);
  syscall (SYS_close_range, 3 + (o ? o->preserve_fds : 0), ~0U, CLOSE_RANGE_CLOEXEC);
  sigprocmask (SIG_UNBLOCK, blocked, NULL);
  child_exec (s, filter, sync);
}

int
ns_spawn (const struct spec *s, const sigset_t *blocked, const struct ns_stdio *stdio,
          const struct ns_hook *hook, struct ns_proc *proc, struct cl_error *err)
{
  return ns_spawn_with (s, blocked, stdio, hook, NULL, proc, err);
}

int
ns_spawn_with (const struct spec *s, const sigset_t *blocked, const struct ns_stdio *stdio,
               const struct ns_hook *hook, const struct ns_opts *o, struct ns_proc *proc,
               struct cl_error *err)
{
  /* The filter is compiled here (no thread: this process is in the
     container's namespaces), where an error is simply returned. */
  __attribute__ ((cleanup (filter_clear))) struct filter_job fj = { .s = s };
  cleanup_bpf_prog struct bpf_prog notify_prog = { 0 };
  __attribute__ ((cleanup (cgroups_close))) struct ns_cgroups cg = { .into = -1, .sock = -1 };
  const struct bpf_prog *notify, *filter = filter_finish (&fj, err);
  int sv[2];
  pid_t pid;
  int ret;

  if (s->seccomp && !filter)
    return -1;
  if (check_notify (s, hook, err) < 0 || notify_filter (hook, &notify_prog, &notify, err) < 0
      || run_before (hook, &cg, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return cl_fail (err, errno, "socketpair");
  pid = clone_child (0, &cg);
  if (pid < 0)
    {
      close (sv[0]), close (sv[1]);
      return cl_fail (err, errno, "fork");
    }
  if (pid == 0)
    {
      close (sv[0]);
      spawned_main (s, blocked, stdio, o, filter, notify, sv[1]);
    }
  close (sv[1]);
  if (run_hooks (hook, pid, err) < 0 || send_cgroups (sv[0], &cg, err) < 0
      || (write (sv[0], "g", 1) != 1 && cl_fail (err, errno, "tell the process to go") < 0))
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      close (sv[0]);
      return -1;
    }
  ret = await_child (pid, sv[0], hook, &proc->console, err);
  close (sv[0]);
  if (ret == 0)
    proc->pid = pid;
  return ret;
}
