#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../json.h"
#include "../../template.h"
#include "tests.h"
#include "unit.h"

static const char doc_text[]
    = "{\"Id\": \"abc\", \"State\": {\"ExitCode\": 3, \"Running\": false, \"Error\": \"\"},"
      " \"Config\": {\"Env\": [\"A=1\", \"B=2\"], \"Labels\": {\"k\": \"v\", \"a\": \"b\"},"
      " \"Cmd\": null, \"Tty\": true},"
      " \"Mounts\": [{\"Source\": \"/s\", \"RW\": true}], \"Empty\": []}";

/* The rendered text, or "ERR: message". */
static char *
render (yajl_val doc, const char *fmt)
{
  struct cl_error err = { 0 };
  char *out = NULL;

  if (template_render_json (fmt, doc, &out, &err) < 0)
    {
      char *e = NULL;
      if (asprintf (&e, "ERR: %s", err.msg) < 0)
        abort ();
      return e;
    }
  return out;
}

static void
check_render (yajl_val doc, const char *fmt, const char *want)
{
  char *got = render (doc, fmt);
  if (strcmp (got, want) != 0)
    fprintf (stderr, "  template %s\n", fmt);
  CHECK_STR (got, want);
  free (got);
}

/* Fields, nested and in any case; Go's printing of lists, maps, bools,
   numbers and of what is missing. */
void
test_template_json_fields (void)
{
  struct cl_error err = { 0 };
  cleanup_json yajl_val doc = NULL;

  CHECK (json_parse (doc_text, &doc, &err) == 0);
  check_render (doc, "{{.State.ExitCode}}", "3");
  check_render (doc, "{{ .Id }}-{{.ID}}", "abc-abc");
  check_render (doc, "{{.Config.Env}}", "[A=1 B=2]");
  check_render (doc, "{{.Config.Labels}}", "map[a:b k:v]");
  check_render (doc, "{{.State.Running}} {{.Config.Tty}}", "false true");
  check_render (doc, "{{.Mounts}}", "[map[RW:true Source:/s]]");
  check_render (doc, "{{.Nope}}|{{.State.Nope}}|{{.Config.Cmd}}",
                "<no value>|<no value>|<no value>");
  check_render (doc, "{{.Nope.Deeper}}", "<no value>");
  check_render (doc, "{{$.Id}} {{with .State}}{{.ExitCode}}{{end}}", "abc 3");
  check_render (doc, "a\\tb\\n", "a\tb\n");
  check_render (doc, "{{/* a comment */}}x", "x");
  check_render (doc, "a  {{- .Id -}}  b", "aabcb");
}

/* json, range, index, if/else, pipelines and the small functions. */
void
test_template_json_actions (void)
{
  struct cl_error err = { 0 };
  cleanup_json yajl_val doc = NULL;

  CHECK (json_parse (doc_text, &doc, &err) == 0);
  check_render (doc, "{{json .Mounts}}", "[{\"Source\":\"/s\",\"RW\":true}]");
  check_render (doc, "{{json .Config.Env}} {{json .Id}} {{json .Nope}}",
                "[\"A=1\",\"B=2\"] \"abc\" null");
  check_render (doc, "{{.Config.Labels | json}}", "{\"k\":\"v\",\"a\":\"b\"}");
  check_render (doc, "{{range .Config.Env}}{{.}} {{end}}", "A=1 B=2 ");
  check_render (doc, "{{range .Config.Labels}}{{.}},{{end}}", "b,v,");
  check_render (doc, "{{range .Empty}}x{{else}}none{{end}}", "none");
  check_render (doc, "{{range .Mounts}}{{.Source}}{{if .RW}} rw{{end}}{{end}}", "/s rw");
  check_render (doc, "{{index .Config.Labels \"k\"}}[{{index .Config.Labels \"zz\"}}]", "v[]");
  check_render (doc, "{{index .Config.Env 1}}", "B=2");
  check_render (doc, "{{if .State.Running}}up{{else}}down{{end}}", "down");
  check_render (doc, "{{if eq .State.ExitCode 3}}three{{end}}{{if ne .Id \"abc\"}}!{{end}}",
                "three");
  check_render (doc, "{{len .Config.Env}} {{join .Config.Env \",\"}} {{upper .Id}}",
                "2 A=1,B=2 ABC");
  check_render (doc, "{{if not .State.Running}}stopped{{end}}", "stopped");
}

/* Mistakes are errors naming the action, never a crash. */
void
test_template_json_errors (void)
{
  struct cl_error err = { 0 };
  cleanup_json yajl_val doc = NULL;
  char *out;

  CHECK (json_parse (doc_text, &doc, &err) == 0);
  out = render (doc, "{{.Id");
  CHECK (strstr (out, "ERR: ") && strstr (out, "unclosed"));
  free (out);
  out = render (doc, "{{range .Config.Env}}x");
  CHECK (strstr (out, "ERR: ") && strstr (out, "{{end}}"));
  free (out);
  out = render (doc, "{{end}}");
  CHECK (strstr (out, "ERR: ") != NULL);
  free (out);
  /* A bare keyword: its word ends at the action's end, not the text's
     (found by fuzz_template). */
  out = render (doc, "{{range}}x{{end}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "missing command"));
  free (out);
  out = render (doc, "{{nosuch .Id}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "nosuch"));
  free (out);
  out = render (doc, "{{.Id.Deeper}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "can't evaluate field Deeper"));
  free (out);
  out = render (doc, "{{range .Id}}{{end}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "range can't iterate"));
  free (out);
  out = render (doc, "{{index .Config.Env 7}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "out of range"));
  free (out);
  out = render (doc, "{{json}}");
  CHECK (strstr (out, "ERR: ") && strstr (out, "wrong number of args"));
  free (out);
  out = render (doc, "{{index .Config.Labels \"unterminated}}");
  CHECK (strstr (out, "ERR: ") != NULL);
  free (out);
}
