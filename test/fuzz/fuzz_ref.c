/* Image references: what users and Dockerfiles type, and what archives'
   RepoTags and OCI ref.name annotations say. */
#include "../../ref.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_free char *s = fuzz_string (data, size);
  cleanup_free char *canon = ref_canonical (s);
  cleanup_ref struct image_ref ref = { 0 };
  struct cl_error err;

  if (ref_parse (s, &ref, &err) == 0)
    free (ref_repo (&ref));
  if (!canon)
    abort ();
  return 0;
}
