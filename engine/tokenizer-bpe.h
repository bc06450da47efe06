/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tokenizer-private.h"

G_BEGIN_DECLS

/* The steps of a Hugging Face tokenizer.json pipeline that we run. */
typedef enum {
  VILA_STEP_NFC,            /* normalizer */
  VILA_STEP_PREPEND,        /* normalizer: text = a + text, if text is not empty */
  VILA_STEP_REPLACE,        /* normalizer and decoder: every a becomes b */
  VILA_STEP_BYTE_LEVEL,     /* decoder: characters back to bytes, then UTF-8 */
  VILA_STEP_BYTE_FALLBACK,  /* decoder: runs of <0xXX> tokens become their text */
  VILA_STEP_FUSE,           /* decoder: all tokens into one */
  VILA_STEP_STRIP,          /* decoder: up to n leading, m trailing a from each token */
  VILA_STEP_METASPACE,      /* decoder: a becomes a space; the first token's leading one goes */
} VilaStepKind;

typedef struct {
  VilaStepKind kind;
  char        *a;
  char        *b;
  guint        n;
  guint        m;
} VilaStep;

typedef enum {
  VILA_PREPEND_ALWAYS,
  VILA_PREPEND_FIRST,
  VILA_PREPEND_NEVER,
} VilaPrependScheme;

/* BPE as Hugging Face tokenizers runs it: byte-level (GPT-2, Llama-3,
 * Qwen2) or over characters with byte fallback (Llama-2's fast tokenizer). */
struct _VilaBpe
{
  /* Merges as an open-addressing table: (left id, right id) -> rank, id. */
  guint64  *merge_keys;
  guint32  *merge_ranks;
  gint32   *merge_ids;
  gsize     merge_mask;
  gsize     n_merges;

  GArray   *normalizers;        /* VilaStep */
  GArray   *decoders;           /* VilaStep */

  /* Pre-tokenizers */
  GRegex   *split;              /* NULL: no regex split */
  gboolean  byte_level;
  gboolean  add_prefix_space;
  gboolean  metaspace;
  char     *metaspace_replacement;
  VilaPrependScheme metaspace_prepend;
  gboolean  metaspace_split;

  /* Model */
  gboolean  ignore_merges;
  gboolean  byte_fallback;
  gboolean  fuse_unk;

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
/* Brings the slot of a merge about to be added into the cache. */
void      vila_bpe_prefetch_merge (const VilaBpe *bpe,
                                   gint32         left,
                                   gint32         right);
gboolean  vila_bpe_add_merge    (VilaBpe     *bpe,
                                 gint32       left,
                                 gint32       right,
                                 guint32      rank,
                                 gint32       merged);
void      vila_bpe_add_step     (GArray      *steps,
                                 VilaStepKind kind,
                                 const char  *a,
                                 const char  *b,
                                 guint        n,
                                 guint        m);

/* The pre-tokenizer regexes of Llama-3 and Qwen2 (their tokenizer.json). */
#define VILA_QWEN2_PATTERN \
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
/* GPT-2's, used by ByteLevel with use_regex=true. */
#define VILA_GPT2_PATTERN \
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

G_END_DECLS
