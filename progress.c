#include "progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct item
{
  char label[64];
  long long total, done;
  const char *how; /* NULL while running */
};

struct progress
{
  enum progress_mode mode;
  pthread_mutex_t lock;
  pthread_t thread;
  bool running, stop;
  size_t n, drawn;
  struct item *items;
};

struct progress *
progress_new (enum progress_mode mode)
{
  struct progress *p = xcalloc (1, sizeof *p);

  p->mode = mode;
  pthread_mutex_init (&p->lock, NULL);
  return p;
}

void
progress_set_count (struct progress *p, size_t n)
{
  pthread_mutex_lock (&p->lock);
  free (p->items);
  p->n = n;
  p->items = xcalloc (n, sizeof *p->items);
  pthread_mutex_unlock (&p->lock);
}

void
progress_item (struct progress *p, size_t i, const char *label, long long total)
{
  pthread_mutex_lock (&p->lock);
  snprintf (p->items[i].label, sizeof p->items[i].label, "%s", label);
  p->items[i].total = total;
  pthread_mutex_unlock (&p->lock);
}

void
progress_add (struct progress *p, size_t i, long long bytes)
{
  pthread_mutex_lock (&p->lock);
  p->items[i].done += bytes;
  pthread_mutex_unlock (&p->lock);
}

static void
draw_bar (const struct item *it)
{
  char done[32], total[32], bar[31];
  int width = 30, fill = 0;

  human_size ((double)it->done, done, sizeof done);
  human_size ((double)it->total, total, sizeof total);
  if (it->total > 0)
    fill = (int)((double)width * (double)(it->done > it->total ? it->total : it->done)
                 / (double)it->total);
  memset (bar, '=', (size_t)fill);
  memset (bar + fill, ' ', (size_t)(width - fill));
  if (fill > 0 && fill < width)
    bar[fill - 1] = '>';
  bar[width] = '\0';
  if (it->how)
    fprintf (stderr, "\r\033[KCopying %s %s\n", it->label, it->how);
  else
    fprintf (stderr, "\r\033[KCopying %s [%s] %s / %s\n", it->label, bar, done, total);
}

static void
redraw (struct progress *p)
{
  if (p->drawn > 0)
    fprintf (stderr, "\033[%zuA", p->drawn);
  p->drawn = 0;
  for (size_t i = 0; i < p->n; i++)
    if (p->items[i].label[0])
      {
        draw_bar (&p->items[i]);
        p->drawn++;
      }
  fflush (stderr);
}

static void *
render_loop (void *arg)
{
  struct progress *p = arg;
  struct timespec ts = { 0, 100000000L };

  for (;;)
    {
      pthread_mutex_lock (&p->lock);
      redraw (p);
      if (p->stop)
        {
          pthread_mutex_unlock (&p->lock);
          return NULL;
        }
      pthread_mutex_unlock (&p->lock);
      nanosleep (&ts, NULL);
    }
}

void
progress_start (struct progress *p)
{
  if (p->mode != PROGRESS_BARS || p->running)
    return;
  p->running = pthread_create (&p->thread, NULL, render_loop, p) == 0;
}

void
progress_stop (struct progress *p)
{
  if (!p->running)
    return;
  pthread_mutex_lock (&p->lock);
  p->stop = true;
  pthread_mutex_unlock (&p->lock);
  pthread_join (p->thread, NULL);
  p->running = false;
}

void
progress_done (struct progress *p, size_t i, const char *how)
{
  pthread_mutex_lock (&p->lock);
  p->items[i].how = how;
  if (p->mode == PROGRESS_LINES)
    fprintf (stderr, "Copying %s %s\n", p->items[i].label, how);
  pthread_mutex_unlock (&p->lock);
}

void
progress_say (struct progress *p, const char *fmt, ...)
{
  va_list ap;

  if (p->mode == PROGRESS_QUIET)
    return;
  pthread_mutex_lock (&p->lock);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  /* Lines said between redraws push the bars down: start them afresh. */
  p->drawn = 0;
  pthread_mutex_unlock (&p->lock);
}

void
progress_free (struct progress *p)
{
  if (!p)
    return;
  progress_stop (p);
  pthread_mutex_destroy (&p->lock);
  free (p->items);
  free (p);
}
