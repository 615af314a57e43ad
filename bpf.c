#include "bpf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

enum fixup_field
{
  FIX_JT,
  FIX_JF,
  FIX_K,
  FIX_OFF, /* eBPF's 16-bit jump offset */
};

struct bpf_fixup
{
  size_t insn;
  enum fixup_field field;
  int label;
};

static void
labels_clear (struct bpf_labels *l)
{
  free (l->at);
  free (l->fixups);
}

void
bpf_prog_clear (struct bpf_prog *p)
{
  free (p->insns);
  labels_clear (&p->l);
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

static int
new_label (struct bpf_labels *l)
{
  grow (&l->at, l->n, sizeof *l->at);
  l->at[l->n] = -1;
  return (int)l->n++;
}

int
bpf_label (struct bpf_prog *p)
{
  return new_label (&p->l);
}

void
bpf_place (struct bpf_prog *p, int label)
{
  p->l.at[label] = (long)p->n;
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

/* A jump at instruction `insn` waits for `label`. */
static void
add_fixup_at (struct bpf_labels *l, size_t insn, enum fixup_field field, int label)
{
  grow (&l->fixups, l->n_fixups, sizeof *l->fixups);
  l->fixups[l->n_fixups++] = (struct bpf_fixup){ insn, field, label };
}

static void
add_fixup (struct bpf_prog *p, enum fixup_field field, int label)
{
  add_fixup_at (&p->l, p->n - 1, field, label);
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

/* Each jump's offset from its label; `max` is how far its field reaches. */
static int
resolve (const struct bpf_labels *l, size_t i, long max, long *off, struct cl_error *err)
{
  const struct bpf_fixup *f = &l->fixups[i];
  long target = l->at[f->label];

  *off = target - (long)f->insn - 1;
  if (target < 0)
    return cl_fail (err, EINVAL, "BPF label %d is never placed", f->label);
  if (*off < 0 || *off > max)
    return cl_fail (err, EINVAL, "BPF jump at %zu to %ld is out of reach", f->insn, target);
  return 0;
}

int
bpf_finish (struct bpf_prog *p, struct cl_error *err)
{
  if (p->n == 0 || p->n > BPF_MAXINSNS)
    return cl_fail (err, E2BIG, "a BPF program of %zu instructions (the kernel takes 1 to %d)",
                    p->n, BPF_MAXINSNS);
  for (size_t i = 0; i < p->l.n_fixups; i++)
    {
      const struct bpf_fixup *f = &p->l.fixups[i];
      long off;
      if (resolve (&p->l, i, f->field == FIX_K ? 0x7fffffffL : 255, &off, err) < 0)
        return -1;
      if (f->field == FIX_JT)
        p->insns[f->insn].jt = (uint8_t)off;
      else if (f->field == FIX_JF)
        p->insns[f->insn].jf = (uint8_t)off;
      else
        p->insns[f->insn].k = (uint32_t)off;
    }
  return 0;
}

void
ebpf_prog_clear (struct ebpf_prog *p)
{
  free (p->insns);
  labels_clear (&p->l);
  memset (p, 0, sizeof *p);
}

int
ebpf_label (struct ebpf_prog *p)
{
  return new_label (&p->l);
}

void
ebpf_place (struct ebpf_prog *p, int label)
{
  p->l.at[label] = (long)p->n;
}

void
ebpf_insn (struct ebpf_prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  if (p->n == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 64;
      p->insns = xrealloc (p->insns, p->cap * sizeof *p->insns);
    }
  p->insns[p->n++]
      = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

void
ebpf_jump (struct ebpf_prog *p, uint8_t op, uint8_t dst, int32_t imm, int label)
{
  ebpf_insn (p, BPF_JMP | op | BPF_K, dst, 0, 0, imm);
  add_fixup_at (&p->l, p->n - 1, FIX_OFF, label);
}

int
ebpf_finish (struct ebpf_prog *p, struct cl_error *err)
{
  if (p->n == 0 || p->n > 4096)
    return cl_fail (err, E2BIG, "an eBPF program of %zu instructions (1 to 4096 here)", p->n);
  for (size_t i = 0; i < p->l.n_fixups; i++)
    {
      long off;
      if (resolve (&p->l, i, 0x7fff, &off, err) < 0)
        return -1;
      p->insns[p->l.fixups[i].insn].off = (int16_t)off;
    }
  return 0;
}

static int
prog_load (const struct ebpf_prog *p, enum bpf_prog_type type, char *log, size_t log_size)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = type;
  attr.insns = (uint64_t)(uintptr_t)p->insns;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = (uint32_t)log_size;
  attr.log_level = log ? 1 : 0;
  return (int)syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

int
ebpf_load (const struct ebpf_prog *p, enum bpf_prog_type type, struct cl_error *err)
{
  char log[4096] = "";
  int fd = prog_load (p, type, NULL, 0), e = errno;

  if (fd >= 0)
    return fd;
  /* Again with the verifier's log, for the reason (a log too small for
     the program would fail the load by itself: only on failure). */
  if (e != EPERM && prog_load (p, type, log, sizeof log) < 0 && errno == ENOSPC)
    log[sizeof log - 1] = '\0';
  return cl_fail (err, e, "load the BPF program%s%s", log[0] ? ": " : "", log);
}
