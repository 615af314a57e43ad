/* Every unit test, declared once and listed for the runner. */
#ifndef CL_UNIT_TESTS_H
#define CL_UNIT_TESTS_H

void test_ref_valid (void);
void test_ref_invalid (void);
void test_ref_normalise (void);
void test_ref_transports (void);
void test_digest (void);

#define UNIT_TESTS                                                           \
  { "ref_valid", test_ref_valid }, { "ref_invalid", test_ref_invalid },      \
      { "ref_normalise", test_ref_normalise },                               \
      { "ref_transports", test_ref_transports }, { "digest", test_digest },

#endif
