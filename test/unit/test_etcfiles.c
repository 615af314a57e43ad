#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../etcfiles.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

static const char host[]
    = "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example\n"
      "options edns0\n";

/* The host's lines unless a flag replaces their kind. */
void
test_etc_resolv (void)
{
  char *dns[] = { "1.1.1.1", NULL }, *search[] = { "a.test", "b.test", NULL },
       *opts[] = { "ndots:2", NULL };
  struct etc_opts none = { .hostname = "h" };
  struct etc_opts o = { .hostname = "h", .dns = dns, .dns_search = search, .dns_options = opts };
  struct cl_error err;
  cleanup_free char *plain = etc_resolv_conf (host, &none);
  cleanup_free char *flags = etc_resolv_conf (host, &o);

  CHECK (strcmp (plain, host) == 0);
  CHECK (strstr (flags, "nameserver 1.1.1.1\n") && !strstr (flags, "10.0.0.2"));
  CHECK (strstr (flags, "search a.test b.test\n") && !strstr (flags, "corp.example"));
  CHECK (strstr (flags, "options ndots:2\n") && !strstr (flags, "edns0"));
  CHECK (strstr (flags, "# generated\n") != NULL);
  CHECK (etc_check_dns ("::1", &err) == 0 && etc_check_dns ("10.0.0.300", &err) < 0);
}

void
test_etc_hosts (void)
{
  char *add[] = { "db:10.1.2.3", "v6:fd00::1", NULL };
  struct etc_opts o = { .hostname = "box", .add_hosts = add };
  struct cl_error err;
  cleanup_free char *h = etc_hosts (&o);

  CHECK (strstr (h, "127.0.0.1\tlocalhost\n") && strstr (h, "::1\tlocalhost"));
  CHECK (strstr (h, "10.1.2.3\tdb\n") && strstr (h, "fd00::1\tv6\n") && strstr (h, "\tbox\n"));
  CHECK (etc_check_host ("db:10.1.2.3", &err) == 0 && etc_check_host ("db", &err) < 0
         && etc_check_host (":1.2.3.4", &err) < 0 && etc_check_host ("db:nope", &err) < 0);
}
