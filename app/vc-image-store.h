/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* The images of conversations as files named by the sha256 of their bytes
 * (content-addressed: the same photo in ten messages is one file, and a
 * file never changes once written), under @folder/images/. The database
 * holds only the names. */

/* Stores @bytes (an encoded image as the user gave it) unless they are
 * there already; returns the sha256 in hex. */
char *vc_image_store_add  (const char  *folder,
                           GBytes      *bytes,
                           GError     **error);
/* The file of @sha256 (whether or not it exists). */
char *vc_image_store_path (const char  *folder,
                           const char  *sha256);
/* The bytes of @sha256 as they were stored, or NULL and @error. */
GBytes *vc_image_store_read (const char  *folder,
                             const char  *sha256,
                             GError     **error);

/* The image of @sha256 turned as its EXIF orientation says and scaled
 * (high quality) to fit @size × @size pixels, kept beside it as a PNG so
 * that a transcript of hundreds of images opens without decoding them
 * again. Ask for the size in device pixels (logical size × scale
 * factor): a thumbnail is never scaled up, so it stays sharp. */
GdkPixbuf *vc_image_store_thumbnail (const char  *folder,
                                     const char  *sha256,
                                     int          size,
                                     GError     **error);

/* The same in a thread of its own, for a window that must not wait on
 * the disk or a decoder. */
void       vc_image_store_thumbnail_async  (const char           *folder,
                                            const char           *sha256,
                                            int                   size,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GdkPixbuf *vc_image_store_thumbnail_finish (GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
