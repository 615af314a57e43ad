#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../../pty.h"
#include "tests.h"
#include "unit.h"

static bool
scan (struct pty_detach *d, const char *in, const char *want)
{
  char out[64];
  size_t n;
  bool detached = pty_detach_scan (d, in, strlen (in), out, &n);

  CHECK (n == strlen (want) && memcmp (out, want, n) == 0);
  return detached;
}

/* docker's syntax; a partial sequence is held back, then passed on when
   the next key breaks it, and the whole sequence detaches. */
void
test_detach_keys (void)
{
  struct pty_detach d;
  struct cl_error err = { 0 };

  CHECK (pty_detach_parse (PTY_DETACH_DEFAULT, &d, &err) == 0);
  CHECK (d.n == 2 && d.keys[0] == 0x10 && d.keys[1] == 0x11);
  CHECK (!scan (&d, "ls\r", "ls\r"));
  CHECK (!scan (&d, "a\x10", "a"));
  CHECK (scan (&d, "\x11", ""));
  CHECK (!scan (&d, "\x10x", "\x10x"));
  CHECK (!scan (&d, "\x10\x10", "\x10"));
  CHECK (scan (&d, "\x11rest", ""));
  CHECK (pty_detach_parse ("ctrl-a,d", &d, &err) == 0);
  CHECK (d.n == 2 && d.keys[0] == 1 && d.keys[1] == 'd');
  CHECK (scan (&d,
               "x\x01"
               "d",
               "x"));
  CHECK (pty_detach_parse ("ctrl-@,ctrl-[,ctrl-_", &d, &err) == 0);
  CHECK (d.n == 3 && d.keys[0] == 0 && d.keys[1] == 27 && d.keys[2] == 31);
  CHECK (pty_detach_parse ("ctrl-x", &d, &err) == 0 && d.n == 1);
  CHECK (scan (&d, "ab\x18", "ab"));
  CHECK (pty_detach_parse ("", &d, &err) == 0 && d.n == 0);
  CHECK (!scan (&d, "\x10\x11", "\x10\x11"));
  CHECK (pty_detach_parse ("ctrl-1", &d, &err) < 0);
  CHECK (pty_detach_parse ("ab", &d, &err) < 0);
  CHECK (pty_detach_parse ("a,", &d, &err) < 0);
  CHECK (pty_detach_parse ("a,,b", &d, &err) < 0);
}

/* What a full pipe does not take stays pending, and goes once drained. */
void
test_pty_buf (void)
{
  static struct pty_buf b;
  int p[2];
  char chunk[PTY_BUF_SIZE], sink[PTY_BUF_SIZE];
  size_t moved = 0;

  memset (chunk, 'x', sizeof chunk);
  CHECK (pipe2 (p, O_NONBLOCK) == 0);
  fcntl (p[1], F_SETPIPE_SZ, 4096);
  pty_buf_set (&b, chunk, sizeof chunk);
  CHECK (pty_buf_flush (p[1], &b) == 0);
  CHECK (pty_buf_pending (&b) && b.off > 0);
  while (pty_buf_pending (&b))
    {
      ssize_t n = read (p[0], sink, sizeof sink);
      CHECK (n > 0);
      moved += (size_t)(n > 0 ? n : 0);
      CHECK (pty_buf_flush (p[1], &b) == 0);
    }
  for (ssize_t n; (n = read (p[0], sink, sizeof sink)) > 0;)
    moved += (size_t)n;
  CHECK (moved == sizeof chunk);
  close (p[0]);
  signal (SIGPIPE, SIG_IGN);             /* as crunlocal and the monitor have it */
  CHECK (pty_buf_flush (p[1], &b) == 0); /* nothing pending: nothing written */
  pty_buf_set (&b, chunk, 10);
  CHECK (pty_buf_flush (p[1], &b) < 0 && !pty_buf_pending (&b)); /* reader gone */
  close (p[1]);
}
