/* WWW-Authenticate challenges, which any server we talk to writes. */
#include "../../registry.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  static const char *keys[] = { "realm", "service", "scope", "error" };

  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    free (registry_challenge_param (s, keys[i]));
  return 0;
}
