#include <stdlib.h>
#include <string.h>

#include "../../cgdeleg.h"
#include "../../cgroup.h"
#include "tests.h"
#include "unit.h"

/* This machine's mountinfo (hybrid: v1 controllers apart, cgroup2 with
   only hugetlb), a v2-only host's, a v1 one with cpu,cpuacct together,
   and a subtree bind that must not count. */
void
test_cgroup_layout (void)
{
  static const char hybrid[]
      = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  static const char unified[]
      = "25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n";
  static const char legacy[]
      = "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup "
        "rw,cpu,cpuacct\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory\n"
        "90 25 0:27 /docker/abc /mnt/memory rw - cgroup cgroup rw,memory\n"
        "32 25 0:28 / /sys/fs/cgroup/cpuset rw shared:13 - cgroup cgroup "
        "rw,cpuset,clone_children\n";
  struct cgroup_layout l;

  cgroup_layout_parse (hybrid, &l);
  CHECK (l.mode == CGROUP_HYBRID);
  CHECK_STR (l.unified, "/sys/fs/cgroup/unified");
  CHECK_STR (l.v1[CG_CPU], "/sys/fs/cgroup/cpu");
  CHECK_STR (l.v1[CG_CPUACCT], "/sys/fs/cgroup/cpuacct");
  CHECK_STR (l.v1[CG_CPUSET], "/sys/fs/cgroup/cpuset");
  CHECK_STR (l.v1[CG_MEMORY], "/sys/fs/cgroup/memory");
  CHECK_STR (l.v1[CG_PIDS], "/sys/fs/cgroup/pids");
  cgroup_layout_clear (&l);

  cgroup_layout_parse (unified, &l);
  CHECK (l.mode == CGROUP_UNIFIED);
  CHECK_STR (l.unified, "/sys/fs/cgroup");
  CHECK (!l.v1[CG_MEMORY] && !l.v1[CG_CPU]);
  cgroup_layout_clear (&l);

  cgroup_layout_parse (legacy, &l);
  CHECK (l.mode == CGROUP_LEGACY && !l.unified);
  CHECK_STR (l.v1[CG_CPU], "/sys/fs/cgroup/cpu,cpuacct");
  CHECK_STR (l.v1[CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
  CHECK_STR (l.v1[CG_MEMORY], "/sys/fs/cgroup/memory");
  CHECK (!l.v1[CG_PIDS] && !l.v1[CG_FREEZER]);
  cgroup_layout_clear (&l);

  cgroup_layout_parse ("22 1 0:5 / /proc rw - proc proc rw\n", &l);
  CHECK (l.mode == CGROUP_NONE);
  cgroup_layout_clear (&l);
}

/* runc's shares → weight: 2 → 1, 1024 → 39, 262144 → 10000. */
void
test_cgroup_weight (void)
{
  CHECK (cgroup_shares_to_weight (0) == 0);
  CHECK (cgroup_shares_to_weight (2) == 1);
  CHECK (cgroup_shares_to_weight (1024) == 39);
  CHECK (cgroup_shares_to_weight (512) == 20);
  CHECK (cgroup_shares_to_weight (262144) == 10000);
  /* blkio weight → io.weight: runc's cgroups.bats has 750 → 7475 */
  CHECK (cgroup_blkio_to_io_weight (0) == 0);
  CHECK (cgroup_blkio_to_io_weight (10) == 1);
  CHECK (cgroup_blkio_to_io_weight (750) == 7475);
  CHECK (cgroup_blkio_to_io_weight (1000) == 10000);
}

/* The v2 line of /proc/PID/cgroup, on a hybrid host and a v2 one. */
void
test_cgdeleg_path (void)
{
  char *p = cgdeleg_v2_path ("9:name=systemd:/\n8:pids:/\n0::/user.slice/u@1001.service/x\n");
  CHECK_STR (p, "/user.slice/u@1001.service/x");
  free (p);
  p = cgdeleg_v2_path ("0::/");
  CHECK_STR (p, "/");
  free (p);
  CHECK (cgdeleg_v2_path ("8:pids:/\n") == NULL);
}
