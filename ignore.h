/* The .dockerignore matcher (pure, unit-tested against Docker's own
   patternmatcher cases): a file's lines become patterns as Docker reads
   them (moby/patternmatcher/ignorefile: a '#' in the first column is a
   comment, blank lines skipped, spaces trimmed, `!` an exception, each
   pattern cleaned as filepath.Clean does and a leading '/' dropped), and a
   path relative to the context is matched as MatchesOrParentMatches does
   it: the last pattern that matches the path or one of its parents wins.
   Syntax: '*' and '?' within one path element, '**' across elements,
   [a-z] and [^a-z] classes, '\' escapes.  A malformed pattern (Go's
   filepath.ErrBadPattern: "[", "a[", "[x-]", a trailing '\', a lone "!")
   fails the whole file. */
#ifndef CL_IGNORE_H
#define CL_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct ignore_pattern;

struct ignore
{
  struct ignore_pattern *v;
  size_t n;
  bool exceptions; /* some pattern starts with '!' */
};

/* Patterns from an ignore file's text; `what` names it in errors. */
int ignore_parse (struct ignore *ig, const char *text, const char *what, struct cl_error *err);
/* Patterns one by one, as Docker's patternmatcher.New takes them. */
int ignore_add (struct ignore *ig, const char *pattern, struct cl_error *err);
void ignore_clear (struct ignore *ig);
void cleanup_ignorep (struct ignore *ig);
#define cleanup_ignore __attribute__ ((cleanup (cleanup_ignorep)))

/* Is `path` ("a/b/c", relative to the context) ignored? */
bool ignore_match (const struct ignore *ig, const char *path);
/* Does a single pattern match `path` exactly (MatchesExact), not counting
   parents?  For the unit tests. */
bool ignore_match_exact (const struct ignore *ig, const char *path);

/* Could a path strictly beneath directory `dir` be matched by a pattern
   (`exceptions`: by an exception) differently from `dir` itself?  False
   lets a walk skip the directory: the answer is conservative (true when
   unsure), so a walk touches only what the patterns can reach. */
bool ignore_may_match_below (const struct ignore *ig, const char *dir, bool exceptions);

#endif
