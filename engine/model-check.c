/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The tensors each component must have, by name, shape and dtype, checked
 * against the config before anything uses them (vila-format.md sections
 * 1-3). Names are those of the Hugging Face modules that saved them; the
 * flat LLaVA layout keeps all three components in one file under the
 * prefixes of LlavaLlamaForCausalLM.
 */
#define G_LOG_DOMAIN "vila-weights"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "model-check.h"
#include "vila-private.h"

typedef struct {
  VilaWeights *weights;
  const char  *folder;
  GError     **error;
  gboolean     failed;
} Check;

/* Checks one tensor: present, a float type, and of the given shape
 * (dimensions end with -1). */
static const VilaTensor *
expect (Check      *check,
        const char *name,
        ...)
{
  const VilaTensor *tensor;
  gint64 shape[VILA_TENSOR_MAX_DIMS];
  guint n_dims = 0;
  gboolean same;
  va_list args;

  if (check->failed)
    return NULL;

  va_start (args, name);
  for (gint64 d = va_arg (args, gint64); d >= 0 && n_dims < VILA_TENSOR_MAX_DIMS; d = va_arg (args, gint64))
    shape[n_dims++] = d;
  va_end (args);

  tensor = vila_weights_lookup (check->weights, name);
  if (tensor == NULL)
    {
      check->failed = TRUE;
      vila_file_error (check->error, VILA_ERROR_INVALID_CHECKPOINT, check->folder,
                       "the tensor “%s” is missing", name);
      return NULL;
    }
  if (tensor->type != VILA_TENSOR_F32 && tensor->type != VILA_TENSOR_F16 && tensor->type != VILA_TENSOR_BF16)
    {
      check->failed = TRUE;
      vila_file_error (check->error, VILA_ERROR_UNSUPPORTED, tensor->file,
                       "the tensor “%s” is %s; weights must be F32, F16 or BF16",
                       name, vila_tensor_type_name (tensor->type));
      return NULL;
    }

  same = tensor->n_dims == n_dims;
  for (guint d = 0; same && d < n_dims; d++)
    same = tensor->shape[d] == shape[d];
  if (!same)
    {
      g_autoptr(GString) want = g_string_new ("[");
      g_autoptr(GString) have = g_string_new ("[");

      for (guint d = 0; d < n_dims; d++)
        g_string_append_printf (want, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, shape[d]);
      for (guint d = 0; d < tensor->n_dims; d++)
        g_string_append_printf (have, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, tensor->shape[d]);
      g_string_append_c (want, ']');
      g_string_append_c (have, ']');
      check->failed = TRUE;
      vila_file_error (check->error, VILA_ERROR_INVALID_CHECKPOINT, tensor->file,
                       "the tensor “%s” has shape %s, but config.json implies %s", name, have->str, want->str);
      return NULL;
    }
  return tensor;
}

#define EXPECT(check, ...) expect ((check), __VA_ARGS__, (gint64) -1)
#define D(x) ((gint64) (x))

static void
check_llm (Check               *check,
           const VilaLlmConfig *llm)
{
  gint64 q_width = D (llm->n_heads) * llm->head_dim;
  gint64 kv_width = D (llm->n_kv_heads) * llm->head_dim;

  EXPECT (check, "model.embed_tokens.weight", D (llm->vocab), D (llm->hidden));
  for (guint i = 0; i < llm->n_layers && !check->failed; i++)
    {
      g_autofree char *p = g_strdup_printf ("model.layers.%u.", i);
      g_autofree char *n = NULL;

#define LAYER(suffix) (g_free (n), n = g_strconcat (p, suffix, NULL))
      EXPECT (check, LAYER ("input_layernorm.weight"), D (llm->hidden));
      EXPECT (check, LAYER ("self_attn.q_proj.weight"), q_width, D (llm->hidden));
      EXPECT (check, LAYER ("self_attn.k_proj.weight"), kv_width, D (llm->hidden));
      EXPECT (check, LAYER ("self_attn.v_proj.weight"), kv_width, D (llm->hidden));
      EXPECT (check, LAYER ("self_attn.o_proj.weight"), D (llm->hidden), q_width);
      if (llm->qkv_bias)
        {
          EXPECT (check, LAYER ("self_attn.q_proj.bias"), q_width);
          EXPECT (check, LAYER ("self_attn.k_proj.bias"), kv_width);
          EXPECT (check, LAYER ("self_attn.v_proj.bias"), kv_width);
        }
      EXPECT (check, LAYER ("post_attention_layernorm.weight"), D (llm->hidden));
      EXPECT (check, LAYER ("mlp.gate_proj.weight"), D (llm->intermediate), D (llm->hidden));
      EXPECT (check, LAYER ("mlp.up_proj.weight"), D (llm->intermediate), D (llm->hidden));
      EXPECT (check, LAYER ("mlp.down_proj.weight"), D (llm->hidden), D (llm->intermediate));
#undef LAYER
    }
  EXPECT (check, "model.norm.weight", D (llm->hidden));
  /* Tied embeddings may still be saved as lm_head; untied ones must be. */
  if (!llm->tie_embeddings || vila_weights_lookup (check->weights, "lm_head.weight") != NULL)
    EXPECT (check, "lm_head.weight", D (llm->vocab), D (llm->hidden));
}

/* The layers the feature selection runs: hidden_states[select] is the
 * output of that many layers (-2: all but the last). */
guint
vila_vision_layers_used (const VilaVisionConfig *vision)
{
  gint select = vision->select_layer;

  return select >= 0 ? (guint) select : (guint) (vision->n_layers + 1 + select);
}

static void
check_vision (Check                  *check,
              const VilaVisionConfig *vision,
              const char             *prefix)
{
  gint64 grid = vision->image_size / vision->patch_size;
  gint64 positions = grid * grid + (vision->has_cls ? 1 : 0);
  gint64 h = vision->hidden;
  g_autofree char *n = NULL;

#define NAME(suffix) (g_free (n), n = g_strconcat (prefix, "vision_model.", suffix, NULL))
  if (vision->kind == VILA_VISION_INTERNVIT)
    {
      check->failed = TRUE;
      vila_file_error (check->error, VILA_ERROR_UNSUPPORTED, check->folder,
                       "the InternViT vision tower of VILA1.5-40B is not supported yet");
      return;
    }

  EXPECT (check, NAME ("embeddings.patch_embedding.weight"), h, D (3), D (vision->patch_size), D (vision->patch_size));
  EXPECT (check, NAME ("embeddings.position_embedding.weight"), positions, h);
  if (vision->kind == VILA_VISION_SIGLIP)
    EXPECT (check, NAME ("embeddings.patch_embedding.bias"), h);
  else
    {
      EXPECT (check, NAME ("embeddings.class_embedding"), h);
      EXPECT (check, NAME ("pre_layrnorm.weight"), h);
      EXPECT (check, NAME ("pre_layrnorm.bias"), h);
    }

  for (guint i = 0; i < vila_vision_layers_used (vision) && !check->failed; i++)
    {
      g_autofree char *layer = g_strdup_printf ("encoder.layers.%u.", i);
      static const char * const square[] = { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj" };
      g_autofree char *m = NULL;

#define LAYER(suffix) (g_free (m), m = g_strconcat (layer, suffix, NULL), NAME (m))
      for (guint k = 0; k < G_N_ELEMENTS (square); k++)
        {
          g_autofree char *w = g_strconcat (square[k], ".weight", NULL);
          g_autofree char *b = g_strconcat (square[k], ".bias", NULL);

          EXPECT (check, LAYER (w), h, h);
          EXPECT (check, LAYER (b), h);
        }
      EXPECT (check, LAYER ("layer_norm1.weight"), h);
      EXPECT (check, LAYER ("layer_norm1.bias"), h);
      EXPECT (check, LAYER ("layer_norm2.weight"), h);
      EXPECT (check, LAYER ("layer_norm2.bias"), h);
      EXPECT (check, LAYER ("mlp.fc1.weight"), D (vision->intermediate), h);
      EXPECT (check, LAYER ("mlp.fc1.bias"), D (vision->intermediate));
      EXPECT (check, LAYER ("mlp.fc2.weight"), h, D (vision->intermediate));
      EXPECT (check, LAYER ("mlp.fc2.bias"), h);
#undef LAYER
    }
#undef NAME
}

static void
check_projector (Check                 *check,
                 const VilaModelConfig *config,
                 const char            *prefix)
{
  gint64 c = config->mm_hidden;
  gint64 h = config->llm.hidden;
  g_autofree char *n = NULL;

#define NAME(index, what) (g_free (n), n = g_strdup_printf ("%s%s%s", prefix, index, what))
  switch (config->projector)
    {
    case VILA_PROJECTOR_LINEAR:
      /* Not a Sequential: the module itself holds the weights. */
      EXPECT (check, NAME ("", "weight"), h, c);
      EXPECT (check, NAME ("", "bias"), h);
      break;
    case VILA_PROJECTOR_MLP2X_GELU:
      EXPECT (check, NAME ("0.", "weight"), h, c);
      EXPECT (check, NAME ("0.", "bias"), h);
      EXPECT (check, NAME ("2.", "weight"), h, h);
      EXPECT (check, NAME ("2.", "bias"), h);
      break;
    case VILA_PROJECTOR_MLP_DOWNSAMPLE:
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX:
      EXPECT (check, NAME ("1.", "weight"), 4 * c);
      EXPECT (check, NAME ("1.", "bias"), 4 * c);
      EXPECT (check, NAME ("2.", "weight"), h, 4 * c);
      EXPECT (check, NAME ("2.", "bias"), h);
      EXPECT (check, NAME ("4.", "weight"), h, h);
      EXPECT (check, NAME ("4.", "bias"), h);
      break;
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX:
      EXPECT (check, NAME ("1.", "weight"), 9 * c);
      EXPECT (check, NAME ("1.", "bias"), 9 * c);
      EXPECT (check, NAME ("2.", "weight"), 3 * c, 9 * c);
      EXPECT (check, NAME ("2.", "bias"), 3 * c);
      EXPECT (check, NAME ("4.", "weight"), 3 * c);
      EXPECT (check, NAME ("4.", "bias"), 3 * c);
      EXPECT (check, NAME ("5.", "weight"), h, 3 * c);
      EXPECT (check, NAME ("5.", "bias"), h);
      EXPECT (check, NAME ("7.", "weight"), h, h);
      EXPECT (check, NAME ("7.", "bias"), h);
      break;
    default:
      g_assert_not_reached ();
    }
#undef NAME
}

gboolean
vila_check_llm (VilaWeights         *weights,
                const char          *folder,
                const VilaLlmConfig *llm,
                GError             **error)
{
  Check check = { weights, folder, error, FALSE };

  check_llm (&check, llm);
  return !check.failed;
}

gboolean
vila_check_vision (VilaWeights            *weights,
                   const char             *folder,
                   const VilaVisionConfig *vision,
                   gboolean                flat,
                   GError                **error)
{
  Check check = { weights, folder, error, FALSE };

  check_vision (&check, vision, flat ? "model.vision_tower.vision_tower." : "");
  return !check.failed;
}

gboolean
vila_check_projector (VilaWeights           *weights,
                      const char            *folder,
                      const VilaModelConfig *config,
                      GError               **error)
{
  Check check = { weights, folder, error, FALSE };

  check_projector (&check, config, config->layout == VILA_LAYOUT_FLAT ? "model.mm_projector." : "layers.");
  return !check.failed;
}
