/* The per-container monitor (crunlocal's conmon): a small static program
   of its own (monitor.c, built with musl and carried inside crunlocal),
   exec'd by the process that started a detached container, so it is the
   container's parent.  It holds the container's stdout and stderr pipes
   (or its terminal's master), writes them to the log, serves `attach`
   clients on a unix socket, reaps the container, records its exit
   (exitrec.h) and, for --rm, hands over to `crunlocal rm`.

   Its command line, built by detach.c:
     crunlocal-monitor DIR PID IN_FD OUT_FD ERR_FD MODE LISTEN_FD LOG_MAX_SIZE
                       RESTART RESTART_COUNT EXE ID
   OUT_FD is the stdout pipe, or with a terminal (MODE has 't') the PTY
   master, and ERR_FD is then -1.  IN_FD is where attached input goes —
   a pipe to the container's stdin, or the master again — or -1; input is
   taken only when MODE has 'i'.  LISTEN_FD is the attach socket, or -1.
   Once it has finished: MODE 'r' (--rm) runs `EXE rm -f ID`; else the
   restart policy RESTART (restart.h), restarted RESTART_COUNT times
   before, may run `EXE start --restarted ID`. */
#ifndef CL_MONITOR_H
#define CL_MONITOR_H

#define MONITOR_NAME "crunlocal-monitor"

/* The attach socket, in the container's run directory: SOCK_SEQPACKET,
   so one read is one message; its first byte says what it is. */
#define ATTACH_SOCKET "attach"
#define ATTACH_DATA_MAX 8192

enum attach_msg
{
  ATTACH_STDOUT = 1, /* monitor → client: output */
  ATTACH_STDERR = 2,
  ATTACH_EXIT = 'x',   /* monitor → client, last: the exit code (int) */
  ATTACH_INPUT = 'i',  /* client → monitor: typed or piped input */
  ATTACH_RESIZE = 'w', /* client → monitor: rows and columns (2 × uint16) */
  ATTACH_CLOSE = 'c',  /* client → monitor: end of input (no terminal) */
};

#endif
