/* rename: a container's new name, unique as `run --name` makes them. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "container.h"

static const char rename_usage[]
    = "Usage: crunlocal rename CONTAINER NAME\n"
      "\n"
      "Give a container (running or not) a new name: [a-zA-Z0-9][a-zA-Z0-9_.-]*,\n"
      "not used by another container.\n";

int
cmd_rename (int argc, char **argv)
{
  static const struct option longopts[]
      = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_store struct store *s = NULL;
  struct container c = { 0 };
  int c_opt, ret;

  while ((c_opt = cli_getopt (argc, argv, "rename", "+h", longopts)) != -1)
    {
      if (c_opt == 'h')
        return fputs (rename_usage, stdout), 0;
      return 125;
    }
  if (argc - optind != 2)
    return cli_usage_error ("rename", "\"crunlocal rename\" requires exactly 2 arguments");
  if (!container_name_valid (argv[optind + 1]))
    return cli_usage_error ("rename",
                            "invalid name \"%s\": names must match "
                            "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                            argv[optind + 1]);
  if (cli_open_store_host (&s, &err) < 0 || cli_find_container (s, argv[optind], &c, &err) < 0)
    return cli_fail (&err);
  ret = container_rename (s, c.id, argv[optind + 1], &err);
  container_clear (&c);
  return ret < 0 ? cli_fail (&err) : 0;
}
