/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tokenizer-private.h"

G_BEGIN_DECLS

/* Byte-level BPE as Hugging Face tokenizers runs it (GPT-2, Llama-3,
 * Qwen2): normalize, split with the pre-tokenizer regex, map each byte to
 * a printable character, merge by rank. */
struct _VilaBpe
{
  /* Merges as an open-addressing table: (left id, right id) -> rank, id. */
  guint64  *merge_keys;
  guint32  *merge_ranks;
  gint32   *merge_ids;
  gsize     merge_mask;
  gsize     n_merges;

  GRegex   *split;             /* NULL: the whole chunk is one piece */
  gboolean  nfc;
  gboolean  ignore_merges;
  gboolean  add_prefix_space;

  char      byte_chars[256][3]; /* UTF-8 of the character standing for each byte */
  guint8    byte_char_length[256];
  gint16    char_bytes[512];    /* code point -> byte, -1 for none */
};

VilaBpe  *vila_bpe_new          (void);
gboolean  vila_bpe_set_pattern  (VilaBpe     *bpe,
                                 const char  *pattern,
                                 GError     **error);
void      vila_bpe_reserve      (VilaBpe     *bpe,
                                 gsize        n_merges);
/* FALSE when the pair is already there (the first rank counts). */
gboolean  vila_bpe_add_merge    (VilaBpe     *bpe,
                                 gint32       left,
                                 gint32       right,
                                 guint32      rank,
                                 gint32       merged);

/* The pre-tokenizer regexes of Llama-3 and Qwen2 (their tokenizer.json). */
#define VILA_QWEN2_PATTERN \
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
/* GPT-2's, used by ByteLevel with use_regex=true. */
#define VILA_GPT2_PATTERN \
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

G_END_DECLS
