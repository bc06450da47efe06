/* SPDX-License-Identifier: GPL-3.0-or-later */
/* safetensors read in place: real layouts load, sharded ones through their
 * index, and every kind of broken file gets an error naming the file. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "safetensors.h"
#include "vila.h"

typedef struct {
  const char *name;
  const char *dtype;
  const char *shape;     /* JSON list */
  gsize       n_bytes;
} Spec;

/* A safetensors file with the given tensors, data filled with a pattern
 * that differs per tensor; @header_override replaces the header. */
static GByteArray *
build (const Spec *specs,
       guint       n_specs,
       const char *header_override)
{
  g_autoptr(GString) header = g_string_new ("{\"__metadata__\": {\"format\": \"pt\"}");
  GByteArray *file = g_byte_array_new ();
  gsize offset = 0;
  guint64 length;

  for (guint i = 0; i < n_specs; i++)
    {
      g_string_append_printf (header, ", \"%s\": {\"dtype\": \"%s\", \"shape\": %s, "
                              "\"data_offsets\": [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "]}",
                              specs[i].name, specs[i].dtype, specs[i].shape, offset, offset + specs[i].n_bytes);
      offset += specs[i].n_bytes;
    }
  g_string_append_c (header, '}');
  if (header_override != NULL)
    g_string_assign (header, header_override);
  /* Writers pad the header with spaces to a multiple of 8. */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  length = GUINT64_TO_LE (header->len);
  g_byte_array_append (file, (const guint8 *) &length, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  for (guint i = 0; i < n_specs; i++)
    for (gsize b = 0; b < specs[i].n_bytes; b++)
      {
        guint8 v = (guint8) (i * 31 + b);
        g_byte_array_append (file, &v, 1);
      }
  return file;
}

static const Spec good[] = {
  { "model.embed_tokens.weight", "BF16", "[4, 3]", 24 },
  { "model.norm.weight", "F32", "[3]", 12 },
  { "lm_head.weight", "F16", "[4, 3]", 24 },
  { "scalar", "F32", "[]", 4 },
  { "empty", "F16", "[0, 5]", 0 },
};

static void
test_parse (void)
{
  g_autoptr(GByteArray) file = build (good, G_N_ELEMENTS (good), NULL);
  g_autoptr(GHashTable) tensors = vila_tensor_table_new ();
  g_autoptr(GError) error = NULL;
  const VilaTensor *t;

  g_assert_true (vila_safetensors_parse (file->data, file->len, "x.safetensors", tensors, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (tensors), ==, 5);

  t = g_hash_table_lookup (tensors, "model.embed_tokens.weight");
  g_assert_cmpint (t->type, ==, VILA_TENSOR_BF16);
  g_assert_cmpuint (t->n_dims, ==, 2);
  g_assert_cmpint (t->shape[0], ==, 4);
  g_assert_cmpint (t->shape[1], ==, 3);
  g_assert_cmpint (t->n_elements, ==, 12);
  g_assert_cmpuint (t->n_bytes, ==, 24);

  /* Data is read in place, right after the header. */
  t = g_hash_table_lookup (tensors, "model.norm.weight");
  g_assert_true (t->data >= file->data && t->data + t->n_bytes <= file->data + file->len);
  g_assert_cmpuint (t->data[0], ==, 31);
  g_assert_cmpuint (t->data[11], ==, 42);

  t = g_hash_table_lookup (tensors, "scalar");
  g_assert_cmpuint (t->n_dims, ==, 0);
  g_assert_cmpint (t->n_elements, ==, 1);
  g_assert_null (g_hash_table_lookup (tensors, "__metadata__"));
}

static void
assert_parse_fails (GByteArray *file,
                    const char *fragment)
{
  g_autoptr(GHashTable) tensors = vila_tensor_table_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (vila_safetensors_parse (file->data, file->len, "bad.safetensors", tensors, &error));
  g_assert_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT);
  g_assert_nonnull (strstr (error->message, "bad.safetensors"));
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in: %s", fragment, error->message);
  g_assert_cmpuint (g_hash_table_size (tensors), ==, 0);
}

static void
test_truncated (void)
{
  g_autoptr(GByteArray) file = build (good, G_N_ELEMENTS (good), NULL);

  for (guint cut = 0; cut < file->len; cut++)
    {
      g_autoptr(GByteArray) part = g_byte_array_new ();

      /* The last tensor is empty and the one before it has 4 bytes: any
       * cut in the data takes bytes from a tensor. */
      g_byte_array_append (part, file->data, cut);
      assert_parse_fails (part, NULL);
    }
}

static void
test_malformed (void)
{
  static const struct { const char *header; const char *fragment; } cases[] = {
    { "[1, 2]", "not a JSON object" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", "JSON" },
    { "{\"a\": {\"dtype\": \"Q4_K\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "Q4_K" },
    { "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", "dtype" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 400]}}", "outside" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", "outside" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "need 8" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "data_offsets" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", "dimensions" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 4]}}", "overflow" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
      "\"b\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [2, 6]}}", "overlap" },
    { "{\"a\": 7}", "not an object" },
  };
  static const Spec data_only[] = { { "pad", "U8", "[16]", 16 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) file = build (data_only, 1, cases[i].header);

      assert_parse_fails (file, cases[i].fragment);
    }

  {
    g_autoptr(GByteArray) file = build (good, 1, NULL);
    guint64 huge = GUINT64_TO_LE (G_MAXUINT64 - 4);

    memcpy (file->data, &huge, 8);
    assert_parse_fails (file, "header length");
  }
}

static char *
write_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vila-weights-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_file (const char *dir,
            const char *name,
            const void *data,
            gssize      length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

static void
remove_folder (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_open_single_and_sharded (void)
{
  static const Spec shard1[] = { { "a.weight", "F32", "[2]", 8 }, { "b.weight", "BF16", "[3]", 6 } };
  static const Spec shard2[] = { { "c.weight", "F16", "[5]", 10 } };
  g_autofree char *dir = write_folder ();
  g_autoptr(GByteArray) one = build (shard1, 2, NULL);
  g_autoptr(GByteArray) two = build (shard2, 1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaWeights) single = NULL;
  g_autoptr(VilaWeights) sharded = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char *index =
    "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {"
    "\"a.weight\": \"model-00001-of-00002.safetensors\", \"b.weight\": \"model-00001-of-00002.safetensors\", "
    "\"c.weight\": \"model-00002-of-00002.safetensors\"}}";

  write_file (dir, "model.safetensors", one->data, one->len);
  single = vila_weights_open (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vila_weights_lookup (single, "b.weight"));
  g_assert_null (vila_weights_lookup (single, "c.weight"));
  g_assert_cmpuint (vila_weights_total_bytes (single), ==, 14);

  /* With an index, the index decides, whatever else lies in the folder. */
  write_file (dir, "model-00001-of-00002.safetensors", one->data, one->len);
  write_file (dir, "model-00002-of-00002.safetensors", two->data, two->len);
  write_file (dir, "model.safetensors.index.json", index, -1);
  sharded = vila_weights_open (dir, &error);
  g_assert_no_error (error);
  list = vila_weights_list (sharded);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((VilaTensor *) g_ptr_array_index (list, 0))->name, ==, "a.weight");
  g_assert_cmpstr (((VilaTensor *) g_ptr_array_index (list, 2))->name, ==, "c.weight");
  g_assert_true (g_str_has_suffix (vila_weights_lookup (sharded, "c.weight")->file,
                                   "model-00002-of-00002.safetensors"));
  g_assert_cmpuint (vila_weights_total_bytes (sharded), ==, 24);

  remove_folder (dir);
}

static void
assert_open_fails (const char *index,
                   int         code,
                   const char *fragment)
{
  static const Spec shard[] = { { "a.weight", "F32", "[2]", 8 } };
  g_autofree char *dir = write_folder ();
  g_autoptr(GByteArray) file = build (shard, 1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaWeights) weights = NULL;

  write_file (dir, "shard.safetensors", file->data, file->len);
  write_file (dir, "again.safetensors", file->data, file->len);
  if (index != NULL)
    write_file (dir, "model.safetensors.index.json", index, -1);
  weights = vila_weights_open (dir, &error);
  g_assert_null (weights);
  g_assert_error (error, VILA_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in: %s", fragment, error->message);
  remove_folder (dir);
}

static void
test_open_errors (void)
{
  assert_open_fails (NULL, VILA_ERROR_NOT_FOUND, "model.safetensors");
  assert_open_fails ("{\"weight_map\": {\"a.weight\": \"missing.safetensors\"}}",
                     VILA_ERROR_NOT_FOUND, "missing.safetensors");
  assert_open_fails ("{\"weight_map\": {\"a.weight\": \"../shard.safetensors\"}}",
                     VILA_ERROR_INVALID_CHECKPOINT, "same folder");
  assert_open_fails ("{\"weight_map\": {\"b.weight\": \"shard.safetensors\"}}",
                     VILA_ERROR_INVALID_CHECKPOINT, "“b.weight” is not in");
  assert_open_fails ("{\"weight_map\": {\"a.weight\": \"shard.safetensors\", \"x\": \"again.safetensors\"}}",
                     VILA_ERROR_INVALID_CHECKPOINT, "also in another file");
  assert_open_fails ("{\"weight_map\": [1]}", VILA_ERROR_INVALID_CHECKPOINT, "weight_map");
  assert_open_fails ("{\"weight_map\": ", VILA_ERROR_INVALID_CHECKPOINT, "index.json");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/parse", test_parse);
  g_test_add_func ("/safetensors/truncated", test_truncated);
  g_test_add_func ("/safetensors/malformed", test_malformed);
  g_test_add_func ("/safetensors/open", test_open_single_and_sharded);
  g_test_add_func ("/safetensors/open-errors", test_open_errors);

  return g_test_run ();
}
