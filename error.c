#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

volatile sig_atomic_t cl_interrupted;

int
cl_fail (struct cl_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;

  err->errnum = errnum;
  err->status = 0;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  return -1;
}

int
cl_wrap (struct cl_error *err, const char *fmt, ...)
{
  char prefix[CL_ERROR_MSG_MAX];
  char old[CL_ERROR_MSG_MAX];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  /* Truncation keeps the start of the chain, which names the operation. */
  {
    size_t pl = strnlen (prefix, sizeof prefix);
    size_t ol = strnlen (old, sizeof old);
    size_t room = sizeof err->msg - 1;
    size_t used = 0;
    memcpy (err->msg, prefix, pl < room ? pl : room);
    used = pl < room ? pl : room;
    if (used + 2 <= room)
      {
        memcpy (err->msg + used, ": ", 2);
        used += 2;
      }
    if (ol > room - used)
      ol = room - used;
    memcpy (err->msg + used, old, ol);
    err->msg[used + ol] = '\0';
  }
  return -1;
}

void
cl_error_print (const struct cl_error *err)
{
  if (err->errnum && err->errnum != EINTR)
    fprintf (stderr, "crunlocal: %s: %s\n", err->msg, strerror (err->errnum));
  else
    fprintf (stderr, "crunlocal: %s\n", err->msg);
}

int
cl_check_interrupt (struct cl_error *err)
{
  if (cl_interrupted)
    return cl_fail (err, EINTR, "interrupted");
  return 0;
}
