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

/* linux.resources.blockIO's device lists, each for its cgroup file
   (cgroup.c): weightDevice, then the four throttles. */
enum spec_blkio_list
{
  SPEC_BLKIO_WEIGHT_DEVICE,
  SPEC_BLKIO_READ_BPS,
  SPEC_BLKIO_WRITE_BPS,
  SPEC_BLKIO_READ_IOPS,
  SPEC_BLKIO_WRITE_IOPS,
  SPEC_BLKIO_N,
};

/* One device of a blockIO list: weightDevice's weight and leafWeight
   (0: not set), or a throttle's rate (bytes or I/Os a second). */
struct spec_blkio_dev
{
  long long major, minor;
  unsigned weight, leaf_weight;
  unsigned long long rate;
};

/* linux.resources, as far as cgroup.c applies them.  0 is "not set"
   in every field; -1 is "unlimited" where the runtime spec allows it
   (memory, swap, quota, pids). */
struct spec_resources
{
  long long memory_limit, memory_swap, memory_reservation; /* bytes */
  unsigned long long cpu_shares, cpu_period;               /* period in µs */
  long long cpu_quota;                                     /* µs per period */
  unsigned long long cpu_rt_period;                        /* v1 cpu.rt_period_us */
  long long cpu_rt_runtime;                                /* v1 cpu.rt_runtime_us */
  char *cpuset_cpus, *cpuset_mems;                         /* "0-1,3", NULL: not set */
  long long pids_limit;
  unsigned blkio_weight, blkio_leaf_weight; /* blockIO.weight, .leafWeight */
  struct spec_blkio_dev *blkio_devs[SPEC_BLKIO_N];
  size_t n_blkio_devs[SPEC_BLKIO_N];
};

/* linux.resources.devices: one rule of the device cgroup, in order
   (the last that matches decides, devcgroup.h). */
struct spec_dev_rule
{
  bool allow;
  char type;              /* 'a' (any), 'c', 'b' */
  long long major, minor; /* -1: any */
  char access[4];         /* of "rwm" */
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

/* linux.seccomp (runtime-spec config-linux.md#seccomp).  The same
   types hold a docker profile, whose rules may carry includes/excludes
   (by capability, architecture, kernel) that the builder resolves
   (scprofile.h) before a spec is written: a spec's rules have none. */
enum spec_sc_action
{
  SC_ACT_KILL_THREAD, /* SCMP_ACT_KILL */
  SC_ACT_KILL_PROCESS,
  SC_ACT_TRAP,
  SC_ACT_ERRNO,
  SC_ACT_TRACE,
  SC_ACT_ALLOW,
  SC_ACT_LOG,
  SC_ACT_NOTIFY, /* SECCOMP_RET_USER_NOTIF: the listener goes to listener_path */
};

enum spec_sc_op
{
  SC_OP_NE,
  SC_OP_LT,
  SC_OP_LE,
  SC_OP_EQ,
  SC_OP_GE,
  SC_OP_GT,
  SC_OP_MASKED_EQ, /* (arg & value) == value_two */
};

struct spec_sc_arg
{
  unsigned index; /* 0..5 */
  unsigned long long value, value_two;
  enum spec_sc_op op;
};

struct spec_sc_cond
{
  char **caps, **arches; /* NULL when absent */
  char *min_kernel;      /* "4.8", NULL when absent */
};

struct spec_sc_rule
{
  char **names;
  enum spec_sc_action action;
  unsigned ret; /* errnoRet for ERRNO (EPERM when the JSON omits it), TRACE's data */
  struct spec_sc_arg *args;
  size_t n_args;
  struct spec_sc_cond includes, excludes; /* profiles only */
};

struct spec_sc_archmap
{
  char *arch;
  char **subs;
};

struct spec_seccomp
{
  enum spec_sc_action default_action;
  unsigned default_ret;             /* defaultErrnoRet, EPERM when omitted */
  char **arches;                    /* empty: the native one */
  struct spec_sc_archmap *arch_map; /* profiles only */
  size_t n_arch_map;
  struct spec_sc_rule *rules;
  size_t n_rules;
  char *listener_path;     /* listenerPath (runc's seccomp agent), NULL when none */
  char *listener_metadata; /* listenerMetadata, NULL when none */
};

/* OCI hooks (config.md#posix-platform-hooks), by when they run. */
enum spec_hook_kind
{
  SPEC_HOOK_PRESTART,
  SPEC_HOOK_CREATE_RUNTIME,
  SPEC_HOOK_CREATE_CONTAINER,
  SPEC_HOOK_START_CONTAINER,
  SPEC_HOOK_POSTSTART,
  SPEC_HOOK_POSTSTOP,
  SPEC_HOOK_N,
};

struct spec_hook
{
  char *path;
  char **args, **env; /* NULL when absent */
  long long timeout;  /* seconds, 0: none */
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
  char **dev_paths; /* linux.devices: host nodes bound at the same paths (NULL: none) */
  char **caps;      /* bounding = effective = permitted */
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privs;
  bool init; /* run a built-in init as PID 1 (--init) */
  unsigned namespaces;
  char *net_path;     /* a network namespace to join (linux.namespaces path), or NULL */
  char *cgroups_path; /* linux.cgroupsPath (cgroupfs form, "/a/b" or "a/b"), or NULL */
  struct spec_idmap *uid_maps, *gid_maps;
  size_t n_uid_maps, n_gid_maps;
  struct spec_seccomp *seccomp;    /* NULL: no filter */
  char *seccomp_profile;           /* its source for inspect: "default", "unconfined" or a path */
  struct spec_resources resources; /* linux.resources */
  struct spec_dev_rule *dev_rules; /* linux.resources.devices */
  size_t n_dev_rules;
  bool has_oom_score_adj; /* process.oomScoreAdj */
  struct spec_hook *hooks[SPEC_HOOK_N];
  size_t n_hooks[SPEC_HOOK_N];
  bool has_umask; /* process.user.umask */
  unsigned umask;
  int oom_score_adj;
};

#define SPEC_ANNOTATION_INIT "io.crunlocal.init"
#define SPEC_ANNOTATION_SECCOMP "io.crunlocal.seccomp"

void spec_seccomp_clear (struct spec_seccomp *sc);
#define cleanup_spec_seccomp __attribute__ ((cleanup (spec_seccomp_clear)))

/* Parse seccomp JSON: with `profile`, a docker/OCI seccomp profile file
   (archMap, includes, excludes allowed); else the linux.seccomp object of
   a spec.  A field outside the supported subset is an error naming it. */
int spec_seccomp_parse (const char *json, bool profile, struct spec_seccomp *out,
                        struct cl_error *err);

/* Append a device rule ("rwm" letters in access). */
void spec_add_dev_rule (struct spec *s, bool allow, char type, long long major, long long minor,
                        const char *access);

void spec_clear (struct spec *s);
#define cleanup_spec __attribute__ ((cleanup (spec_clear)))

/* config.json text (malloc'd; its length in *len when len is set),
   indented for a reader when `pretty`. */
char *spec_to_json (const struct spec *s, bool pretty, size_t *len);

/* Parse a runtime-spec 1.x config.json into the spec ns.c executes.
   Hooks are parsed (the OCI runtime runs them; `run --bundle` refuses
   them).  Confinement crunlocal cannot honour yet (joining a namespace
   other than the network's by path, a linux.resources limit cgroup.c
   does not know) is refused with a clear error rather than dropped, so a
   bundle never runs less confined than it asked.  linux.resources.devices
   is the device cgroup's list (devcgroup.h); linux.devices are the host's
   nodes at the same paths, bound in (the standard devices are always
   there, bound from the host). */
int spec_from_json (const char *json, struct spec *out, struct cl_error *err);
void spec_resources_clear (struct spec_resources *r);
/* A linux.resources object alone (runc update -r), keys in any case as
   Go reads them; what it leaves out stays 0/NULL. */
int spec_resources_from_json (const char *text, struct spec_resources *res, struct cl_error *err);
/* Its JSON (malloc'd; its length in *len): memory, cpu and pids in full
   (0 where not set), blockIO where set; what spec_resources_from_json
   reads back the same. */
char *spec_resources_to_json (const struct spec_resources *r, size_t *len);
/* Does it set anything of blockIO? */
bool spec_resources_have_blkio (const struct spec_resources *r);
/* Set or replace (same major:minor) one device of a blockIO list. */
void spec_blkio_dev_put (struct spec_resources *r, enum spec_blkio_list list,
                         const struct spec_blkio_dev *dev);

/* A process object alone (runc exec --process FILE) replaces s's
   process: args, env, cwd, user, capabilities, rlimits, terminal. */
int spec_process_from_json (const char *json, struct spec *s, struct cl_error *err);

/* Read DIR/config.json; a relative root.path is made absolute. */
int bundle_load (const char *dir, struct spec *out, struct cl_error *err);

/* Write DIR/config.json (0600, atomically): indented for a bundle a
   user made (`pretty`), on one line for a container's own (as podman
   keeps its; yajl's indenting made it ~8 times slower, ~0.3 ms of a
   start). */
int bundle_write_config (const char *dir, const struct spec *s, bool pretty, struct cl_error *err);
/* The same into the directory open as `dfd`. */
int bundle_write_config_at (int dfd, const struct spec *s, bool pretty, struct cl_error *err);

#endif
