/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer: Qwen2's vocab.json + merges.txt + added_tokens.json. The input
 * holds the three files separated by NUL bytes, so the fuzzer can break the
 * vocabulary, the merges and the added tokens alike; seeds come from
 * tests/data/tokenizers/qwen2-vocab (tools/fuzz-tokenizers makes them). */
#include "config.h"

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = fuzz_load_vocab_merges ((const char *) data, size, &error);

  g_assert ((tokenizer == NULL) == (error != NULL));
  if (tokenizer != NULL)
    fuzz_exercise (tokenizer, (const char *) data, size);
  return 0;
}
