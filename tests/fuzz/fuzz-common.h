/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every tokenizer fuzzer does with a tokenizer that loaded: encode and
 * decode some text with it, so that a file that loads but lies (ids out of
 * range, odd merges) reaches the code that trusts it. */
#pragma once

#include <string.h>

#include "tokenizer-private.h"

static inline void
fuzz_exercise (VilaTokenizer *tokenizer,
               const char    *text,
               gsize          length)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(VilaDetokenizer) stream = vila_detokenizer_new (tokenizer, FALSE);
  g_autofree char *decoded = NULL;
  static const char sample[] = "A chat. USER: <image>\n What is 12345 in 図? ASSISTANT: </s> ok\xf0\x9f\x98\x80";

  vila_tokenizer_encode (tokenizer, sample, -1, VILA_ENCODE_ADD_SPECIAL | VILA_ENCODE_PARSE_SPECIAL, ids);
  vila_tokenizer_encode (tokenizer, text, MIN (length, 256), VILA_ENCODE_DEFAULT, ids);
  decoded = vila_tokenizer_decode (tokenizer, (const gint32 *) (void *) ids->data, ids->len, FALSE);
  g_assert (g_utf8_validate (decoded, -1, NULL));
  for (guint i = 0; i < ids->len; i++)
    g_assert (g_utf8_validate (vila_detokenizer_push (stream, g_array_index (ids, gint32, i)), -1, NULL));
  vila_detokenizer_flush (stream);

  /* Ids that are not in the vocabulary must be harmless too. */
  {
    gint32 wild[] = { -1, G_MAXINT32, (gint32) vila_tokenizer_get_n_tokens (tokenizer), 0 };
    g_free (vila_tokenizer_decode (tokenizer, wild, G_N_ELEMENTS (wild), TRUE));
  }
}

/* The vocab-merges fuzzer's input: vocab.json, merges.txt and
 * added_tokens.json joined by NUL bytes (missing parts are absent files). */
static inline VilaTokenizer *
fuzz_load_vocab_merges (const char  *data,
                        gsize        size,
                        GError     **error)
{
  const char *parts[3] = { NULL, "", NULL };
  gsize lengths[3] = { 0, 0, 0 };
  const char *p = data, *end = data + size;

  for (guint i = 0; i < 3 && p <= end; i++)
    {
      const char *nul = memchr (p, '\0', end - p);

      parts[i] = p;
      lengths[i] = (nul ? nul : end) - p;
      if (nul == NULL)
        break;
      p = nul + 1;
    }
  return vila_vocab_merges_load_data (parts[0], lengths[0], "vocab.json", parts[1], lengths[1], "merges.txt",
                                      parts[2], lengths[2], "added_tokens.json", error);
}
