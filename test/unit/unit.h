/* A tiny unit-test runner: CHECK records a failure and goes on; each test
   is a function; main() prints "unit: N passed, N failed". */
#ifndef CL_UNIT_H
#define CL_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failed_checks;

#define CHECK(cond)                                                                                \
  do                                                                                               \
    {                                                                                              \
      if (!(cond))                                                                                 \
        {                                                                                          \
          fprintf (stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
          unit_failed_checks++;                                                                    \
        }                                                                                          \
    }                                                                                              \
  while (0)

#define CHECK_STR(a, b)                                                                            \
  do                                                                                               \
    {                                                                                              \
      const char *a_ = (a), *b_ = (b);                                                             \
      if (!a_ || !b_ || strcmp (a_, b_) != 0)                                                      \
        {                                                                                          \
          fprintf (stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)",  \
                   b_ ? b_ : "(null)");                                                            \
          unit_failed_checks++;                                                                    \
        }                                                                                          \
    }                                                                                              \
  while (0)

struct unit_test
{
  const char *name;
  void (*fn) (void);
};

#endif
