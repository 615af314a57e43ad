#include "bpf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum fixup_field
{
  FIX_JT,
  FIX_JF,
  FIX_K,
};

struct bpf_fixup
{
  size_t insn;
  enum fixup_field field;
  int label;
};

void
bpf_prog_clear (struct bpf_prog *p)
{
  free (p->insns);
  free (p->labels);
  free (p->fixups);
  memset (p, 0, sizeof *p);
}

/* Room for one more of n items of `size` in *v: 64, then doubling. */
static void
grow (void *v, size_t n, size_t size)
{
  void **pv = v;

  if (n >= 64 ? (n & (n - 1)) == 0 : n == 0)
    *pv = xrealloc (*pv, (n ? 2 * n : 64) * size);
}

int
bpf_label (struct bpf_prog *p)
{
  grow (&p->labels, p->n_labels, sizeof *p->labels);
  p->labels[p->n_labels] = -1;
  return (int)p->n_labels++;
}

void
bpf_place (struct bpf_prog *p, int label)
{
  p->labels[label] = (long)p->n;
}

static void
emit (struct bpf_prog *p, struct sock_filter insn)
{
  if (p->n == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 256;
      p->insns = xrealloc (p->insns, p->cap * sizeof *p->insns);
    }
  p->insns[p->n++] = insn;
}

static void
add_fixup (struct bpf_prog *p, enum fixup_field field, int label)
{
  grow (&p->fixups, p->n_fixups, sizeof *p->fixups);
  p->fixups[p->n_fixups++] = (struct bpf_fixup){ p->n - 1, field, label };
}

void
bpf_stmt (struct bpf_prog *p, uint16_t code, uint32_t k)
{
  emit (p, (struct sock_filter)BPF_STMT (code, k));
}

void
bpf_jump (struct bpf_prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
  emit (p, (struct sock_filter)BPF_JUMP (code, k, 0, 0));
  if (jt != BPF_NEXT)
    add_fixup (p, FIX_JT, jt);
  if (jf != BPF_NEXT)
    add_fixup (p, FIX_JF, jf);
}

void
bpf_goto (struct bpf_prog *p, int label)
{
  emit (p, (struct sock_filter)BPF_STMT (BPF_JMP | BPF_JA, 0));
  add_fixup (p, FIX_K, label);
}

int
bpf_finish (struct bpf_prog *p, struct cl_error *err)
{
  if (p->n == 0 || p->n > BPF_MAXINSNS)
    return cl_fail (err, E2BIG, "a BPF program of %zu instructions (the kernel takes 1 to %d)",
                    p->n, BPF_MAXINSNS);
  for (size_t i = 0; i < p->n_fixups; i++)
    {
      const struct bpf_fixup *f = &p->fixups[i];
      long target = p->labels[f->label];
      long off = target - (long)f->insn - 1;
      if (target < 0)
        return cl_fail (err, EINVAL, "BPF label %d is never placed", f->label);
      if (off < 0 || (f->field != FIX_K && off > 255))
        return cl_fail (err, EINVAL, "BPF jump at %zu to %ld is out of reach", f->insn, target);
      if (f->field == FIX_JT)
        p->insns[f->insn].jt = (uint8_t)off;
      else if (f->field == FIX_JF)
        p->insns[f->insn].jf = (uint8_t)off;
      else
        p->insns[f->insn].k = (uint32_t)off;
    }
  return 0;
}
