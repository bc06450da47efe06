/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Vision towers and projectors on the CPU against the reference
 * (tools/reference/make_vision_fixtures.py): selected features and
 * projector output within 1e-4 of their scale, both 2x2 token orders.
 * Argument: tests/data/vision. */
#include "config.h"

#define VILA_TEST_ENGINE_OPS

#include <math.h>
#include <string.h>

#include "model-check.h"
#include "vision.h"
#include "vila-test-util.h"
#include "vila-test-backend.h"

static const char *data_dir;

static void
test_variant (gconstpointer data)
{
  g_autofree char *folder = g_build_filename (data_dir, data, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config = vila_model_config_load (folder, &error);
  g_autoptr(VilaWeights) tower = NULL;
  g_autoptr(VilaWeights) projector = NULL;
  g_autoptr(VilaVision) vision = NULL;
  g_autofree float *pixels = NULL;
  g_autofree float *features = NULL;
  g_autofree float *reference = NULL;
  gsize size, n_features, expected_features;
  double err;

  g_assert_no_error (error);
  tower = vila_weights_open (config->vision_dir, &error);
  g_assert_no_error (error);
  projector = vila_weights_open (config->projector_dir, &error);
  g_assert_no_error (error);
  g_assert_true (vila_check_vision (tower, config->vision_dir, &config->vision, FALSE, &error));
  g_assert_true (vila_check_projector (projector, config->projector_dir, config, &error));
  vision = vila_vision_new (config, tower, projector, vila_test_backend_ops (), NULL, &error);
  g_assert_no_error (error);

  size = config->vision.image_size;
  pixels = vila_test_read_floats (folder, "pixels.bin", 3 * size * size);
  features = vila_vision_features (vision, pixels, &n_features, &error);
  g_assert_no_error (error);
  expected_features = (gsize) (size / config->vision.patch_size) * (size / config->vision.patch_size);
  g_assert_cmpuint (n_features, ==, expected_features);
  reference = vila_test_read_floats (folder, "features.bin", n_features * config->vision.hidden);
  err = vila_test_relative_error (features, reference, n_features * config->vision.hidden);
  g_test_message ("%s features: relative error %.2e", (const char *) data, err);
  g_assert_cmpfloat (err, <=, vila_test_tolerance ());

  if (config->projector == VILA_PROJECTOR_MLP_DOWNSAMPLE)
    {
      static const char * const files[] = { "projected-column.bin", "projected-raster.bin" };

      for (guint order = 0; order < 2; order++)
        {
          gsize n_tokens;
          g_autofree float *tokens = vila_vision_project (vision, features, n_features, order == 0, &n_tokens,
                                                                 NULL);
          g_autofree float *expected = NULL;

          g_assert_cmpuint (n_tokens, ==, config->tokens_per_image);
          expected = vila_test_read_floats (folder, files[order], n_tokens * config->llm.hidden);
          err = vila_test_relative_error (tokens, expected, n_tokens * config->llm.hidden);
          g_test_message ("%s %s: relative error %.2e", (const char *) data, files[order], err);
          g_assert_cmpfloat (err, <=, vila_test_tolerance ());
        }
    }
  else
    {
      gsize n_tokens;
      g_autofree float *tokens = vila_vision_project (vision, features, n_features, TRUE, &n_tokens, NULL);
      g_autofree float *expected = vila_test_read_floats (folder, "projected.bin", n_tokens * config->llm.hidden);

      g_assert_cmpuint (n_tokens, ==, config->tokens_per_image);
      err = vila_test_relative_error (tokens, expected, n_tokens * config->llm.hidden);
      g_test_message ("%s projected: relative error %.2e", (const char *) data, err);
      g_assert_cmpfloat (err, <=, vila_test_tolerance ());
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vila_test_require_backend ();

  if (argc < 2)
    g_error ("usage: %s VISION-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_data_func ("/vision/cpu/siglip-mlp-downsample", "siglip", test_variant);
  g_test_add_data_func ("/vision/cpu/clip-mlp2x-gelu", "clip", test_variant);

  return g_test_run ();
}
