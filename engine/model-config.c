/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * config.json of VILA checkpoints (vila-format.md sections 1.3 and 2-3):
 * the three-part layout embeds llm_cfg, vision_tower_cfg and
 * mm_projector_cfg (or leaves them to llm/config.json etc.); the flat
 * LLaVA layout keeps the LLM keys at the top and names its CLIP tower.
 * Every number is range-checked here, so that later code can size buffers
 * from it without fear.
 */
#define G_LOG_DOMAIN "vila-config"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "model-config.h"
#include "vila-private.h"

/* Far above every released VILA model, far below what would overflow. */
#define MAX_WIDTH        65536
#define MAX_LAYERS       1024
#define MAX_VOCABULARY   (1 << 22)
#define MAX_POSITIONS    (1 << 22)
#define MAX_IMAGE_SIZE   8192

typedef struct {
  const char *file;
  GError    **error;
  gboolean    failed;
} Reader;

static gboolean
reader_fail (Reader     *reader,
             VilaError   code,
             const char *format,
             ...) G_GNUC_PRINTF (3, 4);

static gboolean
reader_fail (Reader     *reader,
             VilaError   code,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (reader->failed)
    return FALSE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  reader->failed = TRUE;
  return vila_file_error (reader->error, code, reader->file, "%s", message);
}

static JsonNode *
member (JsonObject *object,
        const char *key)
{
  return object ? json_object_get_member (object, key) : NULL;
}

static JsonObject *
object_member (JsonObject *object,
               const char *key)
{
  JsonNode *node = member (object, key);

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *key)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* An integer in [min, max]; @fallback when absent (G_MAXUINT: required). */
static guint
read_uint (Reader     *reader,
           JsonObject *object,
           const char *section,
           const char *key,
           guint       min,
           guint       max,
           guint       fallback)
{
  JsonNode *node = member (object, key);
  gint64 value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (fallback == G_MAXUINT)
        reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%s%s is missing", section, key);
      return fallback == G_MAXUINT ? min : fallback;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      (value = json_node_get_int (node)) < min || value > max)
    {
      reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%s%s must be a whole number from %u to %u",
                   section, key, min, max);
      return min;
    }
  return (guint) value;
}

static gint
read_int (Reader     *reader,
          JsonObject *object,
          const char *key,
          gint        fallback)
{
  JsonNode *node = member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < -MAX_LAYERS || json_node_get_int (node) > MAX_LAYERS)
    {
      reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%s must be a small whole number", key);
      return fallback;
    }
  return (gint) json_node_get_int (node);
}

/* A positive number (JSON integers count too). */
static double
read_double (Reader     *reader,
             JsonObject *object,
             const char *section,
             const char *key,
             double      fallback)
{
  JsonNode *node = member (object, key);
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE && json_node_get_value_type (node) != G_TYPE_INT64))
    {
      reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%s%s is not a number", section, key);
      return fallback;
    }
  value = json_node_get_double (node);
  if (!(value > 0 && value < 1e12))
    {
      reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%s%s must be a positive number", section, key);
      return fallback;
    }
  return value;
}

static gboolean
read_bool (JsonObject *object,
           const char *key,
           gboolean    fallback)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

static void
read_rope_scaling (Reader        *reader,
                   JsonObject    *llm,
                   VilaLlmConfig *config)
{
  JsonObject *scaling = object_member (llm, "rope_scaling");
  const char *type;

  config->rope_scaling = VILA_ROPE_DEFAULT;
  if (scaling == NULL)
    return;

  /* transformers renamed "type" to "rope_type" (4.43). */
  type = string_member (scaling, "rope_type");
  if (type == NULL)
    type = string_member (scaling, "type");
  if (type == NULL || strcmp (type, "default") == 0)
    return;

  config->rope_factor = read_double (reader, scaling, "rope_scaling.", "factor", 1.0);
  if (strcmp (type, "linear") == 0)
    config->rope_scaling = VILA_ROPE_LINEAR;
  else if (strcmp (type, "dynamic") == 0)
    config->rope_scaling = VILA_ROPE_DYNAMIC;
  else if (strcmp (type, "llama3") == 0)
    {
      config->rope_scaling = VILA_ROPE_LLAMA3;
      config->rope_low_freq_factor = read_double (reader, scaling, "rope_scaling.", "low_freq_factor", 1.0);
      config->rope_high_freq_factor = read_double (reader, scaling, "rope_scaling.", "high_freq_factor", 4.0);
      config->rope_original_positions =
        read_uint (reader, scaling, "rope_scaling.", "original_max_position_embeddings", 1, MAX_POSITIONS, 8192);
    }
  else
    reader_fail (reader, VILA_ERROR_UNSUPPORTED, "the rope_scaling type “%s” is not supported", type);
}

/* @type: the LLM's model_type when the object's own one is the VILA
 * model's (the flat layout), else NULL. */
static void
read_llm (Reader        *reader,
          JsonObject    *llm,
          const char    *section,
          const char    *type,
          VilaLlmConfig *config)
{
  guint width_per_head;

  if (type == NULL)
    type = string_member (llm, "model_type");
  if (type == NULL || (strcmp (type, "llama") != 0 && strcmp (type, "qwen2") != 0))
    {
      reader_fail (reader, VILA_ERROR_UNSUPPORTED, "the language model type “%s” is not supported "
                   "(llama and qwen2 are)", type ? type : "(none)");
      return;
    }
  config->model_type = g_strdup (type);
  config->qwen2 = strcmp (type, "qwen2") == 0;
  config->qkv_bias = config->qwen2 || read_bool (llm, "attention_bias", FALSE);

  config->hidden = read_uint (reader, llm, section, "hidden_size", 1, MAX_WIDTH, G_MAXUINT);
  config->intermediate = read_uint (reader, llm, section, "intermediate_size", 1, 4 * MAX_WIDTH, G_MAXUINT);
  config->n_layers = read_uint (reader, llm, section, "num_hidden_layers", 1, MAX_LAYERS, G_MAXUINT);
  config->n_heads = read_uint (reader, llm, section, "num_attention_heads", 1, MAX_WIDTH, G_MAXUINT);
  config->n_kv_heads = read_uint (reader, llm, section, "num_key_value_heads", 1, MAX_WIDTH, config->n_heads);
  config->vocab = read_uint (reader, llm, section, "vocab_size", 1, MAX_VOCABULARY, G_MAXUINT);
  config->max_positions = read_uint (reader, llm, section, "max_position_embeddings", 1, MAX_POSITIONS, 4096);
  config->head_dim = read_uint (reader, llm, section, "head_dim", 1, MAX_WIDTH,
                                config->n_heads ? config->hidden / config->n_heads : 1);
  config->rms_eps = read_double (reader, llm, section, "rms_norm_eps", 1e-6);
  config->rope_theta = read_double (reader, llm, section, "rope_theta", 10000.0);
  config->tie_embeddings = read_bool (llm, "tie_word_embeddings", FALSE);
  read_rope_scaling (reader, llm, config);
  if (reader->failed)
    return;

  width_per_head = config->head_dim;
  if (config->n_heads % config->n_kv_heads != 0)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "%d attention heads cannot share %d key/value heads",
                 config->n_heads, config->n_kv_heads);
  else if (width_per_head % 2 != 0)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "the head width %u is odd; rotary embeddings need pairs",
                 width_per_head);
  else if ((guint64) config->n_heads * width_per_head > 4 * (guint64) MAX_WIDTH)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "the attention is wider than supported");
}

static void
read_vision (Reader           *reader,
             JsonObject       *vision,
             const char       *section,
             VilaVisionConfig *config)
{
  const char *type = string_member (vision, "model_type");
  double default_eps;

  if (g_strcmp0 (type, "siglip_vision_model") == 0)
    config->kind = VILA_VISION_SIGLIP, default_eps = 1e-6;
  else if (g_strcmp0 (type, "clip_vision_model") == 0)
    config->kind = VILA_VISION_CLIP, config->has_cls = TRUE, default_eps = 1e-5;
  else if (g_strcmp0 (type, "intern_vit_6b") == 0)
    config->kind = VILA_VISION_INTERNVIT, config->has_cls = TRUE, default_eps = 1e-6;
  else
    {
      reader_fail (reader, VILA_ERROR_UNSUPPORTED, "the vision tower type “%s” is not supported",
                   type ? type : "(none)");
      return;
    }

  config->hidden = read_uint (reader, vision, section, "hidden_size", 1, MAX_WIDTH, G_MAXUINT);
  config->intermediate = read_uint (reader, vision, section, "intermediate_size", 1, 4 * MAX_WIDTH, G_MAXUINT);
  config->n_layers = read_uint (reader, vision, section, "num_hidden_layers", 1, MAX_LAYERS, G_MAXUINT);
  config->n_heads = read_uint (reader, vision, section, "num_attention_heads", 1, MAX_WIDTH, G_MAXUINT);
  config->image_size = read_uint (reader, vision, section, "image_size", 1, MAX_IMAGE_SIZE, G_MAXUINT);
  config->patch_size = read_uint (reader, vision, section, "patch_size", 1, MAX_IMAGE_SIZE, G_MAXUINT);
  config->norm_eps = read_double (reader, vision, section, "layer_norm_eps", default_eps);
  if (!reader->failed && config->hidden % config->n_heads != 0)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "the vision width %u does not split into %u heads",
                 config->hidden, config->n_heads);
  else if (!reader->failed && config->patch_size > config->image_size)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "the patch is larger than the image");
}

/* VILA-7B/13B name their tower instead of describing it; the one they use
 * is OpenAI's CLIP ViT-L/14 at 336 pixels. */
static void
set_clip_l14_336 (VilaVisionConfig *config)
{
  *config = (VilaVisionConfig) {
    .kind = VILA_VISION_CLIP, .hidden = 1024, .intermediate = 4096, .n_layers = 24, .n_heads = 16,
    .image_size = 336, .patch_size = 14, .norm_eps = 1e-5, .has_cls = TRUE,
  };
}

static const struct {
  const char       *name;
  VilaProjectorKind kind;
} projectors[] = {
  { "linear", VILA_PROJECTOR_LINEAR },
  { "mlp2x_gelu", VILA_PROJECTOR_MLP2X_GELU },
  { "mlp_downsample", VILA_PROJECTOR_MLP_DOWNSAMPLE },
  { "mlp_downsample_2x2_fix", VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX },
  { "mlp_downsample_3x3_fix", VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX },
};

const char *
vila_projector_kind_name (VilaProjectorKind kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (projectors); i++)
    if (projectors[i].kind == kind)
      return projectors[i].name;
  return "?";
}

const char *
vila_vision_kind_name (VilaVisionKind kind)
{
  switch (kind)
    {
    case VILA_VISION_SIGLIP:    return "SigLIP";
    case VILA_VISION_CLIP:      return "CLIP";
    case VILA_VISION_INTERNVIT: return "InternViT";
    default:                    return "?";
    }
}

static void
read_projector (Reader          *reader,
                const char      *name,
                VilaModelConfig *config)
{
  if (name == NULL)
    name = "linear";
  for (guint i = 0; i < G_N_ELEMENTS (projectors); i++)
    if (strcmp (name, projectors[i].name) == 0)
      {
        config->projector = projectors[i].kind;
        return;
      }
  reader_fail (reader, VILA_ERROR_UNSUPPORTED, "the projector “%s” is not supported", name);
}

/* Image tokens for one tile: the patch grid, less the class token when
 * "patch" drops it, merged 2x2 or 3x3 by the downsampling projectors. */
static guint
count_image_tokens (const VilaModelConfig *config)
{
  guint grid = config->vision.image_size / config->vision.patch_size;
  guint merge = 1;

  switch (config->projector)
    {
    case VILA_PROJECTOR_MLP_DOWNSAMPLE:
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_2X2_FIX:
      merge = 2;
      break;
    case VILA_PROJECTOR_MLP_DOWNSAMPLE_3X3_FIX:
      merge = 3;
      break;
    case VILA_PROJECTOR_LINEAR:
    case VILA_PROJECTOR_MLP2X_GELU:
    default:
      return grid * grid + (config->vision.has_cls && config->vision.keep_cls ? 1 : 0);
    }
  /* Zero rows and columns pad an odd grid (section 3). */
  grid = (grid + merge - 1) / merge;
  return grid * grid;
}

static void
finish (Reader          *reader,
        JsonObject      *top,
        VilaModelConfig *config)
{
  const char *feature = string_member (top, "mm_vision_select_feature");
  gint n = config->vision.n_layers;

  /* Training defaults (vila1.5 llava/train/args.py): -1 and "patch". */
  config->vision.select_layer = read_int (reader, top, "mm_vision_select_layer", -1);
  if (feature == NULL || strcmp (feature, "patch") == 0)
    config->vision.keep_cls = FALSE;
  else if (strcmp (feature, "cls_patch") == 0)
    config->vision.keep_cls = TRUE;
  else
    reader_fail (reader, VILA_ERROR_UNSUPPORTED, "mm_vision_select_feature “%s” is not supported", feature);

  /* hidden_states has the embeddings and then one entry per layer. */
  if (!reader->failed && (config->vision.select_layer > n || config->vision.select_layer < -(n + 1)))
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "mm_vision_select_layer %d is outside the %d layers",
                 config->vision.select_layer, n);

  config->mm_hidden = read_uint (reader, top, "", "mm_hidden_size", 1, 16 * MAX_WIDTH, config->vision.hidden);
  if (!reader->failed && config->mm_hidden % config->vision.hidden != 0)
    reader_fail (reader, VILA_ERROR_INVALID_CHECKPOINT, "mm_hidden_size %u is not a multiple of the vision width %u",
                 config->mm_hidden, config->vision.hidden);

  config->aspect_ratio = g_strdup (string_member (top, "image_aspect_ratio")
                                   ? string_member (top, "image_aspect_ratio")
                                   : (config->layout == VILA_LAYOUT_FLAT ? "pad" : "resize"));

  if (!reader->failed && config->vision.has_cls && config->vision.keep_cls && config->projector >= VILA_PROJECTOR_MLP_DOWNSAMPLE)
    reader_fail (reader, VILA_ERROR_UNSUPPORTED, "a class token cannot go through a downsampling projector");

  if (reader->failed)
    return;
  config->tokens_per_image = count_image_tokens (config);

  /* Families (section 1) and their templates (section 5). */
  if (config->layout == VILA_LAYOUT_FLAT)
    config->family = VILA_FAMILY_VILA_LLAVA, config->template_name = "vicuna_v1";
  else if (config->llm.qwen2)
    config->family = VILA_FAMILY_NVILA, config->template_name = "qwen2";
  else if (config->vision.kind == VILA_VISION_INTERNVIT)
    config->family = VILA_FAMILY_VILA1_5_40B, config->template_name = "hermes-2";
  else if (config->llm.vocab >= 128000)
    config->family = VILA_FAMILY_LLAMA3_VILA1_5, config->template_name = "llama_3";
  else
    config->family = VILA_FAMILY_VILA1_5, config->template_name = "vicuna_v1";
}

/* A component's config: embedded in the top config ("llm_cfg"), or in the
 * component's own folder. */
static JsonObject *
component_config (Reader      *reader,
                  JsonObject  *top,
                  const char  *key,
                  const char  *root,
                  const char  *folder,
                  GPtrArray   *keep_alive)
{
  JsonObject *embedded = object_member (top, key);
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonParser *parser;
  JsonNode *node;

  if (embedded != NULL || root == NULL)
    return embedded;

  path = g_build_filename (root, folder, "config.json", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  parser = json_parser_new_immutable ();
  g_ptr_array_add (keep_alive, parser);
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      vila_file_error (reader->error, VILA_ERROR_INVALID_CHECKPOINT, path, "%s", local_error->message);
      reader->failed = TRUE;
      return NULL;
    }
  node = json_parser_get_root (parser);
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

VilaModelConfig *
vila_model_config_parse (const char  *json,
                         gsize        length,
                         const char  *file,
                         const char  *root,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) keep_alive = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(VilaModelConfig) config = g_new0 (VilaModelConfig, 1);
  g_autoptr(GError) local_error = NULL;
  Reader reader = { file, error, FALSE };
  JsonObject *top, *llm, *vision, *projector;
  const char *model_type;
  JsonNode *node;

  if (!g_utf8_validate_len (json, length, NULL))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, file, "the file is not UTF-8 text"), NULL;
  if (!json_parser_load_from_data (parser, json, length, &local_error))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, file, "%s", local_error->message), NULL;
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, file, "expected a JSON object"), NULL;
  top = json_node_get_object (node);

  model_type = string_member (top, "model_type");
  if (g_strcmp0 (model_type, "llava_llama") != 0 && g_strcmp0 (model_type, "vila") != 0)
    return vila_file_error (error, VILA_ERROR_UNSUPPORTED, file,
                            "model_type “%s” is not a VILA model (llava_llama or vila)",
                            model_type ? model_type : "(none)"), NULL;

  llm = component_config (&reader, top, "llm_cfg", root, "llm", keep_alive);
  if (reader.failed)
    return NULL;

  if (llm != NULL)
    {
      /* VILA1.5 and NVILA: three folders. */
      config->layout = VILA_LAYOUT_THREE_PART;
      vision = component_config (&reader, top, "vision_tower_cfg", root, "vision_tower", keep_alive);
      projector = component_config (&reader, top, "mm_projector_cfg", root, "mm_projector", keep_alive);
      if (reader.failed)
        return NULL;
      if (vision == NULL)
        return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, file,
                                "there is no vision_tower_cfg and no vision_tower/config.json"), NULL;
      read_llm (&reader, llm, "llm_cfg.", NULL, &config->llm);
      read_vision (&reader, vision, "vision_tower_cfg.", &config->vision);
      read_projector (&reader, string_member (projector, "mm_projector_type")
                                 ? string_member (projector, "mm_projector_type")
                                 : string_member (top, "mm_projector_type"), config);
      if (root != NULL)
        {
          config->llm_dir = g_build_filename (root, "llm", NULL);
          config->vision_dir = g_build_filename (root, "vision_tower", NULL);
          config->projector_dir = g_build_filename (root, "mm_projector", NULL);
        }
    }
  else
    {
      /* VILA-7B/13B: LLaVA's flat layout. */
      const char *tower = string_member (top, "mm_vision_tower");

      config->layout = VILA_LAYOUT_FLAT;
      if (tower == NULL || strstr (tower, "clip-vit-large-patch14-336") == NULL)
        return vila_file_error (error, VILA_ERROR_UNSUPPORTED, file,
                                "the vision tower “%s” is not supported (VILA's flat checkpoints use "
                                "openai/clip-vit-large-patch14-336)", tower ? tower : "(none)"), NULL;
      /* A vision_tower_cfg, where one is given, describes the tower
       * (small test checkpoints use it); else CLIP-L/14-336 it is. */
      vision = object_member (top, "vision_tower_cfg");
      if (vision != NULL)
        {
          read_vision (&reader, vision, "vision_tower_cfg.", &config->vision);
          if (!reader.failed && config->vision.kind != VILA_VISION_CLIP)
            reader_fail (&reader, VILA_ERROR_UNSUPPORTED, "flat checkpoints have a CLIP vision tower");
        }
      else
        set_clip_l14_336 (&config->vision);
      read_llm (&reader, top, "", "llama", &config->llm);
      read_projector (&reader, string_member (top, "mm_projector_type"), config);
      if (root != NULL)
        {
          config->llm_dir = g_strdup (root);
          config->vision_dir = g_strdup (root);
          config->projector_dir = g_strdup (root);
        }
    }

  if (!reader.failed)
    finish (&reader, top, config);
  if (reader.failed)
    return NULL;

  return g_steal_pointer (&config);
}

VilaModelConfig *
vila_model_config_load (const char  *root,
                        GError     **error)
{
  g_autofree char *path = g_build_filename (root, "config.json", NULL);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s is not a folder", root);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND,
                   "%s has no config.json; choose the folder of a VILA checkpoint", root);
      return NULL;
    }
  if (!(mapped = g_mapped_file_new (path, FALSE, &local_error)))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s: %s", path, local_error->message);
      return NULL;
    }
  return vila_model_config_parse (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped),
                                  path, root, error);
}

void
vila_model_config_free (VilaModelConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->llm.model_type);
  g_free (config->llm_dir);
  g_free (config->vision_dir);
  g_free (config->projector_dir);
  g_free (config->aspect_ratio);
  g_free (config);
}

gboolean
vila_llm_config_load (const char     *path,
                      VilaLlmConfig  *config,
                      GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  Reader reader = { path, error, FALSE };
  JsonNode *root;

  memset (config, 0, sizeof *config);
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "%s", local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "expected a JSON object");
  read_llm (&reader, json_node_get_object (root), "", NULL, config);
  return !reader.failed;
}

void
vila_llm_config_clear (VilaLlmConfig *config)
{
  g_clear_pointer (&config->model_type, g_free);
}
