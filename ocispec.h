/* The runtime's input: the OCI runtime spec (config.json) as the types
   ns.c executes, their cleanup, the JSON codec both ways, and bundles (a
   directory with config.json and a root filesystem: the seeds'
   caller-generates / runtime-executes split).  spec.c builds one from an
   image; `crunlocal spec` writes a bundle; `run --bundle` reads any,
   runc's included.  Nothing here knows of images or the builder. */
#ifndef CL_OCISPEC_H
#define CL_OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct spec_mount
{
  char *destination, *type, *source;
  char **options;
};

struct spec_idmap
{
  unsigned long container, host, size;
};

struct spec_rlimit
{
  char *type; /* "RLIMIT_NOFILE" */
  unsigned long long soft, hard;
};

/* linux.resources, as far as cgroup.c applies them.  0 is "not set"
   in every field; -1 is "unlimited" where the runtime spec allows it
   (memory, swap, quota, pids). */
struct spec_resources
{
  long long memory_limit, memory_swap, memory_reservation; /* bytes */
  unsigned long long cpu_shares, cpu_period;               /* period in µs */
  long long cpu_quota;                                     /* µs per period */
  char *cpuset_cpus, *cpuset_mems;                         /* "0-1,3", NULL: not set */
  long long pids_limit;
};

enum spec_ns
{
  NS_PID = 1 << 0,
  NS_MOUNT = 1 << 1,
  NS_UTS = 1 << 2,
  NS_IPC = 1 << 3,
  NS_CGROUP = 1 << 4,
  NS_NET = 1 << 5,
  NS_USER = 1 << 6,
};

struct spec
{
  char **args, **env;
  char *cwd;
  bool terminal;
  unsigned short console_rows, console_cols; /* consoleSize, 0 when unknown */
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t n_groups;
  char *hostname;
  char *root_path;
  bool root_readonly;
  struct spec_mount *mounts;
  size_t n_mounts;
  char **masked_paths, **readonly_paths;
  char **caps; /* bounding = effective = permitted */
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privs;
  bool init; /* run a built-in init as PID 1 (--init) */
  unsigned namespaces;
  struct spec_idmap *uid_maps, *gid_maps;
  size_t n_uid_maps, n_gid_maps;
  struct spec_resources resources; /* linux.resources */
  bool has_oom_score_adj;          /* process.oomScoreAdj */
  int oom_score_adj;
};

#define SPEC_ANNOTATION_INIT "io.crunlocal.init"

void spec_clear (struct spec *s);
#define cleanup_spec __attribute__ ((cleanup (spec_clear)))

/* config.json text (malloc'd; its length in *len when len is set). */
char *spec_to_json (const struct spec *s, size_t *len);

/* Parse a runtime-spec 1.x config.json into the spec ns.c executes.
   Confinement crunlocal cannot honour yet (seccomp, hooks, joining a
   namespace by path, a linux.resources limit cgroup.c does not know) is
   refused with a clear error rather than dropped, so a bundle never runs
   less confined than it asked.  linux.resources.devices and
   linux.devices are not applied (the standard devices are always
   there, on nodev mounts). */
int spec_from_json (const char *json, struct spec *out, struct cl_error *err);

/* Read DIR/config.json; a relative root.path is made absolute. */
int bundle_load (const char *dir, struct spec *out, struct cl_error *err);

/* Write DIR/config.json (0600, atomically). */
int bundle_write_config (const char *dir, const struct spec *s, struct cl_error *err);

#endif
