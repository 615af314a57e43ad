/* The OCI runtime's per-container state directories (see rtstate.h). */
#include "rtstate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "json.h"
#include "util.h"

#define STATE_MAX (1 << 20)

void
rtstate_clear (struct rtstate *st)
{
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  memset (st, 0, sizeof *st);
}

bool
rtstate_valid_id (const char *id)
{
  if (!id || !*id || strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return false;
  for (const char *p = id; *p; p++)
    if (!isalnum ((unsigned char)*p) && !strchr ("_+.-", *p))
      return false;
  return true;
}

char *
rtstate_default_root (void)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");

  if (geteuid () == 0)
    return xstrdup ("/run/crunlocal-runtime");
  if (xdg && *xdg == '/')
    return xasprintf ("%s/crunlocal-runtime", xdg);
  return xasprintf ("/tmp/crunlocal-runtime-%u", (unsigned)geteuid ());
}

static int
lock_dir (int dirfd, const char *id, struct cl_error *err)
{
  while (flock (dirfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return cl_fail (err, errno, "lock container %s", id);
  return 0;
}

int
rtstate_make (const char *root, const char *id, int *dirfd, struct cl_error *err)
{
  cleanup_close int rootfd = -1;

  *dirfd = -1;
  if (!rtstate_valid_id (id))
    return cl_fail (err, EINVAL, "invalid container ID \"%s\"", id ? id : "");
  if (mkdir_p (root, 0700, err) < 0)
    return cl_wrap (err, "--root %s", root);
  rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return cl_fail (err, errno, "--root %s", root);
  if (mkdirat (rootfd, id, 0711) < 0)
    return errno == EEXIST ? cl_fail (err, EEXIST, "container with id %s already exists", id)
                           : cl_fail (err, errno, "create the state of %s", id);
  *dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*dirfd < 0)
    return cl_fail (err, errno, "open the state of %s", id);
  return lock_dir (*dirfd, id, err);
}

int
rtstate_open (const char *root, const char *id, bool lock, int *dirfd, struct cl_error *err)
{
  cleanup_free char *path = NULL;

  *dirfd = -1;
  if (!rtstate_valid_id (id))
    return cl_fail (err, EINVAL, "invalid container ID \"%s\"", id ? id : "");
  path = xasprintf ("%s/%s", root, id);
  *dirfd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*dirfd < 0)
    return errno == ENOENT ? cl_fail (err, ENOENT, "container %s does not exist", id)
                           : cl_fail (err, errno, "open the state of %s", id);
  return lock ? lock_dir (*dirfd, id, err) : 0;
}

int
rtstate_save (int dirfd, const struct rtstate *st, struct cl_error *err)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  cleanup_free char *text = NULL;
  size_t len;

  yajl_gen_map_open (g);
  jg_kstr (g, "id", st->id);
  jg_kint (g, "pid", st->pid);
  jg_kint (g, "pid_start", (long long)st->pid_start);
  jg_kstr (g, "bundle", st->bundle);
  jg_kstr (g, "rootfs", st->rootfs);
  jg_kstr (g, "created", st->created);
  jg_kint (g, "owner", st->owner);
  yajl_gen_map_close (g);
  text = json_gen_take (g, &len);
  return write_file_atomic_at (dirfd, "state.json", text, len, 0600, false, err);
}

int
rtstate_load (int dirfd, struct rtstate *st, struct cl_error *err)
{
  cleanup_free char *text = NULL;
  cleanup_json yajl_val doc = NULL;
  long long pid = 0, start = 0, owner = 0;

  memset (st, 0, sizeof *st);
  if (read_file_at (dirfd, "state.json", STATE_MAX, &text, NULL, err) < 0
      || json_parse (text, &doc, err) < 0)
    return cl_wrap (err, "the container's state");
  json_get_int (doc, "pid", &pid);
  json_get_int (doc, "pid_start", &start);
  json_get_int (doc, "owner", &owner);
  st->id = xstrdup (json_get_str (doc, "id") ?: "");
  st->bundle = xstrdup (json_get_str (doc, "bundle") ?: "");
  st->rootfs = xstrdup (json_get_str (doc, "rootfs") ?: "");
  st->created = xstrdup (json_get_str (doc, "created") ?: "");
  st->pid = (pid_t)pid;
  st->pid_start = (unsigned long long)start;
  st->owner = (uid_t)owner;
  return 0;
}

unsigned long long
rtstate_pid_start (pid_t pid)
{
  char path[64], buf[1024], state;
  unsigned long long start = 0;
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;

  snprintf (path, sizeof path, "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (pid <= 0 || fd < 0 || (n = read (fd, buf, sizeof buf - 1)) <= 0)
    return 0;
  buf[n] = '\0';
  /* After the command name's closing parenthesis: state, then 18
     fields, then starttime (proc(5)). */
  p = strrchr (buf, ')');
  if (!p
      || sscanf (p + 1,
                 " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                 "%*s %*s %llu",
                 &state, &start)
             != 2)
    return 0;
  return state == 'Z' || state == 'X' ? 0 : start;
}

bool
rtstate_alive (const struct rtstate *st)
{
  unsigned long long start = rtstate_pid_start (st->pid);

  return start && start == st->pid_start;
}

enum rt_status
rtstate_status (int dirfd, const char *dirpath, const struct rtstate *st)
{
  struct stat sb;

  if (!rtstate_alive (st))
    return RT_STOPPED;
  if (fstatat (dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return RT_CREATED;
  return cgroup_frozen (dirpath) ? RT_PAUSED : RT_RUNNING;
}

const char *
rtstate_status_name (enum rt_status s)
{
  static const char *names[] = { "created", "running", "paused", "stopped", "creating" };
  return names[s];
}

static void
gen_annotations (yajl_gen g, int dirfd)
{
  cleanup_free char *text = NULL;
  cleanup_json yajl_val doc = NULL;
  struct cl_error ignored;
  yajl_val a;

  if (read_file_at (dirfd, "config.json", 4 << 20, &text, NULL, &ignored) < 0
      || json_parse (text, &doc, &ignored) < 0 || !(a = json_get_obj (doc, "annotations")))
    return;
  jg_str (g, "annotations");
  json_gen_val (g, a);
}

char *
rtstate_json (int dirfd, const struct rtstate *st, enum rt_status status, bool pretty)
{
  cleanup_json_gen yajl_gen g = json_gen_new (pretty);
  struct passwd *pw = getpwuid (st->owner);
  char owner[16];

  snprintf (owner, sizeof owner, "%u", (unsigned)st->owner);
  yajl_gen_map_open (g);
  jg_kstr (g, "ociVersion", "1.0.2");
  jg_kstr (g, "id", st->id);
  jg_kint (g, "pid", status == RT_STOPPED ? 0 : st->pid);
  jg_kstr (g, "status", rtstate_status_name (status));
  jg_kstr (g, "bundle", st->bundle);
  jg_kstr (g, "rootfs", st->rootfs);
  jg_kstr (g, "created", st->created);
  gen_annotations (g, dirfd);
  jg_kstr (g, "owner", pw ? pw->pw_name : owner);
  yajl_gen_map_close (g);
  return json_gen_take (g, NULL);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

char **
rtstate_list (const char *root)
{
  cleanup_dir DIR *d = opendir (root);
  char **ids = xcalloc (1, sizeof (char *));
  struct dirent *e;

  while (d && (e = readdir (d)))
    if (e->d_type == DT_DIR && rtstate_valid_id (e->d_name))
      strv_append (&ids, e->d_name);
  qsort (ids, strv_len (ids), sizeof (char *), cmp_str);
  return ids;
}
