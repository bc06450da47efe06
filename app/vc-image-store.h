/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

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

G_END_DECLS
