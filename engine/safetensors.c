/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * safetensors, read in place (https://github.com/huggingface/safetensors,
 * format described in its README): 8 bytes little-endian header length N,
 * N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, with an
 * optional __metadata__}, then the data, offsets relative to its start.
 * Nothing in a file is trusted: lengths, offsets and shapes are checked,
 * with overflow in mind, before any tensor is handed out.
 */
#define G_LOG_DOMAIN "vila-weights"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "large-pages.h"
#include "safetensors.h"
#include "vila.h"
#include "vila-private.h"

/* The reference implementation's limit on the header. */
#define MAX_HEADER_BYTES (100 * 1000 * 1000)

static const struct {
  const char *name;
  gsize       size;
} tensor_types[] = {
  [VILA_TENSOR_F32] = { "F32", 4 },
  [VILA_TENSOR_F16] = { "F16", 2 },
  [VILA_TENSOR_BF16] = { "BF16", 2 },
  [VILA_TENSOR_F64] = { "F64", 8 },
  [VILA_TENSOR_I64] = { "I64", 8 },
  [VILA_TENSOR_I32] = { "I32", 4 },
  [VILA_TENSOR_I16] = { "I16", 2 },
  [VILA_TENSOR_I8] = { "I8", 1 },
  [VILA_TENSOR_U8] = { "U8", 1 },
  [VILA_TENSOR_BOOL] = { "BOOL", 1 },
  [VILA_TENSOR_F8_E4M3] = { "F8_E4M3", 1 },
  [VILA_TENSOR_F8_E5M2] = { "F8_E5M2", 1 },
};

const char *
vila_tensor_type_name (VilaTensorType type)
{
  return type < G_N_ELEMENTS (tensor_types) ? tensor_types[type].name : "?";
}

gsize
vila_tensor_type_size (VilaTensorType type)
{
  return type < G_N_ELEMENTS (tensor_types) ? tensor_types[type].size : 0;
}

static void
tensor_free (gpointer data)
{
  VilaTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor);
}

GHashTable *
vila_tensor_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tensor_free);
}

/* Every problem in these files is a broken checkpoint. */
#define fail(error, file, ...) vila_file_error ((error), VILA_ERROR_INVALID_CHECKPOINT, (file), __VA_ARGS__)

static gboolean
read_int (JsonNode *node,
          gint64   *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_entry (const char   *name,
             JsonNode     *node,
             const guint8 *data,
             gsize         data_size,
             const char   *file,
             VilaTensor   *tensor,
             GError      **error)
{
  JsonObject *entry;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *dims, *range;
  gint64 begin, end;
  guint64 n_elements = 1;
  guint64 n_bytes;
  const char *type_name;
  guint t;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, file, "the header entry of “%s” is not an object", name);
  entry = json_node_get_object (node);
  dtype = json_object_get_member (entry, "dtype");
  shape = json_object_get_member (entry, "shape");
  offsets = json_object_get_member (entry, "data_offsets");

  if (dtype == NULL || !JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    return fail (error, file, "tensor “%s” has no dtype", name);
  type_name = json_node_get_string (dtype);
  for (t = 0; t < G_N_ELEMENTS (tensor_types); t++)
    if (strcmp (type_name, tensor_types[t].name) == 0)
      break;
  if (t == G_N_ELEMENTS (tensor_types))
    return fail (error, file, "tensor “%s” has the unknown dtype “%s”", name, type_name);

  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    return fail (error, file, "tensor “%s” has no shape", name);
  dims = json_node_get_array (shape);
  if (json_array_get_length (dims) > VILA_TENSOR_MAX_DIMS)
    return fail (error, file, "tensor “%s” has %u dimensions, more than %d",
                 name, json_array_get_length (dims), VILA_TENSOR_MAX_DIMS);

  tensor->type = t;
  tensor->n_dims = json_array_get_length (dims);
  for (guint d = 0; d < tensor->n_dims; d++)
    {
      gint64 extent;

      if (!read_int (json_array_get_element (dims, d), &extent) || extent < 0)
        return fail (error, file, "tensor “%s” has a shape that is not a list of sizes", name);
      tensor->shape[d] = extent;
      if (extent != 0 && n_elements > G_MAXINT64 / (guint64) extent)
        return fail (error, file, "the shape of tensor “%s” overflows", name);
      n_elements *= extent;
    }

  if (offsets == NULL || !JSON_NODE_HOLDS_ARRAY (offsets) ||
      json_array_get_length ((range = json_node_get_array (offsets))) != 2 ||
      !read_int (json_array_get_element (range, 0), &begin) ||
      !read_int (json_array_get_element (range, 1), &end))
    return fail (error, file, "tensor “%s” has no data_offsets [begin, end]", name);
  if (begin < 0 || end < begin || (guint64) end > data_size)
    return fail (error, file, "tensor “%s” lies outside the file (bytes %" G_GINT64_FORMAT
                 " to %" G_GINT64_FORMAT " of %" G_GSIZE_FORMAT "): is the file truncated?",
                 name, begin, end, data_size);

  if (n_elements > G_MAXUINT64 / tensor_types[t].size)
    return fail (error, file, "the shape of tensor “%s” overflows", name);
  n_bytes = n_elements * tensor_types[t].size;
  if (n_bytes != (guint64) (end - begin))
    return fail (error, file, "tensor “%s” has %" G_GINT64_FORMAT " bytes, but its shape and dtype "
                 "need %" G_GUINT64_FORMAT, name, end - begin, n_bytes);

  tensor->name = g_strdup (name);
  tensor->n_elements = n_elements;
  tensor->data = data + begin;
  tensor->n_bytes = n_bytes;
  tensor->file = file;
  return TRUE;
}

static int
compare_by_offset (gconstpointer a,
                   gconstpointer b)
{
  const VilaTensor *ta = *(VilaTensor * const *) a;
  const VilaTensor *tb = *(VilaTensor * const *) b;

  return (ta->data > tb->data) - (ta->data < tb->data);
}

gboolean
vila_safetensors_parse (const guint8  *data,
                        gsize          size,
                        const char    *file,
                        GHashTable    *tensors,
                        GError       **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (tensor_free);
  g_autoptr(GList) members = NULL;
  JsonNode *root;
  JsonObject *header;
  guint64 header_length;
  const guint8 *payload;
  gsize payload_size;

  if (size < 8)
    return fail (error, file, "the file is too short to be safetensors (%" G_GSIZE_FORMAT " bytes)", size);
  memcpy (&header_length, data, 8);
  header_length = GUINT64_FROM_LE (header_length);
  if (header_length > MAX_HEADER_BYTES || header_length > size - 8)
    return fail (error, file, "the header length %" G_GUINT64_FORMAT " does not fit the file "
                 "(%" G_GSIZE_FORMAT " bytes): truncated or not safetensors", header_length, size);
  if (header_length < 2 || data[8] != '{')
    return fail (error, file, "the header is not a JSON object: not a safetensors file");
  if (!g_utf8_validate_len ((const char *) data + 8, header_length, NULL))
    return fail (error, file, "the header is not UTF-8");

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data + 8, header_length, &local_error))
    return fail (error, file, "the header is not valid JSON: %s", local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, file, "the header is not a JSON object");
  header = json_node_get_object (root);

  payload = data + 8 + header_length;
  payload_size = size - 8 - header_length;

  members = json_object_get_members (header);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      VilaTensor *tensor;

      if (strcmp (name, "__metadata__") == 0)
        continue;
      tensor = g_new0 (VilaTensor, 1);
      g_ptr_array_add (parsed, tensor);
      if (!parse_entry (name, json_object_get_member (header, name), payload, payload_size, file, tensor, error))
        return FALSE;
    }

  /* Tensors may not share bytes: a file that lies about offsets could
   * otherwise alias one weight as another. */
  g_ptr_array_sort (parsed, compare_by_offset);
  for (guint i = 1; i < parsed->len; i++)
    {
      const VilaTensor *previous = g_ptr_array_index (parsed, i - 1);
      const VilaTensor *tensor = g_ptr_array_index (parsed, i);

      if (tensor->data < previous->data + previous->n_bytes)
        return fail (error, file, "tensors “%s” and “%s” overlap", previous->name, tensor->name);
    }

  for (guint i = 0; i < parsed->len; i++)
    {
      VilaTensor *tensor = g_ptr_array_index (parsed, i);

      if (g_hash_table_contains (tensors, tensor->name))
        return fail (error, file, "tensor “%s” is also in another file", tensor->name);
    }
  /* The table owns them from here on. */
  for (guint i = 0; i < parsed->len; i++)
    {
      VilaTensor *tensor = g_ptr_array_index (parsed, i);

      g_hash_table_insert (tensors, tensor->name, tensor);
    }
  g_ptr_array_set_free_func (parsed, NULL);
  return TRUE;
}

struct _VilaWeights
{
  GPtrArray  *files;     /* GMappedFile */
  GPtrArray  *paths;     /* char *, kept alive for VilaTensor.file */
  GHashTable *tensors;   /* name -> VilaTensor */
  GPtrArray  *buffers;   /* memory of synthetic tensors */
};

void
vila_weights_free (VilaWeights *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->tensors);
  g_ptr_array_unref (self->files);
  g_ptr_array_unref (self->paths);
  g_clear_pointer (&self->buffers, g_ptr_array_unref);
  g_free (self);
}

static gboolean
map_shard (VilaWeights  *self,
           const char   *path,
           GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GMappedFile *mapped;
  char *stored_path;

  if (!(mapped = g_mapped_file_new (path, FALSE, &local_error)))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s: %s", path, local_error->message);
      return FALSE;
    }
  g_ptr_array_add (self->files, mapped);
  /* Before the first read of the weights, so that the page cache fills
   * with 2 MB folios that the mapping can use whole (large-pages.c). */
  vila_large_pages_advise (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped));
  stored_path = g_strdup (path);
  g_ptr_array_add (self->paths, stored_path);
  return vila_safetensors_parse ((const guint8 *) g_mapped_file_get_contents (mapped),
                                 g_mapped_file_get_length (mapped), stored_path, self->tensors, error);
}

/* model.safetensors.index.json: {"weight_map": {tensor: shard file}}. */
static gboolean
open_sharded (VilaWeights  *self,
              const char   *folder,
              const char   *index_path,
              GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GHashTable) shards = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) names = NULL;
  JsonNode *root, *map_node;
  JsonObject *map;

  if (!json_parser_load_from_mapped_file (parser, index_path, &local_error))
    return fail (error, index_path, "%s", local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(map_node = json_object_get_member (json_node_get_object (root), "weight_map")) ||
      !JSON_NODE_HOLDS_OBJECT (map_node))
    return fail (error, index_path, "there is no weight_map object");
  map = json_node_get_object (map_node);

  names = json_object_get_members (map);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *shard = json_object_get_member (map, l->data);
      const char *file;

      if (!JSON_NODE_HOLDS_VALUE (shard) || json_node_get_value_type (shard) != G_TYPE_STRING)
        return fail (error, index_path, "the shard of “%s” is not a file name", (const char *) l->data);
      file = json_node_get_string (shard);
      /* Shards sit beside the index; a path elsewhere is refused. */
      if (*file == '\0' || strchr (file, '/') || strchr (file, '\\') || strcmp (file, "..") == 0 ||
          strcmp (file, ".") == 0)
        return fail (error, index_path, "the shard name “%s” is not a file in the same folder", file);
      g_hash_table_add (shards, (gpointer) file);
    }

  {
    g_autoptr(GList) files = g_hash_table_get_keys (shards);

    files = g_list_sort (files, (GCompareFunc) strcmp);
    for (GList *l = files; l != NULL; l = l->next)
      {
        g_autofree char *path = g_build_filename (folder, l->data, NULL);

        if (!map_shard (self, path, error))
          return FALSE;
      }
  }

  /* Every tensor the index names must be in the shard it names. */
  for (GList *l = names; l != NULL; l = l->next)
    {
      const VilaTensor *tensor = g_hash_table_lookup (self->tensors, l->data);
      const char *shard = json_object_get_string_member (map, l->data);

      if (tensor == NULL || !g_str_has_suffix (tensor->file, shard))
        return fail (error, index_path, "tensor “%s” is not in %s", (const char *) l->data, shard);
    }
  return TRUE;
}

VilaWeights *
vila_weights_open (const char  *folder,
                   GError     **error)
{
  g_autoptr(VilaWeights) self = g_new0 (VilaWeights, 1);
  g_autofree char *index = g_build_filename (folder, "model.safetensors.index.json", NULL);
  g_autofree char *single = g_build_filename (folder, "model.safetensors", NULL);

  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_mapped_file_unref);
  self->paths = g_ptr_array_new_with_free_func (g_free);
  self->tensors = vila_tensor_table_new ();

  if (g_file_test (index, G_FILE_TEST_IS_REGULAR))
    {
      if (!open_sharded (self, folder, index, error))
        return NULL;
    }
  else if (g_file_test (single, G_FILE_TEST_IS_REGULAR))
    {
      if (!map_shard (self, single, error))
        return NULL;
    }
  else
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND,
                   "%s has no model.safetensors or model.safetensors.index.json", folder);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const VilaTensor *
vila_weights_lookup (VilaWeights *self,
                     const char  *name)
{
  return g_hash_table_lookup (self->tensors, name);
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  return strcmp ((*(VilaTensor * const *) a)->name, (*(VilaTensor * const *) b)->name);
}

GPtrArray *
vila_weights_list (VilaWeights *self)
{
  GPtrArray *list = g_ptr_array_sized_new (g_hash_table_size (self->tensors));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_by_name);
  return list;
}

guint64
vila_weights_total_bytes (VilaWeights *self)
{
  GHashTableIter iter;
  gpointer value;
  guint64 total = 0;

  g_hash_table_iter_init (&iter, self->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += ((VilaTensor *) value)->n_bytes;
  return total;
}

VilaWeights *
vila_weights_new_synthetic (void)
{
  VilaWeights *self = g_new0 (VilaWeights, 1);

  self->files = g_ptr_array_new ();
  self->paths = g_ptr_array_new ();
  self->tensors = vila_tensor_table_new ();
  self->buffers = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/* Small pseudo-random values, so that no kernel meets only zeros. A first
 * run of them repeats through the rest: gigabytes of benchmark weights are
 * then made at memory speed. */
static void
fill_values (guint8         *data,
             VilaTensorType  type,
             gsize           n,
             guint32         seed)
{
  gsize size = vila_tensor_type_size (type), first = MIN (n, (gsize) 1 << 16);

  for (gsize i = 0; i < first; i++)
    {
      guint32 r = (seed = seed * 1664525u + 1013904223u) >> 9;
      float value = ((float) (r & 0xffff) / 65536.0f - 0.5f) * 0.04f;
      guint32 bits;

      memcpy (&bits, &value, 4);
      if (type == VILA_TENSOR_F32)
        memcpy (data + i * 4, &value, 4);
      else
        {
          guint16 half = (guint16) (bits >> 16);   /* BF16; F16 tensors are not made */
          memcpy (data + i * 2, &half, 2);
        }
    }
  for (gsize done = first; done < n; done += MIN (first, n - done))
    memcpy (data + done * size, data, MIN (first, n - done) * size);
}

void
vila_weights_add_synthetic (VilaWeights    *self,
                            const char     *name,
                            VilaTensorType  type,
                            gint64          rows,
                            gint64          cols)
{
  VilaTensor *tensor = g_new0 (VilaTensor, 1);
  gsize n = (gsize) rows * MAX (cols, 1);
  guint8 *data;

  g_return_if_fail (type == VILA_TENSOR_BF16 || type == VILA_TENSOR_F32);

  /* On 2 MB pages, as a mapped checkpoint is on a recent kernel. */
  data = vila_large_pages_alloc (n * vila_tensor_type_size (type));
  fill_values (data, type, n, g_str_hash (name));
  g_ptr_array_add (self->buffers, data);
  tensor->name = g_strdup (name);
  tensor->type = type;
  tensor->n_dims = cols > 0 ? 2 : 1;
  tensor->shape[0] = rows;
  tensor->shape[1] = cols;
  tensor->n_elements = n;
  tensor->data = data;
  tensor->n_bytes = n * vila_tensor_type_size (type);
  tensor->file = "(synthetic)";
  g_hash_table_insert (self->tensors, tensor->name, tensor);
}
