/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * From a decoded image to the tower's pixel tensor, as VILA's reference
 * does it (vila-format.md section 4): "resize" squashes the image to the
 * tower's square with PIL bicubic; "pad" (VILA-7B) first centres it on a
 * square of the mean colour. Then transformers' processors rescale in
 * float64, store float32, and normalise in float32: the same operations in
 * the same precision here, so the tensors agree to the bit.
 */
#define G_LOG_DOMAIN "vila-image"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "image-preprocess.h"
#include "image-resize.h"
#include "vila-private.h"

static const float siglip_half[3] = { 0.5f, 0.5f, 0.5f };
/* OpenAI CLIP's processor constants (openai/clip-vit-large-patch14-336). */
static const float clip_mean[3] = { 0.48145466f, 0.4578275f, 0.40821073f };
static const float clip_std[3] = { 0.26862954f, 0.26130258f, 0.27577711f };

static gboolean
read_triple (JsonObject *object,
             const char *key,
             float       out[3])
{
  JsonNode *node = json_object_get_member (object, key);
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length ((array = json_node_get_array (node))) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      JsonNode *v = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (v) ||
          (json_node_get_value_type (v) != G_TYPE_DOUBLE && json_node_get_value_type (v) != G_TYPE_INT64))
        return FALSE;
      out[i] = (float) json_node_get_double (v);
    }
  return TRUE;
}

/* "size" is {"height": h, "width": w}, {"shortest_edge": s} or a number. */
static guint
read_size (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "size");
  JsonObject *size;

  if (node == NULL)
    return 0;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return (guint) CLAMP (json_node_get_int (node), 0, 8192);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  size = json_node_get_object (node);
  if (json_object_has_member (size, "shortest_edge"))
    return (guint) CLAMP (json_object_get_int_member_with_default (size, "shortest_edge", 0), 0, 8192);
  if (json_object_get_int_member_with_default (size, "height", 0) != json_object_get_int_member_with_default (size, "width", -1))
    return 0;
  return (guint) CLAMP (json_object_get_int_member_with_default (size, "height", 0), 0, 8192);
}

gboolean
vila_preprocess_init (VilaPreprocess         *preprocess,
                      const VilaModelConfig  *config,
                      GError                **error)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *root;
  guint size;

  *preprocess = (VilaPreprocess) {
    .size = config->vision.image_size,
    .pad = g_strcmp0 (config->aspect_ratio, "pad") == 0,
    .rescale = 1.0 / 255.0,
  };
  if (config->vision.kind == VILA_VISION_CLIP)
    {
      memcpy (preprocess->mean, clip_mean, sizeof clip_mean);
      memcpy (preprocess->std, clip_std, sizeof clip_std);
    }
  else
    {
      memcpy (preprocess->mean, siglip_half, sizeof siglip_half);
      memcpy (preprocess->std, siglip_half, sizeof siglip_half);
    }

  if (config->vision_dir == NULL)
    return TRUE;
  path = g_build_filename (config->vision_dir, "preprocessor_config.json", NULL);
  /* VILA-7B names its processor instead of shipping it. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "%s", local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "expected a JSON object");
  object = json_node_get_object (root);

  if (!read_triple (object, "image_mean", preprocess->mean) || !read_triple (object, "image_std", preprocess->std))
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "image_mean and image_std must be three numbers");
  for (guint i = 0; i < 3; i++)
    if (!(preprocess->std[i] > 0))
      return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path, "image_std must be positive");
  if (json_object_has_member (object, "rescale_factor"))
    preprocess->rescale = json_object_get_double_member_with_default (object, "rescale_factor", 1.0 / 255.0);
  if (json_object_get_int_member_with_default (object, "resample", 3) != 3)
    return vila_file_error (error, VILA_ERROR_UNSUPPORTED, path, "only bicubic resampling (resample 3) is supported");

  size = read_size (object);
  if (size != 0 && size != config->vision.image_size)
    return vila_file_error (error, VILA_ERROR_INVALID_CHECKPOINT, path,
                            "the processor's size %u is not the tower's image size %u", size, config->vision.image_size);
  return TRUE;
}

float *
vila_preprocess_image (const VilaPreprocess *preprocess,
                       const VilaImage      *image)
{
  g_autoptr(VilaRgbImage) square = NULL;
  g_autoptr(VilaRgbImage) resized = NULL;
  const guint8 *pixels = image->pixels;
  guint width = image->width, height = image->height;
  gsize stride = image->stride;
  guint side = preprocess->size;
  float *tensor;

  if (preprocess->pad)
    {
      /* expand2square's background: int(mean * 255) per channel. */
      guint8 background[3];

      for (guint c = 0; c < 3; c++)
        background[c] = (guint8) (preprocess->mean[c] * 255.0);
      square = vila_image_expand_to_square (pixels, width, height, stride, background);
      pixels = square->pixels, width = height = square->width, stride = (gsize) square->width * 3;
    }

  /* A square image needs the one resize "resize" mode and the CLIP
   * processor's shortest-edge resize with centre crop both come to. */
  resized = vila_image_resize_bicubic (pixels, width, height, stride, side, side);

  tensor = g_new (float, (gsize) 3 * side * side);
  for (guint c = 0; c < 3; c++)
    {
      float *plane = tensor + (gsize) c * side * side;

      for (gsize i = 0; i < (gsize) side * side; i++)
        {
          float scaled = (float) (resized->pixels[i * 3 + c] * preprocess->rescale);

          plane[i] = (scaled - preprocess->mean[c]) / preprocess->std[c];
        }
    }
  return tensor;
}
