/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Pillow's convolution resampler (libImaging/Resample.c, read as a
 * specification), for the bicubic filter and 8-bit channels. VILA's
 * reference preprocessing resizes with PIL (vila-format.md section 0.4), so
 * the pixels the vision tower sees depend on these exact steps:
 *
 * - the filter is Keys' cubic with a = -0.5 and support 2, stretched by the
 *   scale when shrinking (antialiasing);
 * - per output pixel, the window [center - support, center + support] is
 *   rounded with (int)(x + 0.5) and clamped to the image, the weights are
 *   normalised to sum 1, then turned into fixed point with 22 fractional
 *   bits, rounding half away from zero;
 * - sums start at half an ulp, are shifted back and clamped to 0..255;
 * - the horizontal pass runs first, over the source rows the vertical pass
 *   needs, into an 8-bit image; the vertical pass reads that.
 */
#define G_LOG_DOMAIN "vila-image"

#include "config.h"

#include <math.h>
#include <string.h>

#include "image-resize.h"

#define PRECISION_BITS (32 - 8 - 2)

void
vila_rgb_image_free (VilaRgbImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

static VilaRgbImage *
rgb_image_new (guint width,
               guint height)
{
  VilaRgbImage *image = g_new0 (VilaRgbImage, 1);

  image->width = width;
  image->height = height;
  image->pixels = g_malloc ((gsize) width * height * 3);
  return image;
}

static double
bicubic (double x)
{
  const double a = -0.5;

  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0)
    return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

/* Weights of each output pixel along one axis: @first[i] is the first
 * source pixel, @count[i] how many, @weights[i * ksize ...] in fixed point. */
typedef struct {
  guint   ksize;
  gint   *first;
  gint   *count;
  gint32 *weights;
} Coefficients;

static void
coefficients_clear (Coefficients *c)
{
  g_free (c->first);
  g_free (c->count);
  g_free (c->weights);
}

static void
compute_coefficients (Coefficients *c,
                      guint         in_size,
                      guint         out_size)
{
  double scale = (double) in_size / out_size;
  double filter_scale = MAX (scale, 1.0);
  double support = 2.0 * filter_scale;
  g_autofree double *k = NULL;

  c->ksize = (guint) ceil (support) * 2 + 1;
  c->first = g_new (gint, out_size);
  c->count = g_new (gint, out_size);
  c->weights = g_new0 (gint32, (gsize) out_size * c->ksize);
  k = g_new (double, c->ksize);

  for (guint i = 0; i < out_size; i++)
    {
      double center = (i + 0.5) * scale;
      double total = 0.0;
      gint lo = (gint) (center - support + 0.5);
      gint hi = (gint) (center + support + 0.5);

      if (lo < 0)
        lo = 0;
      if (hi > (gint) in_size)
        hi = in_size;
      hi -= lo;

      for (gint x = 0; x < hi; x++)
        {
          k[x] = bicubic ((x + lo - center + 0.5) / filter_scale);
          total += k[x];
        }
      for (gint x = 0; x < hi; x++)
        {
          double w = total != 0.0 ? k[x] / total : k[x];

          c->weights[i * c->ksize + x] = (gint32) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS)
                                                         : 0.5 + w * (1 << PRECISION_BITS));
        }
      c->first[i] = lo;
      c->count[i] = hi;
    }
}

static inline guint8
clip8 (gint32 value)
{
  if (value >= (gint32) (256u << PRECISION_BITS))
    return 255;
  if (value <= 0)
    return 0;
  return (guint8) (value >> PRECISION_BITS);
}

VilaRgbImage *
vila_image_resize_bicubic (const guint8 *pixels,
                           guint         width,
                           guint         height,
                           gsize         stride,
                           guint         out_width,
                           guint         out_height)
{
  Coefficients horizontal = { 0 }, vertical = { 0 };
  g_autoptr(VilaRgbImage) temp = NULL;
  VilaRgbImage *out;
  const guint8 *rows;
  gsize rows_stride;
  gint row_first, row_last;

  g_return_val_if_fail (pixels != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (out_width > 0 && out_height > 0, NULL);

  /* Pillow returns a copy when the size does not change. */
  if (width == out_width && height == out_height)
    {
      out = rgb_image_new (width, height);
      for (guint y = 0; y < height; y++)
        memcpy (out->pixels + (gsize) y * width * 3, pixels + y * stride, (gsize) width * 3);
      return out;
    }

  compute_coefficients (&horizontal, width, out_width);
  compute_coefficients (&vertical, height, out_height);

  /* Only the source rows the vertical pass reads go through the first. */
  row_first = vertical.first[0];
  row_last = vertical.first[out_height - 1] + vertical.count[out_height - 1];
  rows = pixels;
  rows_stride = stride;

  if (width != out_width)
    {
      temp = rgb_image_new (out_width, row_last - row_first);
      for (gint y = 0; y < row_last - row_first; y++)
        {
          const guint8 *src = pixels + (gsize) (y + row_first) * stride;
          guint8 *dst = temp->pixels + (gsize) y * out_width * 3;

          for (guint x = 0; x < out_width; x++)
            {
              const gint32 *k = horizontal.weights + (gsize) x * horizontal.ksize;
              const guint8 *p = src + (gsize) horizontal.first[x] * 3;
              gint32 r = 1 << (PRECISION_BITS - 1), g = r, b = r;

              for (gint i = 0; i < horizontal.count[x]; i++, p += 3)
                {
                  r += p[0] * k[i];
                  g += p[1] * k[i];
                  b += p[2] * k[i];
                }
              dst[x * 3 + 0] = clip8 (r);
              dst[x * 3 + 1] = clip8 (g);
              dst[x * 3 + 2] = clip8 (b);
            }
        }
      for (guint y = 0; y < out_height; y++)
        vertical.first[y] -= row_first;
      rows = temp->pixels;
      rows_stride = (gsize) out_width * 3;
    }
  else
    rows = pixels;

  out = rgb_image_new (out_width, out_height);
  if (height == out_height)
    {
      for (guint y = 0; y < out_height; y++)
        memcpy (out->pixels + (gsize) y * out_width * 3,
                rows + (gsize) y * rows_stride, (gsize) out_width * 3);
    }
  else
    {
      for (guint y = 0; y < out_height; y++)
        {
          const gint32 *k = vertical.weights + (gsize) y * vertical.ksize;
          guint8 *dst = out->pixels + (gsize) y * out_width * 3;

          for (guint x = 0; x < out_width * 3; x++)
            {
              gint32 sum = 1 << (PRECISION_BITS - 1);

              for (gint i = 0; i < vertical.count[y]; i++)
                sum += rows[(gsize) (vertical.first[y] + i) * rows_stride + x] * k[i];
              dst[x] = clip8 (sum);
            }
        }
    }

  coefficients_clear (&horizontal);
  coefficients_clear (&vertical);
  return out;
}

VilaRgbImage *
vila_image_expand_to_square (const guint8 *pixels,
                             guint         width,
                             guint         height,
                             gsize         stride,
                             const guint8  background[3])
{
  guint side = MAX (width, height);
  guint left = (side - width) / 2;
  guint top = (side - height) / 2;
  VilaRgbImage *out;

  g_return_val_if_fail (pixels != NULL && width > 0 && height > 0, NULL);

  out = rgb_image_new (side, side);
  for (gsize i = 0; i < (gsize) side * side; i++)
    memcpy (out->pixels + i * 3, background, 3);
  for (guint y = 0; y < height; y++)
    memcpy (out->pixels + ((gsize) (y + top) * side + left) * 3, pixels + (gsize) y * stride, (gsize) width * 3);
  return out;
}
