/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-attachment"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>

#include "vc-attachment.h"
#include "vc-image-store.h"

struct _VcAttachment
{
  GObject     parent_instance;
  GBytes     *bytes;
  char       *name;
  GdkPixbuf  *thumbnail;
};

G_DEFINE_FINAL_TYPE (VcAttachment, vc_attachment, G_TYPE_OBJECT)

static void
vc_attachment_finalize (GObject *object)
{
  VcAttachment *self = VC_ATTACHMENT (object);

  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_object (&self->thumbnail);
  g_free (self->name);
  G_OBJECT_CLASS (vc_attachment_parent_class)->finalize (object);
}

static void
vc_attachment_class_init (VcAttachmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vc_attachment_finalize;
}

static void
vc_attachment_init (VcAttachment *self)
{
}

/* The loader decodes straight to the thumbnail's size (JPEG scales while
 * it decodes), so a 50-megapixel photo costs a thumbnail's memory. The
 * shorter side fits; the square is cut from the middle afterwards. */
static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height)
{
  double scale = MAX ((double) VC_ATTACHMENT_THUMBNAIL_SIZE / MAX (width, 1),
                      (double) VC_ATTACHMENT_THUMBNAIL_SIZE / MAX (height, 1));

  if (scale < 1)
    gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)), MAX (1, (int) (height * scale + 0.5)));
}

VcAttachment *
vc_attachment_new_from_bytes (GBytes      *bytes,
                              const char  *name,
                              GError     **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) turned = NULL;
  VcAttachment *self;
  GdkPixbuf *pixbuf;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), NULL);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error) || !gdk_pixbuf_loader_close (loader, &local_error))
    {
      /* Closed even after a failed write, as the loader asks. */
      gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: %s"), name,
                   local_error->message);
      return NULL;
    }
  if ((pixbuf = gdk_pixbuf_loader_get_pixbuf (loader)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: it holds no picture"),
                   name);
      return NULL;
    }
  turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  self = g_object_new (VC_TYPE_ATTACHMENT, NULL);
  self->bytes = g_bytes_ref (bytes);
  self->name = g_strdup (name);
  {
    int width = gdk_pixbuf_get_width (turned), height = gdk_pixbuf_get_height (turned);
    int side = MIN (width, height);
    g_autoptr(GdkPixbuf) square = gdk_pixbuf_new_subpixbuf (turned, (width - side) / 2, (height - side) / 2, side, side);

    /* A copy: the square alone, not the whole decoded picture behind it. */
    self->thumbnail = gdk_pixbuf_copy (square);
  }
  return self;
}

VcAttachment *
vc_attachment_new_from_file (GFile   *file,
                             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  name = g_file_get_basename (file);
  if (!(bytes = g_file_load_bytes (file, NULL, NULL, &local_error)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: %s"), name,
                   local_error->message);
      return NULL;
    }
  return vc_attachment_new_from_bytes (bytes, name, error);
}

VcAttachment *
vc_attachment_new_from_stored (const char  *folder,
                               const char  *sha256,
                               const char  *name,
                               GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (folder != NULL && sha256 != NULL && name != NULL, NULL);

  if (!(bytes = vc_image_store_read (folder, sha256, error)))
    return NULL;
  return vc_attachment_new_from_bytes (bytes, name, error);
}

GBytes *
vc_attachment_get_bytes (VcAttachment *self)
{
  g_return_val_if_fail (VC_IS_ATTACHMENT (self), NULL);
  return self->bytes;
}

const char *
vc_attachment_get_name (VcAttachment *self)
{
  g_return_val_if_fail (VC_IS_ATTACHMENT (self), NULL);
  return self->name;
}

GdkPixbuf *
vc_attachment_get_thumbnail (VcAttachment *self)
{
  g_return_val_if_fail (VC_IS_ATTACHMENT (self), NULL);
  return self->thumbnail;
}
