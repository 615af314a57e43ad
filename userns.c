#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

struct map_line
{
  unsigned long inside, outside, count;
};

static int
read_uid_map (struct map_line *lines, int max)
{
  cleanup_file FILE *f = fopen ("/proc/self/uid_map", "re");
  int n = 0;

  if (!f)
    return -1;
  while (n < max
         && fscanf (f, "%lu %lu %lu", &lines[n].inside, &lines[n].outside, &lines[n].count) == 3)
    n++;
  return n;
}

uid_t
userns_host_euid (void)
{
  struct map_line lines[340];
  unsigned long me = geteuid ();
  int n = read_uid_map (lines, 340);

  for (int i = 0; i < n; i++)
    if (me >= lines[i].inside && me - lines[i].inside < lines[i].count)
      return (uid_t)(lines[i].outside + (me - lines[i].inside));
  return geteuid ();
}

static bool
initial_namespace (const struct map_line *l, int n)
{
  return n == 1 && l[0].inside == 0 && l[0].outside == 0 && l[0].count == 4294967295UL;
}

bool
userns_has_range (void)
{
  struct map_line lines[340];
  int n = read_uid_map (lines, 340);
  unsigned long total = 0;

  if (n <= 0 || initial_namespace (lines, n))
    return false;
  for (int i = 0; i < n; i++)
    total += lines[i].count;
  return total > 1;
}

int
userns_subid_range (const char *file, const char *name, unsigned long id, struct subid_range *out,
                    struct cl_error *err)
{
  cleanup_file FILE *f = fopen (file, "re");
  char line[512];
  char idstr[32];

  snprintf (idstr, sizeof idstr, "%lu", id);
  if (!f)
    return errno == ENOENT ? 1 : cl_fail (err, errno, "open %s", file);
  while (fgets (line, sizeof line, f))
    {
      char *save = NULL;
      char *who = strtok_r (line, ":\n", &save);
      char *start = strtok_r (NULL, ":\n", &save);
      char *count = strtok_r (NULL, ":\n", &save);
      if (!who || !start || !count)
        continue;
      if (strcmp (who, idstr) != 0 && (!name || strcmp (who, name) != 0))
        continue;
      out->start = strtoul (start, NULL, 10);
      out->count = strtoul (count, NULL, 10);
      if (out->count > 0)
        return 0;
    }
  return 1;
}

static pid_t
spawn (char *const argv[])
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

/* 0 when `pid` (or -1: not started) exited 0. */
static int
succeeded (pid_t pid)
{
  int status;

  if (pid < 0)
    return -1;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : -1;
}

/* The helper child: waits until the parent has unshared, then writes the
   parent's maps with the setuid helpers.  Exit 0 on success. */
static void
map_helper (int ready_fd, pid_t parent, uid_t uid, gid_t gid, const struct subid_range *u,
            const struct subid_range *g)
{
  char c, pid_s[32], uid_s[32], gid_s[32], us[32], uc[32], gs[32], gc[32];

  if (read (ready_fd, &c, 1) != 1)
    _exit (1);
  snprintf (pid_s, sizeof pid_s, "%d", parent);
  snprintf (uid_s, sizeof uid_s, "%u", uid);
  snprintf (gid_s, sizeof gid_s, "%u", gid);
  snprintf (us, sizeof us, "%lu", u->start);
  snprintf (uc, sizeof uc, "%lu", u->count);
  snprintf (gs, sizeof gs, "%lu", g->start);
  snprintf (gc, sizeof gc, "%lu", g->count);
  {
    char *uargv[] = { "newuidmap", pid_s, "0", uid_s, "1", "1", us, uc, NULL };
    char *gargv[] = { "newgidmap", pid_s, "0", gid_s, "1", "1", gs, gc, NULL };
    /* Both at once: each writes a file of its own. */
    pid_t uids = spawn (uargv), gids = spawn (gargv);
    int ok_u = succeeded (uids), ok_g = succeeded (gids);
    if (ok_u < 0 || ok_g < 0)
      _exit (1);
  }
  _exit (0);
}

static int
find_ranges (struct subid_range *u, struct subid_range *g, struct cl_error *err)
{
  struct passwd *pw = getpwuid (getuid ());
  const char *name = pw ? pw->pw_name : NULL;
  int r;

  r = userns_subid_range ("/etc/subuid", name, getuid (), u, err);
  if (r != 0)
    return r;
  return userns_subid_range ("/etc/subgid", name, getuid (), g, err);
}

int
userns_enter_for_store (bool *entered, struct cl_error *err)
{
  struct subid_range u, g;
  int pipefd[2], status, r;
  pid_t parent = getpid (), helper;

  *entered = false;
  if (geteuid () == 0 || userns_host_euid () != geteuid ())
    return 0;
  r = find_ranges (&u, &g, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  helper = fork ();
  if (helper < 0)
    return cl_fail (err, errno, "fork");
  if (helper == 0)
    {
      close (pipefd[1]);
      map_helper (pipefd[0], parent, getuid (), getgid (), &u, &g);
    }
  close (pipefd[0]);
  if (unshare (CLONE_NEWUSER) < 0)
    {
      int e = errno;
      close (pipefd[1]);
      waitpid (helper, &status, 0);
      return cl_fail (err, e, "create user namespace");
    }
  if (write (pipefd[1], "x", 1) != 1)
    return cl_fail (err, errno, "signal the id-map helper");
  close (pipefd[1]);
  while (waitpid (helper, &status, 0) < 0)
    if (errno != EINTR)
      return cl_fail (err, errno, "wait for the id-map helper");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return cl_fail (err, 0, "newuidmap/newgidmap failed to map the subordinate ids of /etc/subuid");
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return cl_fail (err, errno, "become root in the user namespace");
  *entered = true;
  return 0;
}
