/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila-sampler"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sampler.h"

/* splitmix64: small, fast and good enough to draw tokens. */
static double
next_uniform (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  z ^= z >> 31;
  return (z >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct {
  float  value;
  gint32 id;
} Candidate;

static int
by_value_descending (gconstpointer a,
                     gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->value != y->value)
    return x->value < y->value ? 1 : -1;
  return x->id - y->id;
}

double
vila_sample_uniform (guint64 *rng_state)
{
  return next_uniform (rng_state);
}

void
vila_sample_penalize (float                    *logits,
                      gsize                     vocab,
                      float                     penalty,
                      const gint32             *history,
                      gsize                     n_history)
{
  g_autoptr(GHashTable) seen = NULL;

  /* RepetitionPenaltyLogitsProcessor: each seen token once. */
  if (penalty <= 0 || penalty == 1.0f)
    return;
  seen = g_hash_table_new (NULL, NULL);
  for (gsize i = 0; i < n_history; i++)
    {
      gint32 id = history[i];

      if (id < 0 || (gsize) id >= vocab || !g_hash_table_add (seen, GINT_TO_POINTER (id + 1)))
        continue;
      logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
    }
}

gint32
vila_sample_draw (const float              *logits,
                  gsize                     vocab,
                  const VilaSamplingParams *params,
                  double                    uniform)
{
  g_autofree Candidate *candidates = NULL;
  gsize n = vocab, keep;
  double total = 0, cumulative = 0, draw;
  float max;

  candidates = g_new (Candidate, vocab);
  for (gsize i = 0; i < vocab; i++)
    candidates[i] = (Candidate) { logits[i] / params->temperature, (gint32) i };
  qsort (candidates, vocab, sizeof (Candidate), by_value_descending);

  if (params->top_k > 0 && params->top_k < n)
    n = params->top_k;

  max = candidates[0].value;
  for (gsize i = 0; i < n; i++)
    total += exp ((double) candidates[i].value - max);

  /* TopP: the most likely tokens until their mass reaches top_p. */
  keep = n;
  if (params->top_p > 0 && params->top_p < 1)
    for (gsize i = 0; i < n; i++)
      {
        cumulative += exp ((double) candidates[i].value - max) / total;
        if (cumulative >= params->top_p)
          {
            keep = i + 1;
            break;
          }
      }

  total = 0;
  for (gsize i = 0; i < keep; i++)
    total += exp ((double) candidates[i].value - max);
  draw = uniform * total;
  for (gsize i = 0; i < keep; i++)
    {
      draw -= exp ((double) candidates[i].value - max);
      if (draw <= 0)
        return candidates[i].id;
    }
  return candidates[keep - 1].id;
}

gint32
vila_sample (float                    *logits,
             gsize                     vocab,
             const VilaSamplingParams *params,
             const gint32             *history,
             gsize                     n_history,
             guint64                  *rng_state)
{
  vila_sample_penalize (logits, vocab, params->repetition_penalty, history, n_history);
  if (params->temperature <= 0)
    {
      gsize best = 0;

      for (gsize i = 1; i < vocab; i++)
        if (logits[i] > logits[best])
          best = i;
      return (gint32) best;
    }
  return vila_sample_draw (logits, vocab, params, next_uniform (rng_state));
}
