#include <stdlib.h>

#include "../../digest.h"
#include "../../ref.h"
#include "../../util.h"
#include "tests.h"
#include "unit.h"

#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

struct ref_case
{
  const char *in, *domain, *path, *tag, *digest;
};

/* Drawn from distribution/reference's normalize_test.go and
   reference_test.go, with the expected Docker normalisation. */
static const struct ref_case valid_cases[] = {
  { "test_com", "docker.io", "library/test_com", "latest", NULL },
  { "test.com:tag", "docker.io", "library/test.com", "tag", NULL },
  { "test.com:5000", "docker.io", "library/test.com", "5000", NULL },
  { "test.com/repo:tag", "test.com", "repo", "tag", NULL },
  { "test:5000/repo", "test:5000", "repo", "latest", NULL },
  { "test:5000/repo:tag", "test:5000", "repo", "tag", NULL },
  { "test:5000/repo@sha256:" F64, "test:5000", "repo", NULL, "sha256:" F64 },
  { "test:5000/repo:tag@sha256:" F64, "test:5000", "repo", "tag", "sha256:" F64 },
  { "lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", NULL },
  { "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "latest", NULL },
  { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
    "some-long-tag", NULL },
  { "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
    "test.example.com", NULL },
  { "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", NULL },
  { "foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL },
  { "foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", NULL },
  { "192.168.1.1", "docker.io", "library/192.168.1.1", "latest", NULL },
  { "192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", NULL },
  { "192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", NULL },
  { "192.168.1.1/repo", "192.168.1.1", "repo", "latest", NULL },
  { "192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", "latest", NULL },
  { "192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", NULL },
  { "[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", NULL },
  { "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "latest", NULL },
  { "[2001:db8:1:2:3:4:5:6]/repo:atag", "[2001:db8:1:2:3:4:5:6]", "repo", "atag", NULL },
  { "localhost/repo", "localhost", "repo", "latest", NULL },
  { "localhost:5000/repo", "localhost:5000", "repo", "latest", NULL },
  { "Foo.com/repo", "Foo.com", "repo", "latest", NULL },
  { "a/a-b", "docker.io", "a/a-b", "latest", NULL },
  { "a/a--b", "docker.io", "a/a--b", "latest", NULL },
  { "foo__bar", "docker.io", "library/foo__bar", "latest", NULL },
  { "foo.bar/a.b_c-d", "foo.bar", "a.b_c-d", "latest", NULL },
  { "docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL },
  { "index.docker.io/alpine", "docker.io", "library/alpine", "latest", NULL },
  { "docker://alpine:3", "docker.io", "library/alpine", "3", NULL },
  { "127.0.0.1:5000/a/b/c:t_1.0-x", "127.0.0.1:5000", "a/b/c", "t_1.0-x", NULL },
};

static const char *invalid_cases[] = {
  "",
  ":justtag",
  "@sha256:" F64,
  "repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "validname@invaliddigest:" F64,
  "validname@sha512:" F64,
  "Uppercase:tag",
  "test:5000/Uppercase/lowercase:tag",
  "aa/asdf$$^/aa",
  "sub-dom1.foo.com/bar/baz/quux:",
  "repo:tag:tag",
  "-foo/bar",
  "foo/-bar",
  "foo/bar-",
  "foo___bar",
  "foo..bar",
  "foo/",
  "/foo",
  "foo//bar",
  "-host.com/repo",
  "host-.com/repo",
  "host..com/repo",
  "host.com:/repo",
  "host.com:50a/repo",
  "[fe80::1%eth0]:5000/repo",
  "[]/repo",
  "repo:-tag",
  "repo:.tag",
  F64,
  "repo:"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "a/"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "repo@",
  "white space",
  "ümlaut",
};

void
test_ref_valid (void)
{
  for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++)
    {
      const struct ref_case *c = &valid_cases[i];
      struct cl_error err = { 0 };
      cleanup_ref struct image_ref r = { 0 };
      int ret = ref_parse (c->in, &r, &err);

      if (ret < 0)
        fprintf (stderr, "  %s: %s\n", c->in, err.msg);
      CHECK (ret == 0);
      if (ret < 0)
        continue;
      CHECK (r.transport == REF_REGISTRY);
      CHECK_STR (r.domain, c->domain);
      CHECK_STR (r.path, c->path);
      if (c->tag)
        CHECK_STR (r.tag, c->tag);
      else
        CHECK (r.tag == NULL);
      if (c->digest)
        CHECK_STR (r.digest, c->digest);
      else
        CHECK (r.digest == NULL);
    }
}

void
test_ref_invalid (void)
{
  for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++)
    {
      struct cl_error err = { 0 };
      cleanup_ref struct image_ref r = { 0 };
      int ret = ref_parse (invalid_cases[i], &r, &err);

      if (ret == 0)
        fprintf (stderr, "  accepted invalid \"%s\" as %s\n", invalid_cases[i], r.name);
      CHECK (ret < 0);
      CHECK (err.msg[0] != '\0');
      CHECK (r.name == NULL);
    }
}

void
test_ref_normalise (void)
{
  struct cl_error err = { 0 };
  cleanup_ref struct image_ref a = { 0 };
  cleanup_ref struct image_ref b = { 0 };
  cleanup_free char *repo = NULL;

  CHECK (ref_parse ("alpine", &a, &err) == 0);
  CHECK_STR (a.name, "docker.io/library/alpine:latest");
  repo = ref_repo (&a);
  CHECK_STR (repo, "docker.io/library/alpine");
  CHECK (ref_parse ("127.0.0.1:5000/busybox@sha256:" F64, &b, &err) == 0);
  CHECK_STR (b.name, "127.0.0.1:5000/busybox@sha256:" F64);
  ref_clear (&b);
  CHECK (ref_parse ("Uppercase", &b, &err) < 0);
  CHECK (strstr (err.msg, "must be lowercase") != NULL);
  CHECK (strstr (err.msg, "Uppercase") != NULL);
}

void
test_ref_transports (void)
{
  struct cl_error err = { 0 };
  cleanup_ref struct image_ref r = { 0 };

  CHECK (ref_parse ("oci:/tmp/layout:v1", &r, &err) == 0);
  CHECK (r.transport == REF_OCI_DIR);
  CHECK_STR (r.file, "/tmp/layout");
  CHECK_STR (r.tag, "v1");
  ref_clear (&r);
  CHECK (ref_parse ("oci:/tmp/layout", &r, &err) == 0);
  CHECK (r.tag == NULL);
  ref_clear (&r);
  CHECK (ref_parse ("oci-archive:img.tar", &r, &err) == 0);
  CHECK (r.transport == REF_OCI_ARCHIVE);
  CHECK_STR (r.file, "img.tar");
  ref_clear (&r);
  CHECK (ref_parse ("docker-archive:/x/save.tar", &r, &err) == 0);
  CHECK (r.transport == REF_DOCKER_ARCHIVE);
  CHECK_STR (r.file, "/x/save.tar");
  ref_clear (&r);
  CHECK (ref_parse ("oci:", &r, &err) < 0);
  CHECK (ref_parse ("oci:/dir:", &r, &err) < 0);
}

void
test_digest (void)
{
  char out[DIGEST_STR_LEN + 1];
  struct cl_error err = { 0 };

  sha256_digest ("abc", 3, out);
  CHECK_STR (out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK (digest_validate (out, &err) == 0);
  CHECK (digest_validate ("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                          &err)
         < 0);
  CHECK (digest_validate ("md5:abc", &err) < 0);
  CHECK (digest_validate ("sha256:abc", &err) < 0);
  CHECK (digest_validate ("nocolon", &err) < 0);
}
