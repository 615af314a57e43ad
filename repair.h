/* `store check --repair`: a layer whose tree is not what was unpacked (a
   hard-link farm's container wrote into it, a disk error, a stray edit)
   or that is missing is removed and fetched again from its blob: the
   images that use it are pulled once more, by their manifest digest, from
   the registry their name points to. */
#ifndef CL_REPAIR_H
#define CL_REPAIR_H

#include "pull.h"
#include "store.h"

/* Each repair, or failure to repair, goes to `report` as one line.
   Returns the number of images that could not be repaired, or -1 when
   the repair itself failed. */
int store_repair (struct store *s, const struct pull_opts *po,
                  void (*report) (const char *msg, void *arg), void *arg, struct cl_error *err);

#endif
