#include "registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "image.h"
#include "json.h"
#include "tls.h"
#include "util.h"

#define MAX_REDIRECTS 5
#define MAX_ATTEMPTS 5
#define ERROR_BODY_MAX 65536
#define TOKEN_MAX_BYTES (1 << 20)
/* A registry that sends a byte at a time forever must not hold a pull:
   under 1 KiB/s for STALL_SECS (or $CRUNLOCAL_STALL_TIMEOUT) is a failure. */
#define STALL_BYTES_PER_SEC 1024L
#define STALL_SECS 30L

struct registry
{
  char *domain; /* as in the reference */
  char *host;   /* what we connect to (docker.io → registry-1.docker.io) */
  char *repo;   /* path */
  char *base;   /* "https://host" or "http://host" */
  char *cafile; /* from the cert dir, or NULL */
  bool tls_verify;
  bool tls_untrusted; /* the last failure was certificate verification */
  struct creds creds;
  bool have_creds;
  pthread_mutex_t lock;  /* guards auth, which a 401 may refresh */
  char *auth_header;     /* "Authorization: …" or NULL */
  char *realm, *service; /* the Bearer challenge, for refreshes */
  long stall_secs;       /* under STALL_BYTES_PER_SEC this long: a failure */
};

struct response
{
  long status;
  char *content_type, *docker_digest, *www_auth, *location;
  char *body; /* error bodies and buffered GETs */
  size_t len, max;
  blob_sink sink; /* streaming 2xx bodies */
  void *sink_arg;
  long long received; /* bytes handed to the sink */
  bool resuming;      /* a Range request: only a 206 may continue */
  bool sink_failed, no_resume;
  bool too_large; /* a buffered body went past max */
  CURL *curl;
};

static void
response_clear (struct response *r)
{
  free (r->content_type);
  free (r->docker_digest);
  free (r->www_auth);
  free (r->location);
  free (r->body);
  r->content_type = r->docker_digest = r->www_auth = r->location = r->body = NULL;
  r->len = 0;
  r->status = 0;
  r->too_large = false;
}

static char *
header_value (const char *line, size_t n, const char *name)
{
  size_t nl = strlen (name);
  const char *v;
  size_t vl;

  if (n <= nl || strncasecmp (line, name, nl) != 0 || line[nl] != ':')
    return NULL;
  v = line + nl + 1;
  vl = n - nl - 1;
  while (vl > 0 && (*v == ' ' || *v == '\t'))
    v++, vl--;
  while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
    vl--;
  return xstrndup (v, vl);
}

static size_t
on_header (char *line, size_t size, size_t n, void *arg)
{
  struct response *r = arg;
  size_t len = size * n;
  char *v;

  /* A new status line (after a 100 or an auth round) resets what we saw. */
  if (len > 5 && strncmp (line, "HTTP/", 5) == 0)
    response_clear (r);
  else if ((v = header_value (line, len, "Content-Type")))
    free (r->content_type), r->content_type = v;
  else if ((v = header_value (line, len, "Docker-Content-Digest")))
    free (r->docker_digest), r->docker_digest = v;
  else if ((v = header_value (line, len, "WWW-Authenticate")))
    free (r->www_auth), r->www_auth = v;
  else if ((v = header_value (line, len, "Location")))
    free (r->location), r->location = v;
  return len;
}

static size_t
on_body (char *buf, size_t size, size_t n, void *arg)
{
  struct response *r = arg;
  size_t len = size * n;

  if (r->status == 0)
    curl_easy_getinfo (r->curl, CURLINFO_RESPONSE_CODE, &r->status);
  if (r->sink && r->resuming && r->status == 200)
    {
      r->no_resume = true;
      return 0;
    }
  if (r->sink && (r->status == 200 || r->status == 206))
    {
      if (r->sink (buf, len, r->sink_arg) < 0)
        {
          r->sink_failed = true;
          return 0;
        }
      r->received += (long long)len;
      return len;
    }
  if (r->len + len > r->max)
    {
      r->too_large = true;
      return 0; /* curl fails with CURLE_WRITE_ERROR */
    }
  r->body = xrealloc (r->body, r->len + len + 1);
  memcpy (r->body + r->len, buf, len);
  r->len += len;
  r->body[r->len] = '\0';
  return len;
}

static int
on_progress (void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
  return cl_interrupted ? 1 : 0;
}

static const char *
host_of_url (const char *url, char *buf, size_t len)
{
  const char *p = strstr (url, "://");
  size_t n;

  p = p ? p + 3 : url;
  n = strcspn (p, "/?#");
  snprintf (buf, len, "%.*s", (int)n, p);
  return buf;
}

struct request
{
  const char *url;
  const char *accept;
  bool send_auth;
  long long range_from;
  bool head;
};

static CURL *
make_handle (struct registry *reg, const struct request *q, struct response *resp,
             struct curl_slist **headers)
{
  CURL *c = curl_easy_init ();
  char range[64];

  if (!c)
    abort ();
  resp->curl = c;
  curl_easy_setopt (c, CURLOPT_URL, q->url);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, resp);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, resp);
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES_PER_SEC);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, reg->stall_secs);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "crunlocal/" CL_VERSION);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (q->head)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  if (!reg->tls_verify)
    {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  tls_set_trust (c, reg->cafile);
  if (q->accept)
    {
      char *h = xasprintf ("Accept: %s", q->accept);
      *headers = curl_slist_append (*headers, h);
      free (h);
    }
  if (q->send_auth && reg->auth_header)
    *headers = curl_slist_append (*headers, reg->auth_header);
  if (q->range_from > 0)
    {
      snprintf (range, sizeof range, "%lld-", q->range_from);
      curl_easy_setopt (c, CURLOPT_RANGE, range);
    }
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, *headers);
  return c;
}

/* One HTTP exchange, no redirects followed.  Returns the curl code. */
static CURLcode
http_once (struct registry *reg, const struct request *q, struct response *resp)
{
  struct curl_slist *headers = NULL;
  CURL *c;
  CURLcode rc;

  pthread_mutex_lock (&reg->lock);
  c = make_handle (reg, q, resp, &headers);
  pthread_mutex_unlock (&reg->lock);
  rc = curl_easy_perform (c);
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &resp->status);
  if (rc == CURLE_OK && !resp->location && resp->status >= 300 && resp->status < 400)
    {
      char *loc = NULL;
      curl_easy_getinfo (c, CURLINFO_REDIRECT_URL, &loc);
      if (loc)
        resp->location = xstrdup (loc);
    }
  curl_easy_cleanup (c);
  curl_slist_free_all (headers);
  return rc;
}

static bool
transient_curl (CURLcode rc)
{
  return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE
         || rc == CURLE_GOT_NOTHING || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_HTTP2_STREAM;
}

static bool
transient_status (long s)
{
  return s == 429 || s == 502 || s == 503 || s == 504 || s == 500;
}

static void
backoff (int attempt)
{
  struct timespec ts = { 0, 200000000L << (attempt < 4 ? attempt : 4) };
  while (ts.tv_nsec >= 1000000000L)
    ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  if (!cl_interrupted)
    nanosleep (&ts, NULL);
}

/* The registry's own error text ({"errors":[{"code","message"}]}). */
static void
describe_status (const struct response *resp, char *buf, size_t len)
{
  cleanup_json yajl_val root = NULL;
  struct cl_error ignored;
  yajl_val errors, first;
  const char *code, *msg;

  snprintf (buf, len, "HTTP %ld", resp->status);
  if (!resp->body || json_parse (resp->body, &root, &ignored) < 0)
    return;
  errors = json_get_arr (root, "errors");
  if (!errors || errors->u.array.len == 0)
    return;
  first = errors->u.array.values[0];
  code = json_get_str (first, "code");
  msg = json_get_str (first, "message");
  snprintf (buf, len, "%s%s%s (HTTP %ld)", msg ? msg : "", msg && code ? ", " : "",
            code ? code : "", resp->status);
}

static int curl_failure (struct registry *reg, CURLcode rc, const char *url, struct cl_error *err);
static int refresh_auth (struct registry *reg, const char *challenge, struct cl_error *err);

/* A request with redirects, retries, re-auth on 401 and Range resume.
   The final response (any status) is left in resp for the caller. */
static int
http_request (struct registry *reg, struct request q, struct response *resp, struct cl_error *err)
{
  char host[512], reghost[512];
  cleanup_free char *url = xstrdup (q.url);
  int redirects = 0, attempt = 0;
  bool reauthed = false;

  host_of_url (reg->base, reghost, sizeof reghost);
  for (;;)
    {
      CURLcode rc;

      q.url = url;
      /* Credentials go to the registry's host only, never a redirect's. */
      q.send_auth = strcmp (host_of_url (url, host, sizeof host), reghost) == 0;
      q.range_from = resp->sink ? resp->received : 0;
      resp->resuming = q.range_from > 0;
      response_clear (resp);
      rc = http_once (reg, &q, resp);
      if (cl_interrupted)
        return cl_fail (err, EINTR, "interrupted");
      if (resp->sink_failed)
        return -1;
      if (resp->no_resume)
        return cl_fail (err, 0, "%s: the transfer broke and the server cannot resume it", q.url);
      if (resp->too_large)
        return cl_fail (err, 0, "%s: the response is larger than %zu bytes (the limit)", q.url,
                        resp->max);
      /* A stall is retried only where Range can make progress (blobs). */
      if (rc == CURLE_OPERATION_TIMEDOUT && !resp->sink)
        return cl_fail (err, 0, "%s: the registry stalled (under %ld bytes/s for %ld s)", q.url,
                        STALL_BYTES_PER_SEC, reg->stall_secs);
      if (rc == CURLE_OK && resp->status >= 300 && resp->status < 400 && resp->location)
        {
          if (++redirects > MAX_REDIRECTS)
            return cl_fail (err, 0, "%s: too many redirects", q.url);
          free (url);
          url = steal_pointer (&resp->location);
          continue;
        }
      if (rc == CURLE_OK && resp->status == 401 && q.send_auth && !reauthed && resp->www_auth)
        {
          reauthed = true;
          if (refresh_auth (reg, resp->www_auth, err) < 0)
            return -1;
          continue;
        }
      if ((transient_curl (rc) || (rc == CURLE_OK && transient_status (resp->status)))
          && ++attempt < MAX_ATTEMPTS)
        {
          backoff (attempt);
          continue;
        }
      if (rc != CURLE_OK)
        return curl_failure (reg, rc, url, err);
      return 0;
    }
}

static int
curl_failure (struct registry *reg, CURLcode rc, const char *url, struct cl_error *err)
{
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
    return cl_fail (err, 0, "cannot reach registry %s: %s", reg->domain, curl_easy_strerror (rc));
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
    reg->tls_untrusted = true;
  if (reg->tls_untrusted)
    return cl_fail (err, 0,
                    "%s: TLS certificate not trusted (%s); use --cert-dir or --tls-verify=false",
                    reg->domain, curl_easy_strerror (rc));
  return cl_fail (err, 0, "%s: %s", url, curl_easy_strerror (rc));
}

/* auth-param := key=value | key="quoted" ; comma separated. */
char *
registry_challenge_param (const char *ch, const char *key)
{
  size_t kl = strlen (key);
  const char *p = ch;

  while ((p = strcasestr (p, key)))
    {
      bool start = p == ch || p[-1] == ' ' || p[-1] == ',';
      if (start && p[kl] == '=')
        {
          const char *v = p + kl + 1;
          if (*v == '"')
            {
              const char *end = strchr (v + 1, '"');
              return end ? xstrndup (v + 1, (size_t)(end - v - 1)) : NULL;
            }
          return xstrndup (v, strcspn (v, ", "));
        }
      p += kl;
    }
  return NULL;
}

static char *
url_escape (const char *s)
{
  char *e = curl_easy_escape (NULL, s, 0);
  char *r = xstrdup (e);
  curl_free (e);
  return r;
}

static int
fetch_token (struct registry *reg, const char *realm, const char *service, const char *scope,
             char **token, struct cl_error *err)
{
  cleanup_free char *esc_service = service ? url_escape (service) : NULL;
  cleanup_free char *esc_scope = scope ? url_escape (scope) : NULL;
  cleanup_free char *url = xasprintf ("%s%sservice=%s%s%s", realm, strchr (realm, '?') ? "&" : "?",
                                      esc_service ? esc_service : "", esc_scope ? "&scope=" : "",
                                      esc_scope ? esc_scope : "");
  struct response resp = { .max = TOKEN_MAX_BYTES };
  cleanup_json yajl_val root = NULL;
  char why[512];
  const char *t;
  CURL *c;
  CURLcode rc;

  c = curl_easy_init ();
  resp.curl = c;
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!reg->tls_verify)
    {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  tls_set_trust (c, reg->cafile);
  if (reg->have_creds)
    {
      curl_easy_setopt (c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt (c, CURLOPT_USERNAME, reg->creds.user);
      curl_easy_setopt (c, CURLOPT_PASSWORD, reg->creds.pass);
    }
  rc = curl_easy_perform (c);
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_easy_cleanup (c);
  if (rc != CURLE_OK)
    {
      response_clear (&resp);
      return cl_fail (err, 0, "token from %s: %s", realm, curl_easy_strerror (rc));
    }
  if (resp.status != 200)
    {
      long status = resp.status;
      describe_status (&resp, why, sizeof why);
      response_clear (&resp);
      if (status == 401 || status == 403)
        return cl_fail (err, EACCES, "authentication to %s failed (%s)", reg->domain, why);
      return cl_fail (err, 0, "token from %s: %s", realm, why);
    }
  if (json_parse (resp.body ? resp.body : "", &root, err) < 0)
    {
      response_clear (&resp);
      return cl_wrap (err, "token from %s", realm);
    }
  response_clear (&resp);
  t = json_get_str (root, "token");
  if (!t || !*t)
    t = json_get_str (root, "access_token");
  if (!t || !*t)
    return cl_fail (err, 0, "token from %s: no token in the answer", realm);
  *token = xstrdup (t);
  return 0;
}

static void
set_auth_header (struct registry *reg, char *header)
{
  pthread_mutex_lock (&reg->lock);
  free (reg->auth_header);
  reg->auth_header = header;
  pthread_mutex_unlock (&reg->lock);
}

/* Answer a WWW-Authenticate challenge: Bearer gets a token for pulling
   this repository; Basic sends the credentials. */
static int
refresh_auth (struct registry *reg, const char *challenge, struct cl_error *err)
{
  if (strncasecmp (challenge, "Bearer", 6) == 0)
    {
      cleanup_free char *realm = registry_challenge_param (challenge, "realm");
      cleanup_free char *service = registry_challenge_param (challenge, "service");
      /* No repository (login): a token that only proves who we are. */
      cleanup_free char *scope = *reg->repo ? xasprintf ("repository:%s:pull", reg->repo) : NULL;
      cleanup_free char *token = NULL;
      if (!realm)
        return cl_fail (err, 0, "%s: Bearer challenge without a realm", reg->domain);
      if (!str_has_prefix (realm, "https://") && !str_has_prefix (realm, "http://"))
        return cl_fail (err, 0, "%s: token realm \"%s\" is not an http(s) URL", reg->domain, realm);
      if (fetch_token (reg, realm, service, scope, &token, err) < 0)
        return -1;
      set_auth_header (reg, xasprintf ("Authorization: Bearer %s", token));
      return 0;
    }
  if (strncasecmp (challenge, "Basic", 5) == 0)
    {
      cleanup_free char *pair = NULL;
      cleanup_free char *enc = NULL;
      if (!reg->have_creds)
        return cl_fail (err, EACCES, "%s requires authentication: use --creds or an auth file",
                        reg->domain);
      pair = xasprintf ("%s:%s", reg->creds.user, reg->creds.pass);
      enc = base64_encode (pair, strlen (pair));
      explicit_bzero (pair, strlen (pair));
      set_auth_header (reg, xasprintf ("Authorization: Basic %s", enc));
      return 0;
    }
  return cl_fail (err, 0, "%s: unsupported authentication scheme \"%.20s\"", reg->domain,
                  challenge);
}

static bool
is_local_host (const char *domain)
{
  return str_has_prefix (domain, "localhost") || str_has_prefix (domain, "127.")
         || str_has_prefix (domain, "[::1]");
}

static char *
find_cafile (const char *cert_dir, const char *domain)
{
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");
  cleanup_free char *user_dir = xdg && *xdg ? xasprintf ("%s/containers/certs.d", xdg)
                                : home      ? xasprintf ("%s/.config/containers/certs.d", home)
                                            : NULL;
  const char *dirs[] = { user_dir, "/etc/containers/certs.d", "/etc/docker/certs.d" };
  struct stat st;

  if (cert_dir)
    {
      char *f = xasprintf ("%s/ca.crt", cert_dir);
      if (stat (f, &st) == 0)
        return f;
      free (f);
      return NULL;
    }
  for (size_t i = 0; i < 3; i++)
    {
      char *f;
      if (!dirs[i])
        continue;
      f = xasprintf ("%s/%s/ca.crt", dirs[i], domain);
      if (stat (f, &st) == 0)
        return f;
      free (f);
    }
  return NULL;
}

/* GET /v2/ to learn the scheme and the auth challenge.  Plain HTTP only
   for a local registry or with --tls-verify=false. */
static int
ping (struct registry *reg, struct cl_error *err)
{
  bool may_http = !reg->tls_verify || is_local_host (reg->host);
  struct response resp = { .max = ERROR_BODY_MAX };
  cleanup_free char *url = NULL;
  char why[512];
  int ret;

  for (int pass = 0; pass < 2; pass++)
    {
      free (reg->base);
      reg->base = xasprintf ("%s://%s", pass == 0 ? "https" : "http", reg->host);
      free (url);
      url = xasprintf ("%s/v2/", reg->base);
      ret = http_request (reg, (struct request){ .url = url }, &resp, err);
      /* Fall back to HTTP only when the server does not speak TLS at all:
         a certificate we do not trust must stay an error. */
      if (ret == 0 || !may_http || pass == 1 || cl_interrupted || reg->tls_untrusted
          || strstr (err->msg, "cannot reach"))
        break;
    }
  if (ret < 0)
    {
      response_clear (&resp);
      return -1;
    }
  if (resp.status == 401 && resp.www_auth)
    ret = refresh_auth (reg, resp.www_auth, err);
  else if (resp.status != 200)
    {
      describe_status (&resp, why, sizeof why);
      ret = cl_fail (err, 0, "%s is not a registry: %s", reg->domain, why);
    }
  response_clear (&resp);
  return ret;
}

static long
stall_timeout (void)
{
  const char *env = getenv ("CRUNLOCAL_STALL_TIMEOUT");
  char *end;
  long v = env ? strtol (env, &end, 10) : 0;

  return env && *env && *end == '\0' && v > 0 ? v : STALL_SECS;
}

int
registry_open (const struct image_ref *ref, const struct registry_opts *opts, struct registry **out,
               struct cl_error *err)
{
  struct registry *reg = xcalloc (1, sizeof *reg);
  int r;

  /* Only commands that talk to a registry pay for libcurl's set-up (its
     TLS library's); counted, undone by registry_close. */
  curl_global_init (CURL_GLOBAL_DEFAULT);
  pthread_mutex_init (&reg->lock, NULL);
  reg->domain = xstrdup (ref->domain);
  reg->host
      = xstrdup (strcmp (ref->domain, "docker.io") == 0 ? "registry-1.docker.io" : ref->domain);
  reg->repo = xstrdup (ref->path);
  reg->tls_verify = opts->tls_verify;
  reg->stall_secs = stall_timeout ();
  reg->cafile = find_cafile (opts->cert_dir, ref->domain);
  r = opts->creds ? creds_parse (opts->creds, &reg->creds, err)
                  : creds_lookup (ref->domain, ref->path, &reg->creds, err);
  reg->have_creds = r == 0;
  if (r < 0 || ping (reg, err) < 0)
    {
      registry_close (reg);
      return -1;
    }
  *out = reg;
  return 0;
}

void
registry_close (struct registry *r)
{
  if (!r)
    return;
  free (r->domain);
  free (r->host);
  free (r->repo);
  free (r->base);
  free (r->cafile);
  free (r->auth_header);
  free (r->realm);
  free (r->service);
  creds_clear (&r->creds);
  pthread_mutex_destroy (&r->lock);
  free (r);
  curl_global_cleanup ();
}

void
cleanup_registryp (struct registry **r)
{
  registry_close (*r);
}

static int
status_error (struct registry *reg, const struct response *resp, const char *what,
              struct cl_error *err)
{
  char why[512];

  /* The registry's reason says it all: no errno text after it. */
  describe_status (resp, why, sizeof why);
  if (resp->status == 404)
    return cl_fail (err, 0, "%s/%s: %s not found: %s", reg->domain, reg->repo, what, why);
  if (resp->status == 401 || resp->status == 403)
    return cl_fail (err, 0, "%s/%s: access to %s denied: %s", reg->domain, reg->repo, what, why);
  return cl_fail (err, 0, "%s/%s: %s: %s", reg->domain, reg->repo, what, why);
}

int
registry_get_manifest (struct registry *r, const char *reference, char **body, size_t *len,
                       char **media_type, struct cl_error *err)
{
  cleanup_free char *url = xasprintf ("%s/v2/%s/manifests/%s", r->base, r->repo, reference);
  struct response resp = { .max = MANIFEST_MAX_BYTES };
  struct request q
      = { .url = url,
          .accept = MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST };
  int ret = http_request (r, q, &resp, err);

  if (ret == 0 && resp.status != 200)
    ret = status_error (r, &resp, reference, err);
  if (ret == 0)
    {
      *body = resp.body ? steal_pointer (&resp.body) : xstrdup ("");
      *len = resp.len;
      *media_type = xstrdup (resp.content_type);
    }
  response_clear (&resp);
  return ret;
}

int
registry_get_blob (struct registry *r, const char *digest, blob_sink sink, void *arg,
                   struct cl_error *err)
{
  cleanup_free char *url = xasprintf ("%s/v2/%s/blobs/%s", r->base, r->repo, digest);
  struct response resp = { .max = ERROR_BODY_MAX, .sink = sink, .sink_arg = arg };
  int ret = http_request (r, (struct request){ .url = url }, &resp, err);

  if (ret == 0 && resp.status != 200 && resp.status != 206)
    ret = status_error (r, &resp, digest, err);
  response_clear (&resp);
  return ret;
}

int
registry_login (const char *domain, const struct registry_opts *opts, struct cl_error *err)
{
  struct image_ref ref = { .domain = (char *)domain, .path = (char *)"" };
  cleanup_registry struct registry *reg = NULL;
  struct response resp = { .max = ERROR_BODY_MAX };
  cleanup_free char *url = NULL;
  long status;
  char why[512];

  if (registry_open (&ref, opts, &reg, err) < 0)
    return -1;
  if (!reg->have_creds || !reg->auth_header)
    return cl_fail (err, 0, "%s does not ask for credentials: nothing to check them with", domain);
  url = xasprintf ("%s/v2/", reg->base);
  if (http_request (reg, (struct request){ .url = url }, &resp, err) < 0)
    {
      response_clear (&resp);
      return -1;
    }
  status = resp.status;
  describe_status (&resp, why, sizeof why);
  response_clear (&resp);
  if (status == 401 || status == 403)
    return cl_fail (err, EACCES, "authentication to %s failed: invalid username/password", domain);
  if (status != 200)
    return cl_fail (err, 0, "%s: %s", domain, why);
  return 0;
}
