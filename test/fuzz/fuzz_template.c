/* Go templates (--format, inspect -f), rendered against a small document.
   The input is the template. */
#include "../../json.h"
#include "../../template.h"
#include "../../util.h"
#include "fuzz.h"

static const char doc_text[]
    = "{\"Id\":\"abc\",\"Names\":[\"a\",\"b\"],\"State\":{\"ExitCode\":3,\"Running\":false},"
      "\"Config\":{\"Labels\":{\"k\":\"v\"},\"Env\":[\"A=1\"]},\"Size\":12.5,\"N\":null}";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static yajl_val doc;
  cleanup_free char *s = fuzz_string (data, size);
  cleanup_free char *out = NULL;
  struct cl_error err;

  if (!doc && json_parse (doc_text, &doc, &err) < 0)
    abort ();
  template_render_json (s, doc, &out, &err);
  return 0;
}
