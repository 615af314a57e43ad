/* The seccomp filter, decoded back: a small interpreter runs the
   generated BPF over (architecture, number, arguments) cases and checks
   what the kernel would be told. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bpf.h"
#include "../../ocispec.h"
#include "../../scprofile.h"
#include "../../seccomp.h"
#include "../../sysnr.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* A failed check with its story. */
static void __attribute__ ((format (printf, 1, 2))) fail (const char *fmt, ...)
{
  va_list ap;

  fputs ("  ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  unit_failed_checks++;
}

#define EPERM_RET (SECCOMP_RET_ERRNO | EPERM)
#define ALLOW SECCOMP_RET_ALLOW

/* Classic BPF as the kernel's seccomp runs it (the subset it accepts and
   we emit); -1 on a malformed program: a jump out of it, an unknown
   instruction, falling off the end. */
static int64_t
bpf_run (const struct bpf_prog *p, const struct seccomp_data *d)
{
  uint32_t a = 0;
  size_t pc = 0;
  unsigned char buf[sizeof *d];

  memcpy (buf, d, sizeof *d);
  while (pc < p->n)
    {
      const struct sock_filter *f = &p->insns[pc++];
      switch (f->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          if (f->k % 4 || f->k + 4 > sizeof buf)
            return -1;
          memcpy (&a, buf + f->k, 4);
          break;
        case BPF_ALU | BPF_AND | BPF_K: a &= f->k; break;
        case BPF_JMP | BPF_JA: pc += f->k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += a > f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f->k ? f->jt : f->jf; break;
        case BPF_RET | BPF_K: return f->k;
        default: return -1;
        }
    }
  return -1;
}

static int64_t
eval (const struct bpf_prog *p, uint32_t arch, enum sysnr_abi abi, const char *name, uint64_t a0,
      uint64_t a1)
{
  struct seccomp_data d = { .arch = arch, .args = { a0, a1 } };
  long nr = sysnr_lookup (name, abi);

  CHECK (nr >= 0);
  d.nr = (int)nr;
  return bpf_run (p, &d);
}

static int64_t
on (const struct bpf_prog *p, enum sysnr_abi abi, const char *name, uint64_t a0)
{
  return eval (p, sysnr_abi_info (abi)->audit_arch, abi, name, a0, 0);
}

static const char *docker_caps[] = {
  "CAP_CHOWN",      "CAP_DAC_OVERRIDE", "CAP_FSETID",      "CAP_FOWNER",  "CAP_NET_RAW",
  "CAP_SETGID",     "CAP_SETUID",       "CAP_SETFCAP",     "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT", "CAP_KILL",         "CAP_AUDIT_WRITE", NULL
};

static void
compile_default (char *const *caps, enum sysnr_abi abi, const char *kernel, struct bpf_prog *p)
{
  struct scprofile_host h = { caps, abi, kernel };
  cleanup_spec_seccomp struct spec_seccomp sc = { 0 };
  struct cl_error err = { 0 };

  scprofile_default (&h, &sc);
  CHECK (seccomp_compile (&sc, p, &err) == 0);
  if (err.msg[0])
    fail ("%s", err.msg);
}

void
test_seccomp_default (void)
{
  static const char *denied[] = { "keyctl",
                                  "add_key",
                                  "request_key",
                                  "unshare",
                                  "mount",
                                  "umount2",
                                  "bpf",
                                  "perf_event_open",
                                  "open_by_handle_at",
                                  "kexec_load",
                                  "userfaultfd",
                                  "io_uring_setup",
                                  "setns",
                                  "init_module",
                                  "reboot",
                                  "settimeofday",
                                  "kcmp",
                                  "pivot_root",
                                  "swapon",
                                  NULL };
  static const char *allowed[]
      = { "read",      "write",        "getpid",      "execve",     "openat", "mmap",
          "futex",     "rt_sigaction", "close_range", "seccomp",    "prctl",  "capset",
          "setresuid", "chroot",       "wait4",       "arch_prctl", "ptrace", NULL };
  static const enum sysnr_abi abis[] = { ABI_X86_64, ABI_X32, ABI_I386 };
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  struct seccomp_data d = { 0 };

  compile_default ((char **)docker_caps, ABI_X86_64, "6.1.0", &p);
  CHECK (p.n > 0 && p.n < BPF_MAXINSNS);
  for (size_t k = 0; k < 3; k++)
    {
      for (size_t i = 0; denied[i]; i++)
        if (sysnr_lookup (denied[i], abis[k]) >= 0 && on (&p, abis[k], denied[i], 0) != EPERM_RET)
          fail ("%s not denied on ABI %zu", denied[i], k);
      for (size_t i = 0; allowed[i]; i++)
        if (sysnr_lookup (allowed[i], abis[k]) >= 0 && on (&p, abis[k], allowed[i], 0) != ALLOW)
          fail ("%s not allowed on ABI %zu", allowed[i], k);
      CHECK (on (&p, abis[k], "clone3", 0) == (SECCOMP_RET_ERRNO | ENOSYS));
      CHECK (on (&p, abis[k], "clone", SIGCHLD | CLONE_VM | CLONE_THREAD) == ALLOW);
      CHECK (on (&p, abis[k], "clone", SIGCHLD | CLONE_NEWUSER) == EPERM_RET);
      CHECK (on (&p, abis[k], "clone", CLONE_NEWNET) == EPERM_RET);
      CHECK (on (&p, abis[k], "personality", 0) == ALLOW);
      CHECK (on (&p, abis[k], "personality", 0x20008) == ALLOW);
      CHECK (on (&p, abis[k], "personality", 0xffffffff) == ALLOW);
      CHECK (on (&p, abis[k], "personality", 0x0400000) == EPERM_RET); /* READ_IMPLIES_EXEC */
    }
  /* socket: every family but AF_ALG (38) and AF_VSOCK (40). */
  CHECK (on (&p, ABI_X86_64, "socket", 2) == ALLOW && on (&p, ABI_X86_64, "socket", 39) == ALLOW);
  CHECK (on (&p, ABI_X86_64, "socket", 38) == EPERM_RET
         && on (&p, ABI_X86_64, "socket", 40) == EPERM_RET);
  CHECK (on (&p, ABI_X86_64, "socket", 41) == ALLOW);
  /* 64-bit arguments are compared whole on x86_64, 32 bits on i386. */
  CHECK (on (&p, ABI_X86_64, "personality", 0x100000000ULL) == EPERM_RET);
  CHECK (on (&p, ABI_I386, "personality", 0x100000000ULL) == ALLOW);
  /* Numbers nobody allowed, and architectures the filter does not know. */
  d.arch = AUDIT_ARCH_X86_64, d.nr = 4000;
  CHECK (bpf_run (&p, &d) == EPERM_RET);
  d.nr = 0x40000000 + 13; /* x86_64's rt_sigaction number with x32's bit */
  CHECK (bpf_run (&p, &d) == EPERM_RET);
  d.arch = AUDIT_ARCH_AARCH64, d.nr = 172; /* aarch64's getpid */
  CHECK (bpf_run (&p, &d) == EPERM_RET);
  d.arch = 0x12345678, d.nr = 39;
  CHECK (bpf_run (&p, &d) == EPERM_RET);
}

/* What a rule without arguments returns, as the kernel is told. */
static uint32_t
plain_ret (const struct spec_sc_rule *r)
{
  return r->action == SC_ACT_ERRNO   ? SECCOMP_RET_ERRNO | r->ret
         : r->action == SC_ACT_ALLOW ? ALLOW
                                     : SECCOMP_RET_KILL_PROCESS;
}

/* Every number of every ABI, against the profile read plainly: the first
   rule without arguments that names it, else ENOSYS above the highest
   number named (up to the ABI's end), else the default.  The shared RETs
   of the search's regions must not change one answer. */
void
test_seccomp_every_number (void)
{
  static const enum sysnr_abi abis[] = { ABI_X86_64, ABI_X32, ABI_I386 };
  struct scprofile_host h = { (char **)docker_caps, ABI_X86_64, "6.1.0" };
  cleanup_spec_seccomp struct spec_seccomp sc = { 0 };
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  struct cl_error err = { 0 };
  size_t wrong = 0;

  scprofile_default (&h, &sc);
  CHECK (seccomp_compile (&sc, &p, &err) == 0);
  /* One RET per leaf made it ~700. */
  CHECK (p.n < 450);
  for (size_t k = 0; k < 3; k++)
    {
      long base = (long)sysnr_abi_info (abis[k])->nr_bit, top = -1;
      int64_t want[SYSNR_MAX];
      bool args[SYSNR_MAX] = { false }, named[SYSNR_MAX] = { false };

      for (size_t i = 0; i < sc.n_rules; i++)
        for (size_t j = 0; sc.rules[i].names[j]; j++)
          {
            long nr = sysnr_lookup (sc.rules[i].names[j], abis[k]);
            if (nr < 0)
              continue;
            nr -= base;
            top = nr > top ? nr : top;
            if (sc.rules[i].n_args)
              args[nr] = true;
            else if (!named[nr])
              named[nr] = true, want[nr] = plain_ret (&sc.rules[i]);
          }
      for (long nr = 0; nr < SYSNR_MAX + 64; nr++)
        {
          struct seccomp_data d
              = { .arch = sysnr_abi_info (abis[k])->audit_arch, .nr = (int)(base + nr) };
          int64_t expect = nr < SYSNR_MAX && named[nr]  ? want[nr]
                           : nr > top && nr < SYSNR_MAX ? (SECCOMP_RET_ERRNO | ENOSYS)
                                                        : EPERM_RET;
          if (nr < SYSNR_MAX && args[nr])
            continue; /* the argument tests have their own checks */
          if (bpf_run (&p, &d) != expect && wrong++ < 5)
            fail ("ABI %zu, number %ld: %lld, not %lld", k, nr, (long long)bpf_run (&p, &d),
                  (long long)expect);
        }
    }
  CHECK (wrong == 0);
}

void
test_seccomp_caps (void)
{
  cleanup_strv char **caps = NULL;
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  cleanup_bpf_prog struct bpf_prog old = { 0 };
  cleanup_bpf_prog struct bpf_prog arm = { 0 };
  static const struct
  {
    const char *cap, *call;
  } unlocks[] = { { "CAP_SYS_ADMIN", "mount" },
                  { "CAP_SYS_ADMIN", "unshare" },
                  { "CAP_SYS_ADMIN", "setns" },
                  { "CAP_SYS_BOOT", "reboot" },
                  { "CAP_SYS_MODULE", "init_module" },
                  { "CAP_SYS_TIME", "settimeofday" },
                  { "CAP_SYS_PTRACE", "kcmp" },
                  { "CAP_SYS_NICE", "mbind" },
                  { "CAP_DAC_READ_SEARCH", "open_by_handle_at" },
                  { "CAP_BPF", "bpf" },
                  { "CAP_PERFMON", "perf_event_open" },
                  { "CAP_SYS_RAWIO", "iopl" },
                  { "CAP_SYSLOG", "syslog" },
                  { "CAP_SYS_PACCT", "acct" } };

  for (size_t i = 0; i < sizeof unlocks / sizeof unlocks[0]; i++)
    {
      cleanup_strv char **one = NULL;
      cleanup_bpf_prog struct bpf_prog q = { 0 };
      strv_append (&one, unlocks[i].cap);
      compile_default (one, ABI_X86_64, "6.1", &q);
      if (on (&q, ABI_X86_64, unlocks[i].call, 0) != ALLOW)
        fail ("%s does not unlock %s", unlocks[i].cap, unlocks[i].call);
    }
  strv_append (&caps, "CAP_SYS_ADMIN");
  compile_default (caps, ABI_X86_64, "6.1", &p);
  CHECK (on (&p, ABI_X86_64, "clone", CLONE_NEWUSER | SIGCHLD) == ALLOW);
  CHECK (on (&p, ABI_X86_64, "clone3", 0) == ALLOW);
  CHECK (on (&p, ABI_X86_64, "keyctl", 0) == EPERM_RET);
  /* ptrace is everyone's from 4.8 on. */
  compile_default ((char **)docker_caps, ABI_X86_64, "4.4.0", &old);
  CHECK (on (&old, ABI_X86_64, "ptrace", 0) == EPERM_RET);
  /* aarch64: its own numbers, arm64's rules; x86 is another architecture. */
  compile_default ((char **)docker_caps, ABI_AARCH64, "6.1", &arm);
  CHECK (on (&arm, ABI_AARCH64, "getpid", 0) == ALLOW
         && on (&arm, ABI_AARCH64, "keyctl", 0) == EPERM_RET);
  CHECK (on (&arm, ABI_AARCH64, "clone3", 0) == (SECCOMP_RET_ERRNO | ENOSYS));
  CHECK (on (&arm, ABI_X86_64, "getpid", 0) == EPERM_RET);
}

static int
compile_profile (const char *json, struct bpf_prog *p, struct cl_error *err)
{
  struct scprofile_host h = { (char **)docker_caps, ABI_X86_64, "6.1" };
  cleanup_spec_seccomp struct spec_seccomp sc = { 0 };

  if (scprofile_load (json, &h, &sc, err) < 0)
    return -1;
  return seccomp_compile (&sc, p, err);
}

/* Every comparison, on values on both sides of a 64-bit one. */
void
test_seccomp_args (void)
{
  static const char *ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                               "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
  const uint64_t v = 0x100000005ULL, v2 = 0x100000004ULL;
  const uint64_t xs[] = { 0,
                          4,
                          5,
                          6,
                          0x100000004ULL,
                          0x100000005ULL,
                          0x100000006ULL,
                          0x200000005ULL,
                          0xffffffff00000005ULL };

  for (size_t o = 0; o < 7; o++)
    {
      cleanup_free char *json = xasprintf (
          "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
          "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 99, \"args\": [{\"index\": 1, \"value\": "
          "%llu, \"valueTwo\": %llu, \"op\": \"%s\"}]}]}",
          (unsigned long long)v, (unsigned long long)v2, ops[o]);
      cleanup_bpf_prog struct bpf_prog p = { 0 };
      struct cl_error err = { 0 };
      CHECK (compile_profile (json, &p, &err) == 0);
      for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        {
          uint64_t x = xs[i];
          bool match = o == 0   ? x != v
                       : o == 1 ? x < v
                       : o == 2 ? x <= v
                       : o == 3 ? x == v
                       : o == 4 ? x >= v
                       : o == 5 ? x > v
                                : (x & v) == v2;
          int64_t r = eval (&p, AUDIT_ARCH_X86_64, ABI_X86_64, "getpid", 0, x);
          if (r != (match ? (SECCOMP_RET_ERRNO | 99) : ALLOW))
            fail ("%s on %#llx", ops[o], (unsigned long long)x);
        }
    }
}

void
test_seccomp_profile (void)
{
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  struct cl_error err = { 0 };
  static const char *bad[][2] = {
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\"}", "\"listenerPath\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], \"action\": "
      "\"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"4.8\", \"foo\": 1}}]}",
      "\"syscalls[0].includes.foo\"" },
    { "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "unsupported action \"SCMP_ACT_NOTIFY\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}",
      "\"flags\"" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
      "\"action\": "
      "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
      "index 0-5" },
  };

  CHECK (compile_profile (
             "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
             "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], "
             "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}, {\"names\": [\"nosuchcall\"], "
             "\"action\": \"SCMP_ACT_KILL\"}, {\"names\": [\"getppid\"], \"action\": "
             "\"SCMP_ACT_ERRNO\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}]}",
             &p, &err)
         == 0);
  CHECK (on (&p, ABI_X86_64, "mkdir", 0) == (SECCOMP_RET_ERRNO | EACCES));
  /* Two plain rules for one call: the first wins, as in libseccomp. */
  {
    cleanup_bpf_prog struct bpf_prog q = { 0 };
    CHECK (compile_profile ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                            "[\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": "
                            "[\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                            &q, &err)
           == 0);
    CHECK (on (&q, ABI_X86_64, "getpid", 0) == EPERM_RET);
  }
  /* An empty flags list, as tools write it, is fine. */
  {
    cleanup_bpf_prog struct bpf_prog q = { 0 };
    CHECK (compile_profile ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": []}", &q, &err)
           == 0);
    CHECK (on (&q, ABI_X86_64, "getpid", 0) == EPERM_RET);
  }
  CHECK (on (&p, ABI_X86_64, "mkdirat", 0) == (SECCOMP_RET_ERRNO | EACCES));
  CHECK (on (&p, ABI_X86_64, "getpid", 0) == ALLOW && on (&p, ABI_X86_64, "getppid", 0) == ALLOW);
  /* Not listed: i386 and x32 are refused whole. */
  CHECK (on (&p, ABI_I386, "getpid", 0) == EPERM_RET && on (&p, ABI_X32, "getpid", 0) == EPERM_RET);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      cleanup_bpf_prog struct bpf_prog q = { 0 };
      memset (&err, 0, sizeof err);
      CHECK (compile_profile (bad[i][0], &q, &err) < 0);
      if (!strstr (err.msg, bad[i][1]))
        fail ("\"%s\" lacks \"%s\"", err.msg, bad[i][1]);
    }
}

/* The rootless network's filter: connect always, sendto only with an
   address (its pointer's high word counts too), nothing else, and no
   other architecture. */
void
test_seccomp_netnotify (void)
{
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  struct cl_error err = { 0 };
  enum sysnr_abi abi = sysnr_native ();
  uint32_t arch = sysnr_abi_info (abi)->audit_arch;
  struct seccomp_data d = { .arch = arch };

  CHECK (seccomp_netnotify_compile (&p, &err) == 0);
  CHECK (on (&p, abi, "connect", 3) == SECCOMP_RET_USER_NOTIF);
  CHECK (on (&p, abi, "sendto", 3) == ALLOW); /* no address: args[4] == 0 */
  d.nr = (int)sysnr_lookup ("sendto", abi);
  d.args[4] = 0x1000;
  CHECK (bpf_run (&p, &d) == SECCOMP_RET_USER_NOTIF);
  d.args[4] = 0x700000000000ULL;
  CHECK (bpf_run (&p, &d) == SECCOMP_RET_USER_NOTIF);
  CHECK (on (&p, abi, "sendmsg", 3) == ALLOW);
  CHECK (on (&p, abi, "bind", 3) == ALLOW);
  CHECK (on (&p, abi, "read", 3) == ALLOW);
  CHECK (eval (&p, AUDIT_ARCH_I386, ABI_I386, "connect", 3, 0) == ALLOW);
}

/* runc's readings: calls numbered above every one a deny-by-default
   profile names get ENOSYS (newer than the profile: libc falls back),
   numbers past the ABI's range the default; conditions on one argument
   named twice are alternatives (OR), others hold together. */
void
test_seccomp_runc_rules (void)
{
  static const char json[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                             "{\"names\": [\"getpid\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                             "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                             "{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_EQ\"},"
                             "{\"index\": 0, \"value\": 9001, \"op\": \"SCMP_CMP_EQ\"}]},"
                             "{\"names\": [\"kcmp\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                             "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
                             "{\"index\": 1, \"value\": 1337, \"op\": \"SCMP_CMP_EQ\"}]}]}";
  cleanup_bpf_prog struct bpf_prog p = { 0 };
  struct cl_error err = { 0 };
  struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64 };

  CHECK (compile_profile (json, &p, &err) == 0);
  CHECK (on (&p, ABI_X86_64, "getpid", 0) == ALLOW);
  CHECK (on (&p, ABI_X86_64, "getppid", 0) == EPERM_RET); /* below kcmp: denied */
  d.nr = 1000;
  CHECK (bpf_run (&p, &d) == (SECCOMP_RET_ERRNO | ENOSYS));
  d.nr = 4000;
  CHECK (bpf_run (&p, &d) == EPERM_RET);
  CHECK (on (&p, ABI_X86_64, "kill", 100) == ALLOW && on (&p, ABI_X86_64, "kill", 9001) == ALLOW);
  CHECK (on (&p, ABI_X86_64, "kill", 5) == EPERM_RET);
  CHECK (eval (&p, AUDIT_ARCH_X86_64, ABI_X86_64, "kcmp", 0, 1337) == ALLOW);
  CHECK (eval (&p, AUDIT_ARCH_X86_64, ABI_X86_64, "kcmp", 0, 0) == EPERM_RET);
  CHECK (eval (&p, AUDIT_ARCH_X86_64, ABI_X86_64, "kcmp", 500, 1337) == EPERM_RET);
}
