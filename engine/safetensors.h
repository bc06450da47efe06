/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Element types of safetensors files ("dtype" in the header). */
typedef enum {
  VILA_TENSOR_F32,
  VILA_TENSOR_F16,
  VILA_TENSOR_BF16,
  VILA_TENSOR_F64,
  VILA_TENSOR_I64,
  VILA_TENSOR_I32,
  VILA_TENSOR_I16,
  VILA_TENSOR_I8,
  VILA_TENSOR_U8,
  VILA_TENSOR_BOOL,
  VILA_TENSOR_F8_E4M3,
  VILA_TENSOR_F8_E5M2,
} VilaTensorType;

#define VILA_TENSOR_MAX_DIMS 8

/* A tensor read in place: @data points into the mapped file. */
typedef struct {
  char           *name;
  VilaTensorType  type;
  guint           n_dims;
  gint64          shape[VILA_TENSOR_MAX_DIMS];
  gint64          n_elements;
  const guint8   *data;
  gsize           n_bytes;
  const char     *file;     /* the file it is in, for messages */
} VilaTensor;

const char *vila_tensor_type_name (VilaTensorType type);
gsize       vila_tensor_type_size (VilaTensorType type);

/* The tensors of a checkpoint component: model.safetensors, or the shards
 * that model.safetensors.index.json lists, mapped read-only. */
typedef struct _VilaWeights VilaWeights;

VilaWeights      *vila_weights_open        (const char   *folder,
                                            GError      **error);
void              vila_weights_free        (VilaWeights  *weights);
const VilaTensor *vila_weights_lookup      (VilaWeights  *weights,
                                            const char   *name);
/* All tensors, sorted by name. */
GPtrArray        *vila_weights_list        (VilaWeights  *weights);
guint64           vila_weights_total_bytes (VilaWeights  *weights);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaWeights, vila_weights_free)

/* Weights made in memory with given shapes, for benchmarks of models that
 * cannot be downloaded here: @cols 0 makes a vector. */
VilaWeights      *vila_weights_new_synthetic (void);
void              vila_weights_add_synthetic (VilaWeights    *weights,
                                              const char     *name,
                                              VilaTensorType  type,
                                              gint64          rows,
                                              gint64          cols);

/* Parses one safetensors file held in memory; fills @tensors (name ->
 * VilaTensor *, owned by the table) with pointers into @data. @file names
 * it in messages. Exposed for the fuzzer and tests. */
gboolean vila_safetensors_parse (const guint8  *data,
                                 gsize          size,
                                 const char    *file,
                                 GHashTable    *tensors,
                                 GError       **error);

/* A table for vila_safetensors_parse(). */
GHashTable *vila_tensor_table_new (void);

G_END_DECLS
