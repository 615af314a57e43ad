/* Pull progress on stderr: a bar per layer on a terminal, one line per
   layer otherwise, nothing with -q.  Safe to update from worker threads. */
#ifndef CL_PROGRESS_H
#define CL_PROGRESS_H

#include <stddef.h>

enum progress_mode
{
  PROGRESS_QUIET,
  PROGRESS_LINES,
  PROGRESS_BARS,
};

struct progress;

struct progress *progress_new (enum progress_mode mode);
/* How many items (layers) follow; call once, before progress_item. */
void progress_set_count (struct progress *p, size_t n);
void progress_free (struct progress *p);

/* Name item i ("blob 1a2b3c4d5e6f") and its expected size. */
void progress_item (struct progress *p, size_t i, const char *label, long long total);
void progress_add (struct progress *p, size_t i, long long bytes);
void progress_done (struct progress *p, size_t i, const char *how);
/* A line of its own ("Copying config …"), in any mode but quiet. */
void progress_say (struct progress *p, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Bars mode: a thread redraws every 100 ms until progress_stop. */
void progress_start (struct progress *p);
void progress_stop (struct progress *p);

#endif
