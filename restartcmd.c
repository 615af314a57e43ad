/* restart: stop, then start again detached — the same container (ID,
   name, filesystem, log), as podman's restart.  (restart.c is the
   restart *policy* the monitor applies.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "util.h"

static const char restart_usage[]
    = "Usage: crunlocal restart [-t SECONDS] CONTAINER...\n"
      "\n"
      "Stop containers that run (as stop does) and start them again, detached,\n"
      "keeping their ID, name, filesystem and log.  Prints each as named.\n"
      "\n"
      "Options:\n"
      "  -t, --time SECONDS   wait this long before SIGKILL (default 10)\n";

/* Stopping signals the processes from our own user namespace (see
   cli_open_store_host); the IDs in order, NULL for a failed one. */
static int
stop_named (char **names, size_t n, long timeout, char **ids)
{
  cleanup_store struct store *s = NULL;
  struct cl_error err = { 0 };
  int ret = 0;

  if (cli_open_store_host (&s, &err) < 0)
    return cli_fail (&err);
  for (size_t i = 0; i < n; i++)
    {
      struct container c = { 0 };
      if (cli_find_container (s, names[i], &c, &err) == 0 && ctl_stop (s, &c, timeout, &err) == 0)
        ids[i] = xstrdup (c.id);
      else
        ret = cli_fail (&err);
      container_clear (&c);
    }
  return ret;
}

int
cmd_restart (int argc, char **argv)
{
  static const struct option longopts[] = { { "time", required_argument, NULL, 't' },
                                            { "timeout", required_argument, NULL, 't' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  char **ids = NULL;
  long timeout = 10;
  size_t n;
  int c, ret;

  while ((c = cli_getopt (argc, argv, "restart", "+t:h", longopts)) != -1)
    {
      char *end;
      if (c == 'h')
        return fputs (restart_usage, stdout), 0;
      if (c != 't')
        return 125;
      timeout = strtol (optarg, &end, 10);
      if (*end || end == optarg || timeout < 0)
        return cli_usage_error ("restart", "invalid timeout \"%s\": want seconds", optarg);
    }
  if (optind >= argc)
    return cli_usage_error ("restart", "\"crunlocal restart\" requires at least 1 container");
  n = (size_t)(argc - optind);
  ids = xcalloc (n, sizeof *ids);
  ret = stop_named (argv + optind, n, timeout, ids);
  /* Like start: rootless with subordinate ids, inside the store's namespace. */
  if (cli_open_store (&s, STORE_USE, &err) < 0)
    ret = cli_fail (&err);
  for (size_t i = 0; s && i < n; i++)
    {
      if (!ids[i])
        continue;
      if (ctl_start (s, ids[i], &err) == 0)
        puts (argv[optind + i]);
      else
        ret = cli_fail (&err);
      free (ids[i]);
    }
  free (ids);
  return ret;
}
