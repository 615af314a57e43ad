/* A container's /etc/resolv.conf, /etc/hosts and /etc/hostname: made per
   container in its directory and bound over the image's (never written
   into a layer or the overlay's upper), as podman does.  Without them
   every name lookup inside fails. */
#ifndef CL_ETCFILES_H
#define CL_ETCFILES_H

#include <stdbool.h>

#include "error.h"

struct etc_opts
{
  const char *hostname;
  char **dns, **dns_search, **dns_options; /* --dns, --dns-search, --dns-option */
  char **add_hosts;                        /* --add-host NAME:IP */
  bool no_hosts;                           /* --no-hosts: the image's /etc/hosts */
  const char *host_resolv;                 /* the host's resolv.conf (NULL: /etc/resolv.conf) */
};

/* Check --add-host NAME:IP (IPv4 or IPv6) and --dns addresses. */
int etc_check_host (const char *arg, struct cl_error *err);
int etc_check_dns (const char *arg, struct cl_error *err);

/* Write resolv.conf, hosts (unless no_hosts) and hostname into dirfd. */
int etc_files_write (int dirfd, const struct etc_opts *o, struct cl_error *err);

/* resolv.conf text from the host's and the flags (for the unit tests). */
char *etc_resolv_conf (const char *host, const struct etc_opts *o);
char *etc_hosts (const struct etc_opts *o);

#endif
