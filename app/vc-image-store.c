/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "vc-image-store.h"

char *
vc_image_store_path (const char *folder,
                     const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[0] ? sha256[1] : '\0', '\0' };

  g_return_val_if_fail (folder != NULL && sha256 != NULL, NULL);

  /* Two hex digits of subfolder: no folder of hundreds of thousands. */
  return g_build_filename (folder, "images", prefix, sha256, NULL);
}

GBytes *
vc_image_store_read (const char  *folder,
                     const char  *sha256,
                     GError     **error)
{
  g_autofree char *path = vc_image_store_path (folder, sha256);
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (contents, length);
}

char *
vc_image_store_add (const char  *folder,
                    GBytes      *bytes,
                    GError     **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *path = vc_image_store_path (folder, sha256);
  g_autofree char *parent = g_path_get_dirname (path);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&sha256);
  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot create %s: %s"), parent,
                   g_strerror (saved));
      return NULL;
    }
  /* Written to a temporary file and renamed: a crash leaves no half image
   * under the final name. */
  if (!g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&sha256);
}

static char *
thumbnail_path (const char *folder,
                const char *sha256,
                int         size)
{
  g_autofree char *image = vc_image_store_path (folder, sha256);

  return g_strdup_printf ("%s.thumbnail-%d.png", image, size);
}

GdkPixbuf *
vc_image_store_thumbnail (const char  *folder,
                          const char  *sha256,
                          int          size,
                          GError     **error)
{
  g_autofree char *path = vc_image_store_path (folder, sha256);
  g_autofree char *cached = thumbnail_path (folder, sha256, size);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  g_autofree char *png = NULL;
  GdkPixbuf *thumbnail;
  gsize png_size;
  int width, height;
  double scale;

  g_return_val_if_fail (folder != NULL && sha256 != NULL && size > 0, NULL);

  /* A damaged cache file is made again, not reported. */
  if ((thumbnail = gdk_pixbuf_new_from_file (cached, NULL)) != NULL)
    return thumbnail;

  if (!(decoded = gdk_pixbuf_new_from_file (path, &local_error)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: %s"), path,
                   local_error->message);
      return NULL;
    }
  oriented = gdk_pixbuf_apply_embedded_orientation (decoded);
  width = gdk_pixbuf_get_width (oriented);
  height = gdk_pixbuf_get_height (oriented);
  scale = MIN (1.0, (double) size / MAX (width, height));
  thumbnail = scale < 1.0 ? gdk_pixbuf_scale_simple (oriented, MAX (1, (int) (width * scale + 0.5)),
                                                     MAX (1, (int) (height * scale + 0.5)), GDK_INTERP_HYPER)
                          : g_object_ref (oriented);

  /* Caching is a convenience: a full disk costs speed, not the picture. */
  if (gdk_pixbuf_save_to_buffer (thumbnail, &png, &png_size, "png", NULL, NULL))
    g_file_set_contents_full (cached, png, png_size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
  return thumbnail;
}

typedef struct {
  char *folder;
  char *sha256;
  int   size;
} ThumbnailRequest;

static void
thumbnail_request_free (ThumbnailRequest *request)
{
  g_free (request->folder);
  g_free (request->sha256);
  g_free (request);
}

static void
make_thumbnail (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  ThumbnailRequest *request = data;
  GError *error = NULL;
  GdkPixbuf *thumbnail;

  if (g_task_return_error_if_cancelled (task))
    return;
  thumbnail = vc_image_store_thumbnail (request->folder, request->sha256, request->size, &error);
  if (thumbnail == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, thumbnail, g_object_unref);
}

void
vc_image_store_thumbnail_async (const char          *folder,
                                const char          *sha256,
                                int                  size,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ThumbnailRequest *request = g_new0 (ThumbnailRequest, 1);

  g_return_if_fail (folder != NULL && sha256 != NULL && size > 0);

  request->folder = g_strdup (folder);
  request->sha256 = g_strdup (sha256);
  request->size = size;
  g_task_set_source_tag (task, vc_image_store_thumbnail_async);
  g_task_set_task_data (task, request, (GDestroyNotify) thumbnail_request_free);
  g_task_run_in_thread (task, make_thumbnail);
}

GdkPixbuf *
vc_image_store_thumbnail_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
