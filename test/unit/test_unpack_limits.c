/* The unpacker's limits against hostile layers: entries, decompressed
   bytes, the decompression ratio, name lengths.  Tars are written with
   libarchive into a memfd and unpacked into a scratch directory. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../unpack.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

/* A tar of `n` empty files named f0…, or one file of `size` zero bytes
   named `name`, through `filter` (ARCHIVE_FILTER_NONE, _GZIP, _ZSTD). */
static int
make_tar (int filter, int n, const char *name, long long size)
{
  int fd = memfd_create ("tar", MFD_CLOEXEC);
  struct archive *a = archive_write_new ();
  struct archive_entry *e = archive_entry_new ();
  static char zeros[65536];

  archive_write_set_format_pax_restricted (a);
  archive_write_add_filter (a, filter);
  archive_write_open_fd (a, fd);
  for (int i = 0; i < n; i++)
    {
      char nm[32];
      snprintf (nm, sizeof nm, "f%d", i);
      archive_entry_clear (e);
      archive_entry_set_pathname (e, name ? name : nm);
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_perm (e, 0644);
      archive_entry_set_size (e, size);
      archive_write_header (a, e);
      for (long long left = size; left > 0; left -= (long long)sizeof zeros)
        archive_write_data (a, zeros, left < (long long)sizeof zeros ? (size_t)left : sizeof zeros);
    }
  archive_entry_free (e);
  archive_write_close (a);
  archive_write_free (a);
  lseek (fd, 0, SEEK_SET);
  return fd;
}

/* Unpack `tarfd` with `o` into a fresh directory; the error in `err`. */
static int
unpack_into_scratch (int tarfd, const struct unpack_opts *o, struct cl_error *err)
{
  char dir[] = "/dev/shm/cl-unit-unpack.XXXXXX";
  struct unpack_result res;
  struct cl_error ignored;
  int dfd, ret;

  if (!mkdtemp (dir))
    return -2;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ret = unpack_layer (tarfd, dfd, o, &res, err);
  close (dfd);
  close (tarfd);
  rm_rf_at (AT_FDCWD, dir, &ignored);
  return ret;
}

void
test_unpack_limits (void)
{
  struct unpack_opts o = { .user_xattrs = true };
  struct cl_error err = { 0 };
  char longname[5000];

  o.max_entries = 10;
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_NONE, 10, NULL, 0), &o, &err) == 0);
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_NONE, 11, NULL, 0), &o, &err) < 0);
  CHECK (strstr (err.msg, "more than 10 entries") != NULL);

  o.max_entries = 0;
  o.max_bytes = 1 << 20;
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_GZIP, 1, "z", 2 << 20), &o, &err) < 0);
  CHECK (strstr (err.msg, "more than 1048576 bytes") != NULL);

  /* 80 MiB of zeros through zstd: some KiB compressed, a bomb. */
  o.max_bytes = 0;
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_ZSTD, 1, "z", 80LL << 20), &o, &err) < 0);
  CHECK (strstr (err.msg, "decompression bomb") != NULL);
  /* gzip's best is ~1032:1: the same zeros pass. */
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_GZIP, 1, "z", 80LL << 20), &o, &err) == 0);

  memset (longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  for (size_t i = 200; i < sizeof longname - 1; i += 200)
    longname[i] = '/';
  CHECK (unpack_into_scratch (make_tar (ARCHIVE_FILTER_NONE, 1, longname, 0), &o, &err) < 0);
  CHECK (strstr (err.msg, "bytes long, at most 4095") != NULL);
}
