/* The .dockerignore matcher (ignore.h).  Docker compiles each pattern to
   a Go regexp (or, when it can, to a plain comparison: exact, a prefix for a
   trailing double star, a suffix for a leading one); here the same translation is a short
   token list matched by backtracking, with the same shortcuts, so every
   corner of Docker's behaviour ("**file" matches "xfile"; "a**b" is
   a, then any directories, then b) is kept. */
#include "ignore.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum tok_kind
{
  T_LIT,   /* one byte */
  T_ANY,   /* ?: one character, not '/' */
  T_STAR,  /* *: [^/]* */
  T_DSTAR, /* a double star before more: any directories, or none */
  T_REST,  /* ** at the end: .* */
  T_CLASS, /* [...] or [^...]: one character */
};

struct tok
{
  enum tok_kind kind;
  unsigned char c;
  size_t off, len; /* T_CLASS: the items, in the pattern's text */
  bool neg;
};

enum match_type
{
  M_EXACT,
  M_PREFIX, /* a trailing double star: the text before it */
  M_SUFFIX, /* "**name": the text after the "**" */
  M_GLOB,
};

struct toks
{
  struct tok *v;
  size_t n;
};

struct seg
{
  struct toks t;
  bool any_depth; /* has "**" */
};

struct ignore_pattern
{
  char *text; /* cleaned, without the '!' */
  bool exclusion;
  enum match_type type;
  struct toks t;
  struct seg *segs; /* the text split at '/', for ignore_may_match_below */
  size_t n_segs;
};

static size_t
rune_len (const char *s)
{
  unsigned char c = (unsigned char)s[0];
  size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

  for (size_t i = 1; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80)
      return i;
  return n;
}

static unsigned long
rune_at (const char *s, size_t *len)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t n = rune_len (s);
  unsigned long r = n == 1 ? u[0] : u[0] & (0x7f >> n);

  for (size_t i = 1; i < n; i++)
    r = (r << 6) | (u[i] & 0x3f);
  *len = n;
  return r;
}

/* One class item (Go's getEsc): a character, maybe escaped; '-' and ']'
   unescaped are malformed.  Returns the bytes used, 0 when malformed. */
static size_t
class_char (const char *p, size_t n, unsigned long *r)
{
  size_t i = 0, len;

  if (i >= n || p[i] == '-' || p[i] == ']')
    return 0;
  if (p[i] == '\\' && ++i >= n)
    return 0;
  *r = rune_at (p + i, &len);
  i += len;
  return i < n ? i : 0; /* a class must still close */
}

/* The items of a class from p (after '[' and '^'): bytes up to and with
   the ']', 0 when malformed (Go's filepath.Match rules). */
static size_t
class_scan (const char *p, size_t n)
{
  size_t i = 0, items = 0, used;
  unsigned long lo, hi;

  for (;;)
    {
      if (i < n && p[i] == ']' && items > 0)
        return i + 1;
      if (!(used = class_char (p + i, n - i, &lo)))
        return 0;
      i += used;
      if (p[i] == '-')
        {
          if (!(used = class_char (p + i + 1, n - i - 1, &hi)) || hi < lo)
            return 0;
          i += used + 1;
        }
      items++;
    }
}

static bool
class_has (const char *p, size_t n, unsigned long r)
{
  size_t i = 0, used;
  unsigned long lo, hi;

  while (i < n && p[i] != ']')
    {
      used = class_char (p + i, n - i, &lo);
      i += used;
      hi = lo;
      if (p[i] == '-')
        {
          i++;
          i += class_char (p + i, n - i, &hi);
        }
      if (lo <= r && r <= hi)
        return true;
      if (!used)
        break;
    }
  return false;
}

static void
push (struct toks *t, struct tok k)
{
  t->v = xrealloc (t->v, (t->n + 1) * sizeof *t->v);
  t->v[t->n++] = k;
}

/* Docker's compile(), token for token.  -1: malformed. */
static int
tokenize (const char *p, struct toks *t, enum match_type *type)
{
  size_t n = strlen (p), i = 0;

  *type = M_EXACT;
  while (i < n)
    {
      size_t start = i;
      if (p[i] == '*' && p[i + 1] == '*')
        {
          i += 2;
          if (p[i] == '/')
            i++;
          if (i == n)
            {
              *type = *type == M_EXACT ? M_PREFIX : M_GLOB;
              push (t, (struct tok){ .kind = T_REST });
            }
          else
            {
              *type = M_GLOB;
              push (t, (struct tok){ .kind = T_DSTAR });
            }
          if (start == 0)
            *type = M_SUFFIX;
        }
      else if (p[i] == '*' || p[i] == '?')
        {
          push (t, (struct tok){ .kind = p[i] == '*' ? T_STAR : T_ANY });
          *type = M_GLOB;
          i++;
        }
      else if (p[i] == '\\')
        {
          if (i + 1 == n)
            return -1; /* filepath.Match: ErrBadPattern */
          for (size_t k = 0, l = rune_len (p + i + 1); k < l; k++)
            push (t, (struct tok){ .kind = T_LIT, .c = (unsigned char)p[i + 1 + k] });
          i += 1 + rune_len (p + i + 1);
          *type = M_GLOB;
        }
      else if (p[i] == '[')
        {
          bool neg = p[i + 1] == '^';
          size_t off = i + 1 + neg, used = class_scan (p + off, n - off);
          if (!used)
            return -1;
          push (t, (struct tok){ .kind = T_CLASS, .off = off, .len = used, .neg = neg });
          *type = M_GLOB;
          i = off + used;
        }
      else
        {
          if (p[i] == ']')
            *type = M_GLOB;
          push (t, (struct tok){ .kind = T_LIT, .c = (unsigned char)p[i] });
          i++;
        }
    }
  return 0;
}

/* A match in progress: a state is a token index and a position in the
   text; the star tokens, where the matcher backtracks, remember the
   states that failed, so that a pattern of many stars against a long
   path costs tokens x length x length instead of growing exponentially
   (Docker's Go regexp is linear; a hostile .dockerignore must not hang). */
struct match
{
  const char *pat;
  const struct tok *t;
  size_t nt;
  const char *s0;
  size_t slen;
  unsigned char *failed; /* bitset, (nt + 1) x (slen + 1) */
};

static bool
tmatch_at (struct match *m, size_t ti, const char *s)
{
  size_t len, bit;
  unsigned long r;
  const struct tok *t;

  for (;; ti++)
    {
      if (ti == m->nt)
        return *s == '\0';
      t = &m->t[ti];
      switch (t->kind)
        {
        case T_LIT:
          if ((unsigned char)*s != t->c)
            return false;
          s++;
          continue;
        case T_ANY:
          if (!*s || *s == '/')
            return false;
          s += rune_len (s);
          continue;
        case T_CLASS:
          if (!*s)
            return false;
          r = rune_at (s, &len);
          if (class_has (m->pat + t->off, t->len, r) == t->neg)
            return false;
          s += len;
          continue;
        case T_REST: return true;
        case T_STAR:
        case T_DSTAR: break;
        }
      bit = ti * (m->slen + 1) + (size_t)(s - m->s0);
      if (m->failed[bit / 8] & (1u << (bit % 8)))
        return false;
      if (t->kind == T_STAR)
        for (const char *p = s;; p += rune_len (p))
          {
            if (tmatch_at (m, ti + 1, p))
              return true;
            if (!*p || *p == '/')
              break;
          }
      else
        {
          if (tmatch_at (m, ti + 1, s))
            return true;
          for (const char *p = s; *p; p++)
            if (*p == '/' && tmatch_at (m, ti + 1, p + 1))
              return true;
        }
      m->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
      return false;
    }
}

static bool
tmatch (const char *pat, const struct tok *t, size_t nt, const char *s)
{
  struct match m = { .pat = pat, .t = t, .nt = nt, .s0 = s, .slen = strlen (s) };
  bool stars = false, r;

  for (size_t i = 0; i < nt; i++)
    stars |= t[i].kind == T_STAR || t[i].kind == T_DSTAR;
  if (stars)
    m.failed = xcalloc ((nt + 1) * (m.slen + 1) / 8 + 1, 1);
  r = tmatch_at (&m, 0, s);
  free (m.failed);
  return r;
}

static bool
pattern_match (const struct ignore_pattern *p, const char *path)
{
  size_t n = strlen (p->text), l = strlen (path);
  const char *suffix;

  switch (p->type)
    {
    case M_EXACT: return strcmp (path, p->text) == 0;
    case M_PREFIX: return strncmp (path, p->text, n - 2) == 0;
    case M_SUFFIX:
      suffix = p->text + 2;
      n -= 2;
      if (l >= n && strcmp (path + l - n, suffix) == 0)
        return true;
      return suffix[0] == '/' && strcmp (path, suffix + 1) == 0;
    case M_GLOB: return tmatch (p->text, p->t.v, p->t.n, path);
    }
  return false;
}

/* filepath.Clean, for '/'-separated paths. */
static char *
clean_path (const char *p)
{
  bool rooted = p[0] == '/';
  size_t n = strlen (p), used = 0;
  char *out = xmalloc (n + 2);

  for (const char *s = p; *s;)
    {
      size_t l = strcspn (s, "/");
      if (l == 0 || (l == 1 && s[0] == '.'))
        ;
      else if (l == 2 && s[0] == '.' && s[1] == '.')
        {
          char *last = used ? memrchr (out, '/', used) : NULL;
          const char *lastseg = last ? last + 1 : out;
          if (used && strncmp (lastseg, "..", (size_t)(out + used - lastseg)) != 0)
            used = last ? (size_t)(last - out) : 0;
          else if (!rooted)
            {
              memcpy (out + used, used ? "/.." : "..", used ? 3 : 2);
              used += used ? 3 : 2;
            }
        }
      else
        {
          if (used)
            out[used++] = '/';
          memcpy (out + used, s, l);
          used += l;
        }
      s += l;
      while (*s == '/')
        s++;
    }
  out[used] = '\0';
  if (rooted)
    {
      memmove (out + 1, out, used + 1);
      out[0] = '/';
    }
  else if (used == 0)
    strcpy (out, ".");
  return out;
}

static char *
trim (const char *s)
{
  size_t n;

  while (isspace ((unsigned char)*s))
    s++;
  n = strlen (s);
  while (n && isspace ((unsigned char)s[n - 1]))
    n--;
  return xstrndup (s, n);
}

static void
split_segments (struct ignore_pattern *p)
{
  cleanup_free char *copy = xstrdup (p->text);
  char *save = NULL;

  for (char *s = strtok_r (copy, "/", &save); s; s = strtok_r (NULL, "/", &save))
    {
      struct seg g = { .any_depth = strstr (s, "**") != NULL };
      enum match_type ignored;
      char *seg = xstrdup (s);
      if (!g.any_depth && tokenize (seg, &g.t, &ignored) < 0)
        g.any_depth = true; /* cannot happen: the whole pattern parsed */
      /* Segment tokens point into the segment's text: keep it alive in
         the class offsets by matching against the same text. */
      for (size_t i = 0; i < g.t.n; i++)
        if (g.t.v[i].kind == T_CLASS)
          g.t.v[i].off += (size_t)(s - copy);
      free (seg);
      p->segs = xrealloc (p->segs, (p->n_segs + 1) * sizeof *p->segs);
      p->segs[p->n_segs++] = g;
    }
}

int
ignore_add (struct ignore *ig, const char *pattern, struct cl_error *err)
{
  cleanup_free char *t = trim (pattern), *clean = NULL;
  struct ignore_pattern p = { 0 };
  const char *body = t;

  if (!*t)
    return 0;
  if (*t == '!')
    {
      if (!t[1])
        return cl_fail (err, 0, "illegal exclusion pattern: \"!\"");
      p.exclusion = true;
      body = t + 1;
    }
  clean = clean_path (body);
  p.text = xstrdup (clean[0] == '/' && clean[1] ? clean + 1 : clean);
  if (tokenize (p.text, &p.t, &p.type) < 0)
    {
      cl_fail (err, 0, "syntax error in pattern \"%s\"", t);
      free (p.t.v);
      free (p.text);
      return -1;
    }
  split_segments (&p);
  ig->exceptions |= p.exclusion;
  ig->v = xrealloc (ig->v, (ig->n + 1) * sizeof *ig->v);
  ig->v[ig->n++] = p;
  return 0;
}

/* A line as moby's ignorefile.ReadAll makes it a pattern. */
static int
parse_line (struct ignore *ig, const char *line, struct cl_error *err)
{
  cleanup_free char *t = NULL, *clean = NULL, *full = NULL;
  bool invert;
  const char *body;

  if (line[0] == '#')
    return 0;
  t = trim (line);
  if (!*t)
    return 0;
  invert = t[0] == '!';
  body = invert ? t + 1 : t;
  while (isspace ((unsigned char)*body))
    body++;
  clean = *body ? clean_path (body) : xstrdup ("");
  full = xasprintf ("%s%s", invert ? "!" : "", clean[0] == '/' && clean[1] ? clean + 1 : clean);
  return ignore_add (ig, full, err);
}

int
ignore_parse (struct ignore *ig, const char *text, const char *what, struct cl_error *err)
{
  size_t lineno = 0;

  if (strncmp (text, "\xef\xbb\xbf", 3) == 0)
    text += 3;
  for (const char *s = text; *s || lineno == 0; lineno++)
    {
      size_t l = strcspn (s, "\n");
      cleanup_free char *line = xstrndup (s, l);
      if (parse_line (ig, line, err) < 0)
        return cl_wrap (err, "%s, line %zu", what, lineno + 1);
      s += l;
      if (*s == '\n')
        s++;
      if (!*s)
        break;
    }
  return 0;
}

void
ignore_clear (struct ignore *ig)
{
  for (size_t i = 0; i < ig->n; i++)
    {
      for (size_t j = 0; j < ig->v[i].n_segs; j++)
        free (ig->v[i].segs[j].t.v);
      free (ig->v[i].segs);
      free (ig->v[i].t.v);
      free (ig->v[i].text);
    }
  free (ig->v);
  memset (ig, 0, sizeof *ig);
}

void
cleanup_ignorep (struct ignore *ig)
{
  ignore_clear (ig);
}

/* The pattern matches `path` or one of its parents. */
static bool
match_or_parent (const struct ignore_pattern *p, const char *path)
{
  cleanup_free char *prefix = NULL;

  if (pattern_match (p, path))
    return true;
  prefix = xstrdup (path);
  for (char *s = strchr (prefix, '/'); s; s = strchr (s + 1, '/'))
    {
      *s = '\0';
      if (pattern_match (p, prefix))
        return true;
      *s = '/';
    }
  return false;
}

bool
ignore_match (const struct ignore *ig, const char *path)
{
  bool matched = false;

  if (strcmp (path, ".") == 0 || !*path)
    return false;
  for (size_t i = 0; i < ig->n; i++)
    {
      /* As Docker: an include cannot change a match, nor an exception a
         non-match. */
      if (ig->v[i].exclusion != matched)
        continue;
      if (match_or_parent (&ig->v[i], path))
        matched = !ig->v[i].exclusion;
    }
  return matched;
}

bool
ignore_match_exact (const struct ignore *ig, const char *path)
{
  bool matched = false;

  for (size_t i = 0; i < ig->n; i++)
    if (ig->v[i].exclusion == matched && pattern_match (&ig->v[i], path))
      matched = !ig->v[i].exclusion;
  return matched;
}

static bool
seg_match (const struct ignore_pattern *p, const struct seg *g, const char *name)
{
  return tmatch (p->text, g->t.v, g->t.n, name);
}

/* Could p match something strictly beneath the directory whose path
   elements are d[0..k-1]? */
static bool
pattern_reaches_below (const struct ignore_pattern *p, char *const *d, size_t k)
{
  for (size_t j = 0; j < k; j++)
    {
      if (j >= p->n_segs)
        return false;
      if (p->segs[j].any_depth)
        return true;
      if (!seg_match (p, &p->segs[j], d[j]))
        return false;
    }
  return p->n_segs > k;
}

bool
ignore_may_match_below (const struct ignore *ig, const char *dir, bool exceptions)
{
  cleanup_free char *copy = xstrdup (dir);
  cleanup_free char **d = xcalloc (strlen (dir) + 2, sizeof (char *));
  size_t k = 0;
  char *save = NULL;

  for (char *s = strtok_r (copy, "/", &save); s; s = strtok_r (NULL, "/", &save))
    d[k++] = s;
  for (size_t i = 0; i < ig->n; i++)
    if (ig->v[i].exclusion == exceptions && pattern_reaches_below (&ig->v[i], d, k))
      return true;
  return false;
}
