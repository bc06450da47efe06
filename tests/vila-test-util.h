/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small helpers the fidelity tests share. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

/* The largest difference relative to the largest reference magnitude: the
 * "within 1e-4 of their scale" of the fidelity tests. */
static inline double
vila_test_relative_error (const float *ours,
                          const float *reference,
                          gsize        n)
{
  double max_diff = 0, max_ref = 1e-30;

  for (gsize i = 0; i < n; i++)
    {
      max_diff = MAX (max_diff, fabs ((double) ours[i] - reference[i]));
      max_ref = MAX (max_ref, fabs ((double) reference[i]));
    }
  return max_diff / max_ref;
}

/* @expected float32 values from FOLDER/NAME, as the reference scripts
 * write them (little-endian). */
static inline float *
vila_test_read_floats (const char *folder,
                       const char *name,
                       gsize       expected)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, expected * sizeof (float));
  return (float *) (void *) data;
}

/* Binary PPM as Pillow writes it ("P6\n<w> <h>\n255\n", then RGB bytes):
 * the pixels, newly allocated. */
static inline guint8 *
vila_test_read_ppm (const char *path,
                    guint      *width,
                    guint      *height)
{
  g_autofree char *data = NULL;
  gsize length;
  int consumed = 0;
  unsigned int max;

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  g_assert_cmpint (sscanf (data, "P6 %u %u %u%n", width, height, &max, &consumed), ==, 3);
  g_assert_cmpuint (max, ==, 255);
  g_assert_cmpuint (length, ==, consumed + 1 + (gsize) *width * *height * 3);
  return g_memdup2 (data + consumed + 1, (gsize) *width * *height * 3);
}

/* A VilaTokenFunc that appends each generated id to the GArray (gint32)
 * in @user_data. */
static inline gboolean
vila_test_collect_token (const char *text,
                         gint32      token_id,
                         gpointer    user_data)
{
  if (token_id >= 0)
    g_array_append_val ((GArray *) user_data, token_id);
  return TRUE;
}

/* Deletes @path and everything under it (a test's temporary folder). */
static inline void
vila_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        vila_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
