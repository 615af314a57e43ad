/* Shared by the command implementations (run.c, images.c): option
   parsing, opening the store, and turning errors into exit codes. */
#ifndef CL_CLI_H
#define CL_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "store.h"
#include "template.h"

/* Print err once; returns the exit code (125, or 128+signal). */
int cli_fail (const struct cl_error *err);
/* One line plus "See 'crunlocal CMD --help'."; returns 125. */
int cli_usage_error (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* getopt_long; -2 after printing a usage error. */
int cli_getopt (int argc, char **argv, const char *cmd, const char *shortopts,
                const struct option *longopts);
int cli_parse_bool (const char *cmd, const char *flag, const char *v, bool *out);
/* A signal by name ("TERM", "SIGTERM", any case) or number; -1 when neither. */
int cli_parse_signal (const char *s);
/* `GROUP prune [-f]`, the one subcommand of system and container: -1 to
   go on, else the exit code (help shown, or a usage error). */
int cli_prune_args (const char *group, const char *usage, int argc, char **argv);
/* `crunlocal GROUP SUB ARGS`: SUB's function of `sub[n]` called with argv
   from SUB on; `usage` says the group's help (stdout: --help) or its bare
   usage (stderr: no SUB) and returns the exit code. */
struct cli_sub
{
  const char *name;
  int (*fn) (int, char **);
};
/* A --format other than json or table checked against the fields `lookup`
   knows (with `sample` as the row); 0, or 125 after the usage error. */
int cli_check_format (const char *cmd, const char *format, template_lookup lookup,
                      const void *sample);
int cli_subcommand (const char *group, const struct cli_sub *sub, size_t n, int (*usage) (FILE *),
                    int argc, char **argv);
int cli_open_store (struct store **s, enum store_mode mode, struct cl_error *err);
/* The store without entering its user namespace (see run.c). */
int cli_open_store_host (struct store **s, struct cl_error *err);
/* container_find, with "no such container: X" (ENOENT) for none. */
struct container;
int cli_find_container (struct store *s, const char *what, struct container *c,
                        struct cl_error *err);

/* An image by name as typed, its canonical name or an ID (prefix);
   "X: image not known" for none. */
int cli_find_image (struct store *s, const char *what, struct image_record *r,
                    struct cl_error *err);

/* ps.c: `rm [-f] [-v] WHAT`: 0 removed, 1 no such container, -1 error. */
int cli_remove_container (struct store *s, const char *what, bool force, bool volumes,
                          struct cl_error *err);
/* ctl.c: stop as `stop -t timeout` does; start (detached) as `start`. */
int ctl_stop (struct store *s, struct container *c, long timeout, struct cl_error *err);
int ctl_start (struct store *s, const char *id, struct cl_error *err);

/* foreground.c.  Block the signals a foreground command forwards to its
   container. */
void cli_block_forwarded (sigset_t *set);
/* How a foreground container's stdio reaches ours. */
struct log_writer;
struct cli_io
{
  int master;             /* -t: its terminal (else -1), relayed to our stdout */
  bool input;             /* -i with -t: our stdin to the terminal, ours raw meanwhile */
  int in;                 /* -i without -t: its stdin pipe, fed from ours (else -1) */
  int out[2];             /* no -t: its stdout and stderr pipes, relayed to ours and
                             closed; -1: it has ours (nothing to relay) */
  struct log_writer *log; /* what is relayed is logged too (NULL: not) */
};

/* A foreground container's stdio without -t: pipes that we relay (never
   our own fds: it could chmod, chown or truncate a file we were given
   through /proc/self/fd), and without -i its own /dev/null.  `theirs`
   goes to ns_start/ns_spawn; the rest into a cli_io. */
struct cli_pipes
{
  int theirs[3];
  int in, out[2];
};
int cli_pipes_open (struct cli_pipes *p, bool interactive, bool terminal, struct cl_error *err);
/* The container holds its ends now: close ours of them. */
void cli_pipes_started (struct cli_pipes *p);
void cli_pipes_close (struct cli_pipes *p);
/* Forward them to `pid` until it exits (pid1: it is a namespace's init,
   which ignores what it does not catch), relaying `io` (NULL: nothing);
   how it ended in *rec. */
struct exit_record;
void cli_wait_forwarding (pid_t pid, const sigset_t *set, bool pid1, const struct cli_io *io,
                          struct exit_record *rec);

int cmd_pull (int argc, char **argv);
int cmd_images (int argc, char **argv);
int cmd_rmi (int argc, char **argv);
int cmd_system (int argc, char **argv);
int cmd_store (int argc, char **argv);
int cmd_run (int argc, char **argv);
int cmd_spec (int argc, char **argv);
int cmd_info (int argc, char **argv);
int cmd_ps (int argc, char **argv);
int cmd_rm (int argc, char **argv);
int cmd_container (int argc, char **argv);
int cmd_logs (int argc, char **argv);
int cmd_port (int argc, char **argv);
int cmd_stop (int argc, char **argv);
int cmd_kill (int argc, char **argv);
int cmd_pause (int argc, char **argv);
int cmd_unpause (int argc, char **argv);
int cmd_stats (int argc, char **argv);
int cmd_update (int argc, char **argv);
int cmd_wait (int argc, char **argv);
int cmd_start (int argc, char **argv);
int cmd_inspect (int argc, char **argv);
int cmd_image_inspect (int argc, char **argv);
int cmd_exec (int argc, char **argv);
int cmd_attach (int argc, char **argv);
int cmd_volume (int argc, char **argv);
int cmd_network (int argc, char **argv);
int cmd_tag (int argc, char **argv);
int cmd_untag (int argc, char **argv);
int cmd_history (int argc, char **argv);
int cmd_rename (int argc, char **argv);
int cmd_diff (int argc, char **argv);
int cmd_top (int argc, char **argv);
int cmd_restart (int argc, char **argv);
int cmd_system_df (int argc, char **argv);
int cmd_login (int argc, char **argv);
int cmd_logout (int argc, char **argv);
int cmd_events (int argc, char **argv);
int cmd_create (int argc, char **argv);
int cmd_cp (int argc, char **argv);
int cmd_load (int argc, char **argv);
int cmd_save (int argc, char **argv);

#endif
