/* System call numbers by name on each ABI the seccomp filter covers:
   x86_64 with its i386 and x32 ABIs, and aarch64 — with the audit
   architecture the kernel reports for each (seccomp_data.arch) and the
   OCI name (SCMP_ARCH_*).  The table (sysnr_table.h) is generated from
   the kernel's uapi headers by test/tools/mksysnr.py. */
#ifndef CL_SYSNR_H
#define CL_SYSNR_H

#include <stdbool.h>
#include <stdint.h>

enum sysnr_abi
{
  ABI_X86_64,
  ABI_I386,
  ABI_X32,
  ABI_AARCH64,
  ABI_COUNT,
};

struct sysnr_abi_info
{
  const char *oci_name; /* "SCMP_ARCH_X86_64" */
  uint32_t audit_arch;  /* AUDIT_ARCH_X86_64 */
  uint32_t nr_bit;      /* added to every number (x32's __X32_SYSCALL_BIT) */
  bool wide_args;       /* arguments are 64 bits wide (compared whole) */
};

const struct sysnr_abi_info *sysnr_abi_info (enum sysnr_abi abi);

/* The ABI of an OCI architecture name; -1 for one we do not filter. */
int sysnr_abi_by_name (const char *oci_name);

/* The ABI this binary runs as. */
enum sysnr_abi sysnr_native (void);

/* Every number, less the ABI's nr_bit, is below this. */
#define SYSNR_MAX 1024

/* The number of `name` on `abi` (with its nr_bit), -1 when it has none. */
long sysnr_lookup (const char *name, enum sysnr_abi abi);
/* The same on every ABI at once. */
void sysnr_lookup_all (const char *name, long nr[ABI_COUNT]);

/* The name of number `nr` on `abi`, NULL when none (for tests, errors). */
const char *sysnr_name (enum sysnr_abi abi, long nr);

#endif
