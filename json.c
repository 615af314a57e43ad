#include "json.h"

#include <string.h>

#include "util.h"

/* yajl builds and frees its tree recursively: a document a million
   brackets deep overflows the stack.  Count the nesting first (brackets in
   strings do not count). */
static bool
json_depth_ok (const char *buf, size_t max)
{
  size_t depth = 0;
  bool in_string = false;

  for (const char *p = buf; *p; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1])
            p++;
          else if (*p == '"')
            in_string = false;
        }
      else if (*p == '"')
        in_string = true;
      else if (*p == '[' || *p == '{')
        {
          if (++depth > max)
            return false;
        }
      else if ((*p == ']' || *p == '}') && depth > 0)
        depth--;
    }
  return true;
}

int
json_parse (const char *buf, yajl_val *out, struct cl_error *err)
{
  char errbuf[256] = "";

  *out = NULL;
  if (!json_depth_ok (buf, JSON_MAX_DEPTH))
    return cl_fail (err, 0, "invalid JSON: nested deeper than %d levels", JSON_MAX_DEPTH);
  *out = yajl_tree_parse (buf, errbuf, sizeof errbuf);
  if (!*out)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return cl_fail (err, 0, "invalid JSON: %s", errbuf[0] ? errbuf : "parse error");
    }
  return 0;
}

void
cleanup_jsonp (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
}

yajl_val
json_get (yajl_val obj, const char *key)
{
  if (!obj || !YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      return obj->u.object.values[i];
  return NULL;
}

const char *
json_get_str (yajl_val obj, const char *key)
{
  yajl_val v = json_get (obj, key);
  return v && YAJL_IS_STRING (v) ? v->u.string : NULL;
}

yajl_val
json_get_obj (yajl_val obj, const char *key)
{
  yajl_val v = json_get (obj, key);
  return v && YAJL_IS_OBJECT (v) ? v : NULL;
}

yajl_val
json_get_arr (yajl_val obj, const char *key)
{
  yajl_val v = json_get (obj, key);
  return v && YAJL_IS_ARRAY (v) ? v : NULL;
}

bool
json_get_int (yajl_val obj, const char *key, long long *out)
{
  yajl_val v = json_get (obj, key);
  if (!v || !YAJL_IS_INTEGER (v))
    return false;
  *out = YAJL_GET_INTEGER (v);
  return true;
}

bool
json_get_bool (yajl_val obj, const char *key)
{
  yajl_val v = json_get (obj, key);
  return v && YAJL_IS_TRUE (v);
}

char **
json_get_strv (yajl_val obj, const char *key)
{
  yajl_val a = json_get_arr (obj, key);
  char **v;

  if (!a)
    return NULL;
  v = xcalloc (a->u.array.len + 1, sizeof (char *));
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      if (!YAJL_IS_STRING (a->u.array.values[i]))
        {
          strv_free (v);
          return NULL;
        }
      v[i] = xstrdup (a->u.array.values[i]->u.string);
    }
  return v;
}

yajl_gen
json_gen_new (bool pretty)
{
  yajl_gen g = yajl_gen_alloc (NULL);

  yajl_gen_config (g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  return g;
}

void
cleanup_json_genp (yajl_gen *g)
{
  if (*g)
    yajl_gen_free (*g);
}

void
jg_str (yajl_gen g, const char *s)
{
  if (!s)
    yajl_gen_null (g);
  else
    yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

void
jg_kstr (yajl_gen g, const char *key, const char *val)
{
  jg_str (g, key);
  jg_str (g, val);
}

void
jg_kint (yajl_gen g, const char *key, long long v)
{
  jg_str (g, key);
  yajl_gen_integer (g, v);
}

void
jg_kint_set (yajl_gen g, const char *key, long long v)
{
  if (v)
    jg_kint (g, key, v);
}

void
jg_descriptor (yajl_gen g, const char *media_type, const char *digest, long long size)
{
  yajl_gen_map_open (g);
  jg_kstr (g, "mediaType", media_type);
  jg_kstr (g, "digest", digest);
  jg_kint (g, "size", size);
  yajl_gen_map_close (g);
}

void
jg_kbool (yajl_gen g, const char *key, bool v)
{
  jg_str (g, key);
  yajl_gen_bool (g, v);
}

void
jg_kstrv (yajl_gen g, const char *key, char *const *v)
{
  jg_str (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; v && v[i]; i++)
    jg_str (g, v[i]);
  yajl_gen_array_close (g);
}

void
json_gen_val (yajl_gen g, yajl_val v)
{
  if (!v || YAJL_IS_NULL (v))
    yajl_gen_null (g);
  else if (YAJL_IS_STRING (v))
    jg_str (g, v->u.string);
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    yajl_gen_bool (g, YAJL_IS_TRUE (v));
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        json_gen_val (g, v->u.array.values[i]);
      yajl_gen_array_close (g);
    }
  else if (YAJL_IS_OBJECT (v))
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          jg_str (g, v->u.object.keys[i]);
          json_gen_val (g, v->u.object.values[i]);
        }
      yajl_gen_map_close (g);
    }
}

char *
json_gen_take (yajl_gen g, size_t *len)
{
  const unsigned char *buf;
  size_t n;

  yajl_gen_get_buf (g, &buf, &n);
  if (len)
    *len = n;
  return xstrndup ((const char *)buf, n);
}
