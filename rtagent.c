/* runc's seccomp agent protocol (linux.seccomp.listenerPath): the
   listener fd of a filter with SCMP_ACT_NOTIFY goes, with SCM_RIGHTS, to
   the unix socket at listenerPath in one message whose body is the
   runtime-spec's ContainerProcessState — {"ociVersion", "fds":
   ["seccompFd"], "pid", "metadata": listenerMetadata, "state": the OCI
   state} — as runc sends it. */
#include "rtagent.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "pty.h"
#include "util.h"

static char *
process_state (const char *metadata, pid_t pid, const char *state, struct cl_error *err)
{
  cleanup_json yajl_val doc = NULL;
  cleanup_json_gen yajl_gen g = json_gen_new (false);
  static char *const fds[] = { (char *)"seccompFd", NULL };

  if (json_parse (state, &doc, err) < 0)
    return NULL;
  yajl_gen_map_open (g);
  jg_kstr (g, "ociVersion", "1.0.2");
  jg_kstrv (g, "fds", fds);
  jg_kint (g, "pid", pid);
  jg_kstr (g, "metadata", metadata ? metadata : "");
  jg_str (g, "state");
  json_gen_val (g, doc);
  yajl_gen_map_close (g);
  return json_gen_take (g, NULL);
}

int
rtagent_connect (const char *path, struct cl_error *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  cleanup_close int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (strlen (path) >= sizeof sa.sun_path)
    return cl_fail (err, ENAMETOOLONG, "failed to connect with seccomp agent: %s", path);
  strcpy (sa.sun_path, path);
  if (sock < 0 || connect (sock, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cl_fail (err, errno, "failed to connect with seccomp agent at %s", path);
  return steal_fd (&sock);
}

int
rtagent_send_on (int sock, const char *metadata, pid_t pid, const char *state, int fd,
                 struct cl_error *err)
{
  cleanup_free char *msg = process_state (metadata, pid, state, err);

  if (!msg)
    return -1;
  if (pty_send_fd (sock, msg, strlen (msg), fd) != (ssize_t)strlen (msg))
    return cl_fail (err, errno, "send the seccomp listener to the agent");
  return 0;
}

int
rtagent_send (const char *path, const char *metadata, pid_t pid, const char *state, int fd,
              struct cl_error *err)
{
  cleanup_close int sock = rtagent_connect (path, err);

  return sock < 0 ? -1 : rtagent_send_on (sock, metadata, pid, state, fd, err);
}
