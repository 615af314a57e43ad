/* What run --bundle and --security-opt seccomp= read from strangers: an
   OCI runtime config.json and a docker seccomp profile. */
#include "../../ocispec.h"
#include "../../scprofile.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char *caps[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", NULL };
  struct scprofile_host h = { .caps = caps, .abi = sysnr_native (), .kernel = "6.1.0" };
  cleanup_free char *s = fuzz_string (data, size);
  cleanup_spec struct spec sp = { 0 };
  cleanup_spec_seccomp struct spec_seccomp sc = { 0 };
  struct cl_error err;

  spec_from_json (s, &sp, &err);
  scprofile_load (s, &h, &sc, &err);
  return 0;
}
