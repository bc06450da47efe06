/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The language model's forward pass, as transformers' LlamaForCausalLM and
 * Qwen2ForCausalLM compute it:
 *
 *   x = embed(ids)
 *   per layer:  h = rms_norm(x);  q, k, v = h·Wq (+b), h·Wk (+b), h·Wv (+b)
 *               rope(q, k);  x += attention(q, k, v)·Wo
 *               h = rms_norm(x);  x += (silu(h·Wgate) * h·Wup)·Wdown
 *   logits = rms_norm(x)·Wlm_head   (or the embedding when tied)
 */
#define G_LOG_DOMAIN "vila-llm"

#include "config.h"

#include <math.h>
#include <string.h>

#include "llm.h"
#include "sampler.h"
#include "vila.h"

typedef struct {
  VilaMatrix input_norm;
  VilaMatrix q, k, v, o;
  VilaMatrix q_bias, k_bias, v_bias;
  VilaMatrix post_norm;
  VilaMatrix gate, up, down;
} Layer;

struct _VilaLlm
{
  const VilaLlmConfig  *config;
  const VilaBackendOps *ops;
  VilaMatrix            embed;
  VilaMatrix            norm;
  VilaMatrix            lm_head;
  Layer                *layers;
  float                *inv_freq;      /* head_dim / 2 rotary frequencies, for the trained context */
  GPtrArray            *bound;         /* the matrices the backend holds a copy of */
};

static VilaMatrix
weight (VilaWeights *weights,
        const char  *name)
{
  const VilaTensor *tensor = vila_weights_lookup (weights, name);

  /* vila_check_llm() made sure every name is there. */
  g_assert (tensor != NULL);
  return vila_matrix_from_tensor (tensor);
}

/* transformers' rotary frequencies, in float32 as it computes them, with
 * the rope_scaling of the config. */
static void
compute_inv_freq (VilaLlm *llm,
                  guint    length,
                  float   *inv_freq)
{
  const VilaLlmConfig *c = llm->config;
  guint dim = c->head_dim;
  double base = c->rope_theta;

  /* Dynamic NTK: a larger base once the text outgrows the trained context. */
  if (c->rope_scaling == VILA_ROPE_DYNAMIC && length > c->max_positions)
    base *= pow (c->rope_factor * length / c->max_positions - (c->rope_factor - 1), (double) dim / (dim - 2));

  for (guint i = 0; i < dim / 2; i++)
    {
      float inv = 1.0f / powf ((float) base, (float) (2 * i) / (float) dim);

      if (c->rope_scaling == VILA_ROPE_LINEAR)
        inv /= (float) c->rope_factor;
      else if (c->rope_scaling == VILA_ROPE_LLAMA3)
        {
          /* Llama 3.1: long wavelengths slowed by the factor, short ones
           * kept, those between blended. */
          float wavelen = 2.0f * (float) G_PI / inv;
          float low_wavelen = c->rope_original_positions / (float) c->rope_low_freq_factor;
          float high_wavelen = c->rope_original_positions / (float) c->rope_high_freq_factor;

          if (wavelen > low_wavelen)
            inv /= (float) c->rope_factor;
          else if (wavelen >= high_wavelen)
            {
              float smooth = (c->rope_original_positions / wavelen - (float) c->rope_low_freq_factor) /
                             (float) (c->rope_high_freq_factor - c->rope_low_freq_factor);

              inv = (1.0f - smooth) * inv / (float) c->rope_factor + smooth * inv;
            }
        }
      inv_freq[i] = inv;
    }
}

/* Hands every weight to the backend (a GPU uploads them here, once). */
static gboolean
bind_weights (VilaLlm           *llm,
              VilaBindProgress  *progress,
              GError           **error)
{
  gboolean tied = llm->lm_head.data == llm->embed.data;

  if (!vila_backend_bind (llm->ops, llm->bound, &llm->embed, progress, error) ||
      !vila_backend_bind (llm->ops, llm->bound, &llm->norm, progress, error))
    return FALSE;
  if (tied)
    llm->lm_head = llm->embed;
  else if (!vila_backend_bind (llm->ops, llm->bound, &llm->lm_head, progress, error))
    return FALSE;

  for (guint i = 0; i < llm->config->n_layers; i++)
    {
      Layer *layer = &llm->layers[i];
      VilaMatrix *all[] = {
        &layer->input_norm, &layer->q, &layer->k, &layer->v, &layer->o, &layer->post_norm,
        &layer->gate, &layer->up, &layer->down,
        &layer->q_bias, &layer->k_bias, &layer->v_bias,
      };
      guint n = llm->config->qkv_bias ? G_N_ELEMENTS (all) : G_N_ELEMENTS (all) - 3;

      for (guint j = 0; j < n; j++)
        if (!vila_backend_bind (llm->ops, llm->bound, all[j], progress, error))
          return FALSE;
    }
  return TRUE;
}

VilaLlm *
vila_llm_new (const VilaLlmConfig   *config,
              VilaWeights           *weights,
              const VilaBackendOps  *ops,
              VilaBindProgress      *progress,
              GError               **error)
{
  g_autoptr(VilaLlm) llm = g_new0 (VilaLlm, 1);

  llm->config = config;
  llm->ops = ops;
  llm->bound = g_ptr_array_new ();
  llm->embed = weight (weights, "model.embed_tokens.weight");
  llm->norm = weight (weights, "model.norm.weight");
  llm->lm_head = vila_weights_lookup (weights, "lm_head.weight") ? weight (weights, "lm_head.weight") : llm->embed;
  llm->layers = g_new0 (Layer, config->n_layers);
  llm->inv_freq = g_new (float, config->head_dim / 2);
  compute_inv_freq (llm, 0, llm->inv_freq);

  for (guint i = 0; i < config->n_layers; i++)
    {
      Layer *layer = &llm->layers[i];
      g_autofree char *p = g_strdup_printf ("model.layers.%u.", i);
      g_autofree char *n = NULL;

#define W(suffix) (g_free (n), n = g_strconcat (p, suffix, NULL), weight (weights, n))
      layer->input_norm = W ("input_layernorm.weight");
      layer->q = W ("self_attn.q_proj.weight");
      layer->k = W ("self_attn.k_proj.weight");
      layer->v = W ("self_attn.v_proj.weight");
      layer->o = W ("self_attn.o_proj.weight");
      if (config->qkv_bias)
        {
          layer->q_bias = W ("self_attn.q_proj.bias");
          layer->k_bias = W ("self_attn.k_proj.bias");
          layer->v_bias = W ("self_attn.v_proj.bias");
        }
      layer->post_norm = W ("post_attention_layernorm.weight");
      layer->gate = W ("mlp.gate_proj.weight");
      layer->up = W ("mlp.up_proj.weight");
      layer->down = W ("mlp.down_proj.weight");
#undef W
    }
  if (!bind_weights (llm, progress, error))
    return NULL;
  return g_steal_pointer (&llm);
}

void
vila_llm_free (VilaLlm *llm)
{
  if (llm == NULL)
    return;
  vila_backend_release_all (llm->ops, llm->bound);
  g_ptr_array_unref (llm->bound);
  g_free (llm->layers);
  g_free (llm->inv_freq);
  g_free (llm);
}

void
vila_llm_embed (VilaLlm      *llm,
                const gint32 *ids,
                gsize         n,
                float        *out)
{
  /* From the mapped checkpoint, whatever the backend: the embeddings go
   * to the caller (to be spliced with image features) anyway. */
  for (gsize i = 0; i < n; i++)
    vila_matrix_row (&llm->embed, ids[i], out + i * llm->embed.cols);
}

VilaKvCache *
vila_kv_cache_new (VilaLlm *llm,
                   guint    max_capacity)
{
  VilaKvCache *cache = g_new0 (VilaKvCache, 1);

  cache->ops = llm->ops;
  cache->max_capacity = max_capacity;
  cache->n_layers = llm->config->n_layers;
  cache->width = (gsize) llm->config->n_kv_heads * llm->config->head_dim;
  cache->k = g_new0 (float *, cache->n_layers);
  cache->v = g_new0 (float *, cache->n_layers);
  return cache;
}

/* Grows the arrays (doubling) so that @length positions fit; a full
 * context of a large model is gigabytes, most chats never need it. */
static gboolean
kv_cache_reserve (VilaKvCache  *cache,
                  gsize         length,
                  GError      **error)
{
  const VilaBackendOps *ops = cache->ops;
  guint capacity = MAX (cache->capacity, 256);

  if (length <= cache->capacity)
    return TRUE;
  if (ops->reserve_whole_context)
    capacity = cache->max_capacity;
  while (capacity < length)
    capacity = MIN ((gsize) capacity * 2, cache->max_capacity);
  for (guint i = 0; i < cache->n_layers; i++)
    {
      float *k = ops->alloc ((gsize) capacity * cache->width);
      float *v = k ? ops->alloc ((gsize) capacity * cache->width) : NULL;

      if (v == NULL)
        {
          if (k != NULL)
            ops->free (k);
          g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                       "No memory left (%s) for a context of %u positions", ops->name, capacity);
          return FALSE;
        }
      if (cache->k[i] != NULL)
        {
          ops->copy (k, cache->k[i], (gsize) cache->length * cache->width);
          ops->copy (v, cache->v[i], (gsize) cache->length * cache->width);
          ops->free (cache->k[i]);
          ops->free (cache->v[i]);
        }
      cache->k[i] = k;
      cache->v[i] = v;
    }
  cache->capacity = capacity;
  return TRUE;
}

void
vila_kv_cache_free (VilaKvCache *cache)
{
  if (cache == NULL)
    return;
  for (guint i = 0; i < cache->n_layers; i++)
    {
      if (cache->k[i] != NULL)
        cache->ops->free (cache->k[i]);
      if (cache->v[i] != NULL)
        cache->ops->free (cache->v[i]);
    }
  if (cache->step != NULL)
    cache->ops->step_free (cache->step);
  if (cache->scratch != NULL)
    cache->ops->free (cache->scratch);
  g_free (cache->k);
  g_free (cache->v);
  g_free (cache);
}

/* The cache's scratch, grown to @n_floats: a decoding step then
 * allocates nothing. */
static float *
scratch (VilaKvCache *cache,
         gsize        n_floats)
{
  if (n_floats > cache->scratch_floats)
    {
      if (cache->scratch != NULL)
        cache->ops->free (cache->scratch);
      cache->scratch_floats = 0;
      if (!(cache->scratch = cache->ops->alloc (n_floats)))
        return NULL;
      cache->scratch_floats = n_floats;
    }
  return cache->scratch;
}

/* A forward call's activations, carved out of one block. */
typedef struct {
  float *x, *h, *o, *q, *k, *v, *attn, *gate, *up, *last_logits;
} Activations;

/* x += in · wᵀ, fused where the backend can; @tmp holds the product
 * otherwise. */
static void
matmul_add (const VilaBackendOps *ops,
            float                *x,
            const float          *in,
            float                *tmp,
            gsize                 n,
            gsize                 hidden,
            const VilaMatrix     *w)
{
  if (ops->matmul_add && ops->matmul_add (x, in, n, w))
    return;
  ops->matmul (tmp, in, n, w, NULL);
  ops->add (x, tmp, n * hidden);
}

/* Every layer over @n rows at positions @start on, their keys and values
 * stored in @cache, then (unless @all_logits) the last row's logits. */
static void
run_layers (VilaLlm           *llm,
            VilaKvCache       *cache,
            const Activations *a,
            gsize              n,
            gsize              start,
            const float       *inv_freq,
            gboolean           all_logits)
{
  const VilaLlmConfig *c = llm->config;
  const VilaBackendOps *ops = llm->ops;
  gsize hidden = c->hidden, kv_width = cache->width;

  for (guint l = 0; l < c->n_layers; l++)
    {
      const Layer *layer = &llm->layers[l];
      float * const qkv[] = { a->q, a->k, a->v };
      const VilaMatrix * const weights[] = { &layer->q, &layer->k, &layer->v };
      const VilaMatrix * const biases[] = { &layer->q_bias, &layer->k_bias, &layer->v_bias };

      /* Steps as one fused operation where the backend has it (a GPU
       * decoding), else as the plain operations. */
      ops->rms_norm (a->h, a->x, n, hidden, &layer->input_norm, c->rms_eps);
      if (!ops->matmuls || !ops->matmuls (a->h, n, 3, qkv, weights, c->qkv_bias ? biases : NULL))
        for (guint j = 0; j < 3; j++)
          ops->matmul (qkv[j], a->h, n, weights[j], c->qkv_bias ? biases[j] : NULL);
      if (!ops->rope_store ||
          !ops->rope_store (a->q, a->k, a->v, n, c->n_heads, c->n_kv_heads, c->head_dim, start, inv_freq,
                            cache->k[l], cache->v[l]))
        {
          ops->rope (a->q, n, c->n_heads, c->head_dim, start, inv_freq);
          ops->rope (a->k, n, c->n_kv_heads, c->head_dim, start, inv_freq);
          ops->kv_store (cache->k[l], a->k, start, n, kv_width);
          ops->kv_store (cache->v[l], a->v, start, n, kv_width);
        }
      ops->attention (a->attn, a->q, cache->k[l], cache->v[l], n, start + n, start,
                      c->n_heads, c->n_kv_heads, c->head_dim, TRUE);
      matmul_add (ops, a->x, a->attn, a->o, n, hidden, &layer->o);

      ops->rms_norm (a->h, a->x, n, hidden, &layer->post_norm, c->rms_eps);
      if (!ops->gate_up || !ops->gate_up (a->gate, a->h, n, &layer->gate, &layer->up))
        {
          ops->matmul (a->gate, a->h, n, &layer->gate, NULL);
          ops->matmul (a->up, a->h, n, &layer->up, NULL);
          ops->silu_mul (a->gate, a->up, n * c->intermediate);
        }
      matmul_add (ops, a->x, a->gate, a->o, n, hidden, &layer->down);
    }
  if (!all_logits)
    {
      ops->rms_norm (a->h, a->x + (n - 1) * hidden, 1, hidden, &llm->norm, c->rms_eps);
      ops->matmul (a->last_logits, a->h, 1, &llm->lm_head, NULL);
    }
}

/* One decoding step, replayed from its recording when the backend can
 * record (CUDA graphs: hundreds of launches become one). The recording
 * holds the cache's arrays and scratch, so it is made again when either
 * moves; the first step runs directly, sizing the buffers it records. */
static void
decode_step (VilaLlm           *llm,
             VilaKvCache       *cache,
             const Activations *a,
             gsize              start)
{
  const VilaBackendOps *ops = llm->ops;
  const VilaLlmConfig *c = llm->config;

  if (cache->step != NULL && (cache->step_capacity != cache->capacity || cache->step_arena != cache->scratch))
    g_clear_pointer (&cache->step, ops->step_free);
  if (cache->step == NULL && cache->decode_steps > 0)
    {
      gsize widest = MAX (MAX (c->hidden, (gsize) c->n_heads * c->head_dim), c->intermediate);

      if (ops->step_begin (widest) != NULL)
        {
          run_layers (llm, cache, a, 1, start, llm->inv_freq, FALSE);
          cache->step = ops->step_end ();
          cache->step_capacity = cache->capacity;
          cache->step_arena = cache->scratch;
        }
    }
  cache->decode_steps++;
  if (cache->step != NULL)
    ops->step_replay (cache->step, start);
  else
    run_layers (llm, cache, a, 1, start, llm->inv_freq, FALSE);
}

/* How the next token is chosen where the logits are computed. */
typedef struct {
  const VilaSamplingParams *params;
  const gint32             *history;
  gsize                     n_history;
  guint64                  *rng_state;
} SampleRequest;

/* The token @request draws from @logits (backend memory, changed): on
 * the backend where it samples, else from a download. */
static gint32
choose_token (VilaLlm             *llm,
              float               *logits,
              const SampleRequest *request)
{
  const VilaBackendOps *ops = llm->ops;
  const VilaSamplingParams *params = request->params;
  gsize vocab = llm->config->vocab;
  g_autofree float *host = NULL;

  if (params->temperature <= 0 && (params->repetition_penalty <= 0 || params->repetition_penalty == 1.0f))
    return ops->argmax (logits, vocab);
  if (ops->sample != NULL)
    /* The same random numbers as the host sampler takes. */
    return ops->sample (logits, vocab, params, request->history, request->n_history,
                        params->temperature > 0 ? vila_sample_uniform (request->rng_state) : 0.0);
  host = g_new (float, vocab);
  ops->download (host, logits, vocab);
  return vila_sample (host, vocab, params, request->history, request->n_history, request->rng_state);
}

/* Logits of every position into @logits (host), or of the last one into
 * @logits, or only the token @request chooses into @token. */
static gboolean
forward (VilaLlm             *llm,
         VilaKvCache         *cache,
         const float         *embeddings,
         gsize                n,
         gboolean             all_logits,
         float               *logits,
         const SampleRequest *request,
         gint32              *token,
         GError             **error)
{
  const VilaLlmConfig *c = llm->config;
  const VilaBackendOps *ops = llm->ops;
  gsize hidden = c->hidden;
  gsize q_width = (gsize) c->n_heads * c->head_dim;
  gsize kv_width = cache->width;
  gsize start = cache->length;
  gsize inter = c->intermediate;
  g_autofree float *dynamic_inv_freq = NULL;
  float *arena;
  gsize arena_floats;
  Activations a;

  if (start + n > cache->max_capacity)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_CONTEXT_FULL,
                   "The conversation needs %" G_GSIZE_FORMAT " positions, %" G_GSIZE_FORMAT " more than "
                   "the %u the model can hold", start + n, start + n - cache->max_capacity, cache->max_capacity);
      return FALSE;
    }
  if (!kv_cache_reserve (cache, start + n, error))
    return FALSE;

  /* Dynamic NTK: frequencies for this call's length, as transformers
   * computes them per forward; the model's own stay those of the trained
   * context, so sessions sharing the model (or a shorter one after a long
   * one) are not affected. Cached keys keep the rotation they got. */
  if (c->rope_scaling == VILA_ROPE_DYNAMIC && start + n > c->max_positions)
    {
      dynamic_inv_freq = g_new (float, c->head_dim / 2);
      compute_inv_freq (llm, start + n, dynamic_inv_freq);
    }

  /* One block for every activation of this call, where the backend
   * computes; decoding steps reuse the cache's, a long prefill gets its
   * own rather than keep hundreds of megabytes for the session's life. */
  arena_floats = n * (3 * hidden + 2 * q_width + 2 * kv_width + 2 * inter) + (all_logits ? 0 : c->vocab);
  arena = n <= 16 ? scratch (cache, arena_floats) : ops->alloc (arena_floats);
  if (arena == NULL)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                   "No memory left (%s) to run %" G_GSIZE_FORMAT " positions", ops->name, n);
      return FALSE;
    }
  a.x = arena;
  a.h = a.x + n * hidden;
  a.o = a.h + n * hidden;
  a.q = a.o + n * hidden;
  a.attn = a.q + n * q_width;
  a.k = a.attn + n * q_width;
  a.v = a.k + n * kv_width;
  a.gate = a.v + n * kv_width;
  a.up = a.gate + n * inter;
  a.last_logits = a.up + n * inter;
  ops->upload (a.x, embeddings, n * hidden);

  if (n == 1 && !all_logits && ops->step_begin != NULL && dynamic_inv_freq == NULL && arena == cache->scratch)
    decode_step (llm, cache, &a, start);
  else
    run_layers (llm, cache, &a, n, start, dynamic_inv_freq ? dynamic_inv_freq : llm->inv_freq, all_logits);
  cache->length = start + n;

  if (all_logits)
    {
      float *all = ops->alloc (n * c->vocab);

      if (all == NULL)
        {
          if (arena != cache->scratch)
            ops->free (arena);
          g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                       "No memory left (%s) for the logits of %" G_GSIZE_FORMAT " positions", ops->name, n);
          return FALSE;
        }
      ops->rms_norm (a.h, a.x, n, hidden, &llm->norm, c->rms_eps);
      ops->matmul (all, a.h, n, &llm->lm_head, NULL);
      ops->download (logits, all, n * c->vocab);
      ops->free (all);
    }
  else if (token != NULL)
    *token = request != NULL ? choose_token (llm, a.last_logits, request) : ops->argmax (a.last_logits, c->vocab);
  else
    ops->download (logits, a.last_logits, c->vocab);
  if (arena != cache->scratch)
    ops->free (arena);
  return TRUE;
}

gboolean
vila_llm_forward (VilaLlm      *llm,
                  VilaKvCache  *cache,
                  const float  *embeddings,
                  gsize         n,
                  gboolean      all_logits,
                  float        *logits,
                  GError      **error)
{
  return forward (llm, cache, embeddings, n, all_logits, logits, NULL, NULL, error);
}

gboolean
vila_llm_forward_greedy (VilaLlm      *llm,
                         VilaKvCache  *cache,
                         const float  *embeddings,
                         gsize         n,
                         gint32       *token,
                         GError      **error)
{
  return forward (llm, cache, embeddings, n, FALSE, NULL, NULL, token, error);
}

gboolean
vila_llm_forward_sample (VilaLlm                  *llm,
                         VilaKvCache              *cache,
                         const float              *embeddings,
                         gsize                     n,
                         const VilaSamplingParams *params,
                         const gint32             *history,
                         gsize                     n_history,
                         guint64                  *rng_state,
                         gint32                   *token,
                         GError                  **error)
{
  SampleRequest request = { params, history, n_history, rng_state };

  return forward (llm, cache, embeddings, n, FALSE, NULL, &request, token, error);
}
