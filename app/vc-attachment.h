/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* An image waiting to go with the next question: its bytes as the user
 * gave them (they go to the image store unchanged), a name to show, and
 * a square thumbnail (the middle of the picture, turned as its EXIF
 * orientation says) decoded at the size it is shown, not the full
 * picture. Not a widget, and no GTK: the composer shows it. */
#define VC_TYPE_ATTACHMENT (vc_attachment_get_type ())
G_DECLARE_FINAL_TYPE (VcAttachment, vc_attachment, VC, ATTACHMENT, GObject)

/* The thumbnails' side in device pixels: 64 logical pixels on a screen of
 * scale 2 stay sharp. */
#define VC_ATTACHMENT_THUMBNAIL_SIZE 128

/* Decodes @bytes (at thumbnail size) now, so that a file that is no image,
 * or one this system has no loader for, is named at once: the error says
 * @name. Any thread (the composer reads dropped files in one). */
VcAttachment *vc_attachment_new_from_bytes   (GBytes       *bytes,
                                              const char   *name,
                                              GError      **error);
/* The image in @file, as above (named by the file's name). Any thread. */
VcAttachment *vc_attachment_new_from_file    (GFile        *file,
                                              GError      **error);
/* The image @sha256 of the image store in @folder, as above (to edit a
 * question that was sent). Any thread. */
VcAttachment *vc_attachment_new_from_stored  (const char   *folder,
                                              const char   *sha256,
                                              const char   *name,
                                              GError      **error);
GBytes       *vc_attachment_get_bytes        (VcAttachment *self);
const char   *vc_attachment_get_name         (VcAttachment *self);
GdkPixbuf    *vc_attachment_get_thumbnail    (VcAttachment *self);

G_END_DECLS
