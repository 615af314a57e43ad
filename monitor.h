/* The per-container monitor (crunlocal's conmon): a small static program
   of its own (monitor.c, built with musl and carried inside crunlocal),
   exec'd by the process that started a detached container, so it is the
   container's parent.  It holds the container's stdout and stderr pipes,
   writes them to the log, reaps the container, records its exit
   (exitrec.h) and, for --rm, hands over to `crunlocal rm`.

   Its command line, built by detach.c:
     crunlocal-monitor DIR PID STDOUT_FD STDERR_FD LOG_MAX_SIZE [EXE ID]
   EXE and ID, when given, ask for `EXE rm -f ID` once it has finished. */
#ifndef CL_MONITOR_H
#define CL_MONITOR_H

#define MONITOR_NAME "crunlocal-monitor"

#endif
