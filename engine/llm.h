/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"
#include "model-config.h"

G_BEGIN_DECLS

/* The language model: Llama (RMSNorm, RoPE, GQA, SwiGLU) and Qwen2 (the
 * same with q/k/v biases), computed through a backend. */
typedef struct _VilaLlm VilaLlm;

/* Keys and values of every position seen so far, per layer. */
typedef struct {
  const VilaBackendOps *ops;  /* where the arrays live */
  guint   capacity;     /* positions allocated */
  guint   max_capacity; /* positions it may grow to (the model's context) */
  guint   length;       /* positions it holds */
  guint   n_layers;
  gsize   width;        /* key/value heads × head width */
  float **k;            /* [layer][capacity][width], backend memory */
  float **v;
  float  *scratch;      /* activations of a forward call, kept for the next */
  gsize   scratch_floats;
  gpointer step;        /* a decoding step recorded by the backend, or NULL */
  guint   step_capacity;/* what it was recorded with */
  float  *step_arena;
  guint   decode_steps;
} VilaKvCache;

/* Binds the weights to @ops (uploads them to a GPU); NULL and @error when
 * that fails (out of GPU memory). */
VilaLlm     *vila_llm_new            (const VilaLlmConfig   *config,
                                      VilaWeights           *weights,
                                      const VilaBackendOps  *ops,
                                      VilaBindProgress      *progress,
                                      GError               **error);
void         vila_llm_free           (VilaLlm               *llm);

/* Token embeddings of @ids into @out[n][hidden]. */
void         vila_llm_embed          (VilaLlm               *llm,
                                      const gint32          *ids,
                                      gsize                  n,
                                      float                 *out);

/* Runs @n input embeddings at the positions after what @cache holds,
 * appends their keys and values, and writes the logits of every input
 * (@all_logits, [n][vocab]) or of the last one ([vocab]). Fails with
 * VILA_ERROR_CONTEXT_FULL, changing nothing, when they do not fit. */
gboolean     vila_llm_forward        (VilaLlm               *llm,
                                      VilaKvCache           *cache,
                                      const float           *embeddings,
                                      gsize                  n,
                                      gboolean               all_logits,
                                      float                 *logits,
                                      GError               **error);

/* The same for @n new positions, but only the greedy choice of the last
 * one comes back: the logits stay where the backend computed them. */
gboolean     vila_llm_forward_greedy (VilaLlm               *llm,
                                      VilaKvCache           *cache,
                                      const float           *embeddings,
                                      gsize                  n,
                                      gint32                *token,
                                      GError               **error);

/* The same, with the token drawn as vila_sample() draws it from the last
 * position's logits over @history (which should hold the ids of the
 * cache's positions and of these new ones): where the backend can, the
 * logits stay there and only the token comes back. */
gboolean     vila_llm_forward_sample (VilaLlm                  *llm,
                                      VilaKvCache              *cache,
                                      const float              *embeddings,
                                      gsize                     n,
                                      const VilaSamplingParams *params,
                                      const gint32             *history,
                                      gsize                     n_history,
                                      guint64                  *rng_state,
                                      gint32                   *token,
                                      GError                  **error);

/* A cache for up to @max_capacity positions, allocated as it fills. */
VilaKvCache *vila_kv_cache_new       (VilaLlm               *llm,
                                      guint                  max_capacity);
void         vila_kv_cache_free      (VilaKvCache           *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaLlm, vila_llm_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaKvCache, vila_kv_cache_free)

G_END_DECLS
