#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysnr.h"
#include "util.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the argument loads assume a little-endian seccomp_data"
#endif

#define OFF_NR offsetof (struct seccomp_data, nr)
#define OFF_ARCH offsetof (struct seccomp_data, arch)
#define OFF_ARG_LO(i) (offsetof (struct seccomp_data, args) + 8 * (i))
#define OFF_ARG_HI(i) (OFF_ARG_LO (i) + 4)
#define LD_W(off) (BPF_LD | BPF_W | BPF_ABS), (off)
#define J(op) (BPF_JMP | (op) | BPF_K)

/* Any other architecture: EPERM, so no number is read in a table it does
   not belong to. */
#define BAD_ARCH (SECCOMP_RET_ERRNO | EPERM)

/* What one number does: a return value, or rules with conditions. */
struct entry
{
  long nr;
  const struct spec_sc_rule **cond; /* in the profile's order */
  size_t n_cond;
  const struct spec_sc_rule *plain; /* the unconditional rule, if any */
  int label;                        /* of its argument tests */
};

/* A run of numbers [start, next segment's start) that behave alike. */
struct segment
{
  long start;
  uint32_t ret; /* when entry is NULL */
  struct entry *entry;
};

/* What the whole compile shares: the profile, each rule name's numbers
   (rule by rule, name by name) and the ABIs it covers. */
struct compile
{
  const struct spec_seccomp *sc;
  long (*nrs)[ABI_COUNT];
  size_t n_names;
  bool want[ABI_COUNT];
};

struct abi_code
{
  struct entry *entries;
  size_t n_entries;
  struct segment *segs;
  size_t n_segs;
};

static uint32_t
action_ret (enum spec_sc_action a, unsigned ret)
{
  switch (a)
    {
    case SC_ACT_KILL_THREAD: return SECCOMP_RET_KILL_THREAD;
    case SC_ACT_KILL_PROCESS: return SECCOMP_RET_KILL_PROCESS;
    case SC_ACT_TRAP: return SECCOMP_RET_TRAP;
    case SC_ACT_ERRNO: return SECCOMP_RET_ERRNO | (ret & SECCOMP_RET_DATA);
    case SC_ACT_TRACE: return SECCOMP_RET_TRACE | (ret & SECCOMP_RET_DATA);
    case SC_ACT_LOG: return SECCOMP_RET_LOG;
    case SC_ACT_NOTIFY: return SECCOMP_RET_USER_NOTIF;
    case SC_ACT_ALLOW: break;
    }
  return SECCOMP_RET_ALLOW;
}

static void
abi_code_clear (struct abi_code *c)
{
  for (size_t i = 0; i < c->n_entries; i++)
    free (c->entries[i].cond);
  free (c->entries);
  free (c->segs);
  memset (c, 0, sizeof *c);
}

/* Every number the rules name on this ABI, with its rules in order:
   `nrs` holds each name's numbers, rule by rule, name by name; a slot per
   number rather than a search or a sort (the default profile names ~370
   calls, and this runs on every start). */
/* Every number the rules name on this ABI, with its rules in order, then
   sorted by number through a table of slots (no search per name, no
   sort: the default profile names ~370 calls, on every start). */
static int
collect_entries (const struct compile *cc, enum sysnr_abi abi, struct abi_code *c,
                 struct cl_error *err)
{
  const long base = sysnr_abi_info (abi)->nr_bit;
  short slot[SYSNR_MAX];
  cleanup_free struct entry *found = xcalloc (cc->n_names + 1, sizeof *found);
  size_t n = 0, at = 0;

  memset (slot, -1, sizeof slot);
  c->entries = xcalloc (cc->n_names + 1, sizeof *c->entries);
  for (size_t i = 0; i < cc->sc->n_rules; i++)
    {
      const struct spec_sc_rule *r = &cc->sc->rules[i];
      for (size_t k = 0; r->names[k]; k++)
        {
          long nr = cc->nrs[at++][abi];
          struct entry *e;
          if (nr < 0)
            continue;
          if (slot[nr - base] < 0)
            {
              slot[nr - base] = (short)n;
              found[n++] = (struct entry){ .nr = nr, .label = -1 };
            }
          e = &found[slot[nr - base]];
          if (r->n_args)
            {
              e->cond = xrealloc (e->cond, (e->n_cond + 1) * sizeof *e->cond);
              e->cond[e->n_cond++] = r;
            }
          /* Two rules without arguments for one call: the first wins,
             as in libseccomp (runc's and crun's), which keeps the rule
             it has ("at least as large as the new entry").  podman's
             default profile has setns both allowed and, without
             CAP_SYS_ADMIN, denied. */
          else if (!e->plain)
            e->plain = r;
        }
    }
  /* In number order; the entries own their cond arrays from here on. */
  for (size_t i = 0; i < SYSNR_MAX; i++)
    if (slot[i] >= 0)
      c->entries[c->n_entries++] = found[slot[i]];
  return 0;
}

/* c->segs has room for 2 * n_entries + 1: a gap before each entry, and
   the rest of the line. */
static void
add_segment (struct abi_code *c, long start, uint32_t ret, struct entry *e)
{
  struct segment *last = c->n_segs ? &c->segs[c->n_segs - 1] : NULL;

  if (last && !last->entry && !e && last->ret == ret)
    return;
  c->segs[c->n_segs++] = (struct segment){ start, ret, e };
}

/* The number line from `base` on, cut where the action changes. */
static void
build_segments (struct abi_code *c, long base, uint32_t dflt)
{
  long next = base;

  c->segs = xcalloc (2 * c->n_entries + 2, sizeof *c->segs);
  for (size_t i = 0; i < c->n_entries; i++)
    {
      struct entry *e = &c->entries[i];
      if (e->nr > next)
        add_segment (c, next, dflt, NULL);
      if (e->n_cond)
        add_segment (c, e->nr, 0, e);
      else
        add_segment (c, e->nr, action_ret (e->plain->action, e->plain->ret), NULL);
      next = e->nr + 1;
    }
  /* Above every call the profile names, up to where an ABI's numbers
     end (1024 here): calls newer than it, which it cannot mean to deny
     — ENOSYS, so that libc falls back to an older one (runc's stub; a
     profile that allows by default has none).  Beyond, the default. */
  if (dflt != SECCOMP_RET_ALLOW && dflt != SECCOMP_RET_LOG && c->n_entries && next < base + 1024)
    {
      add_segment (c, next, SECCOMP_RET_ERRNO | ENOSYS, NULL);
      next = base + 1024;
    }
  add_segment (c, next, dflt, NULL);
}

/* The search is a binary tree over the segments: "nr >= start of the
   middle segment" picks a half.  A leaf that only returns is no
   instruction of its own: its parent jumps to a RET of that value shared
   by its region, a subtree small enough (REGION_MAX) for every jump in it
   to reach the RETs placed right after it.  Half the RETs of one per
   leaf go: the default profile's filter is ~40% shorter, and so is the
   kernel's work loading it (its checks, translation and JIT, on the way
   to every container's execve). */
#define REGION_MAX 250

static bool
returns_only (const struct segment *s)
{
  return !s->entry;
}

/* Instructions of [lo, hi] inside a region, its shared RETs not counted. */
static size_t
body_size (const struct segment *segs, size_t lo, size_t hi)
{
  size_t mid;

  if (lo == hi)
    return returns_only (&segs[lo]) ? 0 : 1;
  mid = (lo + hi + 1) / 2;
  return 1 + body_size (segs, lo, mid - 1) + body_size (segs, mid, hi);
}

/* How many distinct values the leaves of [lo, hi] return (its shared
   RETs), counted up to `max`. */
static size_t
distinct_rets (const struct segment *segs, size_t lo, size_t hi, size_t max)
{
  uint32_t seen[REGION_MAX];
  size_t n = 0;

  for (size_t i = lo; i <= hi && n < max; i++)
    {
      size_t k = 0;
      while (k < n && seen[k] != segs[i].ret)
        k++;
      if (returns_only (&segs[i]) && k == n)
        seen[n++] = segs[i].ret;
    }
  return n;
}

/* [lo, hi] as one region: its size, or 0 when it does not fit one. */
static size_t
region_size (const struct segment *segs, size_t lo, size_t hi)
{
  size_t body, rets;

  if (lo == hi)
    return 1;
  body = body_size (segs, lo, hi);
  rets = body < REGION_MAX ? distinct_rets (segs, lo, hi, REGION_MAX) : REGION_MAX;
  return body + rets <= REGION_MAX ? body + rets : 0;
}

/* Instructions emit_tree takes for segments [lo, hi]. */
static size_t
tree_size (const struct segment *segs, size_t lo, size_t hi)
{
  size_t mid, left, whole = region_size (segs, lo, hi);

  if (whole)
    return whole;
  mid = (lo + hi + 1) / 2;
  left = tree_size (segs, lo, mid - 1);
  return left + tree_size (segs, mid, hi) + (left > 255 ? 2 : 1);
}

static void
emit_leaf (struct bpf_prog *p, const struct segment *s)
{
  if (s->entry)
    {
      if (s->entry->label < 0)
        s->entry->label = bpf_label (p);
      bpf_goto (p, s->entry->label);
    }
  else
    bpf_stmt (p, BPF_RET | BPF_K, s->ret);
}

/* A region's shared RETs: each value's label. */
struct shared_rets
{
  uint32_t ret[REGION_MAX];
  int label[REGION_MAX];
  size_t n;
};

static int
shared_ret (struct bpf_prog *p, struct shared_rets *r, uint32_t ret)
{
  for (size_t i = 0; i < r->n; i++)
    if (r->ret[i] == ret)
      return r->label[i];
  r->ret[r->n] = ret;
  r->label[r->n] = bpf_label (p);
  return r->label[r->n++];
}

static void emit_body (struct bpf_prog *p, const struct segment *segs, size_t lo, size_t hi,
                       struct shared_rets *r);

/* A subtree inside a region: a lone leaf is emitted as it is (a child
   that only returns never gets here: its parent jumps to the RET). */
static void
emit_part (struct bpf_prog *p, const struct segment *segs, size_t lo, size_t hi,
           struct shared_rets *r)
{
  if (lo == hi)
    emit_leaf (p, &segs[lo]);
  else
    emit_body (p, segs, lo, hi, r);
}

/* [lo, hi], lo < hi: a leaf that only returns is a jump to its RET. */
static void
emit_body (struct bpf_prog *p, const struct segment *segs, size_t lo, size_t hi,
           struct shared_rets *r)
{
  size_t mid = (lo + hi + 1) / 2;
  bool left_ret = lo == mid - 1 && returns_only (&segs[lo]);
  bool right_ret = mid == hi && returns_only (&segs[mid]);
  int right = right_ret ? shared_ret (p, r, segs[mid].ret) : bpf_label (p);

  bpf_jump (p, J (BPF_JGE), (uint32_t)segs[mid].start, right,
            left_ret ? shared_ret (p, r, segs[lo].ret) : BPF_NEXT);
  if (!left_ret)
    emit_part (p, segs, lo, mid - 1, r);
  if (!right_ret)
    {
      bpf_place (p, right);
      emit_part (p, segs, mid, hi, r);
    }
}

/* A subtree that fits a region: its body, then its shared RETs. */
static void
emit_region (struct bpf_prog *p, const struct segment *segs, size_t lo, size_t hi)
{
  struct shared_rets r;

  r.n = 0;
  emit_part (p, segs, lo, hi, &r);
  for (size_t i = 0; i < r.n; i++)
    {
      bpf_place (p, r.label[i]);
      bpf_stmt (p, BPF_RET | BPF_K, r.ret[i]);
    }
}

/* The whole search: halves too big for a region are split as above, the
   right one reached by a direct jump when the left one is short enough,
   else through a BPF_JA. */
static void
emit_tree (struct bpf_prog *p, const struct segment *segs, size_t lo, size_t hi)
{
  size_t mid;
  int right;

  if (region_size (segs, lo, hi))
    {
      emit_region (p, segs, lo, hi);
      return;
    }
  mid = (lo + hi + 1) / 2;
  right = bpf_label (p);
  if (tree_size (segs, lo, mid - 1) > 255)
    {
      int left = bpf_label (p);
      bpf_jump (p, J (BPF_JGE), (uint32_t)segs[mid].start, BPF_NEXT, left);
      bpf_goto (p, right);
      bpf_place (p, left);
    }
  else
    bpf_jump (p, J (BPF_JGE), (uint32_t)segs[mid].start, right, BPF_NEXT);
  emit_tree (p, segs, lo, mid - 1);
  bpf_place (p, right);
  emit_tree (p, segs, mid, hi);
}

/* Falls through when argument `a` satisfies its condition, else jumps to
   `fail`.  64-bit values compare the high words first. */
static void
emit_arg_test (struct bpf_prog *p, const struct spec_sc_arg *a, bool wide, int fail)
{
  uint32_t lo = (uint32_t)a->value, hi = (uint32_t)(a->value >> 32);
  uint32_t lo2 = (uint32_t)a->value_two, hi2 = (uint32_t)(a->value_two >> 32);
  int ok = bpf_label (p);

  if (wide)
    {
      bpf_stmt (p, LD_W (OFF_ARG_HI (a->index)));
      switch (a->op)
        {
        case SC_OP_EQ: bpf_jump (p, J (BPF_JEQ), hi, BPF_NEXT, fail); break;
        case SC_OP_NE: bpf_jump (p, J (BPF_JEQ), hi, BPF_NEXT, ok); break;
        case SC_OP_MASKED_EQ:
          bpf_stmt (p, BPF_ALU | BPF_AND | BPF_K, hi);
          bpf_jump (p, J (BPF_JEQ), hi2, BPF_NEXT, fail);
          break;
        case SC_OP_GT:
        case SC_OP_GE:
          bpf_jump (p, J (BPF_JGT), hi, ok, BPF_NEXT);
          bpf_jump (p, J (BPF_JEQ), hi, BPF_NEXT, fail);
          break;
        case SC_OP_LT:
        case SC_OP_LE:
          bpf_jump (p, J (BPF_JGE), hi, BPF_NEXT, ok);
          bpf_jump (p, J (BPF_JGT), hi, fail, BPF_NEXT);
          break;
        }
    }
  bpf_stmt (p, LD_W (OFF_ARG_LO (a->index)));
  switch (a->op)
    {
    case SC_OP_EQ: bpf_jump (p, J (BPF_JEQ), lo, BPF_NEXT, fail); break;
    case SC_OP_NE: bpf_jump (p, J (BPF_JEQ), lo, fail, BPF_NEXT); break;
    case SC_OP_MASKED_EQ:
      bpf_stmt (p, BPF_ALU | BPF_AND | BPF_K, lo);
      bpf_jump (p, J (BPF_JEQ), lo2, BPF_NEXT, fail);
      break;
    case SC_OP_GT: bpf_jump (p, J (BPF_JGT), lo, BPF_NEXT, fail); break;
    case SC_OP_GE: bpf_jump (p, J (BPF_JGE), lo, BPF_NEXT, fail); break;
    case SC_OP_LT: bpf_jump (p, J (BPF_JGE), lo, fail, BPF_NEXT); break;
    case SC_OP_LE: bpf_jump (p, J (BPF_JGT), lo, fail, BPF_NEXT); break;
    }
  bpf_place (p, ok);
}

static void
emit_entry (struct bpf_prog *p, const struct entry *e, bool wide, uint32_t dflt)
{
  bpf_place (p, e->label);
  for (size_t i = 0; i < e->n_cond; i++)
    {
      const struct spec_sc_rule *r = e->cond[i];
      unsigned count[6] = { 0 };
      bool rest = false;
      int next;
      for (size_t k = 0; k < r->n_args; k++)
        count[r->args[k].index % 6]++;
      /* runc's (and libseccomp's) reading: conditions on an argument
         named more than once are each a rule of their own (OR); the
         others hold together (AND). */
      for (size_t k = 0; k < r->n_args; k++)
        {
          if (count[r->args[k].index % 6] < 2)
            {
              rest = true;
              continue;
            }
          next = bpf_label (p);
          emit_arg_test (p, &r->args[k], wide, next);
          bpf_stmt (p, BPF_RET | BPF_K, action_ret (r->action, r->ret));
          bpf_place (p, next);
        }
      if (!rest)
        continue;
      next = bpf_label (p);
      for (size_t k = 0; k < r->n_args; k++)
        if (count[r->args[k].index % 6] < 2)
          emit_arg_test (p, &r->args[k], wide, next);
      bpf_stmt (p, BPF_RET | BPF_K, action_ret (r->action, r->ret));
      bpf_place (p, next);
    }
  bpf_stmt (p, BPF_RET | BPF_K, e->plain ? action_ret (e->plain->action, e->plain->ret) : dflt);
}

/* One ABI's part: the search, then the argument tests it jumps to. */
static int
emit_abi (struct bpf_prog *p, const struct compile *cc, enum sysnr_abi abi, struct cl_error *err)
{
  struct abi_code c __attribute__ ((cleanup (abi_code_clear))) = { 0 };
  uint32_t dflt = action_ret (cc->sc->default_action, cc->sc->default_ret);
  bool wide = sysnr_abi_info (abi)->wide_args;

  if (collect_entries (cc, abi, &c, err) < 0)
    return -1;
  build_segments (&c, sysnr_abi_info (abi)->nr_bit, dflt);
  emit_tree (p, c.segs, 0, c.n_segs - 1);
  for (size_t i = 0; i < c.n_entries; i++)
    if (c.entries[i].n_cond)
      emit_entry (p, &c.entries[i], wide, dflt);
  return 0;
}

static int
emit_abi_or_refuse (struct bpf_prog *p, const struct compile *cc, enum sysnr_abi abi,
                    struct cl_error *err)
{
  if (cc->want[abi])
    return emit_abi (p, cc, abi, err);
  bpf_stmt (p, BPF_RET | BPF_K, BAD_ARCH);
  return 0;
}

static void
compile_clear (struct compile *cc)
{
  free (cc->nrs);
}

/* The ABIs the profile covers, and one lookup per name for all of them. */
static int
compile_prepare (const struct spec_seccomp *sc, struct compile *cc, struct cl_error *err)
{
  size_t n = 0, at = 0;

  cc->sc = sc;
  for (size_t i = 0; sc->arches && sc->arches[i]; i++)
    if (sysnr_abi_by_name (sc->arches[i]) >= 0)
      cc->want[sysnr_abi_by_name (sc->arches[i])] = true;
  if (!sc->arches || !sc->arches[0])
    cc->want[sysnr_native ()] = true;
  if (sc->default_action == SC_ACT_NOTIFY)
    return cl_fail (err, ENOTSUP,
                    "unsupported action \"SCMP_ACT_NOTIFY\" as defaultAction (the listener "
                    "would catch the runtime's own calls)");
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      if (sc->rules[i].action == SC_ACT_ERRNO && sc->rules[i].ret > 4095)
        return cl_fail (err, EINVAL, "syscalls[%zu]: errnoRet %u is not an errno", i,
                        sc->rules[i].ret);
      /* the runtime's own messages to its parent go by write: a filter
         that waits on an agent there never gets going (runc's rule) */
      for (size_t k = 0; sc->rules[i].action == SC_ACT_NOTIFY && sc->rules[i].names[k]; k++)
        if (strcmp (sc->rules[i].names[k], "write") == 0)
          return cl_fail (err, EINVAL, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
      n += strv_len (sc->rules[i].names);
    }
  cc->nrs = xcalloc (n + 1, sizeof *cc->nrs);
  cc->n_names = n;
  for (size_t i = 0; i < sc->n_rules; i++)
    for (size_t k = 0; sc->rules[i].names[k]; k++)
      sysnr_lookup_all (sc->rules[i].names[k], cc->nrs[at++]);
  return 0;
}

/* The audit architecture's part: x86_64's holds x32's too, whose numbers
   carry a bit. */
static int
emit_arch (struct bpf_prog *p, const struct compile *cc, enum sysnr_abi a, struct cl_error *err)
{
  int x86_64, x32;

  bpf_stmt (p, LD_W (OFF_NR));
  if (a != ABI_X86_64)
    return emit_abi (p, cc, a, err);
  x86_64 = bpf_label (p);
  x32 = bpf_label (p);
  bpf_jump (p, J (BPF_JGE), sysnr_abi_info (ABI_X32)->nr_bit, BPF_NEXT, x86_64);
  bpf_goto (p, x32);
  bpf_place (p, x86_64);
  if (emit_abi_or_refuse (p, cc, ABI_X86_64, err) < 0)
    return -1;
  bpf_place (p, x32);
  return emit_abi_or_refuse (p, cc, ABI_X32, err);
}

int
seccomp_compile (const struct spec_seccomp *sc, struct bpf_prog *p, struct cl_error *err)
{
  struct compile cc __attribute__ ((cleanup (compile_clear))) = { 0 };
  int block[ABI_COUNT] = { 0 };
  bool has[ABI_COUNT];

  memset (p, 0, sizeof *p);
  if (compile_prepare (sc, &cc, err) < 0)
    return -1;
  /* One block per audit architecture: x32 is x86_64's. */
  for (int a = 0; a < ABI_COUNT; a++)
    has[a] = a != ABI_X32 && (cc.want[a] || (a == ABI_X86_64 && cc.want[ABI_X32]));
  bpf_stmt (p, LD_W (OFF_ARCH));
  for (int a = 0; a < ABI_COUNT; a++)
    if (has[a])
      {
        int skip = bpf_label (p);
        block[a] = bpf_label (p);
        bpf_jump (p, J (BPF_JEQ), sysnr_abi_info (a)->audit_arch, BPF_NEXT, skip);
        bpf_goto (p, block[a]);
        bpf_place (p, skip);
      }
  bpf_stmt (p, BPF_RET | BPF_K, BAD_ARCH);
  for (int a = 0; a < ABI_COUNT; a++)
    if (has[a])
      {
        bpf_place (p, block[a]);
        if (emit_arch (p, &cc, a, err) < 0)
          return -1;
      }
  return bpf_finish (p, err);
}

int
seccomp_install (const struct bpf_prog *prog, struct cl_error *err)
{
  struct sock_fprog f = { .len = (unsigned short)prog->n, .filter = prog->insns };

  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f) < 0)
    return cl_fail (err, errno, "install the seccomp filter");
  return 0;
}

int
seccomp_netnotify_compile (struct bpf_prog *out, struct cl_error *err)
{
  enum sysnr_abi abi = sysnr_native ();
  const struct sysnr_abi_info *info = sysnr_abi_info (abi);
  long connect_nr = sysnr_lookup ("connect", abi), sendto_nr = sysnr_lookup ("sendto", abi);
  int allow = bpf_label (out), notify = bpf_label (out), sendto = bpf_label (out);

  bpf_stmt (out, LD_W (OFF_ARCH));
  bpf_jump (out, J (BPF_JEQ), info->audit_arch, BPF_NEXT, allow);
  bpf_stmt (out, LD_W (OFF_NR));
  bpf_jump (out, J (BPF_JEQ), (uint32_t)connect_nr, notify, BPF_NEXT);
  bpf_jump (out, J (BPF_JEQ), (uint32_t)sendto_nr, sendto, allow);
  /* sendto (fd, buf, len, flags, dest_addr, addrlen): only with a
     destination, its pointer compared whole. */
  bpf_place (out, sendto);
  bpf_stmt (out, LD_W (OFF_ARG_LO (4)));
  bpf_jump (out, J (BPF_JEQ), 0, BPF_NEXT, notify);
  bpf_stmt (out, LD_W (OFF_ARG_HI (4)));
  bpf_jump (out, J (BPF_JEQ), 0, allow, notify);
  bpf_place (out, notify);
  bpf_stmt (out, BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
  bpf_place (out, allow);
  bpf_stmt (out, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return bpf_finish (out, err);
}

int
seccomp_install_listener (const struct bpf_prog *prog, struct cl_error *err)
{
  struct sock_fprog f = { .len = (unsigned short)prog->n, .filter = prog->insns };
  int fd
      = (int)syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &f);

  if (fd < 0)
    return cl_fail (err, errno, "install a seccomp filter with a listener");
  return fd;
}

bool
seccomp_notifies (const struct spec_seccomp *sc)
{
  if (sc && sc->default_action == SC_ACT_NOTIFY)
    return true;
  for (size_t i = 0; sc && i < sc->n_rules; i++)
    if (sc->rules[i].action == SC_ACT_NOTIFY)
      return true;
  return false;
}
