#include "volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "digest.h"
#include "json.h"
#include "util.h"

/* musl has no renameat2(3): the system call, with its flag. */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define VOLUMES_DIR "volumes"
#define VOLUME_RECORD "volume.json"
#define VOLUME_DATA "_data"
#define VOLUME_NAME_MAX 255
#define RECORD_MAX (64 << 10)
#define DIGITS_AND_LETTERS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

void
volume_clear (struct volume *v)
{
  free (v->name);
  free (v->mountpoint);
  memset (v, 0, sizeof *v);
}

void
volume_list_free (struct volume *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    volume_clear (&v[i]);
  free (v);
}

bool
volume_name_valid (const char *name)
{
  size_t len = strlen (name);

  if (len < 2 || len > VOLUME_NAME_MAX || !strchr (DIGITS_AND_LETTERS, name[0]))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!strchr (DIGITS_AND_LETTERS "_.-", name[i]))
      return false;
  return true;
}

int
volume_lock (struct store *s, bool exclusive, struct cl_error *err)
{
  return store_lock (s, VOLUMES_DIR, exclusive, err);
}

static int
open_volumes_dir (struct store *s, struct cl_error *err)
{
  int fd;

  if (mkdirat (s->rootfd, VOLUMES_DIR, 0700) < 0 && errno != EEXIST)
    return cl_fail (err, errno, "mkdir %s", VOLUMES_DIR);
  fd = openat (s->rootfd, VOLUMES_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? cl_fail (err, errno, "open %s", VOLUMES_DIR) : fd;
}

static int
record_parse (const char *buf, struct volume *v, struct cl_error *err)
{
  cleanup_json yajl_val root = NULL;

  if (json_parse (buf, &root, err) < 0)
    return -1;
  json_get_int (root, "created", &v->created);
  v->anonymous = json_get_bool (root, "anonymous");
  return 0;
}

static int
record_write (int dfd, const char *name, bool anonymous, struct cl_error *err)
{
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;
  size_t len;

  yajl_gen_map_open (g);
  jg_kstr (g, "name", name);
  jg_kint (g, "created", (long long)time (NULL));
  jg_kbool (g, "anonymous", anonymous);
  yajl_gen_map_close (g);
  text = json_gen_take (g, &len);
  return write_file_atomic_at (dfd, VOLUME_RECORD, text, len, 0600, true, err);
}

/* volumes/<name>, opened without following a symlink, and its record. */
static int
load (struct store *s, int voldir, const char *name, struct volume *out, struct cl_error *err)
{
  cleanup_close int dfd = openat (voldir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *buf = NULL;

  memset (out, 0, sizeof *out);
  if (dfd < 0)
    return errno == ENOENT ? 1 : cl_fail (err, errno, "open volume %s", name);
  if (read_file_at (dfd, VOLUME_RECORD, RECORD_MAX, &buf, NULL, err) < 0
      || record_parse (buf, out, err) < 0)
    return cl_wrap (err, "volume %s", name);
  out->name = xstrdup (name);
  out->mountpoint = xasprintf ("%s/%s/%s/%s", s->root, VOLUMES_DIR, name, VOLUME_DATA);
  return 0;
}

int
volume_lookup (struct store *s, const char *name, struct volume *out, struct cl_error *err)
{
  cleanup_close int voldir = -1;

  memset (out, 0, sizeof *out);
  if (!volume_name_valid (name))
    return 1;
  voldir = open_volumes_dir (s, err);
  return voldir < 0 ? -1 : load (s, voldir, name, out, err);
}

/* A new volume under a hidden name: its record and an empty _data. */
static int
make_staged (int voldir, const char *tmp, const char *name, bool anonymous, struct cl_error *err)
{
  cleanup_close int dfd = -1;

  if (mkdirat (voldir, tmp, 0700) < 0)
    return cl_fail (err, errno, "mkdir %s/%s", VOLUMES_DIR, tmp);
  dfd = openat (voldir, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return cl_fail (err, errno, "open %s/%s", VOLUMES_DIR, tmp);
  /* docker's _data is 0755: the container's own users reach it. */
  if (mkdirat (dfd, VOLUME_DATA, 0755) < 0 || fchmodat (dfd, VOLUME_DATA, 0755, 0) < 0)
    return cl_fail (err, errno, "mkdir %s/%s/%s", VOLUMES_DIR, tmp, VOLUME_DATA);
  return record_write (dfd, name, anonymous, err);
}

int
volume_create (struct store *s, const char *name, bool anonymous, struct volume *out, bool *created,
               struct cl_error *err)
{
  cleanup_close int voldir = open_volumes_dir (s, err);
  char rand[DIGEST_HEX_LEN + 1], tmp[16 + DIGEST_HEX_LEN];
  struct cl_error ignored;
  int r;

  *created = false;
  if (voldir < 0 || random_hex (rand, DIGEST_HEX_LEN, err) < 0)
    return -1;
  if (!name)
    name = rand;
  if (!volume_name_valid (name))
    return cl_fail (err, EINVAL, "invalid volume name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]+",
                    name);
  r = load (s, voldir, name, out, err);
  if (r <= 0)
    return r;
  snprintf (tmp, sizeof tmp, ".new-%.16s", rand);
  if (make_staged (voldir, tmp, name, anonymous, err) < 0)
    {
      rm_rf_at (voldir, tmp, &ignored);
      return cl_wrap (err, "create volume %s", name);
    }
  /* Lost a race with another creator: theirs stands. */
  *created = syscall (SYS_renameat2, voldir, tmp, voldir, name, RENAME_NOREPLACE) == 0;
  if (!*created)
    {
      int e = errno;
      rm_rf_at (voldir, tmp, &ignored);
      if (e != EEXIST)
        return cl_fail (err, e, "create volume %s", name);
    }
  r = load (s, voldir, name, out, err);
  return r == 1 ? cl_fail (err, ENOENT, "volume %s vanished as it was made", name) : r;
}

static int
by_name (const void *a, const void *b)
{
  return strcmp (((const struct volume *)a)->name, ((const struct volume *)b)->name);
}

int
volume_list (struct store *s, struct volume **out, size_t *n, struct cl_error *err)
{
  int voldir = open_volumes_dir (s, err);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  *out = NULL;
  *n = 0;
  if (voldir < 0)
    return -1;
  d = fdopendir (voldir);
  if (!d)
    {
      close (voldir);
      return cl_fail (err, errno, "opendir %s", VOLUMES_DIR);
    }
  while ((de = readdir (d)))
    {
      struct cl_error ignored;
      if (!volume_name_valid (de->d_name))
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof **out);
      if (load (s, dirfd (d), de->d_name, &(*out)[*n], &ignored) == 0)
        (*n)++;
    }
  if (*n)
    qsort (*out, *n, sizeof **out, by_name);
  return 0;
}

char **
volume_users (struct store *s, const char *name)
{
  struct container *all;
  size_t n;
  struct cl_error ignored;
  char **users = NULL;

  if (container_list (s, &all, &n, &ignored) < 0)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (strv_contains (all[i].volumes, name))
      strv_append (&users, all[i].name ? all[i].name : all[i].id);
  container_list_free (all, n);
  return users;
}

static int
refuse_in_use (const char *name, char *const *users, struct cl_error *err)
{
  cleanup_free char *list = xstrdup (users[0]);

  for (size_t i = 1; users[i]; i++)
    {
      char *more = xasprintf ("%s, %s", list, users[i]);
      free (list);
      list = more;
    }
  return cl_fail (err, EBUSY, "volume %s is in use by container%s %s (remove %s first)", name,
                  users[1] ? "s" : "", list, users[1] ? "them" : "it");
}

int
volume_remove (struct store *s, const char *name, struct cl_error *err)
{
  cleanup_close int voldir = -1;
  cleanup_strv char **users = NULL;
  char rand[17], gone[24];
  struct stat st;

  if (!volume_name_valid (name))
    return 1;
  voldir = open_volumes_dir (s, err);
  if (voldir < 0)
    return -1;
  if (fstatat (voldir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 1 : cl_fail (err, errno, "volume %s", name);
  users = volume_users (s, name);
  if (users)
    return refuse_in_use (name, users, err);
  if (random_hex (rand, 16, err) < 0)
    return -1;
  /* Renamed first: a removal cut short leaves a hidden leftover, never
     half a volume. */
  snprintf (gone, sizeof gone, ".rm-%s", rand);
  if (renameat (voldir, name, voldir, gone) < 0)
    return cl_fail (err, errno, "remove volume %s", name);
  return rm_rf_at (voldir, gone, err) < 0 ? cl_wrap (err, "remove volume %s", name) : 0;
}

int
volume_remove_anonymous (struct store *s, char *const *names, struct cl_error *err)
{
  cleanup_close int lock = -1;
  int ret = 0;

  if (!names || !names[0])
    return 0;
  lock = volume_lock (s, true, err);
  if (lock < 0)
    return -1;
  for (size_t i = 0; names[i]; i++)
    {
      struct volume v;
      int r = volume_lookup (s, names[i], &v, err);
      /* One another container still uses (a name reused) stays. */
      if (r == 0 && v.anonymous && volume_remove (s, names[i], err) < 0 && err->errnum != EBUSY)
        r = -1;
      if (r < 0)
        ret = -1;
      volume_clear (&v);
    }
  return ret;
}

void
volume_remove_leftovers (struct store *s)
{
  struct cl_error ignored;
  int voldir = open_volumes_dir (s, &ignored);
  cleanup_dir DIR *d = voldir >= 0 ? fdopendir (voldir) : NULL;
  struct dirent *de;

  if (!d)
    {
      if (voldir >= 0)
        close (voldir);
      return;
    }
  while ((de = readdir (d)))
    if (str_has_prefix (de->d_name, ".rm-") || str_has_prefix (de->d_name, ".new-"))
      rm_rf_at (dirfd (d), de->d_name, &ignored);
}

int
volume_prune (struct store *s, bool all, char ***removed, struct cl_error *err)
{
  cleanup_close int lock = volume_lock (s, true, err);
  struct volume *v;
  size_t n;
  int ret = 0;

  if (lock < 0 || volume_list (s, &v, &n, err) < 0)
    return -1;
  volume_remove_leftovers (s);
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      if (!all && !v[i].anonymous)
        continue;
      ret = volume_remove (s, v[i].name, err);
      if (ret == 0)
        strv_append (removed, v[i].name);
      else if (ret < 0 && err->errnum == EBUSY)
        ret = 0; /* in use: it stays */
    }
  volume_list_free (v, n);
  return ret < 0 ? -1 : 0;
}

char *
volume_name_of_path (const struct store *s, const char *path)
{
  cleanup_free char *prefix = xasprintf ("%s/%s/", s->root, VOLUMES_DIR);
  const char *name = path, *slash;

  if (!path || !str_has_prefix (path, prefix))
    return NULL;
  name = path + strlen (prefix);
  slash = strchr (name, '/');
  if (!slash || strcmp (slash + 1, VOLUME_DATA) != 0)
    return NULL;
  return xstrndup (name, (size_t)(slash - name));
}
