/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bicubic resampler against Pillow: for each image of tests/data/images
 * (binary PPM) and each size, the SHA-256 of our RGB bytes equals that of
 * Pillow's (tools/reference/make_image_fixtures.py). Argument: the folder. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "image-preprocess.h"
#include "image-resize.h"
#include "vila-test-util.h"

static const char *images_dir;

static void
test_against_pillow (void)
{
  g_autofree char *golden = g_build_filename (images_dir, "resize.golden.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *cases;
  guint failures = 0;

  json_parser_load_from_file (parser, golden, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 40);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *input = json_object_get_string_member (c, "input");
      const char *mode = json_object_get_string_member (c, "mode");
      guint width = json_object_get_int_member (c, "width");
      guint height = json_object_get_int_member (c, "height");
      g_autofree char *path = g_build_filename (images_dir, input, NULL);
      g_autoptr(VilaRgbImage) out = NULL;
      g_autofree char *sha = NULL;
      guint ppm_width, ppm_height;
      g_autofree guint8 *pixels = vila_test_read_ppm (path, &ppm_width, &ppm_height);

      if (strcmp (mode, "pad") == 0)
        {
          JsonArray *bg = json_object_get_array_member (c, "background");
          guint8 background[3];
          g_autoptr(VilaRgbImage) square = NULL;

          for (guint k = 0; k < 3; k++)
            background[k] = json_array_get_int_element (bg, k);
          square = vila_image_expand_to_square (pixels, ppm_width, ppm_height, ppm_width * 3, background);
          out = vila_image_resize_bicubic (square->pixels, square->width, square->height, square->width * 3,
                                           width, height);
        }
      else
        out = vila_image_resize_bicubic (pixels, ppm_width, ppm_height, ppm_width * 3, width, height);

      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, out->pixels, (gsize) out->width * out->height * 3);
      if (strcmp (sha, json_object_get_string_member (c, "sha256")) != 0)
        {
          g_test_message ("%s %s to %ux%u differs from Pillow", input, mode, width, height);
          failures++;
        }
    }

  g_assert_cmpuint (failures, ==, 0);
}

static void
test_expand_to_square (void)
{
  static const guint8 pixels[2 * 3 * 3] = {
    1, 2, 3,  4, 5, 6,  7, 8, 9,
    10, 11, 12,  13, 14, 15,  16, 17, 18,
  };
  static const guint8 background[3] = { 122, 116, 104 };
  g_autoptr(VilaRgbImage) tall = NULL;
  g_autoptr(VilaRgbImage) wide = vila_image_expand_to_square (pixels, 3, 2, 9, background);

  /* 3x2 becomes 3x3 with the image on rows 0-1 ((3 - 2) / 2 = 0 rows above). */
  g_assert_cmpuint (wide->width, ==, 3);
  g_assert_cmpuint (wide->height, ==, 3);
  g_assert_cmpmem (wide->pixels, 18, pixels, 18);
  g_assert_cmpmem (wide->pixels + 18, 3, background, 3);

  /* 1x2 (the first column) becomes 2x2 with the image in column 0. */
  tall = vila_image_expand_to_square (pixels, 1, 2, 9, background);
  g_assert_cmpuint (tall->width, ==, 2);
  g_assert_cmpmem (tall->pixels, 3, pixels, 3);
  g_assert_cmpmem (tall->pixels + 3, 3, background, 3);
  g_assert_cmpmem (tall->pixels + 6, 3, pixels + 9, 3);
}

/* The pixel tensors of transformers' SigLIP and CLIP processors, after
 * VILA's "resize" and "pad" (tools/reference/make_pixel_fixtures.py). */
static void
test_pixels_against_transformers (void)
{
  g_autofree char *golden = g_build_filename (images_dir, "pixels.golden.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *cases;
  guint failures = 0;

  json_parser_load_from_file (parser, golden, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 14);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *input = json_object_get_string_member (c, "input");
      gboolean clip = strcmp (json_object_get_string_member (c, "mode"), "clip-336") == 0;
      g_autofree char *path = g_build_filename (images_dir, input, NULL);
      VilaModelConfig config = {
        .vision = { .kind = clip ? VILA_VISION_CLIP : VILA_VISION_SIGLIP, .image_size = clip ? 336 : 384 },
        .aspect_ratio = (char *) (clip ? "pad" : "resize"),
      };
      VilaPreprocess preprocess;
      g_autofree float *tensor = NULL;
      g_autofree char *sha = NULL;
      JsonArray *samples = json_object_get_array_member (c, "samples");
      gsize n;
      guint ppm_width, ppm_height;
      g_autofree guint8 *pixels = vila_test_read_ppm (path, &ppm_width, &ppm_height);
      VilaImage image = { ppm_width, ppm_height, ppm_width * 3, pixels };
      g_assert_true (vila_preprocess_init (&preprocess, &config, &error));
      tensor = vila_preprocess_image (&preprocess, &image);
      n = (gsize) 3 * config.vision.image_size * config.vision.image_size;
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) tensor, n * sizeof (float));

      if (strcmp (sha, json_object_get_string_member (c, "sha256")) != 0)
        {
          failures++;
          for (guint k = 0; k < json_array_get_length (samples); k++)
            {
              JsonArray *sample = json_array_get_array_element (samples, k);
              gsize at = json_array_get_int_element (sample, 0);

              g_test_message ("%s %s: [%" G_GSIZE_FORMAT "] reference %.9g ours %.9g", input,
                              clip ? "clip" : "siglip", at, json_array_get_double_element (sample, 1), tensor[at]);
            }
        }
    }
  g_assert_cmpuint (failures, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s IMAGES-DIR", argv[0]);
  images_dir = argv[1];

  g_test_add_func ("/image/resize/pillow", test_against_pillow);
  g_test_add_func ("/image/expand-to-square", test_expand_to_square);
  g_test_add_func ("/image/pixels/transformers", test_pixels_against_transformers);

  return g_test_run ();
}
