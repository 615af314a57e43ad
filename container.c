#include "container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgrouprec.h"
#include "digest.h"
#include "evlog.h"
#include "json.h"
#include "util.h"

#define RECORD_MAX (1 << 20)

void
container_clear (struct container *c)
{
  free (c->id);
  free (c->name);
  free (c->image);
  free (c->image_id);
  strv_free (c->command);
  strv_free (c->entrypoint);
  strv_free (c->ports);
  strv_free (c->volumes);
  strv_free (c->labels);
  free (c->error);
  free (c->network);
  free (c->net_ip);
  strv_free (c->net_aliases);
  free (c->status);
  free (c->snapshot);
  free (c->stop_signal);
  free (c->restart);
  free (c->dir);
  memset (c, 0, sizeof *c);
}

#define NAME_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int
container_name_check (const char *name, struct cl_error *err)
{
  if (!name[0] || !strchr (NAME_FIRST, name[0]) || name[strspn (name, NAME_FIRST "_.-")] != '\0')
    return cl_fail (
        err, 0, "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-]* are allowed", name);
  return 0;
}

static int
record_parse (const char *buf, struct container *c, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;
  long long v;

  memset (c, 0, sizeof *c);
  if (json_parse (buf, &root, err) < 0)
    return -1;
  c->id = xstrdup (json_get_str (root, "id"));
  c->name = xstrdup (json_get_str (root, "name"));
  c->image = xstrdup (json_get_str (root, "image"));
  c->image_id = xstrdup (json_get_str (root, "image_id"));
  c->status = xstrdup (json_get_str (root, "status"));
  c->command = json_get_strv (root, "command");
  c->entrypoint = json_get_strv (root, "entrypoint");
  c->ports = json_get_strv (root, "ports");
  c->volumes = json_get_strv (root, "volumes");
  c->labels = json_get_strv (root, "labels");
  if (json_get_str (root, "error"))
    c->error = xstrdup (json_get_str (root, "error"));
  if (json_get_str (root, "network"))
    c->network = xstrdup (json_get_str (root, "network"));
  if (json_get_str (root, "ip"))
    c->net_ip = xstrdup (json_get_str (root, "ip"));
  c->net_aliases = json_get_strv (root, "network_aliases");
  c->snapshot = xstrdup (json_get_str (root, "snapshot"));
  if (json_get_str (root, "stop_signal"))
    c->stop_signal = xstrdup (json_get_str (root, "stop_signal"));
  if (json_get_str (root, "restart"))
    c->restart = xstrdup (json_get_str (root, "restart"));
  if (json_get_int (root, "restart_count", &v))
    c->restart_count = (int)v;
  json_get_int (root, "created", &c->created);
  json_get_int (root, "started", &c->started);
  json_get_int (root, "log_max_size", &c->log_max_size);
  c->detached = json_get_bool (root, "detached");
  c->auto_rm = json_get_bool (root, "auto_rm");
  c->interactive = json_get_bool (root, "interactive");
  c->tty = json_get_bool (root, "tty");
  if (json_get_int (root, "pid", &v))
    c->pid = (int)v;
  if (json_get_int (root, "pid_start", &v))
    c->pid_start = (unsigned long long)v;
  if (json_get_int (root, "monitor_pid", &v))
    c->monitor_pid = (int)v;
  if (json_get_int (root, "monitor_start", &v))
    c->monitor_start = (unsigned long long)v;
  return 0;
}

/* containers/<name>: its record, and how its last run ended. */
static int
record_load (struct store *s, const char *name, struct container *c, struct cl_error *err)
{
  cleanup_free char *dir = xasprintf ("containers/%s", name);
  cleanup_close int dfd = openat (s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *buf = NULL;

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  if (read_file_at (dfd, "container.json", RECORD_MAX, &buf, NULL, err) < 0
      || record_parse (buf, c, err) < 0)
    return -1;
  if (exitrec_read (dfd, &c->exit, err) == 0)
    {
      free (c->status);
      c->status = xstrdup ("exited");
    }
  return 0;
}

/* Every container record; unreadable ones (half-made by a killed
   command) are skipped. */
int
container_list (struct store *s, struct container **out, size_t *n, struct cl_error *err)
{
  cleanup_close int dfd = openat (s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  *out = NULL;
  *n = 0;
  if (dfd < 0)
    return errno == ENOENT ? 0 : cl_fail (err, errno, "open containers");
  d = fdopendir (dfd);
  if (!d)
    return cl_fail (err, errno, "opendir containers");
  dfd = -1;
  while ((de = readdir (d)))
    {
      struct cl_error ignored;
      if (de->d_name[0] == '.')
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof **out);
      memset (&(*out)[*n], 0, sizeof **out);
      if (record_load (s, de->d_name, &(*out)[*n], &ignored) == 0)
        {
          (*out)[*n].dir = xasprintf ("%s/containers/%s", s->root, (*out)[*n].id);
          (*n)++;
        }
      else
        container_clear (&(*out)[*n]);
    }
  return 0;
}

void
container_list_free (struct container *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    container_clear (&v[i]);
  free (v);
}

int
container_find (struct store *s, const char *what, struct container *out, struct cl_error *err)
{
  struct container *all;
  size_t n, hits = 0, pick = 0;

  memset (out, 0, sizeof *out);
  if (container_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      bool exact
          = strcmp (all[i].id, what) == 0 || (all[i].name && strcmp (all[i].name, what) == 0);
      if (exact)
        {
          hits = 1, pick = i;
          break;
        }
      if (*what && str_has_prefix (all[i].id, what))
        hits++, pick = i;
    }
  if (hits == 1)
    {
      *out = all[pick];
      memset (&all[pick], 0, sizeof all[pick]);
    }
  container_list_free (all, n);
  if (hits > 1)
    return cl_fail (err, EINVAL, "the ID prefix \"%s\" names %zu containers", what, hits);
  return hits == 1 ? 0 : 1;
}

unsigned long long
container_pid_start (int pid)
{
  cleanup_free char *path = xasprintf ("/proc/%d/stat", pid);
  cleanup_free char *buf = NULL;
  struct cl_error ignored;
  unsigned long long start = 0;
  char *p;

  if (pid <= 0 || read_file_at (AT_FDCWD, path, 4096, &buf, NULL, &ignored) < 0)
    return 0;
  /* Field 22; the command name (field 2) may hold spaces: count fields
     from the last ")".  A zombie (field 3) has finished. */
  p = strrchr (buf, ')');
  if (p && (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X'))
    return 0;
  for (int field = 2; p && field < 22; field++)
    p = strchr (p + 1, ' ');
  if (p)
    start = strtoull (p + 1, NULL, 10);
  return start;
}

bool
container_running (const struct container *c)
{
  return c->status && strcmp (c->status, "running") == 0 && c->pid > 0
         && container_pid_start (c->pid) == c->pid_start;
}

bool
container_monitored (const struct container *c)
{
  return c->monitor_pid > 0 && container_pid_start (c->monitor_pid) == c->monitor_start;
}

enum container_state
container_state (const struct container *c)
{
  if (!c->status || strcmp (c->status, "created") == 0)
    return CONTAINER_CREATED;
  if (strcmp (c->status, "exited") == 0)
    return CONTAINER_EXITED;
  if (container_running (c))
    return CONTAINER_RUNNING;
  return container_monitored (c) ? CONTAINER_STOPPING : CONTAINER_LOST;
}

const char *
container_state_name (enum container_state st)
{
  static const char *names[] = { "created", "running", "stopping", "exited", "exited" };
  return names[st];
}

bool
container_uses_image (struct store *s, const char *image_id)
{
  struct container *all;
  size_t n;
  struct cl_error ignored;
  bool used = false;

  if (container_list (s, &all, &n, &ignored) < 0)
    return false;
  for (size_t i = 0; i < n && !used; i++)
    used = all[i].image_id && strcmp (all[i].image_id, image_id) == 0;
  container_list_free (all, n);
  return used;
}

static char *
record_json (const struct container *c, size_t *len)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);

  yajl_gen_map_open (g);
  jg_kstr (g, "id", c->id);
  jg_kstr (g, "name", c->name);
  jg_kstr (g, "image", c->image);
  jg_kstr (g, "image_id", c->image_id);
  jg_kstrv (g, "command", c->command);
  if (c->entrypoint)
    jg_kstrv (g, "entrypoint", c->entrypoint);
  if (c->ports && c->ports[0])
    jg_kstrv (g, "ports", c->ports);
  if (c->volumes && c->volumes[0])
    jg_kstrv (g, "volumes", c->volumes);
  if (c->labels && c->labels[0])
    jg_kstrv (g, "labels", c->labels);
  if (c->error)
    jg_kstr (g, "error", c->error);
  if (c->network)
    jg_kstr (g, "network", c->network);
  if (c->net_ip)
    jg_kstr (g, "ip", c->net_ip);
  if (c->net_aliases && c->net_aliases[0])
    jg_kstrv (g, "network_aliases", c->net_aliases);
  if (c->snapshot)
    jg_kstr (g, "snapshot", c->snapshot);
  if (c->stop_signal)
    jg_kstr (g, "stop_signal", c->stop_signal);
  if (c->restart)
    jg_kstr (g, "restart", c->restart);
  jg_kint (g, "restart_count", c->restart_count);
  jg_kint (g, "created", c->created);
  jg_kint (g, "started", c->started);
  /* "exited" lives in the exit record, never here. */
  jg_kstr (g, "status", strcmp (c->status, "exited") == 0 ? "running" : c->status);
  jg_kbool (g, "detached", c->detached);
  jg_kbool (g, "auto_rm", c->auto_rm);
  jg_kbool (g, "interactive", c->interactive);
  jg_kbool (g, "tty", c->tty);
  jg_kint (g, "log_max_size", c->log_max_size);
  jg_kint (g, "pid", c->pid);
  jg_kint (g, "pid_start", (long long)c->pid_start);
  jg_kint (g, "monitor_pid", c->monitor_pid);
  jg_kint (g, "monitor_start", (long long)c->monitor_start);
  yajl_gen_map_close (g);
  return json_gen_take (g, len);
}

int
container_save (struct store *s, const struct container *c, struct cl_error *err)
{
  cleanup_free char *dir = xasprintf ("containers/%s", c->id);
  cleanup_close int dfd = openat (s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t len;
  cleanup_free char *text = record_json (c, &len);

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  return write_file_atomic_at (dfd, "container.json", text, len, 0600, false, err);
}

void
container_keep_failed (struct store *s, struct container *c, const char *msg)
{
  struct cl_error ignored;

  free (c->error);
  c->error = xstrdup (msg);
  free (c->status);
  c->status = xstrdup ("created");
  container_save (s, c, &ignored);
}

static int
make_dirs (struct store *s, const char *id, struct cl_error *err)
{
  static const char *sub[] = { "", "/upper", "/work", "/rootfs" };

  if (mkdirat (s->rootfd, "containers", 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir containers");
  for (size_t i = 0; i < 4; i++)
    {
      cleanup_free char *p = xasprintf ("containers/%s%s", id, sub[i]);
      if (mkdirat (s->rootfd, p, i == 0 ? 0700 : 0755) < 0)
        return cl_fail (err, errno, "mkdir %s", p);
    }
  return 0;
}

int
container_create (struct store *s, const char *name, struct container *c, struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  char id[DIGEST_HEX_LEN + 1];
  struct container *all = NULL;
  size_t n = 0;
  int ret = 0;

  memset (c, 0, sizeof *c);
  if (name && container_name_check (name, err) < 0)
    return -1;
  if (lock < 0 || random_hex (id, DIGEST_HEX_LEN, err) < 0 || container_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && name && ret == 0; i++)
    if (all[i].name && strcmp (all[i].name, name) == 0)
      ret = cl_fail (err, 0, "the container name \"%s\" is already in use by %.12s", name,
                     all[i].id);
  container_list_free (all, n);
  if (ret < 0)
    return -1;
  c->id = xstrdup (id);
  c->name = name ? xstrdup (name) : xstrndup (id, 12);
  c->status = xstrdup ("created");
  c->dir = xasprintf ("%s/containers/%s", s->root, id);
  if (make_dirs (s, id, err) < 0 || container_save (s, c, err) < 0)
    {
      struct cl_error ignored;
      cleanup_free char *p = xasprintf ("containers/%s", id);
      rm_rf_at (s->rootfd, p, &ignored);
      return -1;
    }
  evlog_append (s->rootfd, EVLOG_FILE, "container", "create", c->id, c->name, NULL);
  return 0;
}

bool
container_name_valid (const char *name)
{
  if (!isalnum ((unsigned char)name[0]))
    return false;
  for (const char *p = name + 1; *p; p++)
    if (!isalnum ((unsigned char)*p) && !strchr ("_.-", *p))
      return false;
  return true;
}

int
container_rename (struct store *s, const char *id, const char *name, struct cl_error *err)
{
  cleanup_close int lock = store_lock (s, "containers", true, err);
  struct container *all = NULL;
  size_t n = 0;
  int ret = 1;

  if (lock < 0 || container_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret == 1; i++)
    if (all[i].name && strcmp (all[i].name, name) == 0 && strcmp (all[i].id, id) != 0)
      ret = cl_fail (err, EEXIST,
                     "the container name \"%s\" is already in use by %.12s. You "
                     "have to remove that container to be able to reuse that name",
                     name, all[i].id);
  for (size_t i = 0; i < n && ret == 1; i++)
    if (strcmp (all[i].id, id) == 0)
      {
        free (all[i].name);
        all[i].name = xstrdup (name);
        ret = container_save (s, &all[i], err);
      }
  container_list_free (all, n);
  if (ret == 1)
    return cl_fail (err, 0, "no such container: %.12s", id);
  return ret;
}

/* Renamed first, so a removal cut short leaves a hidden .rm- directory
   (cleaned by container_remove_leftovers), never a half container. */
char *
container_run_dir (const struct store *s, const char *id)
{
  return xasprintf ("%s/containers/%s", s->runroot, id);
}

static void
remove_run_dir (const struct store *s, const char *id)
{
  cleanup_free char *dir = container_run_dir (s, id);
  struct cl_error ignored;

  rm_rf_at (AT_FDCWD, dir, &ignored);
}

int
container_remove (struct store *s, const char *id, const struct container *known,
                  struct cl_error *err)
{
  cleanup_free char *p = xasprintf ("containers/%s", id);
  cleanup_free char *gone = xasprintf ("containers/.rm-%s", id);
  cleanup_close int dfd = openat (s->rootfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int lock = -1;
  struct container gone_c = { 0 };
  const struct container *rec = known ? known : &gone_c; /* for the event */
  struct cl_error ignored;
  cleanup_cgroup_dirs struct cgroup_dirs cg = { 0 };

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", p);
  lock = exitrec_open_lock (dfd, err);
  if (lock < 0)
    return -1;
  while (flock (lock, LOCK_EX) < 0)
    if (errno != EINTR)
      return cl_fail (err, errno, "lock %s", p);
  if (!known && record_load (s, id, &gone_c, &ignored) < 0)
    memset (&gone_c, 0, sizeof gone_c);
  /* Its cgroups, when no monitor was left to remove them (killed -9). */
  if (cgrouprec_read (dfd, &cg, err) == 0 && cgroup_dirs_remove (&cg, err) < 0)
    {
      container_clear (&gone_c);
      return cl_wrap (err, "remove container %.12s", id);
    }
  if (renameat (s->rootfd, p, s->rootfd, gone) < 0)
    {
      container_clear (&gone_c);
      return cl_fail (err, errno, "rename %s", p);
    }
  evlog_append (s->rootfd, EVLOG_FILE, "container", "remove", id, rec->name, rec->image);
  container_clear (&gone_c);
  remove_run_dir (s, id);
  return rm_rf_at (s->rootfd, gone, err);
}

void
container_remove_leftovers (struct store *s)
{
  cleanup_close int dfd = openat (s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = dfd >= 0 ? fdopendir (dfd) : NULL;
  struct dirent *de;
  struct cl_error ignored;

  if (!d)
    return;
  dfd = -1;
  while ((de = readdir (d)))
    if (str_has_prefix (de->d_name, ".rm-"))
      rm_rf_at (dirfd (d), de->d_name, &ignored);
}
