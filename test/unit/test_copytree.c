/* copytree.c: docker's path splitting, and the sinks' refusals — a tar
   entry under a symlink, a "../" entry — with nothing written outside. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../copytree.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static void
check_split (const char *path, const char *parent, const char *base)
{
  char *p = NULL, *b = NULL;

  copy_split_path (path, &p, &b);
  CHECK_STR (p, parent);
  CHECK_STR (b, base);
  free (p);
  free (b);
}

void
test_copy_split (void)
{
  check_split ("a/b/c", "a/b", "c");
  check_split ("c", ".", "c");
  check_split ("/etc/x", "/etc", "x");
  check_split ("/etc/", "/", "etc");
  check_split ("/x", "/", "x");
  check_split ("/", "/", "/");
  check_split ("d/.", "d", ".");
}

/* A tar at `path` of (name, type, target) entries. */
static void
write_tar (const char *path, const char *const (*entries)[3], size_t n)
{
  struct archive *a = archive_write_new ();

  archive_write_set_format_pax_restricted (a);
  archive_write_open_filename (a, path);
  for (size_t i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();
      archive_entry_set_pathname (e, entries[i][0]);
      archive_entry_set_perm (e, 0644);
      if (strcmp (entries[i][1], "l") == 0)
        archive_entry_set_filetype (e, AE_IFLNK), archive_entry_set_symlink (e, entries[i][2]);
      else
        archive_entry_set_filetype (e, AE_IFREG), archive_entry_set_size (e, 3);
      archive_write_header (a, e);
      if (strcmp (entries[i][1], "f") == 0)
        archive_write_data (a, "hi\n", 3);
      archive_entry_free (e);
    }
  archive_write_close (a);
  archive_write_free (a);
}

static int
unpack_tar (int dirfd, const char *tar)
{
  struct copy_sink *k = copy_sink_dir (dirfd, NULL);
  struct cl_error err = { 0 };
  int fd = open (tar, O_RDONLY | O_CLOEXEC);
  int r = copy_from_tar (fd, k, &err);

  close (fd);
  copy_sink_free (k);
  return r;
}

void
test_copy_tar_refusals (void)
{
  char dir[] = "/tmp/cl-copytree-XXXXXX";
  char tar[sizeof dir + 16];
  static const char *const under_link[][3]
      = { { "lnk", "l", "/tmp" }, { "lnk/cl-copytree-pwned", "f", NULL } };
  static const char *const dotdot[][3] = { { "../cl-copytree-pwned", "f", NULL } };
  static const char *const fine[][3] = { { "ok", "f", NULL }, { "ok", "l", "elsewhere" } };
  struct stat st;
  int dfd;

  CHECK (mkdtemp (dir) != NULL);
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  snprintf (tar, sizeof tar, "%s.tar", dir);
  write_tar (tar, under_link, 2);
  CHECK (unpack_tar (dfd, tar) < 0);
  CHECK (stat ("/tmp/cl-copytree-pwned", &st) < 0);
  write_tar (tar, dotdot, 1);
  CHECK (unpack_tar (dfd, tar) < 0);
  CHECK (stat ("/tmp/cl-copytree-pwned", &st) < 0);
  /* A file then a symlink of the same name: the file is replaced. */
  write_tar (tar, fine, 2);
  CHECK (unpack_tar (dfd, tar) == 0);
  CHECK (fstatat (dfd, "ok", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode));
  unlink (tar);
  {
    struct cl_error err;
    rm_dir_contents (dfd, &err);
  }
  close (dfd);
  rmdir (dir);
}
