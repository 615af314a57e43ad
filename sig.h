/* Signal names without glibc's sigabbrev_np (glibc >= 2.32 only; musl has
   none): the Linux signal numbers, named as kill(1) names them. */
#ifndef CL_SIG_H
#define CL_SIG_H

/* "TERM" for SIGTERM; NULL for a number without a name (real-time ones). */
const char *sig_abbrev (int sig);

#endif
