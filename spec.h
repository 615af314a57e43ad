/* The spec builder: image config + run options → an OCI runtime spec
   (ocispec.h), which ns.c executes.  Pure: files of the image
   (/etc/passwd, /etc/group) come through a reader callback, so every
   merge rule is unit-testable. */
#ifndef CL_SPEC_H
#define CL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "image.h"
#include "ocispec.h"

struct spec_volume
{
  char *source, *destination;
  bool readonly;
  bool volume; /* the store's (named or anonymous): nosuid,nodev, as podman */
};

/* What `run` was asked for, beyond the image. */
struct spec_opts
{
  char **args;      /* trailing arguments (replace Cmd) */
  char *entrypoint; /* --entrypoint ("" clears it); NULL keeps the image's */
  bool entrypoint_set;
  char **env;       /* -e NAME=VALUE, or NAME to take the host's value */
  char **env_files; /* --env-file */
  char *workdir, *user, *hostname;
  bool terminal, read_only, init;
  unsigned short console_rows, console_cols; /* the caller's terminal, for -t */
  bool network_none;
  bool network_private;            /* a network namespace that net.c sets up */
  const char *net_path;            /* --network container:X: its namespace to join */
  bool privileged;                 /* --privileged: docker's meaning */
  unsigned long long cap_bounding; /* the caller's bounding set (bit n: cap n); 0: any */
  char **devices;                  /* --device HOST[:CONTAINER[:PERMS]] */
  long long shm_size;              /* --shm-size in bytes, 0: 64 MiB */
  const char *etc_dir;             /* resolv.conf, hostname and hosts to bind (etcfiles.h) */
  bool no_hosts;                   /* --no-hosts: no hosts in etc_dir */
  struct spec_volume *volumes;     /* -v, --mount type=bind */
  size_t n_volumes;
  char **tmpfs;                     /* --tmpfs DEST[:OPTIONS] */
  const struct spec_mount *context; /* run --context: its overlay (or copy) at TARGET */
  bool cnb_launcher;                /* the image has /cnb/lifecycle/launcher (cnb.h) */
  char **cap_add, **cap_drop;       /* --cap-add, --cap-drop: names or ALL */
  char **ulimits;                   /* --ulimit NAME=SOFT[:HARD] */
  char *rootfs;                     /* the container's root directory */
  /* Rootless: maps to put in the spec (empty for root or a parent
     namespace that maps already). */
  struct spec_idmap *uid_maps, *gid_maps;
  size_t n_uid_maps, n_gid_maps;
  bool rootless;                  /* not root on the host: sysfs is bound, not mounted */
  bool single_id;                 /* one mapped id: devpts without gid=5 */
  unsigned long long nofile_hard; /* the caller's hard RLIMIT_NOFILE */
  /* --security-opt: seccomp= NULL (docker's default profile), "unconfined"
     or a profile file's path, whose text the CLI read into seccomp_json;
     mask=, unmask= paths (unmask ALL: every masked and read-only one). */
  const char *seccomp, *seccomp_json;
  char **mask, **unmask;
  bool new_privs; /* no-new-privileges=false: setuid binaries work */
};

/* Reads a file of the image (for /etc/passwd, /etc/group); returns a
   malloc'd NUL-terminated copy, or NULL when the image has none. */
typedef char *(*spec_file_reader) (const char *path, void *arg);

int spec_from_image (const struct image_config *img, const struct spec_opts *o,
                     spec_file_reader read_file, void *arg, struct spec *out, struct cl_error *err);

/* Pieces exposed for the unit tests. */
char **spec_merge_args (char *const *img_entrypoint, char *const *img_cmd,
                        const struct spec_opts *o);
int spec_merge_env (char *const *img_env, const struct spec_opts *o, char ***out,
                    struct cl_error *err);
int spec_resolve_user (const char *user, const char *passwd, const char *group, uid_t *uid,
                       gid_t *gid, gid_t **groups, size_t *n_groups, struct cl_error *err);

/* Does env (NAME=VALUE entries) set NAME? */
bool spec_env_has (char *const *env, const char *name);

#endif
