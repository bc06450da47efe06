/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "piece-table.h"
#include "vila.h"

G_BEGIN_DECLS

/* SentencePiece piece types (sentencepiece_model.proto). */
typedef enum {
  VILA_PIECE_NORMAL = 1,
  VILA_PIECE_UNKNOWN = 2,
  VILA_PIECE_CONTROL = 3,
  VILA_PIECE_USER_DEFINED = 4,
  VILA_PIECE_UNUSED = 5,
  VILA_PIECE_BYTE = 6,
} VilaPieceType;

/* A token that is matched in the text before the model sees it
 * (transformers' added tokens; special ones only with PARSE_SPECIAL). */
typedef struct {
  char    *content;
  gsize    length;
  gint32   id;
  gboolean special;
  gboolean lstrip;
  gboolean rstrip;
  gboolean single_word;
  gboolean normalized;
} VilaAddedToken;

typedef struct _VilaBpe VilaBpe;

struct _VilaTokenizer
{
  gatomicrefcount      ref_count;
  VilaTokenizerFormat  format;

  /* The vocabulary: pieces[id], with types and scores for SentencePiece. */
  GPtrArray           *pieces;           /* char *, NULL for unused ids */
  GArray              *scores;           /* float, SentencePiece only */
  GArray              *types;            /* guint8 VilaPieceType, SentencePiece only */
  VilaPieceTable      *piece_ids;        /* piece -> id (NORMAL, USER_DEFINED, UNUSED) */
  GArray              *unindexed;        /* gint32: pieces added but not yet in piece_ids */
  GStringChunk        *piece_storage;    /* the pieces' bytes: one block, not a malloc each */
  GArray              *added;            /* VilaAddedToken, longest first */
  GHashTable          *special_ids;      /* ids that skip_special drops */

  gint32               bos_id;
  gint32               eos_id;
  gint32               unk_id;
  gint32               pad_id;
  /* What VILA_ENCODE_ADD_SPECIAL puts around the text: BOS/EOS from
   * tokenizer_config.json, or a tokenizer.json TemplateProcessing. */
  GArray              *prefix_ids;
  GArray              *suffix_ids;
  gboolean             clean_up_spaces;  /* transformers' clean_up_tokenization_spaces */

  /* SentencePiece */
  gboolean             byte_fallback;
  gboolean             legacy;
  char                *unk_surface;
  gint32               byte_ids[256];
  GArray              *user_defined;     /* gint32 ids of USER_DEFINED pieces */
  guint                unk_token_length; /* pieces of the unk token's text, see tokenizer-spm.c */

  /* Byte-level BPE */
  VilaBpe             *bpe;
};

/* tokenizer.c */
VilaTokenizer *vila_tokenizer_new_empty   (VilaTokenizerFormat  format);
/* Puts the pieces added since into the lookup table (lookups do it
 * themselves; loaders call it once the vocabulary is read). */
void           vila_tokenizer_index_pieces (VilaTokenizer      *self);
char          *vila_tokenizer_store_piece (VilaTokenizer       *self,
                                           const char          *piece,
                                           gsize                length);
void           vila_tokenizer_add_piece   (VilaTokenizer       *self,
                                           gint32               id,
                                           const char          *piece,
                                           gsize                length);
void           vila_tokenizer_add_added   (VilaTokenizer       *self,
                                           const VilaAddedToken *token);
/* The byte a "<0xXX>" piece stands for (byte fallback), or -1. */
int            vila_parse_byte_piece      (const char          *piece);
gint32         vila_tokenizer_lookup      (VilaTokenizer       *self,
                                           const char          *piece,
                                           gsize                length);
void           vila_tokenizer_decode_into (VilaTokenizer       *self,
                                           const gint32        *ids,
                                           gsize                n_ids,
                                           gboolean             skip_special,
                                           gboolean             at_start,
                                           GString             *out);
gboolean       vila_tokenizer_apply_config (VilaTokenizer      *self,
                                           const char          *folder,
                                           GError             **error);

/* tokenizer-spm.c */
VilaTokenizer *vila_spm_load              (const char          *path,
                                           GError             **error);
/* From bytes in memory; @name names them in messages (fuzzers use it). */
VilaTokenizer *vila_spm_load_data         (const guint8        *data,
                                           gsize                length,
                                           const char          *name,
                                           GError             **error);
void           vila_spm_encode_chunk      (VilaTokenizer       *self,
                                           const char          *text,
                                           gsize                length,
                                           GArray              *ids);
/* @at_start: the ids begin the text, so the first "▁" is the one the
 * encoder added; FALSE for a window in the middle of a stream. */
void           vila_spm_decode            (VilaTokenizer       *self,
                                           const gint32        *ids,
                                           gsize                n_ids,
                                           gboolean             skip_special,
                                           gboolean             at_start,
                                           GString             *out);

/* tokenizer-merge.c: BPE merging with a priority queue, shared by
 * SentencePiece (pairs ranked by piece score) and byte-level BPE (by merge
 * rank). Symbols are spans of one text, linked in order. */
typedef struct {
  guint  start;
  guint  length;   /* 0 once merged into its left neighbour */
  gint32 id;       /* -1 while the span is not a vocabulary piece */
  gint   prev;
  gint   next;
  gboolean frozen; /* a user-defined piece, never merged */
} VilaSymbol;

/* Whether @left and @right may merge; lower @priority merges first, ties
 * go to the leftmost pair. */
typedef gboolean (*VilaPairLookup) (const VilaSymbol *left,
                                    const VilaSymbol *right,
                                    const char       *text,
                                    gpointer          user_data,
                                    double           *priority,
                                    gint32           *merged_id);

void vila_merge_symbols (GArray         *symbols,
                         const char     *text,
                         VilaPairLookup  lookup,
                         gpointer        user_data);

/* tokenizer-bpe.c / tokenizer-hf.c */
VilaTokenizer *vila_hf_json_load          (const char          *path,
                                           GError             **error);
VilaTokenizer *vila_vocab_merges_load     (const char          *folder,
                                           GError             **error);
VilaTokenizer *vila_hf_json_load_data     (const char          *data,
                                           gsize                length,
                                           const char          *name,
                                           GError             **error);
VilaTokenizer *vila_vocab_merges_load_data (const char         *vocab_data,
                                           gsize                vocab_length,
                                           const char          *vocab_name,
                                           const char          *merges_data,
                                           gsize                merges_length,
                                           const char          *merges_name,
                                           const char          *added_data,
                                           gsize                added_length,
                                           const char          *added_name,
                                           GError             **error);
void           vila_bpe_free              (VilaBpe             *bpe);
/* @at_text_start: the chunk begins the text (Metaspace's "first"). */
void           vila_bpe_encode_chunk      (VilaTokenizer       *self,
                                           const char          *text,
                                           gsize                length,
                                           gboolean             at_text_start,
                                           GArray              *ids);
void           vila_bpe_decode            (VilaTokenizer       *self,
                                           const gint32        *ids,
                                           gsize                n_ids,
                                           gboolean             skip_special,
                                           gboolean             at_start,
                                           GString             *out);

G_END_DECLS
