/* Containers in the store: containers/<id>/ holds container.json (the
   record), config.json (the runtime spec), and the snapshot's upper/,
   work/ and rootfs/.  Names are unique, checked under locks/containers. */
#ifndef CL_CONTAINER_H
#define CL_CONTAINER_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct container
{
  char *id;   /* 64 hex */
  char *name;
  char *image;    /* as the user named it */
  char *image_id; /* config digest hex */
  char **command;
  long long created, started, finished;
  char *status; /* "created", "running", "exited" */
  int exit_code;
  int pid;
  char *dir; /* absolute path of containers/<id> */
};

void container_clear (struct container *c);

/* A new container directory with a fresh ID; name NULL → the short ID.
   Fails naming the holder when the name is taken. */
int container_create (struct store *s, const char *name, struct container *c,
                      struct cl_error *err);
int container_save (struct store *s, const struct container *c, struct cl_error *err);
int container_remove (struct store *s, const char *id, struct cl_error *err);

/* Is any container made from image `image_id`? */
bool container_uses_image (struct store *s, const char *image_id);

#endif
