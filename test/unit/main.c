#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "tests.h"

int unit_failed_checks;

int
main (int argc, char **argv)
{
  static const struct unit_test tests[] = { UNIT_TESTS };
  int passed = 0, failed = 0;

  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
    {
      int before = unit_failed_checks;
      if (argc > 1 && !strstr (tests[i].name, argv[1]))
        continue;
      tests[i].fn ();
      if (unit_failed_checks == before)
        {
          passed++;
          printf ("ok - %s\n", tests[i].name);
        }
      else
        {
          failed++;
          printf ("not ok - %s\n", tests[i].name);
        }
    }
  printf ("unit: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
