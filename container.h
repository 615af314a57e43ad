/* Containers in the store: containers/<id>/ holds container.json (the
   record), config.json (the runtime spec), exit (how the last run ended,
   exitrec.h), ctr.log (logfmt.h), and the snapshot's upper/, work/ and
   rootfs/.  Names are unique, checked under locks/containers. */
#ifndef CL_CONTAINER_H
#define CL_CONTAINER_H

#include <stdbool.h>

#include "error.h"
#include "exitrec.h"
#include "store.h"

struct container
{
  char *id; /* 64 hex */
  char *name;
  char *image;        /* as the user named it */
  char *image_id;     /* config digest hex */
  char **command;     /* the process's argv */
  char **entrypoint;  /* the part of it that is the entrypoint */
  char **ports;       /* -p: "5432/tcp" on the host's network, "IP:HOST:PORT/tcp" (net.h) */
  char **volumes;     /* the volumes it mounts, by name (volume.h) */
  char **labels;      /* --label: "K=V" strings (NULL: none) */
  char *network;      /* "host", "none", "private", a network's name; NULL: host */
  char *net_ip;       /* --ip, or NULL */
  char **net_aliases; /* --network-alias names, or NULL */
  long long created, started;
  char *status; /* "created", "running"; "exited" once an exit is recorded */
  int pid;
  unsigned long long pid_start; /* its start time, so a reused pid is not taken for it */
  /* Who waits for it: the monitor, or the `run` in the foreground. */
  int monitor_pid;
  unsigned long long monitor_start;
  bool detached, auto_rm;
  bool interactive, tty; /* -i, -t */
  long long log_max_size;
  char *snapshot;          /* snapshot mode name */
  char *stop_signal;       /* the image's StopSignal, or NULL */
  char *restart;           /* --restart policy (restart.h), NULL for none */
  int restart_count;       /* restarts by the policy since `run` */
  struct exit_record exit; /* valid when status is "exited" */
  char *error;             /* why its command could not start (left "created"), or NULL */
  char *dir;               /* absolute path of containers/<id> */
};

enum container_state
{
  CONTAINER_CREATED,
  CONTAINER_RUNNING,
  CONTAINER_STOPPING, /* its process is gone, its monitor still recording */
  CONTAINER_EXITED,
  CONTAINER_LOST, /* process and monitor gone, no exit recorded: code unknown */
};

void container_clear (struct container *c);

/* Docker's rule for a name, [a-zA-Z0-9][a-zA-Z0-9_.-]*: it is also a
   file name and a command-line word. */
int container_name_check (const char *name, struct cl_error *err);

/* A new container directory with a fresh ID; name NULL → the short ID.
   Fails naming the holder when the name is taken. */
int container_create (struct store *s, const char *name, struct container *c, struct cl_error *err);
int container_save (struct store *s, const struct container *c, struct cl_error *err);
/* Its command could not start (126, 127): it is "created" with `msg`
   as its error (inspect's State.Error), as docker and podman keep it. */
void container_keep_failed (struct store *s, struct container *c, const char *msg);
/* docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool container_name_valid (const char *name);
/* Give container `id` the name `name` (checked unique under the
   containers lock, as container_create does). */
int container_rename (struct store *s, const char *id, const char *name, struct cl_error *err);
/* Its directory in the run root (tmpfs: gone after a reboot), which holds
   the attach socket (attach.h). */
char *container_run_dir (const struct store *s, const char *id);
/* Remove the directory under the container's lock (see exitrec.h), and
   its run directory.  `known`: its record as the caller has it (for the
   event's name and image), or NULL to read it. */
int container_remove (struct store *s, const char *id, const struct container *known,
                      struct cl_error *err);
/* Remove what a removal killed half-way left behind. */
void container_remove_leftovers (struct store *s);

/* Every record, with its exit record folded in and its dir set. */
int container_list (struct store *s, struct container **out, size_t *n, struct cl_error *err);
void container_list_free (struct container *v, size_t n);

/* By full ID, name, or unambiguous ID prefix: 0 found, 1 none, -1 error
   (an ambiguous prefix). */
int container_find (struct store *s, const char *what, struct container *out, struct cl_error *err);

/* The start time of process `pid` (/proc/PID/stat), 0 when gone or a
   zombie. */
unsigned long long container_pid_start (int pid);

/* Is the container's process alive?  A "running" record whose process is
   gone (the crunlocal that ran it was killed) is not. */
bool container_running (const struct container *c);
/* Is whoever records its exit still at it? */
bool container_monitored (const struct container *c);
enum container_state container_state (const struct container *c);
/* "created", "running", "stopping", "exited" (LOST too), as podman names them. */
const char *container_state_name (enum container_state st);

/* Is any container made from image `image_id`? */
bool container_uses_image (struct store *s, const char *image_id);

#endif
