#include "pull.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"
#include "image.h"
#include "ref.h"
#include "source.h"
#include "treehash.h"
#include "unpack.h"
#include "userns.h"
#include "util.h"

struct pull_ctx
{
  struct store *s;
  struct source *src;
  struct progress *prog;
  struct unpack_opts uo;
  const struct manifest *m;
  const struct image_config *cfg;
  pthread_mutex_t lock;
  size_t next; /* the next layer a worker takes */
  bool failed;
  struct cl_error err; /* the first failure */
};

struct download
{
  struct pull_ctx *ctx;
  size_t index;
  int wfd;
  int blobfd; /* the blob kept for save, written as it passes */
  long long received, limit;
  int ret;
  struct cl_error err;
};

static void
notice (const char *msg, void *arg)
{
  progress_say (arg, "Notice: %s", msg);
}

static int
pipe_sink (const void *buf, size_t len, void *arg)
{
  struct download *d = arg;

  d->received += (long long)len;
  if (d->received > d->limit)
    return cl_fail (&d->err, 0, "larger than the %lld bytes its descriptor says", d->limit);
  progress_add (d->ctx->prog, d->index, (long long)len);
  if (write_all (d->blobfd, buf, len, &d->err) < 0)
    return cl_wrap (&d->err, "keep the layer blob");
  return write_all (d->wfd, buf, len, &d->err);
}

static void *
download_main (void *arg)
{
  struct download *d = arg;
  const struct descriptor *l = &d->ctx->m->layers[d->index];

  d->ret = source_get_blob (d->ctx->src, l->digest, pipe_sink, d, &d->err);
  close (d->wfd);
  return NULL;
}

/* Which of the failures that may happen together explains the others. */
static int
layer_verdict (const struct descriptor *l, const char *diff_id, struct download *d, int unpack_ret,
               const struct unpack_result *res, struct cl_error *uerr, struct cl_error *err)
{
  if (cl_interrupted)
    return cl_fail (err, EINTR, "interrupted");
  if (d->ret < 0)
    {
      *err = d->err;
      return cl_wrap (err, "fetch layer %s", l->digest);
    }
  if (strcmp (res->digest, l->digest) != 0)
    return cl_fail (err, 0, "layer %s: digest mismatch: the content has digest %s", l->digest,
                    res->digest);
  if (res->size != l->size)
    return cl_fail (err, 0, "layer %s: size mismatch: %lld bytes, the manifest says %lld",
                    l->digest, res->size, l->size);
  if (unpack_ret < 0)
    {
      *err = *uerr;
      return cl_wrap (err, "layer %s", l->digest);
    }
  if (strcmp (res->diff_id, diff_id) != 0)
    return cl_fail (err, 0,
                    "layer %s: uncompressed content has digest %s, the image config says %s",
                    l->digest, res->diff_id, diff_id);
  return 0;
}

static int
unpack_streamed (struct pull_ctx *ctx, size_t i, struct staging *st, struct cl_error *err)
{
  const struct descriptor *l = &ctx->m->layers[i];
  const char *diff_id = ctx->cfg->diff_ids[i];
  struct download d = { .ctx = ctx, .index = i, .limit = l->size };
  struct unpack_result res;
  char tree[DIGEST_STR_LEN + 1];
  struct cl_error uerr = { 0 };
  cleanup_close int diffd = -1;
  cleanup_close int blobfd = -1;
  int fds[2], uret;
  pthread_t t;

  if (mkdirat (st->dirfd, "diff", 0755) < 0
      || (diffd = openat (st->dirfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return cl_fail (err, errno, "staging for layer %s", l->digest);
  blobfd = store_layer_blob_create (st, err);
  if (blobfd < 0)
    return -1;
  d.blobfd = blobfd;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return cl_fail (err, errno, "pipe");
  d.wfd = fds[1];
  if (pthread_create (&t, NULL, download_main, &d) != 0)
    {
      close (fds[0]);
      close (fds[1]);
      return cl_fail (err, EAGAIN, "start download thread");
    }
  uret = unpack_layer (fds[0], diffd, &ctx->uo, &res, &uerr);
  close (fds[0]); /* a writer still blocked gets EPIPE */
  pthread_join (t, NULL);
  if (layer_verdict (l, diff_id, &d, uret, &res, &uerr, err) < 0
      || tree_digest (diffd, tree, err) < 0)
    return -1;
  {
    struct layer_info info = { .diff_id = (char *)diff_id,
                               .digest = l->digest,
                               .size = res.diff_size,
                               .entries = res.entries,
                               .tree_digest = tree,
                               .oci_whiteouts = res.oci_whiteouts };
    return store_layer_commit (ctx->s, st, &info, err);
  }
}

/* One layer, under its own lock so that concurrent pulls of the same image
   download it once: the second finds it committed. */
static int
fetch_layer (struct pull_ctx *ctx, size_t i, struct cl_error *err)
{
  const char *diff_id = ctx->cfg->diff_ids[i];
  cleanup_free char *lockname = xasprintf ("layer-%s", digest_hex (diff_id));
  cleanup_close int lockfd = -1;
  struct staging st;
  int ret;

  if (store_has_layer (ctx->s, diff_id))
    {
      progress_done (ctx->prog, i, "skipped: already exists");
      return 0;
    }
  lockfd = store_lock (ctx->s, lockname, true, err);
  if (lockfd < 0)
    return -1;
  if (store_has_layer (ctx->s, diff_id))
    {
      progress_done (ctx->prog, i, "skipped: already exists");
      return 0;
    }
  if (store_staging_new (ctx->s, &st, err) < 0)
    return -1;
  ret = unpack_streamed (ctx, i, &st, err);
  store_staging_discard (ctx->s, &st);
  progress_done (ctx->prog, i, ret == 0 ? "done" : "failed");
  return ret;
}

static void *
worker_main (void *arg)
{
  struct pull_ctx *ctx = arg;

  for (;;)
    {
      struct cl_error err = { 0 };
      size_t i;
      pthread_mutex_lock (&ctx->lock);
      i = ctx->next++;
      if (ctx->failed || i >= ctx->m->n_layers)
        {
          pthread_mutex_unlock (&ctx->lock);
          return NULL;
        }
      pthread_mutex_unlock (&ctx->lock);
      if (fetch_layer (ctx, i, &err) < 0)
        {
          pthread_mutex_lock (&ctx->lock);
          if (!ctx->failed)
            ctx->err = err;
          ctx->failed = true;
          pthread_mutex_unlock (&ctx->lock);
        }
    }
}

static int
fetch_layers (struct pull_ctx *ctx, struct cl_error *err)
{
  size_t n = ctx->m->n_layers < PULL_MAX_PARALLEL ? ctx->m->n_layers : PULL_MAX_PARALLEL;
  pthread_t threads[PULL_MAX_PARALLEL];
  size_t started = 0;

  for (size_t i = 0; i < ctx->m->n_layers; i++)
    {
      char label[64];
      snprintf (label, sizeof label, "blob %.12s", digest_hex (ctx->m->layers[i].digest));
      progress_item (ctx->prog, i, label, ctx->m->layers[i].size);
    }
  progress_start (ctx->prog);
  for (; started < n; started++)
    if (pthread_create (&threads[started], NULL, worker_main, ctx) != 0)
      break;
  if (started == 0)
    worker_main (ctx);
  for (size_t i = 0; i < started; i++)
    pthread_join (threads[i], NULL);
  progress_stop (ctx->prog);
  if (ctx->failed)
    {
      *err = ctx->err;
      return -1;
    }
  return 0;
}

struct membuf
{
  char *buf;
  size_t len, max;
  struct cl_error *err;
};

static int
mem_sink (const void *buf, size_t len, void *arg)
{
  struct membuf *m = arg;

  if (m->len + len > m->max)
    return cl_fail (m->err, 0, "larger than the %zu bytes its descriptor says", m->max);
  m->buf = xrealloc (m->buf, m->len + len + 1);
  memcpy (m->buf + m->len, buf, len);
  m->len += len;
  m->buf[m->len] = '\0';
  return 0;
}

static int
fetch_config (struct store *s, struct source *src, const struct descriptor *d, char **out,
              struct cl_error *err)
{
  struct membuf m = { .max = CONFIG_MAX_BYTES, .err = err };

  if (d->size > CONFIG_MAX_BYTES)
    return cl_fail (err, 0, "config %s: %lld bytes, at most %d", d->digest, d->size,
                    CONFIG_MAX_BYTES);
  if (d->size > 0)
    m.max = (size_t)d->size;
  if (store_has_blob (s, d->digest))
    return store_read_blob (s, d->digest, CONFIG_MAX_BYTES, out, NULL, err);
  if (source_get_blob (src, d->digest, mem_sink, &m, err) < 0
      || store_put_blob (s, d->digest, m.buf ? m.buf : "", m.len, err) < 0)
    {
      free (m.buf);
      return cl_wrap (err, "config %s", d->digest);
    }
  *out = m.buf ? m.buf : xstrdup ("");
  return 0;
}

static int
check_digest (const char *body, size_t len, const char *want, char got[DIGEST_STR_LEN + 1],
              struct cl_error *err)
{
  sha256_digest (body, len, got);
  if (want && strcmp (got, want) != 0)
    return cl_fail (err, 0, "manifest digest mismatch: wanted %s, the content has %s", want, got);
  return 0;
}

/* The image manifest for our platform, following an index if need be. */
static int
resolve_manifest (struct source *src, const struct image_ref *ref, const struct platform *want,
                  struct manifest *m, char **body, size_t *len, char digest[DIGEST_STR_LEN + 1],
                  struct cl_error *err)
{
  const struct descriptor *pick;
  cleanup_free char *entry = NULL;

  if (source_get_top (src, body, len, err) < 0
      || check_digest (*body, *len, ref->digest, digest, err) < 0
      || manifest_parse (*body, m, err) < 0)
    return -1;
  if (!m->is_index)
    return 0;
  pick = manifest_select (m, want, err);
  if (!pick)
    return -1;
  entry = xstrdup (pick->digest);
  free (*body);
  *body = NULL;
  manifest_clear (m);
  if (source_get_manifest (src, entry, body, len, err) < 0
      || check_digest (*body, *len, entry, digest, err) < 0 || manifest_parse (*body, m, err) < 0)
    return -1;
  if (m->is_index)
    return cl_fail (err, 0, "index entry %s is itself an index", entry);
  return 0;
}

static int
save_record (struct store *s, struct source *src, const char *digest,
             const struct image_config *cfg, const char *config_digest, struct cl_error *err)
{
  struct image_record r = { 0 };
  int ret;

  r.id = (char *)digest_hex (config_digest);
  r.digest = (char *)digest;
  r.layers = cfg->diff_ids;
  r.created = cfg->created;
  r.platform = platform_string (&cfg->platform);
  r.pulled = (long long)time (NULL);
  for (size_t i = 0; i < cfg->n_diff_ids; i++)
    r.size += store_layer_size (s, cfg->diff_ids[i]);
  ret = store_image_save (s, &r, source_name (src), err);
  free (r.platform);
  return ret;
}

static void
unpack_opts_for (struct store *s, struct progress *prog, struct unpack_opts *uo)
{
  bool host_root = geteuid () == 0 && userns_host_euid () == 0 && !userns_has_range ();

  uo->user_xattrs = s->user_xattrs;
  uo->keep_owners = host_root || userns_has_range ();
  uo->make_devices = host_root;
  uo->notice = notice;
  uo->notice_arg = prog;
}

static int
pull_from (struct store *s, struct source *src, const struct image_ref *ref,
           const struct platform *want, struct progress *prog, char id[DIGEST_HEX_LEN + 1],
           struct cl_error *err)
{
  cleanup_manifest struct manifest m = { 0 };
  cleanup_image_config struct image_config cfg = { 0 };
  cleanup_free char *body = NULL;
  cleanup_free char *config = NULL;
  char digest[DIGEST_STR_LEN + 1];
  size_t len = 0;
  struct pull_ctx ctx = { .s = s, .src = src, .prog = prog, .m = &m, .cfg = &cfg };
  int ret;

  memset (&cfg, 0, sizeof cfg);
  if (resolve_manifest (src, ref, want, &m, &body, &len, digest, err) < 0
      || fetch_config (s, src, &m.config, &config, err) < 0
      || image_config_parse (config, &cfg, err) < 0)
    return -1;
  if (cfg.n_diff_ids != m.n_layers)
    return cl_fail (err, 0, "manifest has %zu layers, the config %zu", m.n_layers, cfg.n_diff_ids);
  unpack_opts_for (s, prog, &ctx.uo);
  progress_set_count (prog, m.n_layers);
  pthread_mutex_init (&ctx.lock, NULL);
  ret = fetch_layers (&ctx, err);
  pthread_mutex_destroy (&ctx.lock);
  if (ret < 0)
    return -1;
  progress_say (prog, "Copying config %.12s done", digest_hex (m.config.digest));
  if (store_put_blob (s, digest, body, len, err) < 0
      || save_record (s, src, digest, &cfg, m.config.digest, err) < 0)
    return -1;
  progress_say (prog, "Writing manifest to image destination");
  memcpy (id, digest_hex (m.config.digest), DIGEST_HEX_LEN);
  id[DIGEST_HEX_LEN] = '\0';
  return 0;
}

int
pull_image (struct store *s, const char *reference, const struct pull_opts *opts,
            char id[DIGEST_HEX_LEN + 1], struct cl_error *err)
{
  cleanup_ref struct image_ref ref = { 0 };
  cleanup_platform struct platform want = { 0 };
  cleanup_source struct source *src = NULL;
  struct progress *prog = NULL;
  int ret;

  memset (&want, 0, sizeof want);
  if (ref_parse (reference, &ref, err) < 0)
    return -1;
  if (opts->platform ? platform_parse (opts->platform, &want, err) < 0 : (platform_host (&want), 0))
    return -1;
  prog = progress_new (opts->progress);
  progress_say (prog, "Trying to pull %s...", ref.name);
  ret = source_open (&ref, &opts->reg, s, &src, err);
  if (ret == 0)
    ret = pull_from (s, src, &ref, &want, prog, id, err);
  progress_free (prog);
  if (ret < 0 && err->errnum != EINTR)
    return cl_wrap (err, "pull %s", ref.name);
  if (ret == 0)
    evlog_append (s->rootfd, EVLOG_FILE, "image", "pull", id, ref.name, NULL);
  return ret;
}
