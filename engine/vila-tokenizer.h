/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tokenizers of the VILA families, exact to the libraries the reference
 * code uses (vila-format.md sections 0.5 and 5):
 * - SentencePiece tokenizer.model (Llama-2, Vicuna, Yi), encoded as
 *   transformers' slow LlamaTokenizer with legacy=False does;
 * - Hugging Face tokenizer.json with a BPE model (Llama-3, Qwen2);
 * - Qwen2's vocab.json + merges.txt.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VilaTokenizer VilaTokenizer;

typedef enum {
  VILA_TOKENIZER_SENTENCEPIECE,
  VILA_TOKENIZER_HF_JSON,
  VILA_TOKENIZER_VOCAB_MERGES,
} VilaTokenizerFormat;

typedef enum {
  VILA_ENCODE_DEFAULT = 0,
  /* Add BOS/EOS as the tokenizer's configuration says (HF add_special_tokens). */
  VILA_ENCODE_ADD_SPECIAL = 1 << 0,
  /* Turn added and special tokens written in the text (such as "</s>") into
   * their ids. Chat templates ask for it; user text must not, so that a user
   * typing "</s>" cannot end a turn. */
  VILA_ENCODE_PARSE_SPECIAL = 1 << 1,
} VilaEncodeFlags;

/* Loads the tokenizer of a folder: a model root (the tokenizer is then in
 * llm/), a flat checkpoint, or a folder holding only tokenizer files. */
VilaTokenizer *vila_tokenizer_load           (const char     *path,
                                              GError        **error);
VilaTokenizer *vila_tokenizer_ref            (VilaTokenizer  *tokenizer);
void           vila_tokenizer_unref          (VilaTokenizer  *tokenizer);

VilaTokenizerFormat vila_tokenizer_get_format (VilaTokenizer *tokenizer);

/* Appends the ids of @text (UTF-8; invalid bytes read as U+FFFD) to @ids,
 * an array of gint32. */
void           vila_tokenizer_encode         (VilaTokenizer  *tokenizer,
                                              const char     *text,
                                              gssize          length,
                                              VilaEncodeFlags flags,
                                              GArray         *ids);

/* As vila_tokenizer_encode(), but where @literal[i] (one flag per byte of
 * @text) is set no added or special token is recognised: a user's words
 * inside a chat template stay words even if they spell "</s>". */
void           vila_tokenizer_encode_with_literals (VilaTokenizer   *tokenizer,
                                                    const char      *text,
                                                    gssize           length,
                                                    VilaEncodeFlags  flags,
                                                    const guint8    *literal,
                                                    GArray          *ids);

/* The text of @ids, as the reference's decode() gives it, but for U+0000,
 * which a C string cannot hold and which is left out. Ids outside the
 * vocabulary are left out too. */
char          *vila_tokenizer_decode         (VilaTokenizer  *tokenizer,
                                              const gint32   *ids,
                                              gsize           n_ids,
                                              gboolean        skip_special);

/* Number of ids, added tokens included. */
guint          vila_tokenizer_get_n_tokens   (VilaTokenizer  *tokenizer);
/* The piece (vocabulary string) of @id, or NULL. */
const char    *vila_tokenizer_get_piece      (VilaTokenizer  *tokenizer,
                                              gint32          id);
/* The id of @piece, or -1. */
gint32         vila_tokenizer_piece_to_id    (VilaTokenizer  *tokenizer,
                                              const char     *piece);
gboolean       vila_tokenizer_is_special     (VilaTokenizer  *tokenizer,
                                              gint32          id);
/* Special ids, -1 where the tokenizer has none. */
gint32         vila_tokenizer_get_bos        (VilaTokenizer  *tokenizer);
gint32         vila_tokenizer_get_eos        (VilaTokenizer  *tokenizer);
gint32         vila_tokenizer_get_unk        (VilaTokenizer  *tokenizer);
gint32         vila_tokenizer_get_pad        (VilaTokenizer  *tokenizer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaTokenizer, vila_tokenizer_unref)

/* Streaming decode for the token callback: each push returns the text that
 * is now complete, always whole UTF-8 characters (possibly ""), handling
 * byte-fallback pieces and the leading-space rules the way the whole-text
 * decode does. */
typedef struct _VilaDetokenizer VilaDetokenizer;

VilaDetokenizer *vila_detokenizer_new   (VilaTokenizer   *tokenizer,
                                         gboolean         skip_special);
void             vila_detokenizer_free  (VilaDetokenizer *detokenizer);
/* Returns a string owned by the detokenizer, valid until the next call. */
const char      *vila_detokenizer_push  (VilaDetokenizer *detokenizer,
                                         gint32           id);
/* What is left at the end of the stream (incomplete bytes as U+FFFD). */
const char      *vila_detokenizer_flush (VilaDetokenizer *detokenizer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaDetokenizer, vila_detokenizer_free)

G_END_DECLS
