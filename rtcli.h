/* The OCI runtime's commands (runtime.c dispatches; rtcreate.c,
   rtcmds.c, rtexec.c, rtupdate.c, rtevents.c implement them) and what
   they share (rtcli.c): the global flags, runc's error lines and log,
   Go-style flag parsing, --pid-file and --console-socket, one
   container's state opened. */
#ifndef CL_RTCLI_H
#define CL_RTCLI_H

#include <getopt.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"
#include "rtstate.h"

#define CONFIG_MAX (4 << 20)

/* The global flags, passed down to every command. */
struct rt_opts
{
  const char *prog;
  char *root;
  const char *log;
  bool log_json, debug;
};

void rt_log (const struct rt_opts *o, const char *level, const char *msg);
void debugf (const struct rt_opts *o, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Print once (and log); runc's exit code for its own failures is 1. */
int rt_fail (const struct rt_opts *o, const struct cl_error *err);
int rt_usage (const struct rt_opts *o, const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* runc's flags are Go's: -flag and --flag alike; options end at the
   first operand.  -2 after a usage error. */
int rt_getopt (const struct rt_opts *o, int argc, char **argv, const char *cmd,
               const char *shortopts, const struct option *longopts);

char *path_in (const char *dir, const char *name);
char *now_rfc3339 (void);

/* --pid-file: its directory, opened where the caller is — `exec`
   writes it from inside the container's mount namespace. */
struct pid_file
{
  int dirfd;
  char *name;
};
void pid_file_clear (struct pid_file *p);
#define cleanup_pid_file __attribute__ ((cleanup (pid_file_clear)))
int pid_file_open (const char *path, struct pid_file *p, struct cl_error *err);
int pid_file_write (const struct pid_file *p, pid_t pid, struct cl_error *err);
int write_pid_file (const char *path, pid_t pid, struct cl_error *err);

/* --console-socket: connected, and the PTY master sent (SCM_RIGHTS). */
int connect_console (const char *socket_path, struct cl_error *err);
int send_console_fd (int sock, int master, struct cl_error *err);
int send_console (const char *socket_path, int master, struct cl_error *err);

/* The container's config as created (hooks, exec's defaults). */
int saved_spec (int dirfd, struct spec *sp, struct cl_error *err);

/* A container's state, opened (and locked when it will change). */
struct ctr
{
  int dirfd;
  char *dir;
  struct rtstate st;
  enum rt_status status;
};
void ctr_clear (struct ctr *c);
#define cleanup_ctr __attribute__ ((cleanup (ctr_clear)))
int ctr_open (const struct rt_opts *o, const char *id, bool lock, struct ctr *c,
              struct cl_error *err);
/* One ID operand, no flags but --help: -1 with *id set, else the exit
   code. */
int one_id (const struct rt_opts *o, const char *cmd, int argc, char **argv, const char **id);
/* Its processes (malloc'd, *n of them): its cgroups', else its first. */
pid_t *ctr_pids (const struct ctr *c, size_t *n);
int signal_all (const struct ctr *c, int sig, struct cl_error *err);

/* The commands: argv[0] is the command's name. */
int rt_create (const struct rt_opts *o, int argc, char **argv);
int rt_run (const struct rt_opts *o, int argc, char **argv);
int rt_start (const struct rt_opts *o, int argc, char **argv);
int rt_delete (const struct rt_opts *o, int argc, char **argv);
int rt_state (const struct rt_opts *o, int argc, char **argv);
int rt_kill (const struct rt_opts *o, int argc, char **argv);
int rt_pause (const struct rt_opts *o, int argc, char **argv);
int rt_resume (const struct rt_opts *o, int argc, char **argv);
int rt_list (const struct rt_opts *o, int argc, char **argv);
int rt_ps (const struct rt_opts *o, int argc, char **argv);
int rt_exec (const struct rt_opts *o, int argc, char **argv);
int rt_update (const struct rt_opts *o, int argc, char **argv);
int rt_events (const struct rt_opts *o, int argc, char **argv);

#endif
