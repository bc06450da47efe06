/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila_bench_run(): speed on models with the real shapes and made-up
 * weights (--synthetic), since the real ones cannot be downloaded here. It
 * measures what a user waits for (time to first token with images, decode
 * tokens per second) and what bounds it: decoding streams every weight
 * once per token, so tokens/s × bytes per token is compared with how fast
 * plain loads read one large buffer, measured between blocks of decoding.
 */
#define G_LOG_DOMAIN "vila-bench"

#include "config.h"

#include <string.h>

#include "backend.h"
#include "cpu-kernels.h"
#include "image-preprocess.h"
#include "large-pages.h"
#include "llm.h"
#include "model-config.h"
#include "vila.h"
#include "vision.h"

typedef struct {
  const char *name;
  guint hidden, intermediate, layers, heads, kv_heads, vocab, positions;
  double rope_theta;
} Shape;

/* The released configs (vila-format.md section 1.3; Llama-3 and Vicuna
 * 13B as their model cards give them). */
static const Shape shapes[] = {
  { "vila1.5-3b", 2560, 6912, 32, 20, 20, 32000, 4096, 10000.0 },
  { "llama3-vila1.5-8b", 4096, 14336, 32, 32, 8, 128256, 8192, 500000.0 },
  { "vila1.5-13b", 5120, 13824, 40, 40, 40, 32000, 4096, 10000.0 },
};

static void
fill_config (VilaModelConfig *config,
             const Shape     *shape)
{
  *config = (VilaModelConfig) {
    .layout = VILA_LAYOUT_THREE_PART,
    .family = shape->vocab >= 128000 ? VILA_FAMILY_LLAMA3_VILA1_5 : VILA_FAMILY_VILA1_5,
    .llm = {
      .hidden = shape->hidden, .intermediate = shape->intermediate, .n_layers = shape->layers,
      .n_heads = shape->heads, .n_kv_heads = shape->kv_heads, .head_dim = shape->hidden / shape->heads,
      .vocab = shape->vocab, .max_positions = shape->positions, .rms_eps = 1e-5, .rope_theta = shape->rope_theta,
    },
    /* SigLIP so400m at 384 and mlp_downsample, as every VILA1.5 has. */
    .vision = {
      .kind = VILA_VISION_SIGLIP, .hidden = 1152, .intermediate = 4304, .n_layers = 27, .n_heads = 16,
      .image_size = 384, .patch_size = 14, .norm_eps = 1e-6, .select_layer = -2, .keep_cls = TRUE,
    },
    .projector = VILA_PROJECTOR_MLP_DOWNSAMPLE,
    .mm_hidden = 1152,
    .aspect_ratio = (char *) "resize",
    .tokens_per_image = 196,
  };
}

static guint64
build_weights (const VilaModelConfig *c,
               VilaWeights           *llm,
               VilaWeights           *vision)
{
  const VilaLlmConfig *l = &c->llm;
  const VilaVisionConfig *v = &c->vision;
  gint64 q = (gint64) l->n_heads * l->head_dim, kv = (gint64) l->n_kv_heads * l->head_dim;
  gint64 h = v->hidden, grid = v->image_size / v->patch_size;
  guint64 per_token = 0;

  vila_weights_add_synthetic (llm, "model.embed_tokens.weight", VILA_TENSOR_BF16, l->vocab, l->hidden);
  for (guint i = 0; i < l->n_layers; i++)
    {
      static const char * const names[] = {
        "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
        "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight",
        "mlp.up_proj.weight", "mlp.down_proj.weight",
      };
      gint64 rows[] = { l->hidden, q, kv, kv, l->hidden, l->hidden, l->intermediate, l->intermediate, l->hidden };
      gint64 cols[] = { 0, l->hidden, l->hidden, l->hidden, q, 0, l->hidden, l->hidden, l->intermediate };

      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        {
          g_autofree char *name = g_strdup_printf ("model.layers.%u.%s", i, names[k]);

          vila_weights_add_synthetic (llm, name, VILA_TENSOR_BF16, rows[k], cols[k]);
          per_token += (guint64) rows[k] * MAX (cols[k], 1) * 2;
        }
    }
  vila_weights_add_synthetic (llm, "model.norm.weight", VILA_TENSOR_BF16, l->hidden, 0);
  vila_weights_add_synthetic (llm, "lm_head.weight", VILA_TENSOR_BF16, l->vocab, l->hidden);
  per_token += (guint64) l->vocab * l->hidden * 2 + l->hidden * 2;

  vila_weights_add_synthetic (vision, "vision_model.embeddings.patch_embedding.weight", VILA_TENSOR_BF16, h,
                              3 * v->patch_size * v->patch_size);
  vila_weights_add_synthetic (vision, "vision_model.embeddings.patch_embedding.bias", VILA_TENSOR_BF16, h, 0);
  vila_weights_add_synthetic (vision, "vision_model.embeddings.position_embedding.weight", VILA_TENSOR_BF16,
                              grid * grid, h);
  for (guint i = 0; i < v->n_layers - 1; i++)
    {
      static const char * const square[] = { "q_proj", "k_proj", "v_proj", "out_proj" };
      g_autofree char *p = g_strdup_printf ("vision_model.encoder.layers.%u.", i);

      for (guint k = 0; k < 4; k++)
        {
          g_autofree char *w = g_strdup_printf ("%sself_attn.%s.weight", p, square[k]);
          g_autofree char *b = g_strdup_printf ("%sself_attn.%s.bias", p, square[k]);

          vila_weights_add_synthetic (vision, w, VILA_TENSOR_BF16, h, h);
          vila_weights_add_synthetic (vision, b, VILA_TENSOR_BF16, h, 0);
        }
#define ADD(suffix, r, cc) G_STMT_START { g_autofree char *n_ = g_strconcat (p, suffix, NULL); \
      vila_weights_add_synthetic (vision, n_, VILA_TENSOR_BF16, (r), (cc)); } G_STMT_END
      ADD ("layer_norm1.weight", h, 0); ADD ("layer_norm1.bias", h, 0);
      ADD ("layer_norm2.weight", h, 0); ADD ("layer_norm2.bias", h, 0);
      ADD ("mlp.fc1.weight", v->intermediate, h); ADD ("mlp.fc1.bias", v->intermediate, 0);
      ADD ("mlp.fc2.weight", h, v->intermediate); ADD ("mlp.fc2.bias", h, 0);
#undef ADD
    }
  vila_weights_add_synthetic (vision, "layers.1.weight", VILA_TENSOR_BF16, 4 * c->mm_hidden, 0);
  vila_weights_add_synthetic (vision, "layers.1.bias", VILA_TENSOR_BF16, 4 * c->mm_hidden, 0);
  vila_weights_add_synthetic (vision, "layers.2.weight", VILA_TENSOR_BF16, l->hidden, 4 * c->mm_hidden);
  vila_weights_add_synthetic (vision, "layers.2.bias", VILA_TENSOR_BF16, l->hidden, 0);
  vila_weights_add_synthetic (vision, "layers.4.weight", VILA_TENSOR_BF16, l->hidden, l->hidden);
  vila_weights_add_synthetic (vision, "layers.4.bias", VILA_TENSOR_BF16, l->hidden, 0);
  return per_token;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

/* The machine's read bandwidth: every core sums its share of one plain
 * buffer, loads only, as fast as memory gives them. */
#define SWEEP_CHUNK (1u << 20)

typedef struct {
  const float *data;
  gsize        n;
  double      *sums;
} Sweep;

static void
sweep_chunks (gpointer data,
              gsize    first,
              gsize    last)
{
  Sweep *sweep = data;

  for (gsize c = first; c < last; c++)
    sweep->sums[c] = vila_cpu_sum (sweep->data + c * SWEEP_CHUNK, MIN (SWEEP_CHUNK, sweep->n - c * SWEEP_CHUNK));
}

static double
read_sweep_gb_s (Sweep *sweep)
{
  gint64 start = g_get_monotonic_time ();

  vila_cpu_parallel_for ((sweep->n + SWEEP_CHUNK - 1) / SWEEP_CHUNK, 1, sweep_chunks, sweep);
  return sweep->n * sizeof (float) / seconds_since (start) / 1e9;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static guint64
available_memory (void)
{
  g_autofree char *meminfo = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL) ||
      !(line = strstr (meminfo, "MemAvailable:")))
    return G_MAXUINT64;
  return g_ascii_strtoull (line + 13, NULL, 10) * 1024;
}

/* @n_images photos through tower and projector into @embeddings. */
static gboolean
encode_images (const VilaModelConfig  *config,
               VilaVision             *vision,
               const guint8           *image_pixels,
               guint                   n_images,
               float                  *embeddings,
               GError                **error)
{
  for (guint k = 0; k < n_images; k++)
    {
      VilaPreprocess preprocess = { 384, FALSE, { 0.5f, 0.5f, 0.5f }, { 0.5f, 0.5f, 0.5f }, 1.0 / 255 };
      VilaImage image = { 384, 384, 384 * 3, image_pixels };
      g_autofree float *pixels = vila_preprocess_image (&preprocess, &image);
      gsize n_features, n_tokens;
      g_autofree float *features = NULL;
      g_autofree float *tokens = NULL;

      if (!(features = vila_vision_features (vision, pixels, &n_features, error)) ||
          !(tokens = vila_vision_project (vision, features, n_features, TRUE, &n_tokens, error)))
        return FALSE;
      memcpy (embeddings + k * config->tokens_per_image * config->llm.hidden, tokens,
              n_tokens * config->llm.hidden * sizeof (float));
    }
  return TRUE;
}

void
vila_bench_options_init (VilaBenchOptions *options)
{
  *options = (VilaBenchOptions) {
    .n_images = 1, .prompt_tokens = 64, .gen_tokens = 32, .backend = VILA_BACKEND_CPU, .dtype = VILA_DTYPE_F16,
    .temperature = 0.0f, .top_p = 1.0f,
  };
}

static const Shape *
find_shape (const char  *synthetic,
            GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if (g_strcmp0 (shapes[i].name, synthetic) == 0)
      return &shapes[i];
  g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT,
               "Unknown synthetic model “%s” (vila1.5-3b, llama3-vila1.5-8b, vila1.5-13b)", synthetic);
  return NULL;
}

char *
vila_bench_kernels (const char  *synthetic,
                    GError     **error)
{
  const Shape *shape = find_shape (synthetic, error);
#if VILA_HAVE_CUDA
  g_autoptr(GString) report = g_string_new (NULL);
  guint head_dim;

  if (shape == NULL)
    return NULL;
  head_dim = shape->hidden / shape->heads;
  if (!vila_cuda_bench_products (shape->hidden, shape->intermediate, shape->heads * head_dim,
                                 shape->kv_heads * head_dim, shape->vocab, shape->layers, report, error))
    return NULL;
  return g_string_free (g_steal_pointer (&report), FALSE);
#else
  if (shape != NULL)
    g_set_error_literal (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "This build has no CUDA backend");
  return NULL;
#endif
}

gboolean
vila_bench_run (const char              *synthetic,
                const VilaBenchOptions  *options,
                VilaBenchResult         *result,
                GError                 **error)
{
  const Shape *shape = NULL;
  VilaModelConfig config;
  g_autoptr(VilaWeights) llm_weights = vila_weights_new_synthetic ();
  g_autoptr(VilaWeights) vision_weights = vila_weights_new_synthetic ();
  g_autoptr(VilaLlm) llm = NULL;
  g_autoptr(VilaVision) vision = NULL;
  g_autoptr(VilaKvCache) cache = NULL;
  g_autofree float *embeddings = NULL;
  g_autofree float *logits = NULL;
  g_autofree guint8 *image_pixels = NULL;
  const VilaBackendOps *ops = &vila_cpu_backend;
  guint64 needed, available = available_memory ();
  gint64 start;
  gsize n_prompt, hidden;
  VilaBackendKind backend = vila_backend_resolve (options->backend, NULL);
  Sweep sweep = { NULL, 0, NULL };
  g_autofree float *sweep_data = NULL;
  g_autofree double *sweep_sums = NULL;

  if ((shape = find_shape (synthetic, error)) == NULL)
    return FALSE;

  fill_config (&config, shape);
  hidden = config.llm.hidden;
  needed = (guint64) shape->layers * (4ull * shape->hidden * shape->hidden + 3ull * shape->hidden * shape->intermediate) * 2 +
           2ull * shape->vocab * shape->hidden * 2 + (1ull << 30) * 2;
  /* The weights are made in host memory first, whatever the backend. */
  if (needed > available)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                   "%s needs about %.1f GB of memory; %.1f GB are available", synthetic, needed / 1e9, available / 1e9);
      return FALSE;
    }

  *result = (VilaBenchResult) { .backend = backend, .threads = vila_cpu_n_threads () };
#if VILA_HAVE_CUDA
  if (backend == VILA_BACKEND_CUDA)
    {
      guint64 total;

      if (!(ops = vila_cuda_backend_get (options->dtype, error)) || !vila_cuda_memory_info (&available, &total, error))
        return FALSE;
      if (needed > available)
        {
          g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                       "%s needs about %.1f GB of GPU memory; %.1f GB are free", synthetic, needed / 1e9, available / 1e9);
          return FALSE;
        }
      g_strlcpy (result->device, vila_cuda_device_name (), sizeof result->device);
      result->read_gb_s = vila_cuda_copy_bandwidth () / 1e9;
    }
#endif
  if (backend == VILA_BACKEND_CPU)
    {
      g_strlcpy (result->device, "CPU", sizeof result->device);
      /* 512 MiB, far beyond any cache, its pages touched before timing;
       * on 2 MB pages, as the synthetic weights are. */
      sweep.n = (gsize) 1 << 27;
      sweep_data = vila_large_pages_alloc (sweep.n * sizeof (float));
      for (gsize i = 0; i < sweep.n; i++)
        sweep_data[i] = 1.0f;
      sweep.data = sweep_data;
      sweep.sums = sweep_sums = g_new (double, (sweep.n + SWEEP_CHUNK - 1) / SWEEP_CHUNK);
      read_sweep_gb_s (&sweep);
    }
  else if (ops == &vila_cpu_backend)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "This build has no CUDA backend");
      return FALSE;
    }

  start = g_get_monotonic_time ();
  result->weight_bytes_per_token = build_weights (&config, llm_weights, vision_weights);
  if (!(llm = vila_llm_new (&config.llm, llm_weights, ops, NULL, error)) ||
      !(vision = vila_vision_new (&config, vision_weights, vision_weights, ops, NULL, error)))
    return FALSE;
  result->load_s = seconds_since (start);

  /* Time to first token: images through the tower and projector, then the
   * prompt, then one token. */
  n_prompt = options->prompt_tokens + (gsize) options->n_images * config.tokens_per_image;
  /* Room for the warm-up image too when the run itself has none. */
  embeddings = g_new0 (float, MAX (n_prompt, (gsize) config.tokens_per_image) * hidden);
  logits = g_new (float, config.llm.vocab);
  cache = vila_kv_cache_new (llm, config.llm.max_positions);
  /* A photo already at the tower's size, as the time-to-first-token
   * target is stated (resizing others is the CPU's, before the GPU). */
  image_pixels = g_malloc ((gsize) 384 * 384 * 3);
  for (gsize i = 0; i < (gsize) 384 * 384 * 3; i++)
    image_pixels[i] = (guint8) (i * 7);

  /* One untimed round first: a GPU loads its kernels and grows its memory
   * pool on first use, which a chat pays once per session, not per answer. */
  if (!encode_images (&config, vision, image_pixels, 1, embeddings, error))
    return FALSE;
  {
    g_autoptr(VilaKvCache) warm = vila_kv_cache_new (llm, config.llm.max_positions);
    gint32 token;

    if (!vila_llm_forward (llm, warm, embeddings, config.tokens_per_image, FALSE, logits, error) ||
        !vila_llm_forward_greedy (llm, warm, embeddings, 1, &token, error))
      return FALSE;
  }

  start = g_get_monotonic_time ();
  if (!encode_images (&config, vision, image_pixels, options->n_images, embeddings, error))
    return FALSE;
  result->vision_s = seconds_since (start);
  {
    g_autofree gint32 *ids = g_new (gint32, options->prompt_tokens);
    gint64 prefill_start = g_get_monotonic_time ();

    for (guint i = 0; i < options->prompt_tokens; i++)
      ids[i] = 100 + i;
    vila_llm_embed (llm, ids, options->prompt_tokens,
                    embeddings + (gsize) options->n_images * config.tokens_per_image * hidden);
    if (!vila_llm_forward (llm, cache, embeddings, n_prompt, FALSE, logits, error))
      return FALSE;
    result->prefill_s = seconds_since (prefill_start);
  }
  result->ttft_ms = seconds_since (start) * 1000;
  result->prompt_tokens = n_prompt;
  result->prefill_tok_s = n_prompt / result->prefill_s;
  {
    /* The work prefill does: every layer's weights for each position, the
     * LM head for the last one only, and causal attention (Q·Kᵀ and P·V
     * over the positions each query sees). */
    double lm_head = (double) config.llm.vocab * hidden;
    double layers = result->weight_bytes_per_token / 2.0 - lm_head;
    double attention = 2.0 * config.llm.n_layers * (double) config.llm.n_heads * config.llm.head_dim *
                       (double) n_prompt * (n_prompt + 1) / 2.0;

    result->prefill_gflop_s = (2.0 * layers * n_prompt + 2.0 * lm_head + 2.0 * attention) / result->prefill_s / 1e9;
  }

  /* Decoding, in blocks of eight tokens. On the CPU a read sweep runs
   * before the first block and after each one, and each block is held
   * against the mean of the two sweeps beside it: a virtual machine's
   * bandwidth moves by a third within a minute with its neighbours' load,
   * so one sweep at the start would judge the decoder by another moment. */
  {
    const guint block_tokens = 8;
    guint n_blocks = (options->gen_tokens + block_tokens - 1) / block_tokens;
    g_autofree double *sweeps = g_new (double, n_blocks + 1);
    g_autofree double *fractions = g_new (double, MAX (n_blocks, 1));
    guint64 kv_per_position = 2ull * config.llm.n_layers * config.llm.n_kv_heads * config.llm.head_dim * sizeof (float);
    guint64 bytes = 0;
    double decode_s = 0;
    /* Sampling (temperature > 0) draws over the ids so far, as a chat's
     * session does; the image rows are -1 there. */
    VilaSamplingParams sampling = { options->temperature, options->top_p, 0, 1.0f, 1, options->gen_tokens };
    g_autofree gint32 *history = g_new (gint32, n_prompt + options->gen_tokens);
    guint64 rng_state = 20261126;
    gsize image_rows = (gsize) options->n_images * config.tokens_per_image;

    /* The prompt as prefilled above: image rows, then ids 100, 101, … */
    for (gsize i = 0; i < n_prompt; i++)
      history[i] = i < image_rows ? -1 : 100 + (gint32) (i - image_rows);

    if (sweep.data)
      sweeps[0] = read_sweep_gb_s (&sweep);
    for (guint block = 0; block < n_blocks; block++)
      {
        guint first = block * block_tokens, count = MIN (block_tokens, options->gen_tokens - first);
        guint64 block_bytes = 0;
        double seconds;

        start = g_get_monotonic_time ();
        for (guint i = first; i < first + count; i++)
          {
            gint32 token = 200 + i, next;

            /* On a GPU only the token comes back, as in a chat. Per token
             * every weight is read once, and the keys and values of every
             * position so far. */
            vila_llm_embed (llm, &token, 1, embeddings);
            history[n_prompt + i] = token;
            if (!vila_llm_forward_sample (llm, cache, embeddings, 1, &sampling, history, n_prompt + i + 1, &rng_state,
                                          &next, error))
              return FALSE;
            block_bytes += result->weight_bytes_per_token + kv_per_position * (n_prompt + i + 1);
          }
        seconds = seconds_since (start);
        decode_s += seconds;
        bytes += block_bytes;
        if (sweep.data)
          {
            sweeps[block + 1] = read_sweep_gb_s (&sweep);
            fractions[block] = block_bytes / seconds / 1e9 / ((sweeps[block] + sweeps[block + 1]) / 2);
          }
      }
    result->gen_tokens = options->gen_tokens;
    if (options->gen_tokens > 0)
      {
        result->decode_tok_s = options->gen_tokens / decode_s;
        result->decode_gb_s = bytes / decode_s / 1e9;
        result->kv_bytes_per_token = bytes / options->gen_tokens - result->weight_bytes_per_token;
      }
    if (sweep.data)
      {
        result->read_gb_s = median (sweeps, n_blocks + 1);
        result->bandwidth_fraction = n_blocks > 0 ? median (fractions, n_blocks) : 0;
      }
    else if (result->read_gb_s > 0)
      result->bandwidth_fraction = result->decode_gb_s / result->read_gb_s;
  }
  return TRUE;
}
