#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "userns.h"
#include "util.h"

void
creds_clear (struct creds *c)
{
  if (c->pass)
    explicit_bzero (c->pass, strlen (c->pass));
  free (c->user);
  free (c->pass);
  c->user = c->pass = NULL;
}

int
creds_parse (const char *s, struct creds *out, struct cl_error *err)
{
  const char *colon = strchr (s, ':');

  if (!colon || colon == s)
    return cl_fail (err, 0, "credentials must be USER:PASSWORD");
  out->user = xstrndup (s, (size_t)(colon - s));
  out->pass = xstrdup (colon + 1);
  return 0;
}

/* Normalise an auths key: drop the scheme and a trailing "/v1/" or "/v2/". */
static char *
key_host (const char *key)
{
  char *k;
  size_t n;

  if (str_has_prefix (key, "https://"))
    key += 8;
  else if (str_has_prefix (key, "http://"))
    key += 7;
  k = xstrdup (key);
  n = strlen (k);
  while (n > 0 && k[n - 1] == '/')
    k[--n] = '\0';
  if (n > 3 && (strcmp (k + n - 3, "/v1") == 0 || strcmp (k + n - 3, "/v2") == 0))
    k[n - 3] = '\0';
  if (strcmp (k, "index.docker.io") == 0 || strcmp (k, "registry-1.docker.io") == 0)
    {
      free (k);
      k = xstrdup ("docker.io");
    }
  return k;
}

static int
entry_creds (yajl_val entry, struct creds *out, struct cl_error *err)
{
  const char *auth = json_get_str (entry, "auth");
  cleanup_free char *plain = NULL;

  if (!auth)
    return 1;
  plain = base64_decode (auth, NULL);
  if (!plain || creds_parse (plain, out, err) < 0)
    return cl_fail (err, 0, "malformed \"auth\" entry");
  return 0;
}

/* The most specific key wins: "host/repo" before "host". */
static int
lookup_in_file (const char *file, const char *domain, const char *repo, struct creds *out,
                struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  cleanup_json yajl_val root = NULL;
  cleanup_free char *full = xasprintf ("%s/%s", domain, repo ? repo : "");
  yajl_val auths, best = NULL;
  size_t best_len = 0;

  if (read_file_at (AT_FDCWD, file, 1 << 20, &buf, NULL, err) < 0)
    return err->errnum == ENOENT ? 1 : -1;
  if (json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "%s", file);
  auths = json_get_obj (root, "auths");
  for (size_t i = 0; auths && i < auths->u.object.len; i++)
    {
      cleanup_free char *k = key_host (auths->u.object.keys[i]);
      size_t kl = strlen (k);
      bool match = strcmp (k, domain) == 0
                   || (str_has_prefix (full, k) && (full[kl] == '/' || full[kl] == '\0'));
      if (match && kl > best_len)
        {
          best = auths->u.object.values[i];
          best_len = kl;
        }
    }
  if (!best)
    return 1;
  if (entry_creds (best, out, err) < 0)
    return cl_wrap (err, "%s", file);
  return 0;
}

int
creds_lookup (const char *domain, const char *repo, struct creds *out, struct cl_error *err)
{
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  const char *home = getenv ("HOME");
  cleanup_free char *f1 = env && *env ? xstrdup (env) : NULL;
  cleanup_free char *f2 = f1 ? NULL : creds_auth_file ();
  cleanup_free char *f3 = home ? xasprintf ("%s/.docker/config.json", home) : NULL;
  const char *files[] = { f1, f2, f3 };

  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < 3; i++)
    {
      int r;
      if (!files[i])
        continue;
      r = lookup_in_file (files[i], domain, repo, out, err);
      if (r <= 0)
        return r;
    }
  return 1;
}

char *
creds_auth_file (void)
{
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  uid_t uid = userns_host_euid ();

  if (env && *env)
    return xstrdup (env);
  if (xdg && *xdg)
    return xasprintf ("%s/containers/auth.json", xdg);
  if (uid == 0)
    return xstrdup ("/run/containers/0/auth.json");
  return xasprintf ("/run/user/%u/containers/auth.json", (unsigned)uid);
}

static bool
same_key (const char *a, const char *b)
{
  cleanup_free char *x = key_host (a);
  cleanup_free char *y = key_host (b);

  return strcmp (x, y) == 0;
}

/* "auths" with `key` set to `c`, or without it (c NULL; key NULL: none). */
static void
gen_auths (yajl_gen g, yajl_val auths, const char *key, const struct creds *c, int *removed)
{
  yajl_gen_map_open (g);
  for (size_t i = 0; auths && i < auths->u.object.len; i++)
    {
      if (!key || same_key (auths->u.object.keys[i], key))
        {
          (*removed)++;
          continue;
        }
      jg_str (g, auths->u.object.keys[i]);
      json_gen_val (g, auths->u.object.values[i]);
    }
  if (c)
    {
      cleanup_free char *pair = xasprintf ("%s:%s", c->user, c->pass);
      cleanup_free char *enc = base64_encode (pair, strlen (pair));
      explicit_bzero (pair, strlen (pair));
      jg_str (g, key);
      yajl_gen_map_open (g);
      jg_kstr (g, "auth", enc);
      yajl_gen_map_close (g);
      explicit_bzero (enc, strlen (enc));
    }
  yajl_gen_map_close (g);
}

int
creds_store (const char *file, const char *key, const struct creds *c, struct cl_error *err)
{
  cleanup_free char *buf = NULL;
  cleanup_free char *dir = xstrdup (file);
  cleanup_json yajl_val root = NULL;
  cleanup_json_gen yajl_gen g = json_gen_new (true);
  cleanup_free char *text = NULL;
  cleanup_close int dfd = -1;
  char *slash = strrchr (dir, '/');
  int removed = 0, ret;
  size_t len;

  if (read_file_at (AT_FDCWD, file, 1 << 20, &buf, NULL, err) < 0 && err->errnum != ENOENT)
    return -1;
  if (buf && json_parse (buf, &root, err) < 0)
    return cl_wrap (err, "%s", file);
  if (root && !YAJL_IS_OBJECT (root))
    return cl_fail (err, 0, "%s: not a JSON object", file);
  yajl_gen_map_open (g);
  for (size_t i = 0; root && i < root->u.object.len; i++)
    if (strcmp (root->u.object.keys[i], "auths") != 0)
      {
        jg_str (g, root->u.object.keys[i]);
        json_gen_val (g, root->u.object.values[i]);
      }
  jg_str (g, "auths");
  gen_auths (g, json_get_obj (root, "auths"), key, c, &removed);
  yajl_gen_map_close (g);
  if (!c && removed == 0)
    return 1;
  text = json_gen_take (g, &len);
  if (slash)
    *slash = '\0';
  if (slash && slash != dir && mkdir_p (dir, 0700, err) < 0)
    return cl_wrap (err, "auth file %s", file);
  dfd = open (slash ? (slash == dir ? "/" : dir) : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  ret = write_file_atomic_at (dfd, slash ? slash + 1 : file, text, len, 0600, true, err);
  explicit_bzero (text, len);
  return ret < 0 ? cl_wrap (err, "auth file %s", file) : 0;
}
