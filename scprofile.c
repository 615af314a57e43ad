#include "scprofile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "util.h"

#define NO_ARG                                                                                     \
  {                                                                                                \
    6, 0, 0, SC_OP_EQ                                                                              \
  }
#define N(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* One rule of docker's profile, with at most one argument condition, one
   capability that includes it and one that excludes it (all it needs). */
struct dflt_rule
{
  const char *const *names;
  enum spec_sc_action action;
  unsigned ret;
  struct spec_sc_arg arg; /* NO_ARG: none */
  const char *include_cap, *exclude_cap;
  const char *const *include_arches; /* docker's (Go's) names */
  const char *min_kernel;
};

/* The clone rule keeps the namespace flags (CLONE_NEWNS | NEWCGROUP | NEWUTS
   | NEWIPC | NEWUSER | NEWPID | NEWNET = 0x7e020000) for CAP_SYS_ADMIN;
   clone3, whose flags live in memory BPF cannot read, says ENOSYS so libc
   falls back to clone.  unshare, keyctl, add_key, bpf, userfaultfd,
   io_uring_* are not on the list: EPERM (docker's, stricter than podman's
   on keyctl and unshare). */
/* docker's unconditional allow-list (moby/profiles seccomp/default.json). */
static const char *const allowed[] = { "accept",
                                       "accept4",
                                       "access",
                                       "adjtimex",
                                       "alarm",
                                       "bind",
                                       "brk",
                                       "cachestat",
                                       "capget",
                                       "capset",
                                       "chdir",
                                       "chmod",
                                       "chown",
                                       "chown32",
                                       "clock_adjtime",
                                       "clock_adjtime64",
                                       "clock_getres",
                                       "clock_getres_time64",
                                       "clock_gettime",
                                       "clock_gettime64",
                                       "clock_nanosleep",
                                       "clock_nanosleep_time64",
                                       "close",
                                       "close_range",
                                       "connect",
                                       "copy_file_range",
                                       "creat",
                                       "dup",
                                       "dup2",
                                       "dup3",
                                       "epoll_create",
                                       "epoll_create1",
                                       "epoll_ctl",
                                       "epoll_ctl_old",
                                       "epoll_pwait",
                                       "epoll_pwait2",
                                       "epoll_wait",
                                       "epoll_wait_old",
                                       "eventfd",
                                       "eventfd2",
                                       "execve",
                                       "execveat",
                                       "exit",
                                       "exit_group",
                                       "faccessat",
                                       "faccessat2",
                                       "fadvise64",
                                       "fadvise64_64",
                                       "fallocate",
                                       "fanotify_mark",
                                       "fchdir",
                                       "fchmod",
                                       "fchmodat",
                                       "fchmodat2",
                                       "fchown",
                                       "fchown32",
                                       "fchownat",
                                       "fcntl",
                                       "fcntl64",
                                       "fdatasync",
                                       "fgetxattr",
                                       "flistxattr",
                                       "flock",
                                       "fork",
                                       "fremovexattr",
                                       "fsetxattr",
                                       "fstat",
                                       "fstat64",
                                       "fstatat64",
                                       "fstatfs",
                                       "fstatfs64",
                                       "fsync",
                                       "ftruncate",
                                       "ftruncate64",
                                       "futex",
                                       "futex_requeue",
                                       "futex_time64",
                                       "futex_wait",
                                       "futex_waitv",
                                       "futex_wake",
                                       "futimesat",
                                       "getcpu",
                                       "getcwd",
                                       "getdents",
                                       "getdents64",
                                       "getegid",
                                       "getegid32",
                                       "geteuid",
                                       "geteuid32",
                                       "getgid",
                                       "getgid32",
                                       "getgroups",
                                       "getgroups32",
                                       "getitimer",
                                       "getpeername",
                                       "getpgid",
                                       "getpgrp",
                                       "getpid",
                                       "getppid",
                                       "getpriority",
                                       "getrandom",
                                       "getresgid",
                                       "getresgid32",
                                       "getresuid",
                                       "getresuid32",
                                       "getrlimit",
                                       "get_robust_list",
                                       "getrusage",
                                       "getsid",
                                       "getsockname",
                                       "getsockopt",
                                       "get_thread_area",
                                       "gettid",
                                       "gettimeofday",
                                       "getuid",
                                       "getuid32",
                                       "getxattr",
                                       "getxattrat",
                                       "inotify_add_watch",
                                       "inotify_init",
                                       "inotify_init1",
                                       "inotify_rm_watch",
                                       "io_cancel",
                                       "ioctl",
                                       "io_destroy",
                                       "io_getevents",
                                       "io_pgetevents",
                                       "io_pgetevents_time64",
                                       "ioprio_get",
                                       "ioprio_set",
                                       "io_setup",
                                       "io_submit",
                                       "ipc",
                                       "kill",
                                       "landlock_add_rule",
                                       "landlock_create_ruleset",
                                       "landlock_restrict_self",
                                       "lchown",
                                       "lchown32",
                                       "lgetxattr",
                                       "link",
                                       "linkat",
                                       "listen",
                                       "listmount",
                                       "listxattr",
                                       "listxattrat",
                                       "llistxattr",
                                       "_llseek",
                                       "lremovexattr",
                                       "lseek",
                                       "lsetxattr",
                                       "lstat",
                                       "lstat64",
                                       "madvise",
                                       "map_shadow_stack",
                                       "membarrier",
                                       "memfd_create",
                                       "memfd_secret",
                                       "mincore",
                                       "mkdir",
                                       "mkdirat",
                                       "mknod",
                                       "mknodat",
                                       "mlock",
                                       "mlock2",
                                       "mlockall",
                                       "mmap",
                                       "mmap2",
                                       "mprotect",
                                       "mq_getsetattr",
                                       "mq_notify",
                                       "mq_open",
                                       "mq_timedreceive",
                                       "mq_timedreceive_time64",
                                       "mq_timedsend",
                                       "mq_timedsend_time64",
                                       "mq_unlink",
                                       "mremap",
                                       "mseal",
                                       "msgctl",
                                       "msgget",
                                       "msgrcv",
                                       "msgsnd",
                                       "msync",
                                       "munlock",
                                       "munlockall",
                                       "munmap",
                                       "name_to_handle_at",
                                       "nanosleep",
                                       "newfstatat",
                                       "_newselect",
                                       "open",
                                       "openat",
                                       "openat2",
                                       "pause",
                                       "pidfd_open",
                                       "pidfd_send_signal",
                                       "pipe",
                                       "pipe2",
                                       "pkey_alloc",
                                       "pkey_free",
                                       "pkey_mprotect",
                                       "poll",
                                       "ppoll",
                                       "ppoll_time64",
                                       "prctl",
                                       "pread64",
                                       "preadv",
                                       "preadv2",
                                       "prlimit64",
                                       "process_mrelease",
                                       "pselect6",
                                       "pselect6_time64",
                                       "pwrite64",
                                       "pwritev",
                                       "pwritev2",
                                       "read",
                                       "readahead",
                                       "readlink",
                                       "readlinkat",
                                       "readv",
                                       "recv",
                                       "recvfrom",
                                       "recvmmsg",
                                       "recvmmsg_time64",
                                       "recvmsg",
                                       "remap_file_pages",
                                       "removexattr",
                                       "removexattrat",
                                       "rename",
                                       "renameat",
                                       "renameat2",
                                       "restart_syscall",
                                       "riscv_hwprobe",
                                       "rmdir",
                                       "rseq",
                                       "rt_sigaction",
                                       "rt_sigpending",
                                       "rt_sigprocmask",
                                       "rt_sigqueueinfo",
                                       "rt_sigreturn",
                                       "rt_sigsuspend",
                                       "rt_sigtimedwait",
                                       "rt_sigtimedwait_time64",
                                       "rt_tgsigqueueinfo",
                                       "sched_getaffinity",
                                       "sched_getattr",
                                       "sched_getparam",
                                       "sched_get_priority_max",
                                       "sched_get_priority_min",
                                       "sched_getscheduler",
                                       "sched_rr_get_interval",
                                       "sched_rr_get_interval_time64",
                                       "sched_setaffinity",
                                       "sched_setattr",
                                       "sched_setparam",
                                       "sched_setscheduler",
                                       "sched_yield",
                                       "seccomp",
                                       "select",
                                       "semctl",
                                       "semget",
                                       "semop",
                                       "semtimedop",
                                       "semtimedop_time64",
                                       "send",
                                       "sendfile",
                                       "sendfile64",
                                       "sendmmsg",
                                       "sendmsg",
                                       "sendto",
                                       "setfsgid",
                                       "setfsgid32",
                                       "setfsuid",
                                       "setfsuid32",
                                       "setgid",
                                       "setgid32",
                                       "setgroups",
                                       "setgroups32",
                                       "setitimer",
                                       "setpgid",
                                       "setpriority",
                                       "setregid",
                                       "setregid32",
                                       "setresgid",
                                       "setresgid32",
                                       "setresuid",
                                       "setresuid32",
                                       "setreuid",
                                       "setreuid32",
                                       "setrlimit",
                                       "set_robust_list",
                                       "setsid",
                                       "setsockopt",
                                       "set_thread_area",
                                       "set_tid_address",
                                       "setuid",
                                       "setuid32",
                                       "setxattr",
                                       "setxattrat",
                                       "shmat",
                                       "shmctl",
                                       "shmdt",
                                       "shmget",
                                       "shutdown",
                                       "sigaltstack",
                                       "signalfd",
                                       "signalfd4",
                                       "sigprocmask",
                                       "sigreturn",
                                       "socketcall",
                                       "socketpair",
                                       "splice",
                                       "stat",
                                       "stat64",
                                       "statfs",
                                       "statfs64",
                                       "statmount",
                                       "statx",
                                       "symlink",
                                       "symlinkat",
                                       "sync",
                                       "sync_file_range",
                                       "syncfs",
                                       "sysinfo",
                                       "tee",
                                       "tgkill",
                                       "time",
                                       "timer_create",
                                       "timer_delete",
                                       "timer_getoverrun",
                                       "timer_gettime",
                                       "timer_gettime64",
                                       "timer_settime",
                                       "timer_settime64",
                                       "timerfd_create",
                                       "timerfd_gettime",
                                       "timerfd_gettime64",
                                       "timerfd_settime",
                                       "timerfd_settime64",
                                       "times",
                                       "tkill",
                                       "truncate",
                                       "truncate64",
                                       "ugetrlimit",
                                       "umask",
                                       "uname",
                                       "unlink",
                                       "unlinkat",
                                       "uretprobe",
                                       "utime",
                                       "utimensat",
                                       "utimensat_time64",
                                       "utimes",
                                       "vfork",
                                       "vmsplice",
                                       "wait4",
                                       "waitid",
                                       "waitpid",
                                       "write",
                                       "writev",
                                       NULL };

static const struct dflt_rule dflt_rules[] = {
  { allowed, SC_ACT_ALLOW, 0, NO_ARG, NULL, NULL, NULL, NULL },
  { N ("process_vm_readv", "process_vm_writev", "ptrace"), SC_ACT_ALLOW, 0, NO_ARG, NULL, NULL,
    NULL, "4.8" },
  { N ("socket"), SC_ACT_ALLOW, 0, { 0, 38, 0, SC_OP_LT }, NULL, NULL, NULL, NULL },
  { N ("socket"), SC_ACT_ALLOW, 0, { 0, 39, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("socket"), SC_ACT_ALLOW, 0, { 0, 40, 0, SC_OP_GT }, NULL, NULL, NULL, NULL },
  { N ("personality"), SC_ACT_ALLOW, 0, { 0, 0, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("personality"), SC_ACT_ALLOW, 0, { 0, 8, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("personality"), SC_ACT_ALLOW, 0, { 0, 131072, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("personality"), SC_ACT_ALLOW, 0, { 0, 131080, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("personality"), SC_ACT_ALLOW, 0, { 0, 4294967295, 0, SC_OP_EQ }, NULL, NULL, NULL, NULL },
  { N ("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
       "set_tls"),
    SC_ACT_ALLOW, 0, NO_ARG, NULL, NULL, N ("arm", "arm64"), NULL },
  { N ("arch_prctl"), SC_ACT_ALLOW, 0, NO_ARG, NULL, NULL, N ("amd64", "x32"), NULL },
  { N ("modify_ldt"), SC_ACT_ALLOW, 0, NO_ARG, NULL, NULL, N ("amd64", "x32", "x86"), NULL },
  { N ("open_by_handle_at"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_DAC_READ_SEARCH", NULL, NULL, NULL },
  { N ("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
       "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
       "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
       "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare"),
    SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_ADMIN", NULL, NULL, NULL },
  { N ("clone"),
    SC_ACT_ALLOW,
    0,
    { 0, 2114060288, 0, SC_OP_MASKED_EQ },
    NULL,
    "CAP_SYS_ADMIN",
    NULL,
    NULL },
  { N ("clone3"), SC_ACT_ERRNO, 38, NO_ARG, NULL, "CAP_SYS_ADMIN", NULL, NULL },
  { N ("reboot"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_BOOT", NULL, NULL, NULL },
  { N ("chroot"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_CHROOT", NULL, NULL, NULL },
  { N ("delete_module", "init_module", "finit_module"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_MODULE",
    NULL, NULL, NULL },
  { N ("acct"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_PACCT", NULL, NULL, NULL },
  { N ("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"),
    SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_PTRACE", NULL, NULL, NULL },
  { N ("iopl", "ioperm"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_RAWIO", NULL, NULL, NULL },
  { N ("settimeofday", "stime", "clock_settime", "clock_settime64"), SC_ACT_ALLOW, 0, NO_ARG,
    "CAP_SYS_TIME", NULL, NULL, NULL },
  { N ("vhangup"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYS_TTY_CONFIG", NULL, NULL, NULL },
  { N ("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"), SC_ACT_ALLOW, 0,
    NO_ARG, "CAP_SYS_NICE", NULL, NULL, NULL },
  { N ("syslog"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_SYSLOG", NULL, NULL, NULL },
  { N ("bpf"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_BPF", NULL, NULL, NULL },
  { N ("perf_event_open"), SC_ACT_ALLOW, 0, NO_ARG, "CAP_PERFMON", NULL, NULL, NULL },
};

static char **
strv_dup (const char *const *v)
{
  size_t n = 0;
  char **out;

  while (v && v[n])
    n++;
  out = xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    out[i] = xstrdup (v[i]);
  return out;
}

/* The table as a profile, its conditions as data: one resolver serves it
   and profile files alike. */
static void
default_as_profile (struct spec_seccomp *p)
{
  static const char *const x86_subs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
  static const char *const arm_subs[] = { "SCMP_ARCH_ARM", NULL };
  size_t n = sizeof dflt_rules / sizeof dflt_rules[0];

  memset (p, 0, sizeof *p);
  p->default_action = SC_ACT_ERRNO;
  p->default_ret = EPERM;
  p->arches = xcalloc (1, sizeof (char *));
  p->n_arch_map = 2;
  p->arch_map = xcalloc (2, sizeof *p->arch_map);
  p->arch_map[0] = (struct spec_sc_archmap){ xstrdup ("SCMP_ARCH_X86_64"), strv_dup (x86_subs) };
  p->arch_map[1] = (struct spec_sc_archmap){ xstrdup ("SCMP_ARCH_AARCH64"), strv_dup (arm_subs) };
  p->rules = xcalloc (n, sizeof *p->rules);
  p->n_rules = n;
  for (size_t i = 0; i < n; i++)
    {
      const struct dflt_rule *d = &dflt_rules[i];
      struct spec_sc_rule *r = &p->rules[i];
      r->names = strv_dup (d->names);
      r->action = d->action;
      r->ret = d->action == SC_ACT_ERRNO ? d->ret : 0;
      r->args = xcalloc (1, sizeof *r->args);
      if (d->arg.index < 6)
        r->args[r->n_args++] = d->arg;
      if (d->include_cap)
        r->includes.caps = strv_dup (N (d->include_cap));
      if (d->exclude_cap)
        r->excludes.caps = strv_dup (N (d->exclude_cap));
      if (d->include_arches)
        r->includes.arches = strv_dup (d->include_arches);
      r->includes.min_kernel = d->min_kernel ? xstrdup (d->min_kernel) : NULL;
    }
}

/* Docker matches includes.arches against Go's name of the native
   architecture. */
static bool
arch_listed (char *const *arches, enum sysnr_abi abi)
{
  static const char *const go_names[ABI_COUNT][3] = {
    [ABI_X86_64] = { "amd64" },
    [ABI_I386] = { "386", "x86" },
    [ABI_X32] = { "x32" },
    [ABI_AARCH64] = { "arm64" },
  };

  for (size_t i = 0; arches && arches[i]; i++)
    for (size_t k = 0; k < 3 && go_names[abi][k]; k++)
      if (strcmp (arches[i], go_names[abi][k]) == 0)
        return true;
  return false;
}

static bool
has_cap (char *const *caps, const char *cap)
{
  for (size_t i = 0; caps && caps[i]; i++)
    if (strcasecmp (caps[i], cap) == 0)
      return true;
  return false;
}

/* "4.8" <= the kernel's "major.minor". */
static bool
kernel_at_least (const char *kernel, const char *min)
{
  unsigned kmaj = 0, kmin = 0, mmaj = 0, mmin = 0;
  struct utsname u;

  if (!kernel)
    kernel = uname (&u) == 0 ? u.release : "0.0";
  sscanf (kernel, "%u.%u", &kmaj, &kmin);
  sscanf (min, "%u.%u", &mmaj, &mmin);
  return kmaj > mmaj || (kmaj == mmaj && kmin >= mmin);
}

/* moby's rules: every included capability held, the native architecture
   listed, the kernel new enough; no excluded capability held, the native
   architecture not excluded. */
static bool
rule_applies (const struct spec_sc_rule *r, const struct scprofile_host *h)
{
  for (size_t i = 0; r->includes.caps && r->includes.caps[i]; i++)
    if (!has_cap (h->caps, r->includes.caps[i]))
      return false;
  for (size_t i = 0; r->excludes.caps && r->excludes.caps[i]; i++)
    if (has_cap (h->caps, r->excludes.caps[i]))
      return false;
  if (r->includes.arches && r->includes.arches[0] && !arch_listed (r->includes.arches, h->abi))
    return false;
  if (arch_listed (r->excludes.arches, h->abi))
    return false;
  return !r->includes.min_kernel || kernel_at_least (h->kernel, r->includes.min_kernel);
}

/* architectures, else archMap's entry for the native architecture and its
   sub-architectures, else none (the runtime's native one). */
static char **
resolve_arches (const struct spec_seccomp *p, enum sysnr_abi abi)
{
  const char *native = sysnr_abi_info (abi)->oci_name;
  char **out;

  if (p->arches && p->arches[0])
    return strv_dup ((const char *const *)p->arches);
  out = xcalloc (1, sizeof (char *));
  for (size_t i = 0; i < p->n_arch_map; i++)
    if (strcmp (p->arch_map[i].arch, native) == 0)
      {
        strv_append (&out, native);
        for (size_t k = 0; p->arch_map[i].subs && p->arch_map[i].subs[k]; k++)
          strv_append (&out, p->arch_map[i].subs[k]);
      }
  return out;
}

void
scprofile_resolve (const struct spec_seccomp *p, const struct scprofile_host *h,
                   struct spec_seccomp *out)
{
  memset (out, 0, sizeof *out);
  out->default_action = p->default_action;
  out->default_ret = p->default_ret;
  out->arches = resolve_arches (p, h->abi);
  out->rules = xcalloc (p->n_rules + 1, sizeof *out->rules);
  for (size_t i = 0; i < p->n_rules; i++)
    {
      const struct spec_sc_rule *r = &p->rules[i];
      struct spec_sc_rule *o = &out->rules[out->n_rules];
      if (!rule_applies (r, h))
        continue;
      o->names = strv_dup ((const char *const *)r->names);
      o->action = r->action;
      o->ret = r->ret;
      o->n_args = r->n_args;
      o->args = xcalloc (r->n_args + 1, sizeof *o->args);
      memcpy (o->args, r->args, r->n_args * sizeof *o->args);
      out->n_rules++;
    }
}

void
scprofile_default (const struct scprofile_host *h, struct spec_seccomp *out)
{
  cleanup_spec_seccomp struct spec_seccomp p = { 0 };

  default_as_profile (&p);
  scprofile_resolve (&p, h, out);
}

int
scprofile_load (const char *json, const struct scprofile_host *h, struct spec_seccomp *out,
                struct cl_error *err)
{
  cleanup_spec_seccomp struct spec_seccomp p = { 0 };

  memset (out, 0, sizeof *out);
  if (spec_seccomp_parse (json, true, &p, err) < 0)
    return -1;
  scprofile_resolve (&p, h, out);
  return 0;
}
