/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer: tokenizer.json from any bytes. */
#include "config.h"

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = vila_hf_json_load_data ((const char *) data, size, "tokenizer.json", &error);

  g_assert ((tokenizer == NULL) == (error != NULL));
  if (tokenizer != NULL)
    fuzz_exercise (tokenizer, (const char *) data, size);
  return 0;
}
