/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Packed 8-bit RGB, rows of width * 3 bytes. */
typedef struct {
  guint   width;
  guint   height;
  guint8 *pixels;
} VilaRgbImage;

void          vila_rgb_image_free          (VilaRgbImage *image);

/* Resizes to @width x @height with the bicubic filter exactly as Pillow's
 * Image.resize(size, Image.BICUBIC) does for RGB images, byte for byte.
 * @stride: bytes per source row. */
VilaRgbImage *vila_image_resize_bicubic    (const guint8 *pixels,
                                            guint         width,
                                            guint         height,
                                            gsize         stride,
                                            guint         out_width,
                                            guint         out_height);

/* VILA's expand2square (llava/mm_utils.py): the image centred on a square
 * of @background, the side being its longer side. */
VilaRgbImage *vila_image_expand_to_square  (const guint8 *pixels,
                                            guint         width,
                                            guint         height,
                                            gsize         stride,
                                            const guint8  background[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaRgbImage, vila_rgb_image_free)

G_END_DECLS
