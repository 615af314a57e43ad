/* Classic BPF programs, built instruction by instruction with labels
   instead of counted offsets: the seccomp filter (seccomp.c) and, later,
   the rootless network's user-notification filter and the cgroup device
   program build on it.  Conditional jumps reach at most 255 instructions
   ahead (their offsets are 8 bits); bpf_goto (BPF_JA, 32 bits) reaches
   any label.  Jumps only go forward, as the kernel requires. */
#ifndef CL_BPF_H
#define CL_BPF_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A jump target meaning "the next instruction" (offset 0). */
#define BPF_NEXT (-1)

struct bpf_fixup;

struct bpf_prog
{
  struct sock_filter *insns;
  size_t n, cap;
  long *labels; /* instruction index of each label, -1 until placed */
  size_t n_labels;
  struct bpf_fixup *fixups;
  size_t n_fixups;
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

#endif
