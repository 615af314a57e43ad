#include "ref.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "util.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

void
ref_clear (struct image_ref *ref)
{
  free (ref->domain);
  free (ref->path);
  free (ref->tag);
  free (ref->digest);
  free (ref->file);
  free (ref->name);
  memset (ref, 0, sizeof *ref);
}

void
cleanup_refp (struct image_ref *ref)
{
  ref_clear (ref);
}

char *
ref_repo (const struct image_ref *ref)
{
  return xasprintf ("%s/%s", ref->domain, ref->path);
}

static bool
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*
   separator      := [_.] | "__" | "-"+ */
static bool
valid_path_component (const char *s, size_t n)
{
  size_t i = 0;

  if (n == 0 || !is_lower_alnum (s[0]) || !is_lower_alnum (s[n - 1]))
    return false;
  while (i < n)
    {
      size_t sep;
      if (is_lower_alnum (s[i]))
        {
          i++;
          continue;
        }
      sep = i;
      while (i < n && !is_lower_alnum (s[i]))
        i++;
      if (i - sep == 1 && (s[sep] == '.' || s[sep] == '_' || s[sep] == '-'))
        continue;
      if (i - sep == 2 && s[sep] == '_' && s[sep + 1] == '_')
        continue;
      for (size_t k = sep; k < i; k++)
        if (s[k] != '-')
          return false;
    }
  return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool
valid_host_component (const char *s, size_t n)
{
  if (n == 0 || !isalnum ((unsigned char)s[0]) || !isalnum ((unsigned char)s[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)s[i]) && s[i] != '-')
      return false;
  return true;
}

static bool
valid_port (const char *s, size_t n)
{
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit ((unsigned char)s[i]))
      return false;
  return true;
}

/* host := domain-name | "[" ipv6 "]", then an optional ":port". */
static bool
valid_domain (const char *d)
{
  size_t n = strlen (d);
  const char *host_end;

  if (d[0] == '[')
    {
      const char *close = strchr (d, ']');
      if (!close || close == d + 1)
        return false;
      for (const char *p = d + 1; p < close; p++)
        if (!isxdigit ((unsigned char)*p) && *p != ':' && *p != '.')
          return false;
      host_end = close + 1;
    }
  else
    {
      const char *colon = strchr (d, ':');
      const char *p = d;
      host_end = colon ? colon : d + n;
      while (p < host_end)
        {
          const char *dot = memchr (p, '.', (size_t)(host_end - p));
          const char *end = dot ? dot : host_end;
          if (!valid_host_component (p, (size_t)(end - p)))
            return false;
          p = dot ? dot + 1 : host_end;
          if (dot && p == host_end)
            return false;
        }
    }
  if (*host_end == '\0')
    return true;
  return *host_end == ':' && valid_port (host_end + 1, strlen (host_end + 1));
}

static bool
valid_path (const char *path)
{
  const char *p = path;

  for (;;)
    {
      const char *slash = strchr (p, '/');
      size_t n = slash ? (size_t)(slash - p) : strlen (p);
      if (!valid_path_component (p, n))
        return false;
      if (!slash)
        return true;
      p = slash + 1;
    }
}

/* tag := [\w][\w.-]{0,127} */
static bool
valid_tag (const char *t)
{
  size_t n = strlen (t);

  if (n == 0 || n > TAG_MAX_LEN || t[0] == '.' || t[0] == '-')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
      return false;
  return true;
}

static bool
is_hex64 (const char *s)
{
  if (strlen (s) != 64)
    return false;
  for (; *s; s++)
    if (!is_lower_alnum (*s) || *s > 'f')
      return false;
  return true;
}

/* Docker's splitDockerDomain: the first component is a registry host only
   if it looks like one (has "." or ":", is "localhost", or has uppercase). */
static void
split_domain (const char *s, char **domain, char **rest)
{
  const char *slash = strchr (s, '/');
  bool is_host = false;

  if (slash)
    {
      size_t n = (size_t)(slash - s);
      is_host = memchr (s, '.', n) || memchr (s, ':', n)
                || (n == 9 && strncmp (s, "localhost", 9) == 0);
      for (size_t i = 0; i < n && !is_host; i++)
        is_host = isupper ((unsigned char)s[i]);
    }
  if (!is_host)
    {
      *domain = xstrdup ("docker.io");
      *rest = xstrdup (s);
    }
  else
    {
      *domain = xstrndup (s, (size_t)(slash - s));
      *rest = xstrdup (slash + 1);
    }
  if (strcmp (*domain, "index.docker.io") == 0)
    {
      free (*domain);
      *domain = xstrdup ("docker.io");
    }
  if (strcmp (*domain, "docker.io") == 0 && !strchr (*rest, '/'))
    {
      char *lib = xasprintf ("library/%s", *rest);
      free (*rest);
      *rest = lib;
    }
}

static int
bad_ref (struct cl_error *err, const char *s, const char *why)
{
  return cl_fail (err, 0, "invalid reference \"%s\": %s", s, why);
}

static bool
has_upper (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (isupper ((unsigned char)s[i]))
      return true;
  return false;
}

/* rest = path[:tag][@digest]; fills path, tag, digest. */
static int
split_rest (const char *s, char *rest, struct image_ref *ref, struct cl_error *err)
{
  char *at = strchr (rest, '@');
  char *colon;

  if (at)
    {
      *at = '\0';
      ref->digest = xstrdup (at + 1);
      if (digest_validate (ref->digest, err) < 0)
        return cl_wrap (err, "invalid reference \"%s\"", s);
    }
  colon = strrchr (rest, ':');
  if (colon && !strchr (colon, '/'))
    {
      *colon = '\0';
      if (!valid_tag (colon + 1))
        return bad_ref (err, s, "invalid tag");
      ref->tag = xstrdup (colon + 1);
    }
  if (has_upper (rest, strlen (rest)))
    return bad_ref (err, s, "repository name must be lowercase");
  if (!valid_path (rest))
    return bad_ref (err, s, "invalid repository name");
  ref->path = xstrdup (rest);
  return 0;
}

static int
parse_registry (const char *s, struct image_ref *ref, struct cl_error *err)
{
  cleanup_free char *rest = NULL;

  if (*s == '\0')
    return bad_ref (err, s, "repository name must have at least one component");
  if (is_hex64 (s))
    return bad_ref (err, s, "cannot specify 64-byte hexadecimal strings");
  split_domain (s, &ref->domain, &rest);
  if (!valid_domain (ref->domain))
    return bad_ref (err, s, "invalid registry host");
  if (*rest == '\0' || *rest == ':' || *rest == '@')
    return bad_ref (err, s, "repository name must have at least one component");
  if (split_rest (s, rest, ref, err) < 0)
    return -1;
  if (strlen (ref->domain) + 1 + strlen (ref->path) > NAME_MAX_LEN)
    return bad_ref (err, s, "repository name must not be more than 255 characters");
  if (!ref->tag && !ref->digest)
    ref->tag = xstrdup ("latest");
  ref->name = xasprintf ("%s/%s%s%s%s%s", ref->domain, ref->path, ref->tag ? ":" : "",
                         ref->tag ? ref->tag : "", ref->digest ? "@" : "",
                         ref->digest ? ref->digest : "");
  return 0;
}

/* TRANSPORT:FILE[:TAG], split at the first ':' after the transport, as
   containers/image does on Linux. */
static int
parse_local (const char *s, const char *prefix, enum ref_transport t, struct image_ref *ref,
             struct cl_error *err)
{
  const char *body = s + strlen (prefix);
  const char *colon = strchr (body, ':');

  ref->transport = t;
  ref->file = colon ? xstrndup (body, (size_t)(colon - body)) : xstrdup (body);
  if (*ref->file == '\0')
    return bad_ref (err, s, "missing path");
  if (colon)
    {
      if (colon[1] == '\0')
        return bad_ref (err, s, "empty tag");
      ref->tag = xstrdup (colon + 1);
    }
  ref->name = xstrdup (s);
  return 0;
}

int
ref_parse (const char *s, struct image_ref *ref, struct cl_error *err)
{
  static const struct
  {
    const char *prefix;
    enum ref_transport t;
  } locals[] = { { "oci:", REF_OCI_DIR },
                 { "oci-archive:", REF_OCI_ARCHIVE },
                 { "docker-archive:", REF_DOCKER_ARCHIVE } };
  int ret;

  memset (ref, 0, sizeof *ref);
  for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++)
    if (str_has_prefix (s, locals[i].prefix))
      {
        ret = parse_local (s, locals[i].prefix, locals[i].t, ref, err);
        if (ret < 0)
          ref_clear (ref);
        return ret;
      }
  if (str_has_prefix (s, "docker://"))
    s += strlen ("docker://");
  ref->transport = REF_REGISTRY;
  ret = parse_registry (s, ref, err);
  if (ret < 0)
    ref_clear (ref);
  return ret;
}

char *
ref_canonical (const char *what)
{
  struct image_ref r;
  struct cl_error ignored;
  char *name;

  if (ref_parse (what, &r, &ignored) < 0)
    return xstrdup (what);
  name = steal_pointer (&r.name);
  ref_clear (&r);
  return name;
}
