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

VilaVision *
vila_vision_new (const VilaModelConfig *config,
                 VilaWeights           *tower_weights,
                 VilaWeights           *projector_weights,
                 const VilaBackendOps  *ops)
{
  VilaVision *vision = g_new0 (VilaVision, 1);
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
  return vision;
}

void
vila_vision_free (VilaVision *vision)
{
  if (vision == NULL)
    return;
  g_free (vision->layers);
  g_free (vision);
}

float *
vila_vision_features (VilaVision  *vision,
                      const float *pixels,
                      gsize       *n_features)
{
  const VilaVisionConfig *vc = &vision->config->vision;
  const VilaBackendOps *ops = vision->ops;
  gsize p = vc->patch_size, size = vc->image_size, grid = size / p;
  gsize hidden = vc->hidden, heads = vc->n_heads, head_dim = hidden / heads;
  gsize first = vc->has_cls ? 1 : 0;
  gsize n = grid * grid + first;
  g_autofree float *patches = g_new (float, grid * grid * 3 * p * p);
  g_autofree float *h = g_new (float, n * hidden);
  g_autofree float *q = g_new (float, n * hidden);
  g_autofree float *k = g_new (float, n * hidden);
  g_autofree float *v = g_new (float, n * hidden);
  g_autofree float *attn = g_new (float, n * hidden);
  g_autofree float *mlp = g_new (float, n * vc->intermediate);
  g_autofree float *row = g_new (float, hidden);
  float *x = g_new (float, n * hidden);
  float *result;

  /* Patches flattened as the conv kernel is: channel, then row, then column. */
  for (gsize r = 0; r < grid; r++)
    for (gsize c = 0; c < grid; c++)
      {
        float *dst = patches + (r * grid + c) * 3 * p * p;

        for (gsize ch = 0; ch < 3; ch++)
          for (gsize ky = 0; ky < p; ky++)
            memcpy (dst + (ch * p + ky) * p, pixels + (ch * size + r * p + ky) * size + c * p, p * sizeof (float));
      }
  ops->matmul (x + first * hidden, patches, grid * grid, &vision->patch_w, vision->has_patch_bias ? &vision->patch_b : NULL);
  if (first)
    vila_matrix_row (&vision->class_embedding, 0, x);
  for (gsize t = 0; t < n; t++)
    {
      vila_matrix_row (&vision->position, t, row);
      ops->add (x + t * hidden, row, hidden);
    }
  if (vc->kind == VILA_VISION_CLIP)
    {
      ops->layer_norm (h, x, n, hidden, &vision->pre_norm_w, &vision->pre_norm_b, vc->norm_eps);
      memcpy (x, h, n * hidden * sizeof (float));
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
  if (first && !vc->keep_cls)
    {
      result = g_memdup2 (x + hidden, (n - 1) * hidden * sizeof (float));
      g_free (x);
      *n_features = n - 1;
      return result;
    }
  *n_features = n;
  return x;
}

/* DownSampleBlock: the features as a grid, zero-padded at the bottom and
 * right to a multiple of @m, each m x m block concatenated row-major into
 * one token. Tokens in raster order, or (VILA1.5's 2x2) column-major. */
static float *
downsample (const float *features,
            gsize        grid,
            gsize        channels,
            gsize        m,
            gboolean     column_major,
            gsize       *n_tokens)
{
  gsize blocks = (grid + m - 1) / m;
  float *out = g_new0 (float, blocks * blocks * m * m * channels);

  for (gsize i = 0; i < blocks; i++)
    for (gsize j = 0; j < blocks; j++)
      {
        gsize token = column_major ? j * blocks + i : i * blocks + j;
        float *dst = out + token * m * m * channels;

        for (gsize dy = 0; dy < m; dy++)
          for (gsize dx = 0; dx < m; dx++)
            {
              gsize r = i * m + dy, c = j * m + dx;

              if (r < grid && c < grid)
                memcpy (dst + (dy * m + dx) * channels, features + (r * grid + c) * channels,
                        channels * sizeof (float));
            }
      }
  *n_tokens = blocks * blocks;
  return out;
}

float *
vila_vision_project (VilaVision  *vision,
                     const float *features,
                     gsize        n_features,
                     gboolean     column_major,
                     gsize       *n_tokens)
{
  const VilaModelConfig *config = vision->config;
  const VilaBackendOps *ops = vision->ops;
  gsize c = config->mm_hidden, h = config->llm.hidden;
  gsize grid = config->vision.image_size / config->vision.patch_size;
  g_autofree float *merged = NULL;
  g_autofree float *a = NULL;
  float *out;
  gsize n;

  switch (config->projector)
    {
    case VILA_PROJECTOR_LINEAR:
      out = g_new (float, n_features * h);
      ops->matmul (out, features, n_features, &vision->proj[0][0], &vision->proj[0][1]);
      *n_tokens = n_features;
      return out;

    case VILA_PROJECTOR_MLP2X_GELU:
      a = g_new (float, n_features * h);
      out = g_new (float, n_features * h);
      ops->matmul (a, features, n_features, &vision->proj[0][0], &vision->proj[0][1]);
      ops->gelu_erf (a, n_features * h);
      ops->matmul (out, a, n_features, &vision->proj[1][0], &vision->proj[1][1]);
      *n_tokens = n_features;
      return out;

    case VILA_PROJECTOR_MLP_DOWNSAMPLE:
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX:
      g_assert (n_features == grid * grid);
      merged = downsample (features, grid, c, 2,
                           config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE && column_major, &n);
      a = g_new (float, n * MAX (4 * c, h));
      out = g_new (float, n * h);
      ops->layer_norm (a, merged, n, 4 * c, &vision->proj[0][0], &vision->proj[0][1], 1e-5f);
      ops->matmul (out, a, n, &vision->proj[1][0], &vision->proj[1][1]);
      ops->gelu_erf (out, n * h);
      memcpy (a, out, n * h * sizeof (float));
      ops->matmul (out, a, n, &vision->proj[2][0], &vision->proj[2][1]);
      *n_tokens = n;
      return out;

    case VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX:
      {
        g_autofree float *b = NULL;

        g_assert (n_features == grid * grid);
        merged = downsample (features, grid, c, 3, FALSE, &n);
        a = g_new (float, n * 9 * c);
        b = g_new (float, n * MAX (3 * c, h));
        out = g_new (float, n * h);
        ops->layer_norm (a, merged, n, 9 * c, &vision->proj[0][0], &vision->proj[0][1], 1e-5f);
        ops->matmul (b, a, n, &vision->proj[1][0], &vision->proj[1][1]);
        ops->gelu_erf (b, n * 3 * c);
        ops->layer_norm (a, b, n, 3 * c, &vision->proj[2][0], &vision->proj[2][1], 1e-5f);
        ops->matmul (b, a, n, &vision->proj[3][0], &vision->proj[3][1]);
        ops->gelu_erf (b, n * h);
        ops->matmul (out, b, n, &vision->proj[4][0], &vision->proj[4][1]);
        *n_tokens = n;
        return out;
      }

    default:
      g_assert_not_reached ();
    }
}
