/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vision towers as transformers' SiglipVisionModel and CLIPVisionModel
 * compute them, up to the layer the feature selection takes
 * (vila-format.md section 2):
 *
 *   patches = conv(pixels, p x p, stride p)   (the remainder pixels dropped)
 *   CLIP: prepend the class embedding; both: add position embeddings
 *   CLIP: pre-LayerNorm
 *   per layer: x += out(attention(LN1(x))); x += fc2(act(fc1(LN2(x))))
 *
 * with SigLIP's tanh GELU and CLIP's quick GELU. The projector follows
 * (section 3).
 */
#define G_LOG_DOMAIN "vila-vision"

#include "config.h"

#include <string.h>

#include "model-check.h"
#include "vision.h"

typedef struct {
  VilaMatrix norm1_w, norm1_b, norm2_w, norm2_b;
  VilaMatrix q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b;
  VilaMatrix fc1_w, fc1_b, fc2_w, fc2_b;
} Layer;

struct _VilaVision
{
  const VilaModelConfig *config;
  const VilaBackendOps  *ops;
  VilaMatrix             patch_w, patch_b, position, class_embedding, pre_norm_w, pre_norm_b;
  gboolean               has_patch_bias;
  Layer                 *layers;
  guint                  n_layers;      /* the layers that run */
  VilaMatrix             proj[5][2];    /* the projector's modules: weight, bias */
  GPtrArray             *bound;         /* the matrices the backend holds a copy of */
};

static VilaMatrix
tensor (VilaWeights *weights,
        const char  *prefix,
        const char  *name)
{
  g_autofree char *full = g_strconcat (prefix, name, NULL);
  const VilaTensor *t = vila_weights_lookup (weights, full);

  /* Checked at load (model-check.c). */
  g_assert (t != NULL);
  return vila_matrix_from_tensor (t);
}

/* Hands every weight to the backend (a GPU uploads them here, once). */
static gboolean
bind_weights (VilaVision        *vision,
              VilaBindProgress  *progress,
              GError           **error)
{
  VilaMatrix *embeddings[] = {
    &vision->patch_w, &vision->patch_b, &vision->position, &vision->class_embedding,
    &vision->pre_norm_w, &vision->pre_norm_b,
  };

  for (guint i = 0; i < G_N_ELEMENTS (embeddings); i++)
    if (embeddings[i]->data != NULL &&
        !vila_backend_bind (vision->ops, vision->bound, embeddings[i], progress, error))
      return FALSE;
  for (guint i = 0; i < vision->n_layers; i++)
    {
      /* Layer is a run of VilaMatrix fields. */
      VilaMatrix *all = (VilaMatrix *) &vision->layers[i];

      for (guint j = 0; j < sizeof (Layer) / sizeof (VilaMatrix); j++)
        if (!vila_backend_bind (vision->ops, vision->bound, &all[j], progress, error))
          return FALSE;
    }
  for (guint m = 0; m < G_N_ELEMENTS (vision->proj); m++)
    for (guint j = 0; j < 2; j++)
      if (vision->proj[m][j].data != NULL &&
          !vila_backend_bind (vision->ops, vision->bound, &vision->proj[m][j], progress, error))
        return FALSE;
  return TRUE;
}

VilaVision *
vila_vision_new (const VilaModelConfig  *config,
                 VilaWeights            *tower_weights,
                 VilaWeights            *projector_weights,
                 const VilaBackendOps   *ops,
                 VilaBindProgress       *progress,
                 GError                **error)
{
  g_autoptr(VilaVision) vision = g_new0 (VilaVision, 1);
  gboolean flat = config->layout == VILA_LAYOUT_FLAT;
  const char *prefix = flat ? "model.vision_tower.vision_tower.vision_model." : "vision_model.";
  const char *proj = flat ? "model.mm_projector." : "layers.";
  static const char * const modules[][5] = {
    [VILA_PROJECTOR_LINEAR] = { "" },
    [VILA_PROJECTOR_MLP2X_GELU] = { "0.", "2." },
    [VILA_PROJECTOR_MLP_DOWNSAMPLE] = { "1.", "2.", "4." },
    [VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX] = { "1.", "2.", "4." },
    [VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX] = { "1.", "2.", "4.", "5.", "7." },
  };

  vision->config = config;
  vision->ops = ops;
  vision->bound = g_ptr_array_new ();
  vision->n_layers = vila_vision_layers_used (&config->vision);
  vision->patch_w = tensor (tower_weights, prefix, "embeddings.patch_embedding.weight");
  vision->position = tensor (tower_weights, prefix, "embeddings.position_embedding.weight");
  if (config->vision.kind == VILA_VISION_SIGLIP)
    {
      vision->patch_b = tensor (tower_weights, prefix, "embeddings.patch_embedding.bias");
      vision->has_patch_bias = TRUE;
    }
  else
    {
      vision->class_embedding = tensor (tower_weights, prefix, "embeddings.class_embedding");
      vision->pre_norm_w = tensor (tower_weights, prefix, "pre_layrnorm.weight");
      vision->pre_norm_b = tensor (tower_weights, prefix, "pre_layrnorm.bias");
    }

  vision->layers = g_new0 (Layer, vision->n_layers);
  for (guint i = 0; i < vision->n_layers; i++)
    {
      Layer *l = &vision->layers[i];
      g_autofree char *p = g_strdup_printf ("%sencoder.layers.%u.", prefix, i);

#define T(field, name) l->field = tensor (tower_weights, p, name)
      T (norm1_w, "layer_norm1.weight"); T (norm1_b, "layer_norm1.bias");
      T (norm2_w, "layer_norm2.weight"); T (norm2_b, "layer_norm2.bias");
      T (q_w, "self_attn.q_proj.weight"); T (q_b, "self_attn.q_proj.bias");
      T (k_w, "self_attn.k_proj.weight"); T (k_b, "self_attn.k_proj.bias");
      T (v_w, "self_attn.v_proj.weight"); T (v_b, "self_attn.v_proj.bias");
      T (o_w, "self_attn.out_proj.weight"); T (o_b, "self_attn.out_proj.bias");
      T (fc1_w, "mlp.fc1.weight"); T (fc1_b, "mlp.fc1.bias");
      T (fc2_w, "mlp.fc2.weight"); T (fc2_b, "mlp.fc2.bias");
#undef T
    }

  for (guint m = 0; m < G_N_ELEMENTS (modules[0]) && modules[config->projector][m] != NULL; m++)
    {
      g_autofree char *p = g_strconcat (proj, modules[config->projector][m], NULL);

      vision->proj[m][0] = tensor (projector_weights, p, "weight");
      vision->proj[m][1] = tensor (projector_weights, p, "bias");
    }
  if (!bind_weights (vision, progress, error))
    return NULL;
  return g_steal_pointer (&vision);
}

void
vila_vision_free (VilaVision *vision)
{
  if (vision == NULL)
    return;
  vila_backend_release_all (vision->ops, vision->bound);
  g_ptr_array_unref (vision->bound);
  g_free (vision->layers);
  g_free (vision);
}

static gboolean
out_of_memory (const VilaBackendOps  *ops,
               GError               **error)
{
  g_set_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY, "No memory left (%s) to encode an image", ops->name);
  return FALSE;
}

float *
vila_vision_features (VilaVision   *vision,
                      const float  *pixels,
                      gsize        *n_features,
                      GError      **error)
{
  const VilaVisionConfig *vc = &vision->config->vision;
  const VilaBackendOps *ops = vision->ops;
  gsize p = vc->patch_size, size = vc->image_size, grid = size / p;
  gsize hidden = vc->hidden, heads = vc->n_heads, head_dim = hidden / heads;
  gsize first = vc->has_cls ? 1 : 0;
  gsize n = grid * grid + first;
  gsize n_patch_floats = grid * grid * 3 * p * p;
  gsize drop = first && !vc->keep_cls ? 1 : 0;
  g_autofree float *patches = g_new (float, n_patch_floats);
  g_autofree gint32 *positions = g_new (gint32, n);
  float *arena, *x, *h, *q, *k, *v, *attn, *mlp, *result;
  const gint32 class_row = 0;

  /* Patches flattened as the conv kernel is: channel, then row, then column. */
  for (gsize r = 0; r < grid; r++)
    for (gsize c = 0; c < grid; c++)
      {
        float *dst = patches + (r * grid + c) * 3 * p * p;

        for (gsize ch = 0; ch < 3; ch++)
          for (gsize ky = 0; ky < p; ky++)
            memcpy (dst + (ch * p + ky) * p, pixels + (ch * size + r * p + ky) * size + c * p, p * sizeof (float));
      }
  for (gsize t = 0; t < n; t++)
    positions[t] = t;

  if (!(arena = ops->alloc (n_patch_floats + 6 * n * hidden + n * vc->intermediate)))
    return out_of_memory (ops, error), NULL;
  x = arena + n_patch_floats;
  h = x + n * hidden;
  q = h + n * hidden;
  k = q + n * hidden;
  v = k + n * hidden;
  attn = v + n * hidden;
  mlp = attn + n * hidden;

  ops->upload (arena, patches, n_patch_floats);
  ops->matmul (x + first * hidden, arena, grid * grid, &vision->patch_w, vision->has_patch_bias ? &vision->patch_b : NULL);
  if (first)
    ops->embed (x, &vision->class_embedding, &class_row, 1);
  ops->embed (h, &vision->position, positions, n);
  ops->add (x, h, n * hidden);
  if (vc->kind == VILA_VISION_CLIP)
    {
      ops->layer_norm (h, x, n, hidden, &vision->pre_norm_w, &vision->pre_norm_b, vc->norm_eps);
      ops->copy (x, h, n * hidden);
    }

  for (guint i = 0; i < vision->n_layers; i++)
    {
      const Layer *l = &vision->layers[i];

      ops->layer_norm (h, x, n, hidden, &l->norm1_w, &l->norm1_b, vc->norm_eps);
      ops->matmul (q, h, n, &l->q_w, &l->q_b);
      ops->matmul (k, h, n, &l->k_w, &l->k_b);
      ops->matmul (v, h, n, &l->v_w, &l->v_b);
      ops->attention (attn, q, k, v, n, n, 0, heads, heads, head_dim, FALSE);
      ops->matmul (h, attn, n, &l->o_w, &l->o_b);
      ops->add (x, h, n * hidden);

      ops->layer_norm (h, x, n, hidden, &l->norm2_w, &l->norm2_b, vc->norm_eps);
      ops->matmul (mlp, h, n, &l->fc1_w, &l->fc1_b);
      if (vc->kind == VILA_VISION_SIGLIP)
        ops->gelu_tanh (mlp, n * vc->intermediate);
      else
        ops->quick_gelu (mlp, n * vc->intermediate);
      ops->matmul (h, mlp, n, &l->fc2_w, &l->fc2_b);
      ops->add (x, h, n * hidden);
    }

  /* "patch" drops the class token; SigLIP has none to drop. */
  *n_features = n - drop;
  result = g_new (float, *n_features * hidden);
  ops->download (result, x + drop * hidden, *n_features * hidden);
  ops->free (arena);
  return result;
}

float *
vila_vision_project (VilaVision   *vision,
                     const float  *features,
                     gsize         n_features,
                     gboolean      column_major,
                     gsize        *n_tokens,
                     GError      **error)
{
  const VilaModelConfig *config = vision->config;
  const VilaBackendOps *ops = vision->ops;
  VilaMatrix (*P)[2] = vision->proj;
  gsize c = config->mm_hidden, h = config->llm.hidden;
  gsize grid = config->vision.image_size / config->vision.patch_size;
  gsize n = n_features, width = c, m = 0, wide;
  float *arena, *in, *a, *b, *result, *out;

  /* The downsampling projectors merge m x m blocks of the feature grid
   * (zero-padded) into one token each. */
  if (config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE || config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX)
    m = 2;
  else if (config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX)
    m = 3;
  if (m != 0)
    {
      g_assert (n_features == grid * grid);
      n = ((grid + m - 1) / m) * ((grid + m - 1) / m);
      width = m * m * c;
    }

  wide = MAX (MAX (width, 3 * c), h);
  if (!(arena = ops->alloc (n_features * c + n * (width + 2 * wide))))
    return out_of_memory (ops, error), NULL;
  in = arena + n_features * c;
  a = in + n * width;
  b = a + n * wide;
  if (m != 0)
    {
      ops->upload (arena, features, n_features * c);
      ops->downsample (in, arena, grid, c, m, config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE && column_major);
    }
  else
    ops->upload (in, features, n * width);

  switch (config->projector)
    {
    case VILA_PROJECTOR_LINEAR:
      ops->matmul (a, in, n, &P[0][0], &P[0][1]);
      result = a;
      break;

    case VILA_PROJECTOR_MLP2X_GELU:
      ops->matmul (a, in, n, &P[0][0], &P[0][1]);
      ops->gelu_erf (a, n * h);
      ops->matmul (b, a, n, &P[1][0], &P[1][1]);
      result = b;
      break;

    case VILA_PROJECTOR_MLP_DOWNSAMPLE:
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX:
      ops->layer_norm (a, in, n, 4 * c, &P[0][0], &P[0][1], 1e-5f);
      ops->matmul (b, a, n, &P[1][0], &P[1][1]);
      ops->gelu_erf (b, n * h);
      ops->matmul (a, b, n, &P[2][0], &P[2][1]);
      result = a;
      break;

    case VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX:
      ops->layer_norm (a, in, n, 9 * c, &P[0][0], &P[0][1], 1e-5f);
      ops->matmul (b, a, n, &P[1][0], &P[1][1]);
      ops->gelu_erf (b, n * 3 * c);
      ops->layer_norm (a, b, n, 3 * c, &P[2][0], &P[2][1], 1e-5f);
      ops->matmul (b, a, n, &P[3][0], &P[3][1]);
      ops->gelu_erf (b, n * h);
      ops->matmul (a, b, n, &P[4][0], &P[4][1]);
      result = a;
      break;

    default:
      g_assert_not_reached ();
    }

  out = g_new (float, n * h);
  ops->download (out, result, n * h);
  ops->free (arena);
  *n_tokens = n;
  return out;
}
