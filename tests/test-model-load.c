/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading checkpoints in both real layouts: the config, the tokenizer and
 * every tensor mapped and checked, and the errors when a tensor is missing
 * or has the wrong shape. The first argument is tests/data/tokenizers. */
#include "config.h"

#include <string.h>

#include "vila.h"
#include "vila-test-checkpoint.h"

static const char *tokenizer_dir;

static void
test_vila15 (void)
{
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (root, NULL, &error);
  const VilaModelInfo *info;

  g_assert_no_error (error);
  info = vila_model_get_info (model);
  g_assert_cmpint (info->family, ==, VILA_FAMILY_VILA1_5);
  g_assert_cmpstr (info->layout, ==, "three-part");
  g_assert_cmpstr (info->template_name, ==, "vicuna_v1");
  g_assert_cmpstr (info->llm_type, ==, "llama");
  g_assert_cmpuint (info->llm_layers, ==, 2);
  g_assert_cmpuint (info->llm_kv_heads, ==, 2);
  g_assert_cmpstr (info->vision_type, ==, "SigLIP");
  /* Select layer -2 of 3: two layers run. */
  g_assert_cmpuint (info->vision_layers, ==, 2);
  g_assert_cmpstr (info->projector, ==, "mlp_downsample");
  /* 30/4 = 7 patches a side, padded to 8, merged 2x2. */
  g_assert_cmpuint (info->tokens_per_image, ==, 16);
  g_assert_cmpstr (info->dtypes, ==, "F32, F16, BF16");
  /* LLM 317,760 (BF16) + vision 25,712 (F16) + projector 12,672 (F32). */
  g_assert_cmpuint (info->n_parameters, ==, 356144);
  g_assert_cmpuint (info->n_bytes, ==, 317760 * 2 + 25712 * 2 + 12672 * 4);
  g_assert_cmpint (info->backend, ==, VILA_BACKEND_CPU);
  g_assert_nonnull (vila_model_get_tokenizer (model));

  g_clear_pointer (&model, vila_model_unref);
  vila_test_remove_checkpoint (root);
}

static void
test_flat (void)
{
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_FLAT, tokenizer_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (root, NULL, &error);
  const VilaModelInfo *info;

  g_assert_no_error (error);
  info = vila_model_get_info (model);
  g_assert_cmpint (info->family, ==, VILA_FAMILY_VILA_LLAVA);
  g_assert_cmpstr (info->layout, ==, "flat");
  g_assert_cmpstr (info->vision_type, ==, "CLIP");
  g_assert_cmpstr (info->projector, ==, "mlp2x_gelu");
  /* 7x7 patches; "patch" drops CLIP's class token. */
  g_assert_cmpuint (info->tokens_per_image, ==, 49);

  g_clear_pointer (&model, vila_model_unref);
  vila_test_remove_checkpoint (root);
}

typedef struct {
  const char *name;
  gint64      new_rows;   /* 0: leave the tensor out */
} Edit;

static gboolean
apply_edit (const char *name,
            gint64     *shape,
            guint       n_dims,
            gpointer    user_data)
{
  const Edit *edit = user_data;

  if (strcmp (name, edit->name) != 0)
    return TRUE;
  if (edit->new_rows == 0)
    return FALSE;
  shape[0] = edit->new_rows;
  return TRUE;
}

static void
assert_load_fails (VilaTestLayout layout,
                   const Edit    *edit,
                   int            code,
                   const char    *fragment)
{
  g_autofree char *root = vila_test_write_checkpoint (layout, tokenizer_dir, apply_edit, (gpointer) edit);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (root, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, VILA_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in: %s", fragment, error->message);
  vila_test_remove_checkpoint (root);
}

static void
test_bad_tensors (void)
{
  static const Edit missing_llm = { "model.layers.1.mlp.up_proj.weight", 0 };
  static const Edit wrong_q = { "model.layers.0.self_attn.q_proj.weight", 48 };
  static const Edit missing_projector = { "layers.4.bias", 0 };
  static const Edit wrong_position = { "vision_model.embeddings.position_embedding.weight", 50 };
  static const Edit flat_missing = { "model.vision_tower.vision_tower.vision_model.embeddings.class_embedding", 0 };

  assert_load_fails (VILA_TEST_VILA15, &missing_llm, VILA_ERROR_INVALID_CHECKPOINT,
                     "“model.layers.1.mlp.up_proj.weight” is missing");
  assert_load_fails (VILA_TEST_VILA15, &wrong_q, VILA_ERROR_INVALID_CHECKPOINT,
                     "has shape [48, 64], but config.json implies [64, 64]");
  assert_load_fails (VILA_TEST_VILA15, &missing_projector, VILA_ERROR_INVALID_CHECKPOINT, "mm_projector");
  assert_load_fails (VILA_TEST_VILA15, &wrong_position, VILA_ERROR_INVALID_CHECKPOINT, "position_embedding");
  assert_load_fails (VILA_TEST_FLAT, &flat_missing, VILA_ERROR_INVALID_CHECKPOINT, "class_embedding");
}

static void
test_unused_layer_may_be_missing (void)
{
  /* Select layer -2: the last vision layer never runs, so a checkpoint
   * without it still loads. */
  static const Edit unused = { "vision_model.encoder.layers.2.mlp.fc2.weight", 0 };
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer_dir, apply_edit, (gpointer) &unused);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = vila_model_load (root, NULL, &error);

  g_assert_no_error (error);
  g_clear_pointer (&model, vila_model_unref);
  vila_test_remove_checkpoint (root);
}

/* NVILA's multi-scale features and tiling load as an error that says so,
 * not as a model that reads its projector wrongly. */
static void
test_unsupported_vision (void)
{
  static const struct { const char *from; const char *to; const char *fragment; } edits[] = {
    { "\"mm_hidden_size\": 32", "\"mm_hidden_size\": 96", "S2" },
    { "\"image_aspect_ratio\": \"resize\"", "\"image_aspect_ratio\": \"dynamic_s2\"", "dynamic_s2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer_dir, NULL, NULL);
      g_autofree char *path = g_build_filename (root, "config.json", NULL);
      g_autofree char *config = NULL;
      g_autoptr(GString) edited = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(VilaModel) model = NULL;

      g_assert_true (g_file_get_contents (path, &config, NULL, NULL));
      edited = g_string_new (config);
      g_assert_cmpuint (g_string_replace (edited, edits[i].from, edits[i].to, 1), ==, 1);
      g_assert_true (g_file_set_contents (path, edited->str, -1, NULL));
      model = vila_model_load (root, NULL, &error);
      g_assert_null (model);
      g_assert_error (error, VILA_ERROR, VILA_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, edits[i].fragment));
      vila_test_remove_checkpoint (root);
    }
}

static void
test_cancelled (void)
{
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = NULL;
  gint cancel = 1;
  VilaLoadOptions options;

  vila_load_options_init (&options);
  options.cancel = &cancel;
  model = vila_model_load (root, &options, &error);
  g_assert_null (model);
  g_assert_error (error, VILA_ERROR, VILA_ERROR_CANCELLED);
  vila_test_remove_checkpoint (root);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s TOKENIZER-DIR", argv[0]);
  tokenizer_dir = argv[1];

  g_test_add_func ("/model-load/vila1.5", test_vila15);
  g_test_add_func ("/model-load/flat", test_flat);
  g_test_add_func ("/model-load/bad-tensors", test_bad_tensors);
  g_test_add_func ("/model-load/unused-layer", test_unused_layer_may_be_missing);
  g_test_add_func ("/model-load/cancelled", test_cancelled);
  g_test_add_func ("/model-load/unsupported-vision", test_unsupported_vision);

  return g_test_run ();
}
