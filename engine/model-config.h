/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "vila.h"

G_BEGIN_DECLS

typedef enum {
  VILA_LAYOUT_THREE_PART,   /* llm/, vision_tower/, mm_projector/ (VILA1.5, NVILA) */
  VILA_LAYOUT_FLAT,         /* one folder, LLaVA-style (VILA-7B/13B) */
} VilaLayout;

typedef enum {
  VILA_ROPE_DEFAULT,
  VILA_ROPE_LINEAR,
  VILA_ROPE_DYNAMIC,
  VILA_ROPE_LLAMA3,
} VilaRopeScaling;

/* The language model: Llama (Llama-2, Sheared-LLaMA, Vicuna, Llama-3, Yi)
 * or Qwen2, which adds biases to q, k and v. */
typedef struct {
  char           *model_type;
  guint           hidden;
  guint           intermediate;
  guint           n_layers;
  guint           n_heads;
  guint           n_kv_heads;
  guint           head_dim;
  guint           vocab;
  guint           max_positions;
  double          rms_eps;
  double          rope_theta;
  VilaRopeScaling rope_scaling;
  double          rope_factor;
  double          rope_low_freq_factor;      /* llama3 */
  double          rope_high_freq_factor;     /* llama3 */
  guint           rope_original_positions;   /* llama3, dynamic */
  gboolean        tie_embeddings;
  gboolean        qkv_bias;
  gboolean        qwen2;
} VilaLlmConfig;

typedef enum {
  VILA_VISION_SIGLIP,
  VILA_VISION_CLIP,
  VILA_VISION_INTERNVIT,
} VilaVisionKind;

typedef struct {
  VilaVisionKind kind;
  guint          hidden;
  guint          intermediate;
  guint          n_layers;
  guint          n_heads;
  guint          image_size;
  guint          patch_size;
  double         norm_eps;
  gint           select_layer;     /* mm_vision_select_layer: -2 = all but the last layer */
  gboolean       keep_cls;         /* "cls_patch" keeps the first token, "patch" drops it */
  gboolean       has_cls;          /* CLIP and InternViT have a class token, SigLIP not */
} VilaVisionConfig;

typedef enum {
  VILA_PROJECTOR_LINEAR,
  VILA_PROJECTOR_MLP2X_GELU,
  VILA_PROJECTOR_MLP_DOWNSAMPLE,          /* 2x2 merge, token order by code version */
  VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX,  /* 2x2 merge, raster order */
  VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX,  /* 3x3 merge, raster order */
} VilaProjectorKind;

typedef struct {
  VilaLayout        layout;
  VilaFamily        family;
  char             *llm_dir;          /* where each component's weights are */
  char             *vision_dir;
  char             *projector_dir;
  VilaLlmConfig     llm;
  VilaVisionConfig  vision;
  VilaProjectorKind projector;
  guint             mm_hidden;        /* the projector's input width */
  char             *aspect_ratio;     /* image_aspect_ratio: resize, pad, dynamic, dynamic_s2 */
  const char       *template_name;    /* the conversation template of the family */
  guint             tokens_per_image; /* for one tile at the tower's resolution */
} VilaModelConfig;

/* Reads ROOT/config.json (and nothing else): which family and layout, and
 * every dimension the loader checks tensors against. */
VilaModelConfig *vila_model_config_load  (const char       *root,
                                          GError          **error);
/* The same from the bytes of a config.json; @file names it in messages
 * and @root is where the component folders are. */
VilaModelConfig *vila_model_config_parse (const char       *json,
                                          gsize             length,
                                          const char       *file,
                                          const char       *root,
                                          GError          **error);
void             vila_model_config_free  (VilaModelConfig  *config);

/* A language model's own config.json (llm/config.json). */
gboolean         vila_llm_config_load    (const char       *path,
                                          VilaLlmConfig    *config,
                                          GError          **error);
void             vila_llm_config_clear   (VilaLlmConfig    *config);

const char      *vila_projector_kind_name (VilaProjectorKind kind);
const char      *vila_vision_kind_name    (VilaVisionKind    kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaModelConfig, vila_model_config_free)

G_END_DECLS
