/* One fuzz target per file: LLVMFuzzerTestOneInput over crunlocal's
   parsers.  Built with clang's libFuzzer for `make fuzz`, or with
   driver.c (every file of a corpus, once) for `make fuzz-smoke`, which
   `make check` runs so that the targets and their corpora cannot rot. */
#ifndef CL_FUZZ_H
#define CL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (parsers take C strings). */
static inline char *
fuzz_string (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);

  if (!s)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

#endif
