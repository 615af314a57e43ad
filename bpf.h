/* BPF programs, built instruction by instruction with labels instead of
   counted offsets: classic BPF for the seccomp filter (seccomp.c), eBPF
   for the cgroup v2 device program (devcgroup.c), one label mechanism
   for both.  Classic conditional jumps reach at most 255 instructions
   ahead (their offsets are 8 bits); bpf_goto (BPF_JA, 32 bits) reaches
   any label; eBPF jumps reach 32767.  Jumps only go forward, as the
   kernel requires of classic BPF (and as these programs need). */
#ifndef CL_BPF_H
#define CL_BPF_H

#include <linux/bpf.h>
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A jump target meaning "the next instruction" (offset 0). */
#define BPF_NEXT (-1)

struct bpf_fixup;

/* Where each label is, and the jumps waiting for it. */
struct bpf_labels
{
  long *at; /* instruction index of each label, -1 until placed */
  size_t n;
  struct bpf_fixup *fixups;
  size_t n_fixups;
};

struct bpf_prog
{
  struct sock_filter *insns;
  size_t n, cap;
  struct bpf_labels l;
};

void bpf_prog_clear (struct bpf_prog *p);
#define cleanup_bpf_prog __attribute__ ((cleanup (bpf_prog_clear)))

/* A new label, placed later with bpf_place. */
int bpf_label (struct bpf_prog *p);
void bpf_place (struct bpf_prog *p, int label);

/* BPF_LD/BPF_ALU/BPF_RET: one instruction without jumps. */
void bpf_stmt (struct bpf_prog *p, uint16_t code, uint32_t k);
/* A conditional jump (BPF_JMP | BPF_JEQ/JGT/JGE/JSET | BPF_K) to labels
   or BPF_NEXT. */
void bpf_jump (struct bpf_prog *p, uint16_t code, uint32_t k, int jt, int jf);
/* BPF_JA to a label, however far. */
void bpf_goto (struct bpf_prog *p, int label);

/* Resolve the labels: fails when one is never placed, a jump goes
   backwards or too far, or the program is longer than the kernel takes
   (BPF_MAXINSNS).  The program is then p->insns[0 .. p->n). */
int bpf_finish (struct bpf_prog *p, struct cl_error *err);

/* eBPF: the same, for programs the bpf(2) syscall loads. */
struct ebpf_prog
{
  struct bpf_insn *insns;
  size_t n, cap;
  struct bpf_labels l;
};

void ebpf_prog_clear (struct ebpf_prog *p);
#define cleanup_ebpf_prog __attribute__ ((cleanup (ebpf_prog_clear)))
int ebpf_label (struct ebpf_prog *p);
void ebpf_place (struct ebpf_prog *p, int label);
/* One instruction without a label to jump to. */
void ebpf_insn (struct ebpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                int32_t imm);
/* BPF_JMP | op | BPF_K: if (dst op imm) goto label. */
void ebpf_jump (struct ebpf_prog *p, uint8_t op, uint8_t dst, int32_t imm, int label);
int ebpf_finish (struct ebpf_prog *p, struct cl_error *err);
/* Load it as a program of `type` (license "GPL"); the fd, or -1 with
   the kernel verifier's complaint in err. */
int ebpf_load (const struct ebpf_prog *p, enum bpf_prog_type type, struct cl_error *err);

#endif
