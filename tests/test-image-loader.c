/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app decodes images with GdkPixbuf; VILA's reference with Pillow.
 * For each encoded picture in tests/data/photos (PNG as RGB, RGBA, grey and
 * palette; JPEG 4:2:0, progressive 4:4:4, and with EXIF orientation 6) the
 * RGB bytes we hand the engine must be Pillow's, byte for byte
 * (photos.golden.json, tools/reference/make_photo_fixtures.py), upright
 * for the EXIF one. Broken files get an error, not a crash.
 * Argument: tests/data/photos. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "vc-image-loader.h"

static const char *photos_dir;

static void
test_same_pixels_as_pillow (void)
{
  g_autofree char *golden_path = g_build_filename (photos_dir, "photos.golden.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *cases;

  json_parser_load_from_file (parser, golden_path, &error);
  g_assert_no_error (error);
  cases = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (cases), >=, 7);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *golden = json_array_get_object_element (cases, i);
      const char *name = json_object_get_string_member (golden, "file");
      g_autofree char *path = g_build_filename (photos_dir, name, NULL);
      VcLoadedImage *image = vc_image_load (path, &error);
      g_autofree char *sha = NULL;
      gsize size;
      const guint8 *pixels;

      g_assert_no_error (error);
      g_test_message ("%s: %ux%u", name, image->image.width, image->image.height);
      g_assert_cmpuint (image->image.width, ==, json_object_get_int_member (golden, "width"));
      g_assert_cmpuint (image->image.height, ==, json_object_get_int_member (golden, "height"));
      g_assert_cmpuint (image->image.stride, ==, image->image.width * 3);
      pixels = g_bytes_get_data (image->pixels, &size);
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, pixels, size);
      if (g_strcmp0 (sha, json_object_get_string_member (golden, "sha256")) != 0)
        g_error ("%s: our pixels differ from Pillow's", name);
      vc_image_free (image);
    }
}

static void
test_broken_files (void)
{
  g_autofree char *jpeg_path = g_build_filename (photos_dir, "photo-420-257x199.jpg", NULL);
  g_autofree char *scratch = g_dir_make_tmp ("vila-photos-XXXXXX", NULL);
  g_autofree char *truncated = g_build_filename (scratch, "truncated.png", NULL);
  g_autofree char *garbage = g_build_filename (scratch, "garbage.jpg", NULL);
  g_autofree char *missing = g_build_filename (scratch, "missing.png", NULL);
  g_autofree char *png_path = g_build_filename (photos_dir, "photo-rgb-333x251.png", NULL);
  g_autofree char *png = NULL;
  gsize length;
  const char *paths[] = { truncated, garbage, missing };

  g_assert_true (g_file_get_contents (png_path, &png, &length, NULL));
  g_assert_true (g_file_set_contents (truncated, png, 100, NULL));
  g_assert_true (g_file_set_contents (garbage, "\xff\xd8\xff\xe0 not really a JPEG", -1, NULL));
  g_assert_true (g_file_test (jpeg_path, G_FILE_TEST_EXISTS));

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (vc_image_load (paths[i], &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, paths[i]));
    }
  g_unlink (truncated);
  g_unlink (garbage);
  g_rmdir (scratch);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s PHOTOS-DIR", argv[0]);
  photos_dir = argv[1];

  g_test_add_func ("/image-loader/same-pixels-as-pillow", test_same_pixels_as_pillow);
  g_test_add_func ("/image-loader/broken-files", test_broken_files);
  return g_test_run ();
}
