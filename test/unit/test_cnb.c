/* Cloud Native Buildpacks labels: the default process as the lifecycle's
   exporter writes it (command an array since Buildpack API 0.9, a string
   before), the default flag before "web", and a broken label refused. */
#include "../../cnb.h"
#include "tests.h"
#include "unit.h"

#include <stdlib.h>

#include "../../util.h"

void
test_cnb_default_process (void)
{
  char *plain[] = { "a=b", NULL };
  char *cnb[] = { "io.buildpacks.stack.id=x",
                  "io.buildpacks.build.metadata={\"processes\":[{\"type\":\"worker\",\"command\":["
                  "\"w\"]},{\"type\":\"cli\",\"command\":[\"node\"],\"args\":[\"a.js\",\"-v\"],"
                  "\"default\":true},{\"type\":\"web\",\"command\":[\"x\"]}]}",
                  NULL };
  char *old[] = { "io.buildpacks.build.metadata={\"processes\":[{\"type\":\"worker\",\"command\":"
                  "\"w\"},{\"type\":\"web\",\"command\":\"npm start\",\"args\":[]}]}",
                  NULL };
  char *none[] = { "io.buildpacks.build.metadata={\"processes\":[{\"type\":\"worker\",\"command\":"
                   "\"w\"}]}",
                   NULL };
  char *bad[] = { "io.buildpacks.build.metadata={\"processes\":", NULL };
  struct cnb_process p;
  struct cl_error err = { 0 };

  CHECK (!cnb_image (plain));
  CHECK (cnb_image (cnb));
  CHECK (cnb_default_process (plain, &p, &err) == 1);
  CHECK (cnb_default_process (cnb, &p, &err) == 0);
  CHECK_STR (p.type, "cli");
  CHECK (strv_len (p.argv) == 3);
  CHECK_STR (p.argv[0], "node");
  CHECK_STR (p.argv[2], "-v");
  CHECK (!p.shell);
  cnb_process_clear (&p);
  CHECK (cnb_default_process (old, &p, &err) == 0);
  CHECK_STR (p.type, "web");
  CHECK (strv_len (p.argv) == 1);
  CHECK_STR (p.argv[0], "npm start");
  CHECK (p.shell);
  cnb_process_clear (&p);
  CHECK (cnb_default_process (none, &p, &err) == 1);
  CHECK (cnb_default_process (bad, &p, &err) < 0);
}
