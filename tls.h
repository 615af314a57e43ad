/* The trust a registry connection starts from, and which TLS library
   carries it.  A static libcurl knows only the CA path of the machine it
   was built on, so the host's bundle is found at run time: $SSL_CERT_FILE,
   $SSL_CERT_DIR, then the paths distributions install it at. */
#ifndef CL_TLS_H
#define CL_TLS_H

#include <curl/curl.h>

/* CAs for handle C, the first that applies: CAFILE (a registry's ca.crt),
   $SSL_CERT_FILE, $SSL_CERT_DIR, the host's bundle; curl's built-in
   default only when the host has none we know.  One source, not OpenSSL's
   file-and-directory union: mbedTLS would parse a whole directory of
   certificates on every connection. */
void tls_set_trust (CURL *c, const char *cafile);

/* `crunlocal version`'s lines for the TLS library (and, in the static
   build, the Debian source packages it was built from). */
void tls_print_versions (void);

#endif
