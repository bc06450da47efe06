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

G_END_DECLS
