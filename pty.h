/* Terminals: the container's console (a PTY from the container's own
   devpts instance), the caller's terminal in raw mode, the detach-key
   filter, and the buffered writes that keep a container which is not
   reading its input from stalling whoever holds the master.  Only libc:
   the monitor links it too. */
#ifndef CL_PTY_H
#define CL_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include "error.h"

/* In the starting child, inside the container's mount namespace: a new
   PTY from /dev/ptmx whose slave becomes stdin, stdout, stderr and the
   controlling terminal of a new session, sized `ws` (when non-zero) and
   owned by `uid`.  With `console`, the slave is also bound on
   /dev/console.  Returns the master (close-on-exec). */
int pty_open_console (const struct winsize *ws, uid_t uid, bool console, struct cl_error *err);

/* A message with an fd (SCM_RIGHTS) over a unix socket; recv sets *fd to
   -1 when none came.  Return what send/recv returned. */
ssize_t pty_send_fd (int sock, const void *msg, size_t len, int fd);
ssize_t pty_recv_fd (int sock, void *msg, size_t len, int *fd);

/* The caller's terminal, raw while attached. */
struct pty_saved
{
  int fd;
  bool active;
  struct termios tio;
};
int pty_make_raw (int fd, struct pty_saved *saved, struct cl_error *err);
/* Put it back as it was; safe to call twice or when never made raw. */
void pty_restore (struct pty_saved *saved);

/* The size of the caller's terminal — stdin's, else stdout's; false when
   neither is a terminal (or it is 0x0). */
bool pty_caller_size (struct winsize *ws);

/* Input the container has not taken yet.  The holder stops reading its
   source while anything is pending and polls the sink for POLLOUT. */
#define PTY_BUF_SIZE 8192
struct pty_buf
{
  char data[PTY_BUF_SIZE];
  size_t len, off;
};
static inline bool
pty_buf_pending (const struct pty_buf *b)
{
  return b->off < b->len;
}
/* Take n (≤ PTY_BUF_SIZE) bytes; only when nothing is pending. */
void pty_buf_set (struct pty_buf *b, const char *data, size_t n);
/* Write what the (non-blocking) fd takes: 0, or -1 when it is gone. */
int pty_buf_flush (int fd, struct pty_buf *b);

/* Detach keys, docker's syntax: "ctrl-p,ctrl-q", letters, "" for none. */
#define PTY_DETACH_MAX 16
struct pty_detach
{
  unsigned char keys[PTY_DETACH_MAX];
  size_t n, matched;
};
#define PTY_DETACH_DEFAULT "ctrl-p,ctrl-q"
int pty_detach_parse (const char *spec, struct pty_detach *d, struct cl_error *err);
/* Filter typed input: what to pass on goes to out (room for n +
   PTY_DETACH_MAX), its length to *outn.  A partial sequence is held back
   until the next key shows whether it completes; one that does not is
   passed on.  True when the whole sequence was typed. */
bool pty_detach_scan (struct pty_detach *d, const char *in, size_t n, char *out, size_t *outn);

#endif
