#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* The templates are a subset of Go's text/template, executed as it does:
   the text is cut into text and actions ({{...}}, with {{- and -}}
   trimming blanks beside them, Go's comment actions dropped); an action is
   a keyword (range, if, with, else, end) or a pipeline of commands
   separated by "|", each a function (json, index, len, join, upper,
   lower, eq, ne, not) with its arguments, or one argument: a field path
   (.A.B, $.A, ".", "$"), a "string", a number, true or false. */

#define MAX_ARGS 8

/* A value: a node of the JSON document, a field of a row (the lookup's
   text), a string or bool made by a function, or missing (Go's
   "<no value>"). */
enum tv_kind
{
  TV_MISSING,
  TV_JSON,
  TV_STR,
  TV_BOOL,
  TV_ROW,
};

struct tval
{
  enum tv_kind kind;
  yajl_val j;
  const char *s;
  bool b;
};

struct tok
{
  bool action;
  const char *p;
  size_t len;
};

struct tctx
{
  const char *fmt;
  struct tok *toks;
  size_t n_toks;
  struct tval root;
  template_lookup lookup;
  const void *row;
  bool strict;          /* a field the lookup does not know is an error (template_check) */
  const struct tok *at; /* the action being executed */
  FILE *out;
  char **owned;
  size_t n_owned;
  struct cl_error *err;
};

static int __attribute__ ((format (printf, 2, 3))) tfail (struct tctx *x, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (x->at)
    return cl_fail (x->err, 0, "template \"%s\": at \"{{%.*s}}\": %s", x->fmt, (int)x->at->len,
                    x->at->p, msg);
  return cl_fail (x->err, 0, "template \"%s\": %s", x->fmt, msg);
}

static const char *
own (struct tctx *x, char *s)
{
  x->owned = xrealloc (x->owned, (x->n_owned + 1) * sizeof *x->owned);
  x->owned[x->n_owned++] = s;
  return s;
}

static void
add_tok (struct tctx *x, bool action, const char *p, size_t len)
{
  x->toks = xrealloc (x->toks, (x->n_toks + 1) * sizeof *x->toks);
  x->toks[x->n_toks++] = (struct tok){ action, p, len };
}

static bool
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One action from `open` ("{{") to its "}}"; *trim_next when it ends
   with " -}}". */
static const char *
take_action (struct tctx *x, const char *open, bool trim_left, bool *trim_next)
{
  const char *close = strstr (open + 2, "}}");
  const char *a = open + 2 + (trim_left ? 1 : 0), *b;

  if (!close)
    return NULL;
  b = close;
  *trim_next = b - a >= 2 && b[-1] == '-' && is_blank (b[-2]);
  if (*trim_next)
    b--;
  while (a < b && is_blank (*a))
    a++;
  while (b > a && is_blank (b[-1]))
    b--;
  if (!(b - a >= 4 && strncmp (a, "/*", 2) == 0 && strncmp (b - 2, "*/", 2) == 0))
    add_tok (x, true, a, (size_t)(b - a));
  return close + 2;
}

static int
tokenize (struct tctx *x)
{
  const char *p = x->fmt;
  bool trim_next = false;

  while (*p)
    {
      const char *open = strstr (p, "{{");
      const char *ts = p, *te = open ? open : p + strlen (p);
      bool trim_left = open && open[2] == '-' && is_blank (open[3]);
      while (trim_next && ts < te && is_blank (*ts))
        ts++;
      while (trim_left && te > ts && is_blank (te[-1]))
        te--;
      if (te > ts)
        add_tok (x, false, ts, (size_t)(te - ts));
      if (!open)
        break;
      p = take_action (x, open, trim_left, &trim_next);
      if (!p)
        return tfail (x, "unclosed action \"%.20s\"", open);
    }
  return 0;
}

/* The words of an action: a "string" (kept as '"' and its unescaped
   text), "|", or a run of other non-blanks. */
static int
split_words (struct tctx *x, const struct tok *t, char ***words)
{
  const char *p = t->p, *end = t->p + t->len;

  *words = xcalloc (1, sizeof (char *));
  while (p < end)
    {
      if (is_blank (*p))
        p++;
      else if (*p == '"')
        {
          cleanup_free char *w = xmalloc ((size_t)(end - p) + 1);
          size_t n = 0;
          w[n++] = '"';
          for (p++; p < end && *p != '"'; p++)
            {
              if (*p == '\\' && p + 1 < end)
                p++, w[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
              else
                w[n++] = *p;
            }
          if (p >= end)
            return tfail (x, "unterminated string");
          w[n] = '\0';
          strv_append (words, w);
          p++;
        }
      else
        {
          size_t n = *p == '|' ? 1 : strcspn (p, " \t\n\r|\"");
          cleanup_free char *w = xstrndup (p, n > (size_t)(end - p) ? (size_t)(end - p) : n);
          strv_append (words, w);
          p += strlen (w);
        }
    }
  return 0;
}

/* Go's text/template prints a nil or missing value alone as
   "<no value>", inside a list or map as "<nil>" (fmt's %v). */
static void print_json (FILE *f, yajl_val v, bool nested);

static size_t *
sorted_keys (yajl_val obj)
{
  size_t n = obj->u.object.len;
  size_t *idx = xcalloc (n + 1, sizeof *idx);

  for (size_t i = 0; i < n; i++)
    {
      size_t k = i;
      for (; k > 0 && strcmp (obj->u.object.keys[idx[k - 1]], obj->u.object.keys[i]) > 0; k--)
        idx[k] = idx[k - 1];
      idx[k] = i;
    }
  return idx;
}

static void
print_json (FILE *f, yajl_val v, bool nested)
{
  if (!v || YAJL_IS_NULL (v))
    fputs (nested ? "<nil>" : "<no value>", f);
  else if (YAJL_IS_STRING (v))
    fputs (v->u.string, f);
  else if (YAJL_IS_INTEGER (v))
    fprintf (f, "%lld", YAJL_GET_INTEGER (v));
  else if (YAJL_IS_NUMBER (v))
    fprintf (f, "%g", YAJL_GET_DOUBLE (v));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    fputs (YAJL_IS_TRUE (v) ? "true" : "false", f);
  else if (YAJL_IS_ARRAY (v))
    {
      fputc ('[', f);
      for (size_t i = 0; i < v->u.array.len; i++)
        {
          if (i)
            fputc (' ', f);
          print_json (f, v->u.array.values[i], true);
        }
      fputc (']', f);
    }
  else if (YAJL_IS_OBJECT (v))
    {
      cleanup_free size_t *idx = sorted_keys (v);
      fputs ("map[", f);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          fprintf (f, "%s%s:", i ? " " : "", v->u.object.keys[idx[i]]);
          print_json (f, v->u.object.values[idx[i]], true);
        }
      fputc (']', f);
    }
}

static void
print_val (FILE *f, const struct tval *v)
{
  switch (v->kind)
    {
    case TV_MISSING: fputs ("<no value>", f); return;
    case TV_JSON: print_json (f, v->j, false); return;
    case TV_STR: fputs (v->s, f); return;
    case TV_BOOL: fputs (v->b ? "true" : "false", f); return;
    case TV_ROW: return;
    }
}

/* The value as text (for join, eq, upper...). */
static const char *
val_text (struct tctx *x, const struct tval *v)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f;

  if (v->kind == TV_STR)
    return v->s;
  f = open_memstream (&buf, &len);
  if (!f)
    return "";
  print_val (f, v);
  fclose (f);
  return own (x, buf);
}

static bool
truthy (const struct tval *v)
{
  yajl_val j = v->j;

  switch (v->kind)
    {
    case TV_MISSING: return false;
    case TV_STR: return v->s[0] != '\0';
    case TV_BOOL: return v->b;
    case TV_ROW: return true;
    case TV_JSON: break;
    }
  if (!j || YAJL_IS_NULL (j) || YAJL_IS_FALSE (j))
    return false;
  if (YAJL_IS_STRING (j))
    return j->u.string[0] != '\0';
  if (YAJL_IS_NUMBER (j))
    return YAJL_GET_DOUBLE (j) != 0;
  if (YAJL_IS_ARRAY (j))
    return j->u.array.len > 0;
  if (YAJL_IS_OBJECT (j))
    return j->u.object.len > 0;
  return true;
}

static const char *
type_name (const struct tval *v)
{
  yajl_val j = v->j;

  if (v->kind == TV_STR)
    return "string";
  if (v->kind == TV_BOOL || (v->kind == TV_JSON && (YAJL_IS_TRUE (j) || YAJL_IS_FALSE (j))))
    return "bool";
  if (v->kind == TV_JSON && YAJL_IS_NUMBER (j))
    return "number";
  if (v->kind == TV_JSON && YAJL_IS_STRING (j))
    return "string";
  if (v->kind == TV_JSON && YAJL_IS_ARRAY (j))
    return "list";
  return "map";
}

/* A key of an object: as written, else (docker's {{.ID}} for "Id") in
   any case. */
static yajl_val
object_get (yajl_val obj, const char *key, size_t len)
{
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strlen (obj->u.object.keys[i]) == len && strncmp (obj->u.object.keys[i], key, len) == 0)
      return obj->u.object.values[i];
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strlen (obj->u.object.keys[i]) == len && strncasecmp (obj->u.object.keys[i], key, len) == 0)
      return obj->u.object.values[i];
  return NULL;
}

static int
step (struct tctx *x, struct tval *v, const char *name, size_t len)
{
  char field[64], buf[256];

  if (v->kind == TV_ROW)
    {
      const char *s;
      snprintf (field, sizeof field, "%.*s", (int)len, name);
      s = x->lookup (field, x->row, buf, sizeof buf);
      if (!s && x->strict)
        return tfail (x, "no field \"%s\"", field);
      *v = s ? (struct tval){ .kind = TV_STR, .s = own (x, xstrdup (s)) }
             : (struct tval){ .kind = TV_MISSING };
      return 0;
    }
  if (v->kind == TV_MISSING || (v->kind == TV_JSON && (!v->j || YAJL_IS_NULL (v->j))))
    {
      *v = (struct tval){ .kind = TV_MISSING };
      return 0;
    }
  if (v->kind != TV_JSON || !YAJL_IS_OBJECT (v->j))
    return tfail (x, "can't evaluate field %.*s in type %s", (int)len, name, type_name (v));
  v->j = object_get (v->j, name, len);
  if (!v->j)
    v->kind = TV_MISSING;
  return 0;
}

/* .A.B, $.A, "." or "$". */
static int
eval_field (struct tctx *x, const char *path, struct tval dot, struct tval *out)
{
  const char *p = path;

  if (*p == '$')
    dot = x->root, p++;
  if (strcmp (p, ".") == 0)
    p++;
  while (*p == '.')
    {
      size_t len = strcspn (p + 1, ".");
      if (len == 0)
        return tfail (x, "bad field \"%s\"", path);
      if (step (x, &dot, p + 1, len) < 0)
        return -1;
      p += 1 + len;
    }
  if (*p)
    return tfail (x, "bad field \"%s\"", path);
  *out = dot;
  return 0;
}

static bool
is_number (const char *w)
{
  const char *p = w + (*w == '-');

  return *p && strspn (p, "0123456789") == strlen (p);
}

static int
eval_arg (struct tctx *x, const char *w, struct tval dot, struct tval *out)
{
  if (w[0] == '"')
    *out = (struct tval){ .kind = TV_STR, .s = w + 1 };
  else if (is_number (w))
    *out = (struct tval){ .kind = TV_STR, .s = w };
  else if (strcmp (w, "true") == 0 || strcmp (w, "false") == 0)
    *out = (struct tval){ .kind = TV_BOOL, .b = w[0] == 't' };
  else if (w[0] == '.' || w[0] == '$')
    return eval_field (x, w, dot, out);
  else
    return tfail (x, "function \"%s\" not defined or misplaced", w);
  return 0;
}

static int
fn_json (struct tctx *x, const struct tval *a, struct tval *out)
{
  cleanup_json_gen yajl_gen g = json_gen_new (false);

  if (a->kind == TV_ROW)
    return tfail (x, "json of a whole row is not supported");
  if (a->kind == TV_JSON)
    json_gen_val (g, a->j);
  else if (a->kind == TV_STR)
    jg_str (g, a->s);
  else if (a->kind == TV_BOOL)
    yajl_gen_bool (g, a->b);
  else
    yajl_gen_null (g);
  *out = (struct tval){ .kind = TV_STR, .s = own (x, json_gen_take (g, NULL)) };
  return 0;
}

/* index X K...: a key of an object (a missing one is "", as of docker's
   string maps), an element of a list by number. */
static int
fn_index (struct tctx *x, const struct tval *a, size_t n, struct tval *out)
{
  struct tval v = a[0];

  for (size_t i = 1; i < n; i++)
    {
      const char *k = val_text (x, &a[i]);
      if (v.kind == TV_JSON && v.j && YAJL_IS_OBJECT (v.j))
        {
          v.j = json_get (v.j, k);
          if (!v.j)
            v = (struct tval){ .kind = TV_STR, .s = "" };
        }
      else if (v.kind == TV_JSON && v.j && YAJL_IS_ARRAY (v.j) && is_number (k))
        {
          long idx = atol (k);
          if (idx < 0 || (size_t)idx >= v.j->u.array.len)
            return tfail (x, "index out of range: %ld", idx);
          v.j = v.j->u.array.values[idx];
        }
      else if (v.kind == TV_MISSING || (v.kind == TV_JSON && (!v.j || YAJL_IS_NULL (v.j))))
        v = (struct tval){ .kind = TV_STR, .s = "" };
      else
        return tfail (x, "can't index item of type %s", type_name (&v));
    }
  *out = v;
  return 0;
}

static int
fn_len (struct tctx *x, const struct tval *a, struct tval *out)
{
  long long n;

  if (a->kind == TV_STR)
    n = (long long)strlen (a->s);
  else if (a->kind == TV_JSON && a->j && YAJL_IS_ARRAY (a->j))
    n = (long long)a->j->u.array.len;
  else if (a->kind == TV_JSON && a->j && YAJL_IS_OBJECT (a->j))
    n = (long long)a->j->u.object.len;
  else if (a->kind == TV_JSON && a->j && YAJL_IS_STRING (a->j))
    n = (long long)strlen (a->j->u.string);
  else
    return tfail (x, "len of %s", a->kind == TV_MISSING ? "nothing" : type_name (a));
  *out = (struct tval){ .kind = TV_STR, .s = own (x, xasprintf ("%lld", n)) };
  return 0;
}

static int
fn_join (struct tctx *x, const struct tval *a, struct tval *out)
{
  const char *sep = val_text (x, &a[1]);
  char *buf = NULL;
  size_t len = 0;
  FILE *f;

  if (a->kind != TV_JSON || !a->j || !YAJL_IS_ARRAY (a->j))
    return tfail (x, "join of %s: want a list", a->kind == TV_MISSING ? "nothing" : type_name (a));
  f = open_memstream (&buf, &len);
  if (!f)
    return tfail (x, "out of memory");
  for (size_t i = 0; i < a->j->u.array.len; i++)
    {
      fputs (i ? sep : "", f);
      print_json (f, a->j->u.array.values[i], true);
    }
  fclose (f);
  *out = (struct tval){ .kind = TV_STR, .s = own (x, buf) };
  return 0;
}

static int
fn_case (struct tctx *x, const struct tval *a, bool upper, struct tval *out)
{
  char *s = xstrdup (val_text (x, a));

  for (char *p = s; *p; p++)
    *p = (char)(upper ? toupper ((unsigned char)*p) : tolower ((unsigned char)*p));
  *out = (struct tval){ .kind = TV_STR, .s = own (x, s) };
  return 0;
}

static const struct
{
  const char *name;
  size_t min, max;
} functions[] = {
  { "json", 1, 1 },  { "index", 2, MAX_ARGS }, { "len", 1, 1 }, { "join", 2, 2 }, { "upper", 1, 1 },
  { "lower", 1, 1 }, { "eq", 2, MAX_ARGS },    { "ne", 2, 2 },  { "not", 1, 1 },
};

static int
call (struct tctx *x, const char *fn, const struct tval *a, size_t n, struct tval *out)
{
  if (strcmp (fn, "json") == 0)
    return fn_json (x, a, out);
  if (strcmp (fn, "index") == 0)
    return fn_index (x, a, n, out);
  if (strcmp (fn, "len") == 0)
    return fn_len (x, a, out);
  if (strcmp (fn, "join") == 0)
    return fn_join (x, a, out);
  if (strcmp (fn, "upper") == 0 || strcmp (fn, "lower") == 0)
    return fn_case (x, a, fn[0] == 'u', out);
  if (strcmp (fn, "not") == 0)
    {
      *out = (struct tval){ .kind = TV_BOOL, .b = !truthy (a) };
      return 0;
    }
  /* eq A B...: A equals any of the others, compared as text. */
  *out = (struct tval){ .kind = TV_BOOL, .b = false };
  for (size_t i = 1; i < n; i++)
    out->b = out->b || strcmp (val_text (x, &a[0]), val_text (x, &a[i])) == 0;
  if (strcmp (fn, "ne") == 0)
    out->b = !out->b;
  return 0;
}

/* One command of a pipeline: words[0..n), and the value piped into it
   as its last argument (NULL: none). */
static int
eval_command (struct tctx *x, char **words, size_t n, const struct tval *piped, struct tval dot,
              struct tval *out)
{
  struct tval args[MAX_ARGS + 1];
  size_t k = 0;

  for (size_t f = 0; f < sizeof functions / sizeof functions[0]; f++)
    if (strcmp (words[0], functions[f].name) == 0)
      {
        size_t nargs = n - 1 + (piped ? 1 : 0);
        if (nargs < functions[f].min || nargs > functions[f].max)
          return tfail (x, "wrong number of args for %s: want %zu got %zu", words[0],
                        functions[f].min, nargs);
        for (size_t i = 1; i < n; i++)
          if (eval_arg (x, words[i], dot, &args[k++]) < 0)
            return -1;
        if (piped)
          args[k++] = *piped;
        return call (x, words[0], args, k, out);
      }
  if (n > 1 || piped)
    return tfail (x, "can't give argument to non-function %s", words[0]);
  return eval_arg (x, words[0], dot, out);
}

static int
eval_pipeline (struct tctx *x, char **words, struct tval dot, struct tval *out)
{
  bool have = false;
  size_t start = 0, n = strv_len (words);

  for (size_t i = 0; i <= n; i++)
    {
      if (i < n && strcmp (words[i], "|") != 0)
        continue;
      if (i == start)
        return tfail (x, "missing command");
      if (eval_command (x, words + start, i - start, have ? out : NULL, dot, out) < 0)
        return -1;
      have = true;
      start = i + 1;
    }
  if (!have)
    return tfail (x, "missing value");
  return 0;
}

static bool
is_keyword (const struct tok *t, const char *kw)
{
  size_t n = strlen (kw);

  return t->action && t->len >= n && strncmp (t->p, kw, n) == 0
         && (t->len == n || is_blank (t->p[n]));
}

static bool
opens_block (const struct tok *t)
{
  return is_keyword (t, "range") || is_keyword (t, "if") || is_keyword (t, "with");
}

/* The {{else}} (or none: *else_at = end) and {{end}} of the block opened
   at `at`. */
static int
find_block_end (struct tctx *x, size_t at, size_t to, size_t *else_at, size_t *end_at)
{
  int depth = 0;

  *else_at = 0;
  for (size_t i = at + 1; i < to; i++)
    {
      if (opens_block (&x->toks[i]))
        depth++;
      else if (is_keyword (&x->toks[i], "end") && depth-- == 0)
        {
          *end_at = i;
          if (!*else_at)
            *else_at = i;
          return 0;
        }
      else if (is_keyword (&x->toks[i], "else") && depth == 0)
        *else_at = i;
    }
  return tfail (x, "unexpected EOF: {{%.*s}} without {{end}}", (int)x->toks[at].len, x->toks[at].p);
}

static int exec_range (struct tctx *x, size_t from, size_t to, struct tval dot);

/* range over a list's elements or a map's values (by sorted key). */
static int
exec_loop (struct tctx *x, const struct tval *v, size_t body, size_t body_end, size_t alt,
           size_t alt_end, struct tval dot)
{
  yajl_val j = v->j;
  size_t n = 0;

  if (v->kind == TV_JSON && j && YAJL_IS_ARRAY (j))
    n = j->u.array.len;
  else if (v->kind == TV_JSON && j && YAJL_IS_OBJECT (j))
    n = j->u.object.len;
  else if (v->kind != TV_MISSING && !(v->kind == TV_JSON && (!j || YAJL_IS_NULL (j))))
    return tfail (x, "range can't iterate over %s", val_text (x, v));
  if (n == 0)
    return exec_range (x, alt, alt_end, dot);
  if (YAJL_IS_ARRAY (j))
    {
      for (size_t i = 0; i < n; i++)
        if (exec_range (x, body, body_end,
                        (struct tval){ .kind = TV_JSON, .j = j->u.array.values[i] })
            < 0)
          return -1;
      return 0;
    }
  {
    cleanup_free size_t *idx = sorted_keys (j);
    for (size_t i = 0; i < n; i++)
      if (exec_range (x, body, body_end,
                      (struct tval){ .kind = TV_JSON, .j = j->u.object.values[idx[i]] })
          < 0)
        return -1;
  }
  return 0;
}

/* The keyword that starts action `t`, within the action: its text is not
   NUL-terminated there ("{{range}}" is followed by the rest of the
   template; a fuzzer found the read past it). */
static size_t
keyword_len (const struct tok *t)
{
  size_t n = 0;

  while (n < t->len && !is_blank (t->p[n]))
    n++;
  return n;
}

/* The block at `at`: range, if or with; returns the index of its end. */
static int
exec_block (struct tctx *x, size_t at, size_t to, struct tval dot, size_t *end)
{
  const struct tok *t = &x->toks[at];
  size_t kw = keyword_len (t);
  cleanup_strv char **words = NULL;
  size_t else_at;
  struct tval v;
  struct tok expr = { true, t->p + kw, t->len - kw };

  if (find_block_end (x, at, to, &else_at, end) < 0 || split_words (x, &expr, &words) < 0)
    return -1;
  x->at = t;
  if (eval_pipeline (x, words, dot, &v) < 0)
    return -1;
  if (t->p[0] == 'r')
    return exec_loop (x, &v, at + 1, else_at, else_at + 1, *end, dot);
  if (!truthy (&v))
    return exec_range (x, else_at + 1, *end, dot);
  return exec_range (x, at + 1, else_at, t->p[0] == 'w' ? v : dot);
}

static void
put_text (FILE *f, const char *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (p[i] == '\\' && i + 1 < len && (p[i + 1] == 't' || p[i + 1] == 'n'))
      fputc (p[++i] == 't' ? '\t' : '\n', f);
    else
      fputc (p[i], f);
}

static int
exec_range (struct tctx *x, size_t from, size_t to, struct tval dot)
{
  for (size_t i = from; i < to; i++)
    {
      const struct tok *t = &x->toks[i];
      cleanup_strv char **words = NULL;
      struct tval v;
      if (!t->action)
        {
          put_text (x->out, t->p, t->len);
          continue;
        }
      x->at = t;
      if (opens_block (t))
        {
          if (exec_block (x, i, to, dot, &i) < 0)
            return -1;
          continue;
        }
      if (is_keyword (t, "end") || is_keyword (t, "else"))
        return tfail (x, "unexpected {{%.*s}}", (int)t->len, t->p);
      if (split_words (x, t, &words) < 0 || eval_pipeline (x, words, dot, &v) < 0)
        return -1;
      print_val (x->out, &v);
    }
  return 0;
}

static int
execute (struct tctx *x, char **out)
{
  size_t len = 0;
  int r;

  *out = NULL;
  x->out = open_memstream (out, &len);
  if (!x->out)
    return cl_fail (x->err, errno, "open_memstream");
  r = tokenize (x);
  if (r == 0)
    r = exec_range (x, 0, x->n_toks, x->root);
  fclose (x->out);
  for (size_t i = 0; i < x->n_owned; i++)
    free (x->owned[i]);
  free (x->owned);
  free (x->toks);
  return r;
}

static const char *
skip_table (const char *fmt)
{
  return strncmp (fmt, "table ", 6) == 0 ? fmt + 6 : fmt;
}

int
template_check (const char *fmt, template_lookup lookup, const void *sample, struct cl_error *err)
{
  struct tctx x = { .fmt = skip_table (fmt),
                    .root = { .kind = TV_ROW },
                    .lookup = lookup,
                    .row = sample,
                    .strict = true,
                    .err = err };
  cleanup_free char *out = NULL;

  return execute (&x, &out);
}

char *
template_render (const char *fmt, template_lookup lookup, const void *row)
{
  struct cl_error ignored;
  struct tctx x = { .fmt = skip_table (fmt),
                    .root = { .kind = TV_ROW },
                    .lookup = lookup,
                    .row = row,
                    .err = &ignored };
  char *out = NULL;

  execute (&x, &out);
  return out ? out : xstrdup ("");
}

int
template_render_json (const char *fmt, yajl_val doc, char **out, struct cl_error *err)
{
  struct tctx x = { .fmt = fmt, .root = { .kind = TV_JSON, .j = doc }, .err = err };

  if (execute (&x, out) < 0)
    {
      free (*out);
      *out = NULL;
      return -1;
    }
  return 0;
}

static bool
is_table (const char *fmt)
{
  return skip_table (fmt) != fmt;
}

static const char *
header_of (const char *field, const void *arg, char *buf, size_t len)
{
  const struct template_header *h = arg;
  size_t n = 0;

  for (; h && h->field; h++)
    if (strcmp (h->field, field) == 0)
      return h->header;
  for (const char *p = field; *p && n + 2 < len; p++)
    {
      bool word = p > field && isupper ((unsigned char)*p) && islower ((unsigned char)p[-1]);
      if (word)
        buf[n++] = ' ';
      buf[n++] = (char)toupper ((unsigned char)*p);
    }
  buf[n] = '\0';
  return buf;
}

/* Widths of the tab-terminated cells of every column. */
static size_t *
column_widths (char **lines, size_t n, size_t *ncols)
{
  size_t *w = NULL;

  *ncols = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t col = 0;
      for (const char *c = lines[i], *tab; (tab = strchr (c, '\t')); c = tab + 1, col++)
        {
          size_t cw = (size_t)(tab - c) + 2;
          if (col >= *ncols)
            w = xrealloc (w, (col + 1) * sizeof *w), w[col] = 12, *ncols = col + 1;
          if (cw > w[col])
            w[col] = cw;
        }
    }
  return w;
}

static void
print_aligned (char **lines, size_t n)
{
  size_t ncols;
  cleanup_free size_t *w = column_widths (lines, n, &ncols);

  for (size_t i = 0; i < n; i++)
    {
      size_t col = 0;
      const char *c = lines[i], *tab;
      for (; (tab = strchr (c, '\t')); c = tab + 1, col++)
        printf ("%-*.*s", (int)w[col], (int)(tab - c), c);
      puts (c);
    }
}

void
template_print (const char *fmt, template_lookup lookup, const void *rows, size_t row_size,
                size_t n, const struct template_header *headers)
{
  bool table = is_table (fmt);
  char **lines = xcalloc (n + 1, sizeof *lines);
  size_t k = 0;

  if (table)
    lines[k++] = template_render (fmt, header_of, headers);
  for (size_t i = 0; i < n; i++)
    lines[k++] = template_render (fmt, lookup, (const char *)rows + i * row_size);
  if (table)
    print_aligned (lines, k);
  else
    for (size_t i = 0; i < k; i++)
      puts (lines[i]);
  for (size_t i = 0; i < k; i++)
    free (lines[i]);
  free (lines);
}
