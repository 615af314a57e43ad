#include "sysnr.h"

#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

struct sysnr_entry
{
  const char *name;
  short nr[ABI_COUNT];
};

static const struct sysnr_entry table[] = {
#include "sysnr_table.h"
};

static const struct sysnr_abi_info abis[ABI_COUNT] = {
  [ABI_X86_64] = { "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, 0, true },
  [ABI_I386] = { "SCMP_ARCH_X86", AUDIT_ARCH_I386, 0, false },
  /* x32 passes 64-bit registers, but its longs and pointers are 32 bits:
     libseccomp compares its arguments as 32-bit values, and so do we. */
  [ABI_X32] = { "SCMP_ARCH_X32", AUDIT_ARCH_X86_64, 0x40000000, false },
  [ABI_AARCH64] = { "SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64, 0, true },
};

const struct sysnr_abi_info *
sysnr_abi_info (enum sysnr_abi abi)
{
  return &abis[abi];
}

int
sysnr_abi_by_name (const char *oci_name)
{
  for (int i = 0; i < ABI_COUNT; i++)
    if (strcmp (abis[i].oci_name, oci_name) == 0)
      return i;
  return -1;
}

enum sysnr_abi
sysnr_native (void)
{
#if defined(__x86_64__) && defined(__ILP32__)
  return ABI_X32;
#elif defined(__x86_64__)
  return ABI_X86_64;
#elif defined(__i386__)
  return ABI_I386;
#elif defined(__aarch64__)
  return ABI_AARCH64;
#else
#error "crunlocal's seccomp filter knows x86_64, i386, x32 and aarch64"
#endif
}

static int
by_name (const void *key, const void *elem)
{
  return strcmp (key, ((const struct sysnr_entry *)elem)->name);
}

void
sysnr_lookup_all (const char *name, long nr[ABI_COUNT])
{
  const struct sysnr_entry *e
      = bsearch (name, table, sizeof table / sizeof table[0], sizeof table[0], by_name);

  for (int abi = 0; abi < ABI_COUNT; abi++)
    nr[abi] = !e || e->nr[abi] < 0 ? -1 : (long)abis[abi].nr_bit + e->nr[abi];
}

long
sysnr_lookup (const char *name, enum sysnr_abi abi)
{
  long nr[ABI_COUNT];

  sysnr_lookup_all (name, nr);
  return nr[abi];
}

const char *
sysnr_name (enum sysnr_abi abi, long nr)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i].nr[abi] >= 0 && (long)abis[abi].nr_bit + table[i].nr[abi] == nr)
      return table[i].name;
  return NULL;
}
