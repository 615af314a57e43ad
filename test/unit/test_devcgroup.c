/* The device cgroup's rules: the v1 lines, and the v2 program run
   through a small interpreter of the eBPF it emits (loads, ALU on
   constants, conditional jumps, exit), so its verdicts are checked here
   for every kind of request; then, as root, the kernel's verifier takes
   it. */
#include <string.h>
#include <unistd.h>

#include "../../devcgroup.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* -1: an instruction this interpreter does not know (the test fails). */
static long long
run_prog (const struct ebpf_prog *p, unsigned type, unsigned access, unsigned major, unsigned minor)
{
  uint32_t ctx[3] = { access << 16 | type, major, minor };
  unsigned long long reg[11] = { 0 };

  for (size_t pc = 0; pc < p->n; pc++)
    {
      const struct bpf_insn *i = &p->insns[pc];
      unsigned long long *dst = &reg[i->dst_reg];
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != 1 || i->off % 4 || i->off > 8)
            return -1;
          *dst = ctx[i->off / 4];
          break;
        case BPF_ALU64 | BPF_AND | BPF_K: *dst &= (unsigned long long)(long long)i->imm; break;
        case BPF_ALU64 | BPF_RSH | BPF_K: *dst >>= i->imm; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: *dst = (unsigned long long)(long long)i->imm; break;
        case BPF_ALU64 | BPF_MOV | BPF_X: *dst = reg[i->src_reg]; break;
        case BPF_JMP | BPF_JNE | BPF_K:
          if (*dst != (unsigned long long)(long long)i->imm)
            pc += (size_t)i->off;
          break;
        case BPF_JMP | BPF_EXIT: return (long long)reg[0];
        default: return -1;
        }
    }
  return -1; /* fell off the end */
}

enum
{
  B = BPF_DEVCG_DEV_BLOCK,
  C = BPF_DEVCG_DEV_CHAR,
  M = BPF_DEVCG_ACC_MKNOD,
  R = BPF_DEVCG_ACC_READ,
  W = BPF_DEVCG_ACC_WRITE,
};

/* The default spec (no rules): the standard nodes, mknod of any, nothing
   else; --device-like rules with partial access; a later deny wins. */
void
test_devcgroup_program (void)
{
  struct spec s = { 0 };
  struct cl_error err = { 0 };
  size_t n;

  {
    cleanup_free struct spec_dev_rule *r = devcg_rules (&s, &n);
    cleanup_ebpf_prog struct ebpf_prog p = { 0 };
    CHECK (devcg_program (r, n, &p, &err) == 0);
    CHECK (run_prog (&p, C, R | W, 1, 3) == 1);    /* /dev/null */
    CHECK (run_prog (&p, C, R | W, 136, 7) == 1);  /* a pts */
    CHECK (run_prog (&p, C, R, 10, 237) == 0);     /* loop-control */
    CHECK (run_prog (&p, C, R, 1, 1) == 0);        /* /dev/mem */
    CHECK (run_prog (&p, B, R | W, 8, 0) == 0);    /* sda */
    CHECK (run_prog (&p, B, M, 8, 0) == 1);        /* mknod of it */
    CHECK (run_prog (&p, C, M | R, 10, 237) == 0); /* mknod alone is allowed */
    CHECK (run_prog (&p, B, R, 1, 3) == 0);        /* block 1:3 is not null */
  }
  spec_add_dev_rule (&s, true, 'c', 10, 237, "r");
  spec_add_dev_rule (&s, true, 'b', 8, -1, "rw");
  spec_add_dev_rule (&s, false, 'b', 8, 1, "w");
  {
    cleanup_free struct spec_dev_rule *r = devcg_rules (&s, &n);
    cleanup_ebpf_prog struct ebpf_prog p = { 0 };
    CHECK (devcg_program (r, n, &p, &err) == 0);
    CHECK (run_prog (&p, C, R, 10, 237) == 1);
    CHECK (run_prog (&p, C, R | W, 10, 237) == 0); /* only r was allowed */
    CHECK (run_prog (&p, B, R | W, 8, 0) == 1);
    CHECK (run_prog (&p, B, R, 8, 1) == 1);
    CHECK (run_prog (&p, B, W, 8, 1) == 0); /* the later deny */
    CHECK (run_prog (&p, C, R, 8, 0) == 0);
    if (geteuid () == 0)
      {
        int fd = ebpf_load (&p, BPF_PROG_TYPE_CGROUP_DEVICE, &err);
        CHECK (fd >= 0);
        if (fd >= 0)
          close (fd);
      }
  }
  /* A rule matching everything (--privileged) ends the program. */
  spec_add_dev_rule (&s, true, 'a', -1, -1, "rwm");
  {
    cleanup_free struct spec_dev_rule *r = devcg_rules (&s, &n);
    cleanup_ebpf_prog struct ebpf_prog p = { 0 };
    CHECK (devcg_program (r, n, &p, &err) == 0);
    CHECK (run_prog (&p, B, R | W, 8, 0) == 1 && run_prog (&p, C, R, 1, 1) == 1);
    if (geteuid () == 0)
      {
        int fd = ebpf_load (&p, BPF_PROG_TYPE_CGROUP_DEVICE, &err);
        CHECK (fd >= 0);
        if (fd >= 0)
          close (fd);
      }
  }
  spec_clear (&s);
}

void
test_devcgroup_v1 (void)
{
  struct spec s = { 0 };
  const char *file;
  char line[64];
  size_t n;

  spec_add_dev_rule (&s, true, 'c', 10, 237, "r");
  {
    cleanup_free struct spec_dev_rule *r = devcg_rules (&s, &n);
    devcg_v1_line (&r[0], &file, line, sizeof line);
    CHECK_STR (file, "devices.deny");
    CHECK_STR (line, "a");
    devcg_v1_line (&r[1], &file, line, sizeof line);
    CHECK_STR (file, "devices.allow");
    CHECK_STR (line, "c 10:237 r");
    devcg_v1_line (&r[2], &file, line, sizeof line);
    CHECK_STR (line, "c *:* m");
    devcg_v1_line (&r[n - 1], &file, line, sizeof line);
    CHECK_STR (line, "c 136:* rwm");
  }
  spec_clear (&s);
}

/* Only a spec whose last rule for every device allows it all (a
   privileged container's) loses nothing without a device cgroup. */
void
test_devcgroup_allows_all (void)
{
  struct spec s = { 0 };

  CHECK (!devcg_allows_all (&s));
  spec_add_dev_rule (&s, true, 'c', 10, 237, "rwm");
  CHECK (!devcg_allows_all (&s));
  spec_add_dev_rule (&s, true, 'a', -1, -1, "rw");
  CHECK (!devcg_allows_all (&s));
  spec_add_dev_rule (&s, true, 'a', -1, -1, "rwm");
  CHECK (devcg_allows_all (&s));
  spec_add_dev_rule (&s, false, 'a', -1, -1, "rwm");
  CHECK (!devcg_allows_all (&s));
  spec_clear (&s);
}
