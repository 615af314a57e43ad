#include "etcfiles.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* systemd-resolved's list of the real upstream servers, for a host whose
   /etc/resolv.conf names only its loopback stub (127.0.0.53). */
#define RESOLVED_UPSTREAM "/run/systemd/resolve/resolv.conf"

struct buf
{
  char *s;
};

static void __attribute__ ((format (printf, 2, 3))) add (struct buf *b, const char *fmt, ...)
{
  cleanup_free char *line = NULL;
  char *n;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&line, fmt, ap) < 0)
    abort ();
  va_end (ap);
  n = xasprintf ("%s%s", b->s, line);
  free (b->s);
  b->s = n;
}

static bool
is_ip (const char *s)
{
  unsigned char addr[16];

  return inet_pton (AF_INET, s, addr) == 1 || inet_pton (AF_INET6, s, addr) == 1;
}

int
etc_check_dns (const char *arg, struct cl_error *err)
{
  if (!is_ip (arg))
    return cl_fail (err, 0, "invalid --dns %s: want an IPv4 or IPv6 address", arg);
  return 0;
}

int
etc_check_host (const char *arg, struct cl_error *err)
{
  const char *colon = strchr (arg, ':');

  if (!colon || colon == arg || !is_ip (colon + 1))
    return cl_fail (err, 0, "invalid --add-host %s: want NAME:IP", arg);
  return 0;
}

/* The first word after `key` on a line of resolv.conf, or NULL. */
static const char *
value_of (const char *line, const char *key)
{
  size_t n = strlen (key);

  if (strncmp (line, key, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
    return NULL;
  line += n;
  while (*line == ' ' || *line == '\t')
    line++;
  return line;
}

static bool
loopback (const char *ns)
{
  return str_has_prefix (ns, "127.") || strcmp (ns, "::1") == 0;
}

/* Does the host's text name only loopback resolvers? */
static bool
only_loopback (const char *host)
{
  cleanup_free char *copy = xstrdup (host ? host : "");
  char *save = NULL;
  int any = 0;

  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      const char *ns = value_of (l, "nameserver");
      if (ns && !loopback (ns))
        return false;
      any += ns != NULL;
    }
  return any > 0;
}

static void
add_list (struct buf *b, const char *key, char **v)
{
  cleanup_free char *joined = NULL;

  for (size_t i = 0; v && v[i]; i++)
    {
      char *n = xasprintf ("%s%s%s", joined ? joined : "", joined ? " " : "", v[i]);
      free (joined);
      joined = n;
    }
  if (joined)
    add (b, "%s %s\n", key, joined);
}

char *
etc_resolv_conf (const char *host, const struct etc_opts *o)
{
  cleanup_free char *copy = xstrdup (host ? host : "");
  struct buf b = { xstrdup ("") };
  char *save = NULL;

  /* The host's lines, but for those a flag replaces. */
  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      if ((o->dns && value_of (l, "nameserver")) || (o->dns_search && value_of (l, "search"))
          || (o->dns_search && value_of (l, "domain"))
          || (o->dns_options && value_of (l, "options")))
        continue;
      add (&b, "%s\n", l);
    }
  for (size_t i = 0; o->dns && o->dns[i]; i++)
    add (&b, "nameserver %s\n", o->dns[i]);
  add_list (&b, "search", o->dns_search);
  add_list (&b, "options", o->dns_options);
  return b.s;
}

char *
etc_hosts (const struct etc_opts *o)
{
  struct buf b = { xstrdup ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n") };

  for (size_t i = 0; o->add_hosts && o->add_hosts[i]; i++)
    {
      const char *colon = strchr (o->add_hosts[i], ':');
      cleanup_free char *name = xstrndup (o->add_hosts[i], (size_t)(colon - o->add_hosts[i]));
      add (&b, "%s\t%s\n", colon + 1, name);
    }
  add (&b, "127.0.1.1\t%s\n", o->hostname);
  return b.s;
}

static char *
host_resolv_text (const struct etc_opts *o)
{
  const char *path = o->host_resolv ? o->host_resolv : "/etc/resolv.conf";
  char *text = NULL, *upstream = NULL;
  struct cl_error ignored;

  if (read_file_at (AT_FDCWD, path, 1 << 20, &text, NULL, &ignored) < 0)
    return xstrdup ("");
  if (!o->host_resolv && only_loopback (text)
      && read_file_at (AT_FDCWD, RESOLVED_UPSTREAM, 1 << 20, &upstream, NULL, &ignored) == 0)
    {
      free (text);
      return upstream;
    }
  return text;
}

static int
write_one (int dirfd, const char *name, const char *text, struct cl_error *err)
{
  if (write_file_atomic_at (dirfd, name, text, strlen (text), 0644, false, err) < 0)
    return cl_wrap (err, "the container's %s", name);
  return 0;
}

int
etc_files_write (int dirfd, const struct etc_opts *o, struct cl_error *err)
{
  cleanup_free char *host = host_resolv_text (o);
  cleanup_free char *resolv = etc_resolv_conf (host, o);
  cleanup_free char *hosts = o->no_hosts ? NULL : etc_hosts (o);
  cleanup_free char *hostname = xasprintf ("%s\n", o->hostname);

  if (write_one (dirfd, "resolv.conf", resolv, err) < 0
      || write_one (dirfd, "hostname", hostname, err) < 0)
    return -1;
  return hosts ? write_one (dirfd, "hosts", hosts, err) : 0;
}
