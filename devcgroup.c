#include "devcgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* What ns.c binds into every container's /dev (and its pts), and, as
   docker's and runc's defaults, mknod of any node: making one is
   harmless when opening it is refused. */
static const struct
{
  char type;
  long long major, minor;
  const char *access;
} standard[]
    = { { 'c', -1, -1, "m" }, { 'b', -1, -1, "m" },   { 'c', 1, 3, "rwm" }, { 'c', 1, 5, "rwm" },
        { 'c', 1, 7, "rwm" }, { 'c', 1, 8, "rwm" },   { 'c', 1, 9, "rwm" }, { 'c', 5, 0, "rwm" },
        { 'c', 5, 2, "rwm" }, { 'c', 136, -1, "rwm" } };

struct spec_dev_rule *
devcg_rules (const struct spec *s, size_t *n)
{
  size_t n_std = sizeof standard / sizeof standard[0];
  struct spec_dev_rule *r = xcalloc (1 + s->n_dev_rules + n_std, sizeof *r);

  r[0] = (struct spec_dev_rule){ .allow = false, .type = 'a', .major = -1, .minor = -1 };
  strcpy (r[0].access, "rwm");
  if (s->n_dev_rules)
    memcpy (r + 1, s->dev_rules, s->n_dev_rules * sizeof *r);
  for (size_t i = 0; i < n_std; i++)
    {
      struct spec_dev_rule *d = &r[1 + s->n_dev_rules + i];
      *d = (struct spec_dev_rule){ .allow = true,
                                   .type = standard[i].type,
                                   .major = standard[i].major,
                                   .minor = standard[i].minor };
      snprintf (d->access, sizeof d->access, "%s", standard[i].access);
    }
  *n = 1 + s->n_dev_rules + n_std;
  return r;
}

bool
devcg_allows_all (const struct spec *s)
{
  for (size_t i = s->n_dev_rules; i-- > 0;)
    {
      const struct spec_dev_rule *r = &s->dev_rules[i];
      if (r->type == 'a' && r->major < 0 && r->minor < 0 && strchr (r->access, 'r')
          && strchr (r->access, 'w') && strchr (r->access, 'm'))
        return r->allow;
    }
  return false;
}

static void
id_text (long long v, char *buf, size_t size)
{
  if (v < 0)
    snprintf (buf, size, "*");
  else
    snprintf (buf, size, "%lld", v);
}

/* "a" alone is the kernel's "everything" (and resets the exceptions). */
void
devcg_v1_line (const struct spec_dev_rule *r, const char **file, char *line, size_t size)
{
  char major[24], minor[24];

  *file = r->allow ? "devices.allow" : "devices.deny";
  if (r->type == 'a' && r->major < 0 && r->minor < 0 && strlen (r->access) == 3)
    {
      snprintf (line, size, "a");
      return;
    }
  id_text (r->major, major, sizeof major);
  id_text (r->minor, minor, sizeof minor);
  snprintf (line, size, "%c %s:%s %s", r->type, major, minor, r->access);
}

static int
access_bits (const char *access)
{
  return (strchr (access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0)
         | (strchr (access, 'r') ? BPF_DEVCG_ACC_READ : 0)
         | (strchr (access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Registers while the rules are checked: the request's device type,
   access, major and minor. */
enum
{
  R_TYPE = 2,
  R_ACCESS = 3,
  R_MAJOR = 4,
  R_MINOR = 5,
};

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* Does it match every request?  (Then nothing after it is reached, and
   the verifier refuses code it cannot reach.) */
static bool
matches_all (const struct spec_dev_rule *r)
{
  return r->type == 'a' && r->major < 0 && r->minor < 0 && access_bits (r->access) == ACC_ALL;
}

/* One rule: when it matches, return its verdict; else on to `next`. */
static void
rule_insns (struct ebpf_prog *p, const struct spec_dev_rule *r)
{
  int next = ebpf_label (p), bits = access_bits (r->access), all = ACC_ALL;

  if (r->type != 'a')
    ebpf_jump (p, BPF_JNE, R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, next);
  if (bits != all)
    {
      /* Every access asked must be one the rule names. */
      ebpf_insn (p, BPF_ALU64 | BPF_MOV | BPF_X, 1, R_ACCESS, 0, 0);
      ebpf_insn (p, BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, all & ~bits);
      ebpf_jump (p, BPF_JNE, 1, 0, next);
    }
  if (r->major >= 0)
    ebpf_jump (p, BPF_JNE, R_MAJOR, (int32_t)r->major, next);
  if (r->minor >= 0)
    ebpf_jump (p, BPF_JNE, R_MINOR, (int32_t)r->minor, next);
  ebpf_insn (p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
  ebpf_insn (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  ebpf_place (p, next);
}

/* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type);
   u32 major; u32 minor; } in r1.  The rules are checked last first: the
   first to match is the last that matches. */
int
devcg_program (const struct spec_dev_rule *r, size_t n, struct ebpf_prog *p, struct cl_error *err)
{
  ebpf_insn (p, BPF_LDX | BPF_MEM | BPF_W, R_TYPE, 1, 0, 0);
  ebpf_insn (p, BPF_ALU64 | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
  ebpf_insn (p, BPF_LDX | BPF_MEM | BPF_W, R_ACCESS, 1, 0, 0);
  ebpf_insn (p, BPF_ALU64 | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
  ebpf_insn (p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, 1, 4, 0);
  ebpf_insn (p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, 1, 8, 0);
  for (size_t i = n; i-- > 0;)
    {
      rule_insns (p, &r[i]);
      if (matches_all (&r[i]))
        return ebpf_finish (p, err);
    }
  ebpf_insn (p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
  ebpf_insn (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return ebpf_finish (p, err);
}

/* A rule a write; each file opened once (the walk to a cgroupfs file
   costs more than the write). */
static int
apply_v1 (const struct spec_dev_rule *r, size_t n, const char *dir, struct cl_error *err)
{
  cleanup_close int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int allow = -1, deny = -1;

  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  for (size_t i = 0; i < n; i++)
    {
      const char *file;
      char line[64];
      int *fd = r[i].allow ? &allow : &deny;
      devcg_v1_line (&r[i], &file, line, sizeof line);
      if (*fd < 0)
        *fd = openat (dfd, file, O_WRONLY | O_CLOEXEC);
      if (*fd < 0 || write (*fd, line, strlen (line)) < 0)
        return cl_fail (err, errno, "write \"%s\" to %s/%s", line, dir, file);
    }
  return 0;
}

/* Load the program and attach it to the directory; it stays attached as
   long as the cgroup lives, our fds closed or not. */
static int
apply_v2 (const struct spec_dev_rule *r, size_t n, const char *dir, struct cl_error *err)
{
  cleanup_ebpf_prog struct ebpf_prog p = { 0 };
  cleanup_close int prog = -1, dfd = -1;
  union bpf_attr attr;

  if (devcg_program (r, n, &p, err) < 0
      || (prog = ebpf_load (&p, BPF_PROG_TYPE_CGROUP_DEVICE, err)) < 0)
    return -1;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return cl_fail (err, errno, "open %s", dir);
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)dfd;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
    return cl_fail (err, errno, "attach the device program to %s", dir);
  return 0;
}

int
devcg_apply (const struct spec *s, const char *v1dir, const char *v2dir, struct cl_error *err)
{
  size_t n;
  cleanup_free struct spec_dev_rule *r = devcg_rules (s, &n);

  if (v1dir && apply_v1 (r, n, v1dir, err) < 0)
    return cl_wrap (err, "the device cgroup");
  if (v2dir && apply_v2 (r, n, v2dir, err) < 0)
    return cl_wrap (err, "the device cgroup");
  return 0;
}
