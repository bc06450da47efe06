/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config.json of each VILA family, with the values of the released
 * checkpoints (vila-format.md section 1.3), and broken ones. */
#include "config.h"

#include <string.h>

#include "model-config.h"

#define SIGLIP_384 \
  "\"vision_tower_cfg\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 1152, " \
  "\"image_size\": 384, \"intermediate_size\": 4304, \"num_hidden_layers\": 27, " \
  "\"num_attention_heads\": 16, \"patch_size\": 14, \"layer_norm_eps\": 1e-06}"

static const char vila15_3b[] =
  "{\"architectures\": [\"LlavaLlamaModel\"], \"model_type\": \"llava_llama\", \"hidden_size\": 2560,"
  " \"mm_hidden_size\": 1152, \"image_aspect_ratio\": \"resize\", \"mm_vision_select_layer\": -2,"
  " \"mm_vision_select_feature\": \"cls_patch\", \"mm_projector_cfg\": {\"mm_projector_type\": \"mlp_downsample\"},"
  " \"llm_cfg\": {\"model_type\": \"llama\", \"hidden_size\": 2560, \"intermediate_size\": 6912,"
  "   \"num_hidden_layers\": 32, \"num_attention_heads\": 20, \"num_key_value_heads\": 20, \"vocab_size\": 32000,"
  "   \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"max_position_embeddings\": 4096,"
  "   \"tie_word_embeddings\": false, \"rope_scaling\": null},"
  " " SIGLIP_384 "}";

static const char nvila_8b[] =
  "{\"model_type\": \"llava_llama\", \"mm_hidden_size\": 3456, \"image_aspect_ratio\": \"dynamic_s2\","
  " \"mm_vision_select_layer\": -2, \"mm_vision_select_feature\": \"cls_patch\","
  " \"mm_projector_type\": \"mlp_downsample\","
  " \"llm_cfg\": {\"model_type\": \"qwen2\", \"hidden_size\": 3584, \"intermediate_size\": 18944,"
  "   \"num_hidden_layers\": 28, \"num_attention_heads\": 28, \"num_key_value_heads\": 4, \"vocab_size\": 151648,"
  "   \"rope_theta\": 1000000.0, \"rms_norm_eps\": 1e-06, \"max_position_embeddings\": 32768},"
  " \"vision_tower_cfg\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 1152, \"image_size\": 448,"
  "   \"intermediate_size\": 4304, \"num_hidden_layers\": 27, \"num_attention_heads\": 16, \"patch_size\": 14}}";

static const char llama3_8b[] =
  "{\"model_type\": \"llava_llama\", \"mm_vision_select_layer\": -2, \"mm_vision_select_feature\": \"cls_patch\","
  " \"mm_projector_cfg\": {\"mm_projector_type\": \"mlp_downsample\"},"
  " \"llm_cfg\": {\"model_type\": \"llama\", \"hidden_size\": 4096, \"intermediate_size\": 14336,"
  "   \"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"vocab_size\": 128256,"
  "   \"rope_theta\": 500000.0, \"max_position_embeddings\": 8192,"
  "   \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
  "     \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}},"
  " " SIGLIP_384 "}";

static const char vila_7b_flat[] =
  "{\"architectures\": [\"LlavaLlamaForCausalLM\"], \"model_type\": \"llava_llama\","
  " \"mm_vision_tower\": \"openai/clip-vit-large-patch14-336\", \"mm_hidden_size\": 1024,"
  " \"mm_projector_type\": \"mlp2x_gelu\", \"mm_vision_select_layer\": -2, \"mm_vision_select_feature\": \"patch\","
  " \"image_aspect_ratio\": \"pad\", \"hidden_size\": 4096, \"intermediate_size\": 11008,"
  " \"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"vocab_size\": 32000, \"rms_norm_eps\": 1e-05}";

static VilaModelConfig *
parse (const char *json,
       GError    **error)
{
  return vila_model_config_parse (json, strlen (json), "config.json", "/models/x", error);
}

static void
test_vila15 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config = parse (vila15_3b, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->family, ==, VILA_FAMILY_VILA1_5);
  g_assert_cmpint (config->layout, ==, VILA_LAYOUT_THREE_PART);
  g_assert_cmpstr (config->template_name, ==, "vicuna_v1");
  g_assert_cmpuint (config->llm.hidden, ==, 2560);
  g_assert_cmpuint (config->llm.head_dim, ==, 128);
  g_assert_cmpuint (config->llm.n_kv_heads, ==, 20);
  g_assert_cmpfloat (config->llm.rms_eps, ==, 1e-5);
  g_assert_false (config->llm.qkv_bias);
  g_assert_cmpint (config->vision.kind, ==, VILA_VISION_SIGLIP);
  g_assert_cmpint (config->vision.select_layer, ==, -2);
  g_assert_true (config->vision.keep_cls);
  g_assert_cmpint (config->projector, ==, VILA_PROJECTOR_MLP_DOWNSAMPLE);
  /* 384/14 = 27 patches a side, padded to 28, merged 2x2. */
  g_assert_cmpuint (config->tokens_per_image, ==, 196);
  g_assert_cmpstr (config->llm_dir, ==, "/models/x/llm");
  g_assert_cmpstr (config->aspect_ratio, ==, "resize");
}

static void
test_nvila (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config = parse (nvila_8b, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->family, ==, VILA_FAMILY_NVILA);
  g_assert_cmpstr (config->template_name, ==, "qwen2");
  g_assert_true (config->llm.qkv_bias);
  g_assert_cmpuint (config->llm.n_kv_heads, ==, 4);
  g_assert_cmpuint (config->mm_hidden, ==, 3456);
  g_assert_cmpuint (config->tokens_per_image, ==, 256);
}

static void
test_llama3 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config = parse (llama3_8b, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->family, ==, VILA_FAMILY_LLAMA3_VILA1_5);
  g_assert_cmpstr (config->template_name, ==, "llama_3");
  g_assert_cmpint (config->llm.rope_scaling, ==, VILA_ROPE_LLAMA3);
  g_assert_cmpfloat (config->llm.rope_factor, ==, 8.0);
  g_assert_cmpuint (config->llm.rope_original_positions, ==, 8192);
}

static void
test_flat (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config = parse (vila_7b_flat, &error);

  g_assert_no_error (error);
  g_assert_cmpint (config->family, ==, VILA_FAMILY_VILA_LLAVA);
  g_assert_cmpint (config->layout, ==, VILA_LAYOUT_FLAT);
  g_assert_cmpint (config->vision.kind, ==, VILA_VISION_CLIP);
  g_assert_cmpint (config->projector, ==, VILA_PROJECTOR_MLP2X_GELU);
  /* 24x24 patches; "patch" drops CLIP's class token. */
  g_assert_cmpuint (config->tokens_per_image, ==, 576);
  g_assert_cmpstr (config->llm_dir, ==, "/models/x");
  g_assert_cmpstr (config->aspect_ratio, ==, "pad");
}

static void
test_broken (void)
{
  static const struct { const char *from; const char *to; int code; const char *fragment; } edits[] = {
    { "\"llava_llama\"", "\"llama\"", VILA_ERROR_UNSUPPORTED, "not a VILA model" },
    { "\"model_type\": \"llama\"", "\"model_type\": \"mistral\"", VILA_ERROR_UNSUPPORTED, "mistral" },
    { "\"hidden_size\": 2560, \"intermediate_size\"", "\"intermediate_size\"",
      VILA_ERROR_INVALID_CHECKPOINT, "llm_cfg.hidden_size is missing" },
    { "\"num_attention_heads\": 20,", "\"num_attention_heads\": 0,", VILA_ERROR_INVALID_CHECKPOINT, "num_attention_heads" },
    { "\"num_key_value_heads\": 20", "\"num_key_value_heads\": 7", VILA_ERROR_INVALID_CHECKPOINT, "key/value heads" },
    { "\"vocab_size\": 32000", "\"vocab_size\": -5", VILA_ERROR_INVALID_CHECKPOINT, "vocab_size" },
    { "\"vocab_size\": 32000", "\"vocab_size\": 99999999999", VILA_ERROR_INVALID_CHECKPOINT, "vocab_size" },
    { "\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": \"small\"", VILA_ERROR_INVALID_CHECKPOINT, "rms_norm_eps" },
    { "\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 2}", VILA_ERROR_UNSUPPORTED, "yarn" },
    { "\"mlp_downsample\"", "\"mlp_4x_magic\"", VILA_ERROR_UNSUPPORTED, "mlp_4x_magic" },
    { "\"siglip_vision_model\"", "\"dinov2\"", VILA_ERROR_UNSUPPORTED, "dinov2" },
    { "\"mm_vision_select_layer\": -2", "\"mm_vision_select_layer\": -40", VILA_ERROR_INVALID_CHECKPOINT, "outside" },
    { "\"cls_patch\"", "\"everything\"", VILA_ERROR_UNSUPPORTED, "everything" },
    { "\"mm_hidden_size\": 1152", "\"mm_hidden_size\": 1000", VILA_ERROR_INVALID_CHECKPOINT, "multiple" },
    { "\"patch_size\": 14", "\"patch_size\": 1000", VILA_ERROR_INVALID_CHECKPOINT, "patch" },
    { SIGLIP_384, "\"x\": 1", VILA_ERROR_INVALID_CHECKPOINT, "vision_tower_cfg" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(GString) json = g_string_new (vila15_3b);
      g_autoptr(GError) error = NULL;
      g_autoptr(VilaModelConfig) config = NULL;

      g_assert_cmpuint (g_string_replace (json, edits[i].from, edits[i].to, 1), ==, 1);
      config = parse (json->str, &error);
      g_assert_null (config);
      g_assert_error (error, VILA_ERROR, edits[i].code);
      if (!g_str_has_prefix (error->message, "config.json: ") || !strstr (error->message, edits[i].fragment))
        g_error ("case %u: unexpected message: %s", i, error->message);
    }

  for (gsize cut = 0; cut < sizeof vila15_3b - 1; cut += 7)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VilaModelConfig) config = vila_model_config_parse (vila15_3b, cut, "config.json", NULL, &error);

      g_assert_null (config);
      g_assert_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-config/vila1.5", test_vila15);
  g_test_add_func ("/model-config/nvila", test_nvila);
  g_test_add_func ("/model-config/llama3", test_llama3);
  g_test_add_func ("/model-config/flat", test_flat);
  g_test_add_func ("/model-config/broken", test_broken);

  return g_test_run ();
}
