/* The layer unpacker: any byte stream (gzip, zstd, plain tar …) into a
   scratch root that is emptied after each input.  Nothing may land
   outside it: the scratch root's parent is checked to hold only it. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../unpack.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char parent[64], root[80];
  struct unpack_opts o = { .user_xattrs = true, .max_entries = 10000, .max_bytes = 64 << 20 };
  struct unpack_result res;
  struct cl_error err;
  int in, dfd;

  if (!*parent)
    {
      snprintf (parent, sizeof parent, "/dev/shm/cl-fuzz-tar.%d", (int)getpid ());
      snprintf (root, sizeof root, "%s/root", parent);
      mkdir (parent, 0700);
    }
  mkdir (root, 0700);
  in = memfd_create ("layer", MFD_CLOEXEC);
  if (in < 0 || write (in, data, size) != (ssize_t)size || lseek (in, 0, SEEK_SET) != 0)
    abort ();
  dfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    abort ();
  unpack_layer (in, dfd, &o, &res, &err);
  close (dfd);
  close (in);
  if (rm_rf_at (AT_FDCWD, root, &err) < 0 || rmdir (parent) < 0)
    abort (); /* something was written beside the root */
  mkdir (parent, 0700);
  return 0;
}
