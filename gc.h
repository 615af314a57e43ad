/* Store maintenance: removing what nothing references, and checking that
   what is referenced is intact.  Both want the store opened STORE_GC, so
   no pull is half-way through while they look. */
#ifndef CL_GC_H
#define CL_GC_H

#include "store.h"

struct gc_stats
{
  long long blobs, layers, staging;
};

/* Remove staging and temp files left by killed commands. */
int store_clean_staging (struct store *s, long long *removed, struct cl_error *err);

/* Clean staging, then remove blobs and layers no image references. */
int store_gc (struct store *s, struct gc_stats *st, struct cl_error *err);

/* Verify every blob's digest, every layer's record and tree (re-hashed
   against the tree digest taken at unpack) and every image's references; each problem goes to
   `report`.  Returns the damage count, or -1 when the check itself failed. */
int store_check (struct store *s, void (*report) (const char *msg, void *arg), void *arg,
                 struct cl_error *err);

/* Is layer `diff_id` present, its record sound and its tree as unpacked?
   Else `why` says what is wrong. */
bool store_layer_intact (struct store *s, const char *diff_id, char *why, size_t whylen);

#endif
