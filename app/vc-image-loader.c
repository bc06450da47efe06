/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-image"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <string.h>

#include "vc-image-loader.h"

VcLoadedImage *
vc_image_load (const char  *path,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  VcLoadedImage *image;
  const guint8 *src;
  guint8 *rgb;
  int width, height, stride, channels;

  g_return_val_if_fail (path != NULL, NULL);

  if (!(decoded = gdk_pixbuf_new_from_file (path, &local_error)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: %s"),
                   path, local_error->message);
      return NULL;
    }
  oriented = gdk_pixbuf_apply_embedded_orientation (decoded);
  if (oriented == NULL)
    oriented = g_object_ref (decoded);

  if (gdk_pixbuf_get_colorspace (oriented) != GDK_COLORSPACE_RGB ||
      gdk_pixbuf_get_bits_per_sample (oriented) != 8)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The image %s is not 8-bit RGB"), path);
      return NULL;
    }

  width = gdk_pixbuf_get_width (oriented);
  height = gdk_pixbuf_get_height (oriented);
  stride = gdk_pixbuf_get_rowstride (oriented);
  channels = gdk_pixbuf_get_n_channels (oriented);
  src = gdk_pixbuf_read_pixels (oriented);

  rgb = g_malloc ((gsize) width * height * 3);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      memcpy (rgb + ((gsize) y * width + x) * 3, src + (gsize) y * stride + (gsize) x * channels, 3);

  image = g_new0 (VcLoadedImage, 1);
  image->pixels = g_bytes_new_take (rgb, (gsize) width * height * 3);
  image->image = (VilaImage) { width, height, (gsize) width * 3, g_bytes_get_data (image->pixels, NULL) };
  return image;
}

void
vc_image_free (VcLoadedImage *image)
{
  if (image == NULL)
    return;
  g_bytes_unref (image->pixels);
  g_free (image);
}
