/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vila.h"

G_BEGIN_DECLS

/* An image decoded for the engine: 8-bit RGB, turned as its EXIF
 * orientation says, so the model sees what the user sees. */
typedef struct {
  VilaImage  image;
  GBytes    *pixels;
} VcLoadedImage;

/* Decodes @path with GdkPixbuf (PNG, JPEG, WebP, GIF's first frame, TIFF,
 * BMP, HEIC where the system has the loader). Alpha is dropped, as PIL's
 * convert("RGB") does. The error names the file. */
VcLoadedImage *vc_image_load  (const char     *path,
                               GError        **error);
void           vc_image_free  (VcLoadedImage  *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VcLoadedImage, vc_image_free)

G_END_DECLS
