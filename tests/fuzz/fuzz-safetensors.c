/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer: a safetensors file (header and data) from any bytes. */
#include "config.h"

#include "safetensors.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GHashTable) tensors = vila_tensor_table_new ();
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer value;
  guint64 checksum = 0;

  if (!vila_safetensors_parse (data, size, "model.safetensors", tensors, &error))
    {
      g_assert (error != NULL);
      return 0;
    }

  /* Whatever loaded must lie inside the input: touch every byte. */
  g_hash_table_iter_init (&iter, tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const VilaTensor *tensor = value;

      g_assert (tensor->data >= data && tensor->data + tensor->n_bytes <= data + size);
      for (gsize i = 0; i < tensor->n_bytes; i++)
        checksum += tensor->data[i];
    }
  return checksum == 1 ? 1 : 0;
}
