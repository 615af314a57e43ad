/* Attack programs for test/integration/90-escapes.sh: each subcommand
   tries one way out of a crunlocal container and reports what it got,
   never doing harm with it (no byte is written to a binary, no device
   is read).  Built static with musl-gcc so it runs in the busybox image.

     escape exe-race REPORT DEV INO SECONDS DONEFILE [SIZE]
         scan /proc/PID/exe for the file DEV:INO (the host's crunlocal);
         try to open it for write directly, and hold O_PATH/O_RDONLY
         handles to re-open /proc/self/fd/N for write once ETXTBSY clears.
         REPORT gets "HELD ..." / "WRITABLE ..." lines and a RESULT line.
     escape tiocsti REPORT TEXT
         push TEXT into the input of fds 0-2 (if terminals) and /dev/tty.
     escape keyring-add-exec DESC SECRET CMD...
         join a new session keyring, add a "user" key, exec CMD.
     escape keyring-read
         list the session keyring (@s) and the user keyring (@u): every
         key's description and payload, on stdout.
     escape open-dev PATH...
         open each read-only and write-only (nonblocking): OPENED/DENIED.
     escape mknod-open PATH MAJOR MINOR
         mknod a character device and open it: MKNOD/OPENED/DENIED lines.
     escape fd-attack REPORT FD...
         chmod/chown/truncate the file behind each fd (directly and by
         /proc/self/fd/N) and read it back through a re-open.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_DESCRIBE 6
#define KEYCTL_READ 11
#define KEY_SPEC_USER_KEYRING -4
#define KEY_SPEC_SESSION_KEYRING -3

static FILE *rep;

static void
say (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfprintf (rep ? rep : stdout, fmt, ap);
  va_end (ap);
  fflush (rep ? rep : stdout);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- exe-race ---- */
static dev_t want_dev;
static ino_t want_ino;
static int held[256];
static int nheld;
static int writable;
/* Views: an exe of the binary's size that is not the file itself — a
   sealed memfd copy, or the file seen through crunlocal's read-only
   overlay.  Holding one is no harm; writing one would be. */
static off_t want_size;
static int views[64];
static int nviews;

static int
is_target (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 && st.st_dev == want_dev && st.st_ino == want_ino;
}

static void
try_write_open (const char *path, const char *how)
{
  static const int modes[] = { O_WRONLY, O_RDWR };
  for (int m = 0; m < 2; m++)
    {
      int fd = open (path, modes[m] | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (is_target (fd))
        {
          writable++;
          say ("WRITABLE %s %s mode=%s\n", how, path, m ? "O_RDWR" : "O_WRONLY");
        }
      close (fd); /* nothing written */
    }
}

static void
hold (const char *path, int flags)
{
  int fd = open (path, flags | O_CLOEXEC);
  if (fd < 0)
    return;
  if (!is_target (fd) || nheld >= 256)
    {
      close (fd);
      return;
    }
  for (int i = 0; i < nheld; i++)
    {
      struct stat a, b;
      /* one handle of each kind is enough */
      if (fstat (held[i], &a) == 0 && fstat (fd, &b) == 0
          && (fcntl (held[i], F_GETFL) & O_PATH) == (flags & O_PATH))
        {
          close (fd);
          return;
        }
    }
  held[nheld++] = fd;
  say ("HELD %s %s\n", path, flags & O_PATH ? "O_PATH" : "O_RDONLY");
}

static void
hold_view (const char *path)
{
  struct stat st, o;
  int fd = open (path, O_PATH | O_CLOEXEC);

  if (fd < 0)
    return;
  if (!want_size || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size != want_size
      || is_target (fd) || nviews >= 64)
    {
      close (fd);
      return;
    }
  for (int i = 0; i < nviews; i++)
    if (fstat (views[i], &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino)
      {
        close (fd);
        return;
      }
  views[nviews++] = fd;
  say ("VIEW %s dev=%lu ino=%lu\n", path, (unsigned long)st.st_dev, (unsigned long)st.st_ino);
}

/* Write a view's first byte back as it is: harmless, and it succeeds
   only where the view can be changed at all. */
static void
try_write_view (int view)
{
  char path[64], c;
  snprintf (path, sizeof path, "/proc/self/fd/%d", view);
  int fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return;
  if (pread (fd, &c, 1, 0) == 1 && pwrite (fd, &c, 1, 0) == 1)
    {
      writable++;
      say ("WRITABLE view %s\n", path);
    }
  close (fd);
}

static int
exe_race (int argc, char **argv)
{
  if (argc < 7)
    return 2;
  rep = fopen (argv[2], "a");
  want_dev = (dev_t)strtoull (argv[3], NULL, 0);
  want_ino = (ino_t)strtoull (argv[4], NULL, 0);
  double end = now () + atof (argv[5]), done_at = 0;
  const char *donefile = argv[6];
  long rounds = 0;

  want_size = argc > 7 ? (off_t)strtoll (argv[7], NULL, 0) : 0;
  pid_t self = getpid ();

  while (now () < end && !(done_at && now () > done_at + 1.5))
    {
      DIR *d = opendir ("/proc");
      struct dirent *e;
      char path[64];
      while (d && (e = readdir (d)))
        {
          pid_t p = atoi (e->d_name);
          if (p <= 0 || p == self)
            continue;
          snprintf (path, sizeof path, "/proc/%d/exe", p);
          try_write_open (path, "direct");
          hold (path, O_PATH);
          hold (path, O_RDONLY);
          hold_view (path);
        }
      if (d)
        closedir (d);
      for (int i = 0; i < nheld; i++)
        {
          snprintf (path, sizeof path, "/proc/self/fd/%d", held[i]);
          try_write_open (path, "reopen");
        }
      for (int i = 0; i < nviews; i++)
        try_write_view (views[i]);
      if (!done_at && access (donefile, F_OK) == 0)
        done_at = now ();
      rounds++;
    }
  say ("RESULT held=%d views=%d writable=%d rounds=%ld\n", nheld, nviews, writable, rounds);
  return 0;
}

/* ---- tiocsti ---- */
static int
inject (int fd, const char *text, const char *name)
{
  int n = 0;
  for (const char *c = text; *c; c++)
    if (ioctl (fd, TIOCSTI, c) == 0)
      n++;
  say ("TIOCSTI %s injected=%d of %zu (%s)\n", name, n, strlen (text), n ? "ok" : strerror (errno));
  return n;
}

static int
tiocsti (int argc, char **argv)
{
  if (argc < 4)
    return 2;
  rep = fopen (argv[2], "a");
  char text[512];
  snprintf (text, sizeof text, "%s\n", argv[3]);
  int done = 0;
  for (int fd = 0; fd < 3 && !done; fd++)
    {
      char name[16];
      snprintf (name, sizeof name, "fd%d", fd);
      if (isatty (fd))
        done = inject (fd, text, name);
      else
        say ("NOTTY fd%d\n", fd);
    }
  int t = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (t < 0)
    say ("DEVTTY-DENIED %s\n", strerror (errno));
  else
    {
      say ("DEVTTY-OPENED\n");
      if (!done)
        inject (t, text, "/dev/tty");
    }
  return 0;
}

/* ---- keyrings ---- */
static long
keyctl (int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
  return syscall (SYS_keyctl, op, a, b, c, d);
}

static int
keyring_add_exec (int argc, char **argv)
{
  if (argc < 5)
    return 2;
  if (keyctl (KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0)
    {
      perror ("join session keyring");
      return 1;
    }
  if (syscall (SYS_add_key, "user", argv[2], argv[3], strlen (argv[3]), KEY_SPEC_SESSION_KEYRING)
      < 0)
    {
      perror ("add_key");
      return 1;
    }
  execvp (argv[4], argv + 4);
  perror ("exec");
  return 127;
}

static void
dump_keyring (const char *name, long ring, int depth)
{
  int ids[256];
  long n = keyctl (KEYCTL_READ, ring, (unsigned long)ids, sizeof ids, 0);
  if (n < 0)
    {
      say ("%*s%s %ld: unreadable (%s)\n", depth * 2, "", name, ring, strerror (errno));
      return;
    }
  say ("%*s%s %ld: %ld keys\n", depth * 2, "", name, ring, n / 4);
  for (long i = 0; i < n / 4 && i < 256; i++)
    {
      char desc[512] = "", payload[4096] = "";
      long dl = keyctl (KEYCTL_DESCRIBE, ids[i], (unsigned long)desc, sizeof desc - 1, 0);
      if (dl < 0)
        snprintf (desc, sizeof desc, "(describe: %s)", strerror (errno));
      if (strncmp (desc, "keyring;", 8) == 0 && depth < 3)
        {
          say ("%*skey %d %s\n", depth * 2 + 2, "", ids[i], desc);
          dump_keyring ("nested", ids[i], depth + 2);
          continue;
        }
      long pl = keyctl (KEYCTL_READ, ids[i], (unsigned long)payload, sizeof payload - 1, 0);
      if (pl < 0)
        snprintf (payload, sizeof payload, "(read: %s)", strerror (errno));
      else
        payload[pl < (long)sizeof payload - 1 ? pl : (long)sizeof payload - 1] = 0;
      say ("%*skey %d %s payload=%s\n", depth * 2 + 2, "", ids[i], desc, payload);
    }
}

static int
keyring_read (void)
{
  long s = keyctl (KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
  if (s < 0)
    say ("session keyring: none (%s)\n", strerror (errno));
  else
    dump_keyring ("session", s, 0);
  long u = keyctl (KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0, 0, 0);
  if (u < 0)
    say ("user keyring: none (%s)\n", strerror (errno));
  else
    dump_keyring ("user", u, 0);
  return 0;
}

/* ---- devices ---- */
static void
try_open_dev (const char *p)
{
  static const int modes[] = { O_RDONLY, O_WRONLY };
  for (int m = 0; m < 2; m++)
    {
      int fd = open (p, modes[m] | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
      if (fd >= 0)
        {
          say ("OPENED %s %s\n", p, m ? "O_WRONLY" : "O_RDONLY");
          close (fd); /* nothing read or written */
        }
      else
        say ("DENIED %s %s %s\n", p, m ? "O_WRONLY" : "O_RDONLY", strerror (errno));
    }
}

static int
open_dev (int argc, char **argv)
{
  for (int i = 2; i < argc; i++)
    try_open_dev (argv[i]);
  return 0;
}

static int
mknod_open (int argc, char **argv)
{
  if (argc < 5)
    return 2;
  unlink (argv[2]);
  if (mknod (argv[2], S_IFCHR | 0666, makedev (atoi (argv[3]), atoi (argv[4]))) < 0)
    {
      say ("MKNOD-DENIED %s %s\n", argv[2], strerror (errno));
      return 0;
    }
  say ("MKNOD-MADE %s\n", argv[2]);
  try_open_dev (argv[2]);
  return 0;
}

/* ---- the caller's fds ---- */
static int
fd_attack (int argc, char **argv)
{
  if (argc < 4)
    return 2;
  rep = fopen (argv[2], "a");
  for (int i = 3; i < argc; i++)
    {
      int fd = atoi (argv[i]);
      char path[64], buf[256];
      struct stat st;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      /* Only ever a regular file: never the host's /dev/null or a tty. */
      if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
        {
          say ("SKIP fd %d: not a regular file\n", fd);
          continue;
        }
      say ("FD %d mode=%o uid=%u size=%lld\n", fd, st.st_mode & 07777, st.st_uid,
           (long long)st.st_size);
      say ("fchmod %d %s\n", fd, fchmod (fd, 0666) == 0 ? "DONE" : strerror (errno));
      say ("chmod %s %s\n", path, chmod (path, 0666) == 0 ? "DONE" : strerror (errno));
      say ("fchown %d %s\n", fd, fchown (fd, 1234, 1234) == 0 ? "DONE" : strerror (errno));
      say ("chown %s %s\n", path, chown (path, 1234, 1234) == 0 ? "DONE" : strerror (errno));
      int r = open (path, O_RDONLY | O_CLOEXEC);
      if (r >= 0)
        {
          ssize_t n = pread (r, buf, sizeof buf - 1, 0);
          buf[n > 0 ? n : 0] = 0;
          for (char *c = buf; *c; c++)
            if (*c == '\n')
              *c = '|';
          say ("reopen-read %s READ=%s\n", path, buf);
          close (r);
        }
      else
        say ("reopen-read %s %s\n", path, strerror (errno));
      /* Truncation: last, so the read above saw what was there. */
      r = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
      say ("reopen-trunc %s %s\n", path, r >= 0 ? "DONE" : strerror (errno));
      if (r >= 0)
        close (r);
      say ("ftruncate %d %s\n", fd, ftruncate (fd, 0) == 0 ? "DONE" : strerror (errno));
    }
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return 2;
  if (!strcmp (argv[1], "exe-race"))
    return exe_race (argc, argv);
  if (!strcmp (argv[1], "tiocsti"))
    return tiocsti (argc, argv);
  if (!strcmp (argv[1], "keyring-add-exec"))
    return keyring_add_exec (argc, argv);
  if (!strcmp (argv[1], "keyring-read"))
    return keyring_read ();
  if (!strcmp (argv[1], "open-dev"))
    return open_dev (argc, argv);
  if (!strcmp (argv[1], "mknod-open"))
    return mknod_open (argc, argv);
  if (!strcmp (argv[1], "fd-attack"))
    return fd_attack (argc, argv);
  fprintf (stderr, "escape: unknown subcommand %s\n", argv[1]);
  return 2;
}
