/* How a container's last run ended: containers/<id>/exit, written once by
   whoever waited for it (the monitor of a detached container, `run` for
   a foreground one) and read by every command.  Plain libc only: the
   monitor links it into its small static binary.

   Writers and `rm` take the flock of containers/<id>/lock, and a writer
   writes nothing into a directory that rm has unlinked meanwhile — so a
   removal and a late exit never race into a half-removed directory. */
#ifndef CL_EXITREC_H
#define CL_EXITREC_H

#include <stdbool.h>

#include "error.h"

struct exit_record
{
  int code;   /* as a shell reports it: 128+n for signal n */
  int signal; /* the signal that killed the process, 0 when it exited */
  bool oom;
  long long finished_sec;
  long finished_nsec;
};

/* Open (creating) containers/<id>/lock in the container directory. */
int exitrec_open_lock (int dirfd, struct cl_error *err);

/* Record `rec` atomically under the lock; a no-op (0) when the directory
   was removed meanwhile. */
int exitrec_write (int dirfd, int lockfd, const struct exit_record *rec, struct cl_error *err);

/* 0 read, 1 none (still running, or never finished), -1 error. */
int exitrec_read (int dirfd, struct exit_record *rec, struct cl_error *err);

/* Forget the last run (before starting the container again). */
int exitrec_clear (int dirfd, struct cl_error *err);

/* The record of a wait status, finished now. */
void exitrec_from_status (int status, struct exit_record *rec);

#endif
