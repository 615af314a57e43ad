/* Cloud Native Buildpacks images (rfc-0060 §3.1, §3.2, §3.6): an image
   with io.buildpacks.* labels runs as the CNB platform specification's
   launch phase expects — in /workspace, with CNB_PLATFORM_API and the
   launcher's inputs (CNB_APP_DIR, CNB_LAYERS_DIR, CNB_PROCESS_TYPE) in
   its environment, and, when no command is given, its default process
   from the io.buildpacks.build.metadata label (the one marked default,
   else "web"), through /cnb/lifecycle/launcher when the image has one.
   Its user is the image's (a CNB image's is not root). */
#ifndef CL_CNB_H
#define CL_CNB_H

#include <stdbool.h>

#include "error.h"

#define CNB_PLATFORM_API "0.12"
#define CNB_APP_DIR "/workspace"
#define CNB_LAYERS_DIR "/layers"
#define CNB_LAUNCHER "/cnb/lifecycle/launcher"

/* Does the image carry io.buildpacks.* labels ("K=V" strings)? */
bool cnb_image (char *const *labels);

struct cnb_process
{
  char *type;
  char **argv; /* command, then args */
  bool shell;  /* a command string not "direct" (before Buildpack API 0.9): a shell runs it */
};

/* The default process from io.buildpacks.build.metadata: 0 found, 1
   none (no label, no processes, none default or "web"), -1 a label that
   is not the JSON it should be. */
int cnb_default_process (char *const *labels, struct cnb_process *out, struct cl_error *err);
void cnb_process_clear (struct cnb_process *p);

#endif
