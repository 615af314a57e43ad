/* store_repair: see repair.h.  Damaged layers are moved into staging
   before removal (a crash leaves no half layer under layers/), and an
   image is pulled by digest, so it gets the very layers it had; the
   digest name that pull gives it is taken off again. */
#include "repair.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"
#include "ref.h"
#include "util.h"

static void
say (void (*report) (const char *, void *), void *arg, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  report (msg, arg);
}

/* Remove the image's damaged layers; true when it had any. */
static int
drop_damaged_layers (struct store *s, const struct image_record *r, bool *damaged,
                     void (*report) (const char *, void *), void *arg, struct cl_error *err)
{
  for (size_t k = 0; r->layers[k]; k++)
    {
      char why[512];
      if (store_layer_intact (s, r->layers[k], why, sizeof why))
        continue;
      *damaged = true;
      if (strcmp (why, "missing") != 0)
        say (report, arg, "layer %s: %s: removing it", r->layers[k], why);
      if (store_layer_remove (s, r->layers[k], err) < 0)
        return -1;
    }
  return 0;
}

/* "domain/path@manifest-digest" for the first registry name, or NULL. */
static char *
registry_source (const struct image_record *r)
{
  for (size_t i = 0; r->names && r->names[i]; i++)
    {
      cleanup_ref struct image_ref ref = { 0 };
      struct cl_error ignored;
      if (ref_parse (r->names[i], &ref, &ignored) == 0 && ref.transport == REF_REGISTRY)
        return xasprintf ("%s/%s@%s", ref.domain, ref.path, r->digest);
    }
  return NULL;
}

static int
pull_again (struct store *s, const struct image_record *r, const struct pull_opts *po,
            void (*report) (const char *, void *), void *arg)
{
  cleanup_free char *from = registry_source (r);
  cleanup_ref struct image_ref ref = { 0 };
  struct cl_error err = { 0 };
  char id[DIGEST_HEX_LEN + 1];

  if (!from)
    {
      say (report, arg, "image %.12s: cannot repair: it came from no registry (pull it again)",
           r->id);
      return 1;
    }
  if (pull_image (s, from, po, id, &err) < 0)
    {
      say (report, arg, "image %.12s: cannot repair: %s", r->id, err.msg);
      return 1;
    }
  if (ref_parse (from, &ref, &err) == 0 && !strv_contains (r->names, ref.name))
    store_image_untag (s, id, ref.name, &err);
  say (report, arg, "image %.12s: repaired from %s", r->id, from);
  return 0;
}

int
store_repair (struct store *s, const struct pull_opts *po,
              void (*report) (const char *msg, void *arg), void *arg, struct cl_error *err)
{
  struct image_record *all = NULL;
  size_t n = 0;
  int failed = 0;

  if (store_images_list (s, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      bool damaged = false;
      if (drop_damaged_layers (s, &all[i], &damaged, report, arg, err) < 0)
        {
          image_records_free (all, n);
          return -1;
        }
      if (damaged)
        failed += pull_again (s, &all[i], po, report, arg);
    }
  image_records_free (all, n);
  return failed;
}
