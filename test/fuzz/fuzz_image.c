/* Registry documents: manifests, indexes, image configs and their history,
   the first thing a hostile registry controls. */
#include "../../image.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  cleanup_manifest struct manifest m = { 0 };
  cleanup_image_config struct image_config c = { 0 };
  struct image_history *h = NULL;
  size_t n = 0;
  struct cl_error err;

  manifest_parse (s, &m, &err);
  image_config_parse (s, &c, &err);
  if (image_history_parse (s, &h, &n, &err) == 0)
    image_history_free (h, n);
  return 0;
}
