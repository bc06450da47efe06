/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Loading a checkpoint: config.json, the tokenizer, and the weights of
 * every component mapped in place and checked against the config. Nothing
 * is copied; the mapping is what later code computes from.
 */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <string.h>

#include "model-check.h"
#include "model-private.h"
#include "vila.h"


static gboolean
cancelled (const VilaLoadOptions  *options,
           GError                **error)
{
  if (options->cancel == NULL || !g_atomic_int_get (options->cancel))
    return FALSE;
  g_set_error (error, VILA_ERROR, VILA_ERROR_CANCELLED, "Loading was cancelled");
  return TRUE;
}

static void
progress (const VilaLoadOptions *options,
          double                 fraction,
          const char            *what)
{
  if (options->progress != NULL)
    options->progress (fraction, what, options->progress_data);
}

/* Parameters, bytes and dtypes over every distinct file set. */
static void
count_weights (VilaModel *self)
{
  VilaWeights *sets[] = { self->llm_weights, self->vision_weights, self->projector_weights };
  gboolean seen_type[VILA_TENSOR_F8_E5M2 + 1] = { FALSE };
  g_autoptr(GString) dtypes = g_string_new (NULL);

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autoptr(GPtrArray) tensors = NULL;

      if (sets[s] == NULL || (s > 0 && sets[s] == sets[0]) || (s > 1 && sets[s] == sets[1]))
        continue;
      tensors = vila_weights_list (sets[s]);
      for (guint i = 0; i < tensors->len; i++)
        {
          const VilaTensor *tensor = g_ptr_array_index (tensors, i);

          self->info.n_parameters += tensor->n_elements;
          self->info.n_bytes += tensor->n_bytes;
          seen_type[tensor->type] = TRUE;
        }
    }

  for (guint t = 0; t < G_N_ELEMENTS (seen_type); t++)
    if (seen_type[t])
      g_string_append_printf (dtypes, "%s%s", dtypes->len ? ", " : "", vila_tensor_type_name (t));
  self->dtypes = g_string_free (g_steal_pointer (&dtypes), FALSE);
}

static void
fill_info (VilaModel       *self,
           VilaTokenOrder   token_order,
           VilaBackendKind  backend)
{
  const VilaModelConfig *config = self->config;

  self->info.family = config->family;
  /* VILA1.5 checkpoints were trained with the column-major 2x2 order
   * (vila-format.md section 0.1); NVILA's code is raster. */
  self->info.column_major = token_order == VILA_TOKEN_ORDER_AUTO ? config->family != VILA_FAMILY_NVILA
                          : token_order == VILA_TOKEN_ORDER_COLUMN_MAJOR;
  self->info.name = self->name;
  self->info.layout = config->layout == VILA_LAYOUT_FLAT ? "flat" : "three-part";
  self->info.template_name = config->template_name;
  self->info.backend = backend;
  self->info.context_length = config->llm.max_positions;
  self->info.image_size = config->vision.image_size;
  self->info.tokens_per_image = config->tokens_per_image;
  self->info.dtypes = self->dtypes;
  self->info.llm_type = config->llm.model_type;
  self->info.llm_layers = config->llm.n_layers;
  self->info.llm_hidden = config->llm.hidden;
  self->info.llm_heads = config->llm.n_heads;
  self->info.llm_kv_heads = config->llm.n_kv_heads;
  self->info.vocab_size = config->llm.vocab;
  self->info.vision_type = vila_vision_kind_name (config->vision.kind);
  self->info.vision_layers = vila_vision_layers_used (&config->vision);
  self->info.vision_hidden = config->vision.hidden;
  self->info.projector = vila_projector_kind_name (config->projector);
}

static gboolean
open_weights (VilaModel              *self,
              const VilaLoadOptions  *options,
              GError                **error)
{
  VilaModelConfig *config = self->config;
  gboolean flat = config->layout == VILA_LAYOUT_FLAT;

  progress (options, 0.1, "llm");
  if (!(self->llm_weights = vila_weights_open (config->llm_dir, error)) ||
      !vila_check_llm (self->llm_weights, config->llm_dir, &config->llm, error) ||
      cancelled (options, error))
    return FALSE;

  progress (options, 0.15, "vision_tower");
  if (flat)
    self->vision_weights = self->llm_weights;
  else if (!(self->vision_weights = vila_weights_open (config->vision_dir, error)))
    return FALSE;
  if (!vila_check_vision (self->vision_weights, config->vision_dir, &config->vision, flat, error) ||
      cancelled (options, error))
    return FALSE;

  progress (options, 0.2, "mm_projector");
  if (flat)
    self->projector_weights = self->llm_weights;
  else if (!(self->projector_weights = vila_weights_open (config->projector_dir, error)))
    return FALSE;
  return vila_check_projector (self->projector_weights, config->projector_dir, config, error);
}

/* The backend's operations; for CUDA after checking that the weights (in
 * @dtype) and a full context fit in the GPU's free memory, so that a model
 * too large fails here with both figures rather than halfway through. */
static const VilaBackendOps *
choose_ops (VilaModel       *self,
            VilaBackendKind  backend,
            VilaDtype        dtype,
            GError         **error)
{
#if VILA_HAVE_CUDA
  const VilaLlmConfig *c = &self->config->llm;
  guint64 free_bytes, total_bytes, needed;
  const VilaBackendOps *ops;

  if (backend != VILA_BACKEND_CUDA)
    return &vila_cpu_backend;
  if (!(ops = vila_cuda_backend_get (dtype, error)) || !vila_cuda_memory_info (&free_bytes, &total_bytes, error))
    return NULL;
  /* Weights in @dtype, the fp32 key/value cache of a full context, and a
   * margin for activations and cuBLAS's workspace. */
  needed = self->info.n_parameters * (dtype == VILA_DTYPE_F32 ? 4 : 2) +
           (guint64) 2 * 4 * c->n_layers * c->max_positions * c->n_kv_heads * c->head_dim +
           ((guint64) 512 << 20);
  if (needed > free_bytes)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY,
                   "%s needs %.2f GiB of GPU memory but only %.2f GiB of %.2f GiB are free",
                   self->name, needed / 1073741824.0, free_bytes / 1073741824.0, total_bytes / 1073741824.0);
      return NULL;
    }
  return ops;
#else
  g_assert (backend == VILA_BACKEND_CPU);
  return &vila_cpu_backend;
#endif
}

VilaModel *
vila_model_load (const char             *path,
                 const VilaLoadOptions  *options,
                 GError                **error)
{
  g_autoptr(VilaModel) self = NULL;
  g_autofree char *canonical = NULL;
  VilaLoadOptions defaults;
  VilaBackendKind backend;
  VilaBindProgress bind_progress;
  g_autofree char *backend_note = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      vila_load_options_init (&defaults);
      options = &defaults;
    }

  if (options->backend == VILA_BACKEND_CUDA)
    {
      g_autofree char *reason = NULL;

      if (!vila_backend_is_available (VILA_BACKEND_CUDA, &reason))
        {
          g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "The CUDA backend cannot run: %s", reason);
          return NULL;
        }
    }
  backend = vila_backend_resolve (options->backend, &backend_note);

  self = g_new0 (VilaModel, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_strdup (path);
  canonical = g_canonicalize_filename (path, NULL);
  self->name = g_path_get_basename (canonical);

  progress (options, 0.0, "config");
  if (!(self->config = vila_model_config_load (path, error)) || cancelled (options, error))
    return NULL;

  /* What the engine cannot compute yet is refused here, with the reason,
   * rather than read wrongly later. */
  if (self->config->mm_hidden != self->config->vision.hidden)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_UNSUPPORTED,
                   "%s: multi-scale (S2) vision features are not supported yet (mm_hidden_size %u, "
                   "tower width %u)", path, self->config->mm_hidden, self->config->vision.hidden);
      return NULL;
    }
  if (g_strcmp0 (self->config->aspect_ratio, "resize") != 0 && g_strcmp0 (self->config->aspect_ratio, "pad") != 0)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_UNSUPPORTED,
                   "%s: the image_aspect_ratio “%s” (NVILA's tiling) is not supported yet",
                   path, self->config->aspect_ratio);
      return NULL;
    }

  progress (options, 0.05, "tokenizer");
  if (!(self->tokenizer = vila_tokenizer_load (path, error)) || cancelled (options, error))
    return NULL;
  if (vila_tokenizer_get_n_tokens (self->tokenizer) > self->config->llm.vocab + 1024)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT,
                   "%s: the tokenizer has %u tokens but the language model only %u",
                   path, vila_tokenizer_get_n_tokens (self->tokenizer), self->config->llm.vocab);
      return NULL;
    }

  if (!open_weights (self, options, error) || cancelled (options, error))
    return NULL;

  if (!vila_preprocess_init (&self->preprocess, self->config, error))
    return NULL;
  self->template = vila_template_lookup (self->config->template_name);
  g_assert (self->template != NULL);

  count_weights (self);
  if (!(self->ops = choose_ops (self, backend, options->dtype, error)))
    return NULL;
  /* Mapping the files takes milliseconds; on a GPU the upload is most of
   * the load, reported as it goes. */
  bind_progress = (VilaBindProgress) {
    .func = options->progress, .data = options->progress_data, .cancel = options->cancel,
    .total = self->info.n_bytes, .from = 0.25, .to = 0.99,
  };
  progress (options, 0.25, "weights");
  if (!(self->llm = vila_llm_new (&self->config->llm, self->llm_weights, self->ops, &bind_progress, error)) ||
      !(self->vision = vila_vision_new (self->config, self->vision_weights, self->projector_weights,
                                        self->ops, &bind_progress, error)))
    return NULL;

  fill_info (self, options->token_order, backend);
  self->backend_note = g_steal_pointer (&backend_note);
  self->info.backend_note = self->backend_note;
  progress (options, 1.0, "done");
  return g_steal_pointer (&self);
}

VilaModel *
vila_model_ref (VilaModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
vila_model_unref (VilaModel *model)
{
  g_return_if_fail (model != NULL);

  if (!g_atomic_ref_count_dec (&model->ref_count))
    return;

  vila_llm_free (model->llm);
  vila_vision_free (model->vision);
  if (model->vision_weights != model->llm_weights)
    vila_weights_free (model->vision_weights);
  if (model->projector_weights != model->llm_weights)
    vila_weights_free (model->projector_weights);
  vila_weights_free (model->llm_weights);
  g_clear_pointer (&model->tokenizer, vila_tokenizer_unref);
  vila_model_config_free (model->config);
  g_free (model->path);
  g_free (model->name);
  g_free (model->dtypes);
  g_free (model->backend_note);
  g_free (model);
}

const VilaModelInfo *
vila_model_get_info (VilaModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return &model->info;
}

VilaTokenizer *
vila_model_get_tokenizer (VilaModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return model->tokenizer;
}
