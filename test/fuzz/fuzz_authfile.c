/* Auth files (docker's config.json, podman's auth.json), through
   $REGISTRY_AUTH_FILE, and --creds strings. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../../creds.h"
#include "../../util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char path[64];
  cleanup_free char *s = fuzz_string (data, size);
  struct creds c = { 0 };
  struct cl_error err;
  int fd;

  if (!*path)
    {
      snprintf (path, sizeof path, "/dev/shm/cl-fuzz-auth.%d", (int)getpid ());
      setenv ("REGISTRY_AUTH_FILE", path, 1);
    }
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write (fd, data, size) != (ssize_t)size)
    abort ();
  close (fd);
  if (creds_lookup ("docker.io", "library/alpine", &c, &err) == 0)
    creds_clear (&c);
  if (creds_lookup ("127.0.0.1:5000", "a/b", &c, &err) == 0)
    creds_clear (&c);
  if (creds_parse (s, &c, &err) == 0)
    creds_clear (&c);
  unlink (path);
  return 0;
}
