/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "vila.h"

G_BEGIN_DECLS

/* Picks the next token from @logits (changed in place), as transformers'
 * generate() processes them: repetition penalty over @history, then
 * temperature, top-k and top-p; greedy when the temperature is 0. The
 * random draw is ours (the same seed gives the same tokens). */
gint32 vila_sample (float                    *logits,
                    gsize                     vocab,
                    const VilaSamplingParams *params,
                    const gint32             *history,
                    gsize                     n_history,
                    guint64                  *rng_state);

/* The parts of vila_sample(), for a backend that samples where the logits
 * are: the next random draw in [0, 1) (greedy decoding takes none); the
 * repetition penalty, each token of @history once; and the draw itself
 * with @uniform (temperature > 0, logits already penalised). */
double vila_sample_uniform  (guint64                  *rng_state);
void   vila_sample_penalize (float                    *logits,
                             gsize                     vocab,
                             float                     penalty,
                             const gint32             *history,
                             gsize                     n_history);
gint32 vila_sample_draw     (const float              *logits,
                             gsize                     vocab,
                             const VilaSamplingParams *params,
                             double                    uniform);

G_END_DECLS
