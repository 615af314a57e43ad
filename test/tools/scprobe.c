/* Seccomp probe for test/integration/89-seccomp.sh and bench/seccomp.sh,
   built static with musl-gcc and bound into a container.
     scprobe calls     one line "NAME=ERRNO" per call (0: it succeeded);
                       the arguments are chosen so that, past the filter,
                       the kernel answers with something other than EPERM
     scprobe getpid N  N getpid calls in ten rounds; prints the CPU
                       nanoseconds one took in the fastest round (the
                       process's CPU time: a loaded host's other work
                       and our waits for a CPU stay out of it) */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_open_by_handle_at
#define SYS_open_by_handle_at 304
#endif

static void
report (const char *name, long ret)
{
  printf ("%s=%d\n", name, ret < 0 ? errno : 0);
}

static int
calls (void)
{
  /* An unknown keyctl operation: EOPNOTSUPP. */
  report ("keyctl", syscall (SYS_keyctl, 0x7fff, 0, 0, 0, 0));
  /* No key type: EFAULT. */
  report ("add_key", syscall (SYS_add_key, NULL, NULL, NULL, 0, 0));
  /* The real thing: 0 past the filter. */
  report ("unshare", syscall (SYS_unshare, CLONE_NEWUSER));
  /* No target: EFAULT before any permission check. */
  report ("mount", syscall (SYS_mount, NULL, NULL, NULL, 0, NULL));
  /* An unknown command: EINVAL. */
  report ("bpf", syscall (SYS_bpf, 100000, NULL, 0));
  /* No attributes: EFAULT. */
  report ("perf_event_open", syscall (SYS_perf_event_open, NULL, 0, -1, -1, 0));
  /* A bad directory fd: EBADF (Linux 6.12+; older ones check caps first). */
  report ("open_by_handle_at", syscall (SYS_open_by_handle_at, -1, NULL, 0));
  /* The kernel checks CAP_SYS_BOOT first: EPERM either way. */
  report ("kexec_load", syscall (SYS_kexec_load, 0, 0, NULL, 0));
  /* UFFD_USER_MODE_ONLY and an unknown flag: EINVAL. */
  report ("userfaultfd", syscall (SYS_userfaultfd, 1 | 0x40000000));
  /* No parameters: EFAULT. */
  report ("io_uring_setup", syscall (SYS_io_uring_setup, 1, NULL));
  /* Too small a struct: EINVAL; the filter says ENOSYS. */
  report ("clone3", syscall (SYS_clone3, NULL, 0));
  return 0;
}

static int
loop (long n)
{
  double best = 0;

  for (int round = 0; round < 10; round++)
    {
      struct timespec a, b;
      double ns;
      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &a);
      for (long i = 0; i < n / 10; i++)
        syscall (SYS_getpid);
      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &b);
      ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double) (n / 10);
      if (round == 0 || ns < best)
        best = ns;
    }
  printf ("%.1f\n", best);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "calls") == 0)
    return calls ();
  if (argc == 3 && strcmp (argv[1], "getpid") == 0)
    return loop (atol (argv[2]));
  fprintf (stderr, "usage: scprobe calls | getpid N\n");
  return 2;
}
