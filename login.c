/* login and logout: credentials checked against the registry, then kept
   in podman's auth file (creds.h), where pull finds them.  A password is
   never printed, and is wiped from memory once used. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "creds.h"
#include "registry.h"
#include "util.h"

struct login_opts
{
  const char *user, *password, *authfile;
  bool password_stdin;
  struct registry_opts reg;
};

/* "https://host:port/path/" → "host:port/path": the auths key; the
   registry is what comes before the first '/'. */
static char *
registry_key (const char *arg)
{
  char *k;
  size_t n;

  if (str_has_prefix (arg, "https://"))
    arg += 8;
  else if (str_has_prefix (arg, "http://"))
    arg += 7;
  else if (str_has_prefix (arg, "docker://"))
    arg += 9;
  k = xstrdup (arg);
  n = strlen (k);
  while (n > 0 && k[n - 1] == '/')
    k[--n] = '\0';
  return k;
}

/* One line (without its newline) from fd; with `hide`, the terminal does
   not echo it. */
static char *
read_line (int fd, bool hide)
{
  struct termios old, quiet;
  bool restore = hide && tcgetattr (fd, &old) == 0;
  char *line = NULL;
  size_t cap = 0, len = 0;
  char c;

  if (restore)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr (fd, TCSAFLUSH, &quiet);
    }
  for (;;)
    {
      ssize_t r = read (fd, &c, 1);
      if (r < 0 && errno == EINTR && !cl_interrupted)
        continue;
      if (r <= 0 || c == '\n')
        break;
      if (len + 2 > cap)
        {
          char *bigger = xmalloc (cap = cap ? cap * 2 : 64);
          if (line)
            memcpy (bigger, line, len), explicit_bzero (line, len), free (line);
          line = bigger;
        }
      line[len++] = c;
    }
  if (restore)
    {
      tcsetattr (fd, TCSAFLUSH, &old);
      fputc ('\n', stderr);
    }
  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (!line)
    line = xstrdup ("");
  line[len] = '\0';
  return line;
}

/* What was not given: asked on the terminal (the password unechoed), or
   the password read from stdin with --password-stdin. */
static int
gather (const struct login_opts *o, const char *registry, struct creds *c, struct cl_error *err)
{
  cleanup_close int tty = -1;

  if ((!o->user || (!o->password && !o->password_stdin))
      && (tty = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0)
    return cl_fail (err, 0, "%s: give the %s with %s: there is no terminal to ask on", registry,
                    o->user ? "password" : "username", o->user ? "-p or --password-stdin" : "-u");
  if (o->user)
    c->user = xstrdup (o->user);
  else
    {
      fprintf (stderr, "Username: ");
      c->user = read_line (tty, false);
    }
  if (o->password)
    c->pass = xstrdup (o->password);
  else if (o->password_stdin)
    c->pass = read_line (0, false);
  else
    {
      fprintf (stderr, "Password: ");
      c->pass = read_line (tty, true);
    }
  if (!*c->user)
    return cl_fail (err, 0, "%s: the username is empty", registry);
  if (!*c->pass)
    return cl_fail (err, 0, "%s: the password is empty", registry);
  return 0;
}

static int
do_login (const struct login_opts *o, const char *arg, struct cl_error *err)
{
  cleanup_free char *key = registry_key (arg);
  cleanup_free char *domain = xstrndup (key, strcspn (key, "/"));
  cleanup_free char *file = o->authfile ? xstrdup (o->authfile) : creds_auth_file ();
  cleanup_free char *pair = NULL;
  struct registry_opts reg = o->reg;
  struct creds c = { 0 };
  int ret;

  if (strcmp (domain, "index.docker.io") == 0 || strcmp (domain, "registry-1.docker.io") == 0)
    {
      free (domain);
      domain = xstrdup ("docker.io");
    }
  ret = gather (o, key, &c, err);
  if (ret == 0)
    {
      pair = xasprintf ("%s:%s", c.user, c.pass);
      reg.creds = pair;
      ret = registry_login (domain, &reg, err);
      explicit_bzero (pair, strlen (pair));
    }
  if (ret == 0)
    ret = creds_store (file, key, &c, err);
  creds_clear (&c);
  return ret < 0 ? cl_wrap (err, "login to %s", key) : 0;
}

static const char login_usage[]
    = "Usage: crunlocal login [OPTIONS] REGISTRY\n"
      "\n"
      "Check a username and password against a registry, then keep them in the\n"
      "auth file (REGISTRY_AUTH_FILE, or $XDG_RUNTIME_DIR/containers/auth.json)\n"
      "for pull.  What is not given is asked on the terminal.\n"
      "\n"
      "Options:\n"
      "  -u, --username USER     the username\n"
      "  -p, --password PASS     the password (visible to other users: prefer\n"
      "                          --password-stdin)\n"
      "      --password-stdin    read the password from stdin\n"
      "      --authfile FILE     the auth file to write\n"
      "      --tls-verify=false  allow plain HTTP and unverified TLS\n"
      "      --cert-dir DIR      trust DIR/ca.crt for the registry\n";

int
cmd_login (int argc, char **argv)
{
  static const struct option longopts[] = { { "username", required_argument, NULL, 'u' },
                                            { "password", required_argument, NULL, 'p' },
                                            { "password-stdin", no_argument, NULL, 's' },
                                            { "authfile", required_argument, NULL, 'a' },
                                            { "tls-verify", optional_argument, NULL, 't' },
                                            { "cert-dir", required_argument, NULL, 'd' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct login_opts o = { .reg = { .tls_verify = true } };
  struct cl_error err = { 0 };
  int c;

  while ((c = cli_getopt (argc, argv, "login", "+u:p:h", longopts)) != -1)
    switch (c)
      {
      case 'u': o.user = optarg; break;
      case 'p': o.password = optarg; break;
      case 's': o.password_stdin = true; break;
      case 'a': o.authfile = optarg; break;
      case 'd': o.reg.cert_dir = optarg; break;
      case 't':
        if (cli_parse_bool ("login", "--tls-verify", optarg, &o.reg.tls_verify) != 0)
          return 125;
        break;
      case 'h': return fputs (login_usage, stdout), 0;
      default: return 125;
      }
  if (argc - optind != 1)
    return cli_usage_error ("login", "\"crunlocal login\" requires exactly 1 registry");
  if (o.password && o.password_stdin)
    return cli_usage_error ("login", "--password and --password-stdin are mutually exclusive");
  if (o.password_stdin && !o.user)
    return cli_usage_error ("login", "--password-stdin needs --username");
  if (o.password && isatty (0))
    fprintf (stderr, "WARNING! Using --password via the cli is insecure. Please consider using "
                     "--password-stdin\n");
  if (do_login (&o, argv[optind], &err) < 0)
    return cli_fail (&err);
  puts ("Login Succeeded!");
  return 0;
}

static const char logout_usage[]
    = "Usage: crunlocal logout [OPTIONS] REGISTRY | -a\n"
      "\n"
      "Remove the credentials of a registry (-a: of every registry) from the\n"
      "auth file login writes.\n"
      "\n"
      "Options:\n"
      "  -a, --all             every registry\n"
      "      --authfile FILE   the auth file to edit\n";

int
cmd_logout (int argc, char **argv)
{
  static const struct option longopts[] = { { "all", no_argument, NULL, 'a' },
                                            { "authfile", required_argument, NULL, 'F' },
                                            { "help", no_argument, NULL, 'h' },
                                            { NULL, 0, NULL, 0 } };
  struct cl_error err = { 0 };
  cleanup_free char *file = NULL;
  cleanup_free char *key = NULL;
  const char *authfile = NULL;
  bool all = false;
  int c, r;

  while ((c = cli_getopt (argc, argv, "logout", "+ah", longopts)) != -1)
    switch (c)
      {
      case 'a': all = true; break;
      case 'F': authfile = optarg; break;
      case 'h': return fputs (logout_usage, stdout), 0;
      default: return 125;
      }
  if (all ? argc != optind : argc - optind != 1)
    return cli_usage_error ("logout", all ? "--all takes no registry"
                                          : "\"crunlocal logout\" requires exactly 1 registry");
  file = authfile ? xstrdup (authfile) : creds_auth_file ();
  key = all ? NULL : registry_key (argv[optind]);
  r = creds_store (file, key, NULL, &err);
  if (r < 0)
    return cli_fail (&err);
  if (r == 1 && !all)
    {
      cl_fail (&err, 0, "not logged into %s", key);
      return cli_fail (&err);
    }
  if (all)
    puts ("Removed login credentials for all registries");
  else
    printf ("Removed login credentials for %s\n", key);
  return 0;
}
