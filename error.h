/* Errors as values: a failing function fills a struct cl_error and returns -1.
   Callers add context with cl_wrap(); only the CLI prints (once). */
#ifndef CL_ERROR_H
#define CL_ERROR_H

#include <signal.h>

#define CL_ERROR_MSG_MAX 1024

struct cl_error
{
  int errnum; /* errno at the failure, 0 when it has none */
  int status; /* suggested exit status, 0 = default (125) */
  char msg[CL_ERROR_MSG_MAX];
};

/* Record a failure; returns -1 so callers can `return cl_fail (...)`. */
int cl_fail (struct cl_error *err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefix the recorded message with context ("pull x: " + old message). */
int cl_wrap (struct cl_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* One line: "crunlocal: message: strerror". */
void cl_error_print (const struct cl_error *err);

/* Set by the SIGINT/SIGTERM handlers of long-running commands; polled by
   loops so an interrupted pull unwinds through its cleanups. */
extern volatile sig_atomic_t cl_interrupted;

/* Fails with EINTR and "interrupted" when cl_interrupted is set. */
int cl_check_interrupt (struct cl_error *err);

#endif
