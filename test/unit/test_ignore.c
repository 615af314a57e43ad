/* The .dockerignore matcher against Docker's own cases
   (moby/patternmatcher's patternmatcher_test.go and the Go filepath.Match
   cases it carries), and the reading of an ignore file (ignorefile). */
#include "../../context.h"
#include "../../ignore.h"
#include "tests.h"
#include "unit.h"

enum expect
{
  FAIL,
  EXACT,   /* MatchesExact and MatchesOrParentMatches */
  INEXACT, /* only through a parent */
};

static bool
one (const char *pattern, const char *text, bool parents)
{
  struct ignore ig = { 0 };
  struct cl_error err = { 0 };
  bool r;

  if (ignore_add (&ig, pattern, &err) < 0)
    {
      fprintf (stderr, "  pattern %s refused: %s\n", pattern, err.msg);
      return false;
    }
  r = parents ? ignore_match (&ig, text) : ignore_match_exact (&ig, text);
  ignore_clear (&ig);
  return r;
}

static int
many (const char *const *patterns, const char *text, bool *out)
{
  struct ignore ig = { 0 };
  struct cl_error err = { 0 };

  for (size_t i = 0; patterns[i]; i++)
    if (ignore_add (&ig, patterns[i], &err) < 0)
      {
        ignore_clear (&ig);
        return -1;
      }
  *out = ignore_match (&ig, text);
  ignore_clear (&ig);
  return 0;
}

/* patternmatcher_test.go TestMatches: MatchesExact and
   MatchesOrParentMatches. */
void
test_ignore_docker_matches (void)
{
  static const struct
  {
    const char *pattern, *text;
    enum expect pass;
  } cases[] = {
    { "**", "file", EXACT },
    { "**", "file/", EXACT },
    { "**/", "file", EXACT },
    { "**/", "file/", EXACT },
    { "**", "/", EXACT },
    { "**/", "/", EXACT },
    { "**", "dir/file", EXACT },
    { "**/", "dir/file", EXACT },
    { "**", "dir/file/", EXACT },
    { "**/", "dir/file/", EXACT },
    { "**/**", "dir/file", EXACT },
    { "**/**", "dir/file/", EXACT },
    { "dir/**", "dir/file", EXACT },
    { "dir/**", "dir/file/", EXACT },
    { "dir/**", "dir/dir2/file", EXACT },
    { "dir/**", "dir/dir2/file/", EXACT },
    { "**/dir", "dir", EXACT },
    { "**/dir", "dir/file", INEXACT },
    { "**/dir2/*", "dir/dir2/file", EXACT },
    { "**/dir2/*", "dir/dir2/file/", INEXACT },
    { "**/dir2/**", "dir/dir2/dir3/file", EXACT },
    { "**/dir2/**", "dir/dir2/dir3/file/", EXACT },
    { "**file", "file", EXACT },
    { "**file", "dir/file", EXACT },
    { "**/file", "dir/file", EXACT },
    { "**file", "dir/dir/file", EXACT },
    { "**/file", "dir/dir/file", EXACT },
    { "**/file*", "dir/dir/file", EXACT },
    { "**/file*", "dir/dir/file.txt", EXACT },
    { "**/file*txt", "dir/dir/file.txt", EXACT },
    { "**/file*.txt", "dir/dir/file.txt", EXACT },
    { "**/file*.txt*", "dir/dir/file.txt", EXACT },
    { "**/**/*.txt", "dir/dir/file.txt", EXACT },
    { "**/**/*.txt2", "dir/dir/file.txt", FAIL },
    { "**/*.txt", "file.txt", EXACT },
    { "**/**/*.txt", "file.txt", EXACT },
    { "a**/*.txt", "a/file.txt", EXACT },
    { "a**/*.txt", "a/dir/file.txt", EXACT },
    { "a**/*.txt", "a/dir/dir/file.txt", EXACT },
    { "a/*.txt", "a/dir/file.txt", FAIL },
    { "a/*.txt", "a/file.txt", EXACT },
    { "a/*.txt**", "a/file.txt", EXACT },
    { "a[b-d]e", "ae", FAIL },
    { "a[b-d]e", "ace", EXACT },
    { "a[b-d]e", "aae", FAIL },
    { "a[^b-d]e", "aze", EXACT },
    { ".*", ".foo", EXACT },
    { ".*", "foo", FAIL },
    { "abc.def", "abcdef", FAIL },
    { "abc.def", "abc.def", EXACT },
    { "abc.def", "abcZdef", FAIL },
    { "abc?def", "abcZdef", EXACT },
    { "abc?def", "abcdef", FAIL },
    { "**/foo/bar", "foo/bar", EXACT },
    { "**/foo/bar", "dir/foo/bar", EXACT },
    { "**/foo/bar", "dir/dir2/foo/bar", EXACT },
    { "abc/**", "abc", FAIL },
    { "abc/**", "abc/def", EXACT },
    { "abc/**", "abc/def/ghi", EXACT },
    { "**/.foo", ".foo", EXACT },
    { "**/.foo", "bar.foo", FAIL },
    { "a(b)c/def", "a(b)c/def", EXACT },
    { "a(b)c/def", "a(b)c/xyz", FAIL },
    { "a.|)$(}+{bc", "a.|)$(}+{bc", EXACT },
    { "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
      "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
    { "dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
    { "a\\\\", "a\\", EXACT },
    { "a\\*b", "a*b", EXACT },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      bool exact = one (cases[i].pattern, cases[i].text, false);
      bool parents = one (cases[i].pattern, cases[i].text, true);
      if (exact != (cases[i].pass == EXACT) || parents != (cases[i].pass != FAIL))
        {
          fprintf (stderr, "  pattern %s text %s: exact %d parents %d\n", cases[i].pattern,
                   cases[i].text, exact, parents);
          unit_failed_checks++;
        }
    }
}

/* The multi-pattern cases and the exception tests. */
void
test_ignore_docker_exceptions (void)
{
  static const char *const a[] = { "**", "!util/docker/web", NULL };
  static const char *const b[] = { "**", "!util/docker/web", "util/docker/web/foo", NULL };
  static const char *const c[]
      = { "**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", NULL };
  static const char *const d[] = { "**", "!dist/*.whl", NULL };
  static const char *const e[] = { "!fileutils.go", "*.go", NULL };
  static const char *const f[] = { "docs", "!docs/README.md", NULL };
  static const char *const g[] = { "docs/", "!docs/README.md", NULL };
  static const char *const h[] = { "docs/*", "!docs/README.md", NULL };
  static const char *const i[] = { "*.go", "!fileutils.go", NULL };
  static const char *const j[] = { "*.go", NULL };
  static const char *const k[] = { "*", NULL };
  static const char *const none[] = { NULL };
  bool r;

  CHECK (many (a, "util/docker/web/foo", &r) == 0 && !r);
  CHECK (many (b, "util/docker/web/foo", &r) == 0 && r);
  CHECK (many (c, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", &r) == 0 && !r);
  CHECK (many (d, "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", &r) == 0 && !r);
  CHECK (many (e, "fileutils.go", &r) == 0 && r);
  CHECK (many (f, "docs/README.md", &r) == 0 && !r);
  CHECK (many (g, "docs/README.md", &r) == 0 && !r);
  CHECK (many (h, "docs/README.md", &r) == 0 && !r);
  CHECK (many (i, "fileutils.go", &r) == 0 && !r);
  CHECK (many (j, "fileutils.go", &r) == 0 && r);
  CHECK (many (k, "fileutils.go", &r) == 0 && r);
  CHECK (many (j, ".", &r) == 0 && !r);
  CHECK (many (none, "any/path/there", &r) == 0 && !r);
}

/* Go's filepath.Match cases (TestMatch): the match, or the
   ErrBadPattern that refuses the pattern. */
void
test_ignore_go_match (void)
{
  static const struct
  {
    const char *pattern, *s;
    bool match, bad;
  } cases[] = {
    { "abc", "abc", true, false },
    { "*", "abc", true, false },
    { "*c", "abc", true, false },
    { "a*", "a", true, false },
    { "a*", "abc", true, false },
    { "a*", "ab/c", true, false },
    { "a*/b", "abc/b", true, false },
    { "a*/b", "a/c/b", false, false },
    { "a*b*c*d*e*/f", "axbxcxdxe/f", true, false },
    { "a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false },
    { "a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false },
    { "a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false },
    { "a*b?c*x", "abxbbxdbxebxczzx", true, false },
    { "a*b?c*x", "abxbbxdbxebxczzy", false, false },
    { "ab[c]", "abc", true, false },
    { "ab[b-d]", "abc", true, false },
    { "ab[e-g]", "abc", false, false },
    { "ab[^c]", "abc", false, false },
    { "ab[^b-d]", "abc", false, false },
    { "ab[^e-g]", "abc", true, false },
    { "a\\*b", "a*b", true, false },
    { "a\\*b", "ab", false, false },
    { "a?b",
      "a\xe2\x98\xba"
      "b",
      true, false },
    { "a[^a]b",
      "a\xe2\x98\xba"
      "b",
      true, false },
    { "a???b",
      "a\xe2\x98\xba"
      "b",
      false, false },
    { "a[^a][^a][^a]b",
      "a\xe2\x98\xba"
      "b",
      false, false },
    { "[a-\xce\xb6]*", "\xce\xb1", true, false },
    { "*[a-\xce\xb6]", "A", false, false },
    { "a?b", "a/b", false, false },
    { "a*b", "a/b", false, false },
    { "[\\]a]", "]", true, false },
    { "[\\-]", "-", true, false },
    { "[x\\-]", "x", true, false },
    { "[x\\-]", "-", true, false },
    { "[x\\-]", "z", false, false },
    { "[\\-x]", "x", true, false },
    { "[\\-x]", "-", true, false },
    { "[\\-x]", "a", false, false },
    { "[]a]", "]", false, true },
    { "[-]", "-", false, true },
    { "[x-]", "x", false, true },
    { "[x-]", "-", false, true },
    { "[x-]", "z", false, true },
    { "[-x]", "x", false, true },
    { "[-x]", "-", false, true },
    { "[-x]", "a", false, true },
    { "\\", "a", false, true },
    { "[a-b-c]", "a", false, true },
    { "[", "a", false, true },
    { "[^", "a", false, true },
    { "[^bc", "a", false, true },
    { "a[", "a", false, true },
    { "a[", "ab", false, true },
    { "*x", "xxx", true, false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct ignore ig = { 0 };
      struct cl_error err = { 0 };
      int r = ignore_add (&ig, cases[i].pattern, &err);
      bool m = r == 0 && ignore_match (&ig, cases[i].s);
      if ((r < 0) != cases[i].bad || m != cases[i].match)
        {
          fprintf (stderr, "  Match(%s, %s): refused %d match %d\n", cases[i].pattern, cases[i].s,
                   r < 0, m);
          unit_failed_checks++;
        }
      ignore_clear (&ig);
    }
}

/* ignorefile.ReadAll: comments in the first column, trimming, a leading
   '/', cleaning, "!" alone refused; and the walk's pruning. */
void
test_ignore_file (void)
{
  struct ignore ig = { 0 };
  struct cl_error err = { 0 };

  CHECK (ignore_parse (&ig,
                       "\xef\xbb\xbf# a comment\n\nnode_modules\n*.log\n!keep.log\n/build\n"
                       "**/*.tmp\n  ./docs/../site/  \r\n #notacomment\n",
                       ".dockerignore", &err)
         == 0);
  CHECK (ig.exceptions);
  CHECK (ignore_match (&ig, "node_modules"));
  CHECK (ignore_match (&ig, "node_modules/x/y"));
  CHECK (!ignore_match (&ig, "src/node_modules"));
  CHECK (ignore_match (&ig, "a.log"));
  CHECK (!ignore_match (&ig, "keep.log"));
  CHECK (!ignore_match (&ig, "src/a.log"));
  CHECK (ignore_match (&ig, "build"));
  CHECK (!ignore_match (&ig, "src/build"));
  CHECK (ignore_match (&ig, "a/b/c.tmp"));
  CHECK (ignore_match (&ig, "c.tmp"));
  CHECK (ignore_match (&ig, "site/index.html"));
  CHECK (!ignore_match (&ig, "docs"));
  CHECK (ignore_match (&ig, " #notacomment") == false);
  CHECK (ignore_match (&ig, "#notacomment"));
  /* Pruning: only ** reaches into src; nothing but exceptions below
     node_modules (none there). */
  CHECK (ignore_may_match_below (&ig, "src", false));
  CHECK (!ignore_may_match_below (&ig, "node_modules", true));
  ignore_clear (&ig);

  CHECK (ignore_parse (&ig, "node_modules\n*.log\ndist\n!dist/keep\n", "x", &err) == 0);
  CHECK (!ignore_may_match_below (&ig, "src", false));
  CHECK (ignore_may_match_below (&ig, "dist", true));
  CHECK (!ignore_may_match_below (&ig, "node_modules", true));
  CHECK (ignore_match (&ig, "dist/other") && !ignore_match (&ig, "dist/keep"));
  ignore_clear (&ig);

  CHECK (ignore_parse (&ig, "a/*/c\n", "x", &err) == 0);
  CHECK (ignore_may_match_below (&ig, "a", false));
  CHECK (ignore_may_match_below (&ig, "a/b", false));
  CHECK (!ignore_may_match_below (&ig, "a/b/c", false));
  CHECK (!ignore_may_match_below (&ig, "b", false));
  ignore_clear (&ig);

  CHECK (ignore_parse (&ig, "ok\n!\n", ".dockerignore", &err) < 0);
  CHECK (strstr (err.msg, "line 2") != NULL);
  ignore_clear (&ig);
  CHECK (ignore_parse (&ig, "[\n", ".dockerignore", &err) < 0);
  ignore_clear (&ig);
}

/* Many stars against a long path (found by test/fuzz/fuzz_ignore.c: the
   backtracking matcher took minutes): the failed states are remembered, and
   the answers stay Docker's.  The regression inputs replayed by `make
   fuzz-smoke` are test/fuzz/corpus/ignore/regression-*. */
void
test_ignore_many_stars (void)
{
  char a[201], dirs[201];

  memset (a, 'a', 200);
  a[200] = '\0';
  for (size_t i = 0; i < 200; i += 2)
    memcpy (dirs + i, "a/", 2);
  dirs[199] = '\0';
  CHECK (!one ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", a, false));
  CHECK (one ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", a, false));
  CHECK (!one ("**a**a**a**a**a**a**a**a**a**a**b", dirs, true));
  CHECK (one ("**a**a**a**a**a**a**a**a**a**a**a", dirs, true));
  CHECK (one ("a/**/a/*/a/**/a", dirs, false));
  CHECK (!one ("a/**/a/*/a/**/b", dirs, true));
}

/* run --context's argument: DIR[:TARGET], the last ':' before a '/'. */
void
test_context_parse (void)
{
  static const struct
  {
    const char *arg, *dir, *target;
    bool ok;
  } cases[] = {
    { NULL, ".", "/workspace", true },          { "", ".", "/workspace", true },
    { ".", ".", "/workspace", true },           { "./app", "./app", "/workspace", true },
    { "./app:/src", "./app", "/src", true },    { ":/src", ".", "/src", true },
    { "/a:b/c", "/a:b/c", "/workspace", true }, { "/a:b:/t", "/a:b", "/t", true },
    { "./app:/", NULL, NULL, false },           { "./app:/a/../b", NULL, NULL, false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct context_req r = { 0 };
      struct cl_error err = { 0 };
      int ret = context_parse (cases[i].arg, &r, &err);
      CHECK ((ret == 0) == cases[i].ok);
      if (cases[i].ok)
        {
          CHECK_STR (r.dir, cases[i].dir);
          CHECK_STR (r.target, cases[i].target);
        }
      context_req_clear (&r);
    }
}
