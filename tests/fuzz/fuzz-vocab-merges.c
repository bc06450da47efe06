/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer: Qwen2's vocab.json + merges.txt + added_tokens.json. The input
 * holds the three files separated by NUL bytes, so the fuzzer can break the
 * vocabulary, the merges and the added tokens alike; seeds come from
 * tests/data/tokenizers/qwen2-vocab (tools/fuzz-tokenizers makes them). */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = NULL;
  const char *parts[3] = { NULL, NULL, NULL };
  gsize lengths[3] = { 0, 0, 0 };
  const char *p = (const char *) data, *end = p + size;

  for (guint i = 0; i < 3 && p <= end; i++)
    {
      const char *nul = memchr (p, '\0', end - p);

      parts[i] = p;
      lengths[i] = (nul ? nul : end) - p;
      if (nul == NULL)
        break;
      p = nul + 1;
    }

  tokenizer = vila_vocab_merges_load_data (parts[0], lengths[0], "vocab.json",
                                           parts[1] ? parts[1] : "", lengths[1], "merges.txt",
                                           parts[2], lengths[2], "added_tokens.json", &error);
  g_assert ((tokenizer == NULL) == (error != NULL));
  if (tokenizer != NULL)
    fuzz_exercise (tokenizer, (const char *) data, size);
  return 0;
}
