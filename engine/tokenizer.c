/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What all tokenizer formats share: the vocabulary, added tokens matched in
 * the text before the model sees it, the special tokens put around it, and
 * transformers' decode post-processing.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tokenizer-private.h"

VilaTokenizer *
vila_tokenizer_new_empty (VilaTokenizerFormat format)
{
  VilaTokenizer *self = g_new0 (VilaTokenizer, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->format = format;
  self->pieces = g_ptr_array_new ();
  self->piece_storage = g_string_chunk_new (64 * 1024);
  self->scores = g_array_new (FALSE, TRUE, sizeof (float));
  self->types = g_array_new (FALSE, TRUE, sizeof (guint8));
  self->piece_ids = vila_piece_table_new ();
  self->unindexed = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->added = g_array_new (FALSE, TRUE, sizeof (VilaAddedToken));
  self->special_ids = g_hash_table_new (NULL, NULL);
  self->prefix_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->suffix_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->user_defined = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->bos_id = self->eos_id = self->unk_id = self->pad_id = -1;
  for (guint i = 0; i < 256; i++)
    self->byte_ids[i] = -1;
  return self;
}

VilaTokenizer *
vila_tokenizer_ref (VilaTokenizer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
vila_tokenizer_unref (VilaTokenizer *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->added->len; i++)
    g_free (g_array_index (self->added, VilaAddedToken, i).content);
  g_array_unref (self->added);
  vila_piece_table_free (self->piece_ids);
  g_array_unref (self->unindexed);
  g_hash_table_unref (self->special_ids);
  g_ptr_array_unref (self->pieces);
  g_string_chunk_free (self->piece_storage);
  g_array_unref (self->scores);
  g_array_unref (self->types);
  g_array_unref (self->prefix_ids);
  g_array_unref (self->suffix_ids);
  g_array_unref (self->user_defined);
  g_free (self->unk_surface);
  g_clear_pointer (&self->bpe, vila_bpe_free);
  g_free (self);
}

void
vila_tokenizer_index_pieces (VilaTokenizer *self)
{
  guint n = self->unindexed->len;
  g_autofree const char **keys = NULL;
  g_autofree guint32 *lengths = NULL;
  const gint32 *ids = (const gint32 *) (void *) self->unindexed->data;

  if (n == 0)
    return;
  keys = g_new (const char *, n);
  lengths = g_new (guint32, n);
  for (guint i = 0; i < n; i++)
    {
      keys[i] = g_ptr_array_index (self->pieces, ids[i]);
      lengths[i] = strlen (keys[i]);
    }
  vila_piece_table_insert_many (self->piece_ids, keys, lengths, ids, n);
  g_array_set_size (self->unindexed, 0);
}

/* A NUL-terminated copy of @piece that lives as long as the tokenizer. */
char *
vila_tokenizer_store_piece (VilaTokenizer *self,
                            const char    *piece,
                            gsize          length)
{
  return g_string_chunk_insert_len (self->piece_storage, piece, length);
}

/* Pieces are C strings: a piece with a NUL byte could never be matched
 * by text anyway, so loaders refuse them. */
void
vila_tokenizer_add_piece (VilaTokenizer *self,
                          gint32         id,
                          const char    *piece,
                          gsize          length)
{
  char *copy = vila_tokenizer_store_piece (self, piece, length);

  /* The lookup table points into the pieces, so an id gets one piece. */
  g_assert (id >= 0);
  if ((guint) id >= self->pieces->len)
    g_ptr_array_set_size (self->pieces, id + 1);
  g_assert (g_ptr_array_index (self->pieces, id) == NULL);
  g_ptr_array_index (self->pieces, id) = copy;
  /* Indexed in batches (a vocabulary of 150k pieces misses the cache at
   * every insert otherwise); the first id of a duplicated piece wins, as
   * in SentencePiece. */
  g_array_append_val (self->unindexed, id);
}

gint32
vila_tokenizer_lookup (VilaTokenizer *self,
                       const char    *piece,
                       gsize          length)
{
  /* No piece holds a NUL byte (the loaders refuse them), so text with
   * one matches nothing: the lengths compare whole. */
  vila_tokenizer_index_pieces (self);
  return vila_piece_table_lookup (self->piece_ids, piece, length);
}

int
vila_parse_byte_piece (const char *piece)
{
  int high, low;

  if (strlen (piece) != 6 || strncmp (piece, "<0x", 3) != 0 || piece[5] != '>')
    return -1;
  high = g_ascii_xdigit_value (piece[3]);
  low = g_ascii_xdigit_value (piece[4]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

static int
compare_added_longest_first (gconstpointer a,
                             gconstpointer b)
{
  const VilaAddedToken *ta = a, *tb = b;

  return (tb->length > ta->length) - (tb->length < ta->length);
}

void
vila_tokenizer_add_added (VilaTokenizer        *self,
                          const VilaAddedToken *token)
{
  VilaAddedToken copy = *token;

  if (token->length == 0)
    return;

  for (guint i = 0; i < self->added->len; i++)
    {
      VilaAddedToken *existing = &g_array_index (self->added, VilaAddedToken, i);

      if (existing->length == token->length && memcmp (existing->content, token->content, token->length) == 0)
        {
          existing->id = token->id;
          existing->special = token->special;
          existing->lstrip = token->lstrip;
          existing->rstrip = token->rstrip;
          existing->single_word = token->single_word;
          existing->normalized = token->normalized;
          goto done;
        }
    }

  copy.content = g_strndup (token->content, token->length);
  g_array_append_val (self->added, copy);
  g_array_sort (self->added, compare_added_longest_first);

done:
  if (token->special)
    g_hash_table_add (self->special_ids, GINT_TO_POINTER (token->id));
  if ((guint) token->id >= self->pieces->len || g_ptr_array_index (self->pieces, token->id) == NULL)
    {
      if ((guint) token->id >= self->pieces->len)
        g_ptr_array_set_size (self->pieces, token->id + 1);
      g_ptr_array_index (self->pieces, token->id) = vila_tokenizer_store_piece (self, token->content, token->length);
    }
}

/* The added token that starts at @text, longest first (transformers' trie
 * and tokenizers' AddedVocabulary both prefer the longest match). */
static const VilaAddedToken *
match_added (VilaTokenizer *self,
             const char    *text,
             gsize          length,
             gboolean       parse_special)
{
  for (guint i = 0; i < self->added->len; i++)
    {
      const VilaAddedToken *token = &g_array_index (self->added, VilaAddedToken, i);

      if (token->special && !parse_special)
        continue;
      if (token->length <= length && memcmp (text, token->content, token->length) == 0)
        return token;
    }
  return NULL;
}

typedef struct {
  gsize                 start;
  gsize                 length;
  const VilaAddedToken *token;   /* NULL for text */
} Chunk;

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Splits @text into runs of text and added tokens, then applies the
 * tokens' lstrip/rstrip, which eat the whitespace beside them. */
/* @literal: where non-NULL and set, text that must stay text (a user's
 * words inside a chat template): no added token starts there. */
static GArray *
split_on_added (VilaTokenizer *self,
                const char    *text,
                gsize          length,
                gboolean       parse_special,
                const guint8  *literal)
{
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  gsize text_start = 0;
  gsize i = 0;

  if (self->added->len > 0)
    {
      while (i < length)
        {
          const VilaAddedToken *token = (literal && literal[i]) ? NULL
                                        : match_added (self, text + i, length - i, parse_special);

          if (token == NULL)
            {
              i++;
              continue;
            }
          if (i > text_start)
            {
              Chunk text_chunk = { text_start, i - text_start, NULL };
              g_array_append_val (chunks, text_chunk);
            }
          {
            Chunk token_chunk = { i, token->length, token };
            g_array_append_val (chunks, token_chunk);
          }
          i += token->length;
          text_start = i;
        }
    }
  if (length > text_start)
    {
      Chunk text_chunk = { text_start, length - text_start, NULL };
      g_array_append_val (chunks, text_chunk);
    }

  for (guint c = 0; c < chunks->len; c++)
    {
      Chunk *chunk = &g_array_index (chunks, Chunk, c);

      if (chunk->token == NULL)
        continue;
      if (chunk->token->rstrip && c + 1 < chunks->len)
        {
          Chunk *right = &g_array_index (chunks, Chunk, c + 1);

          while (right->token == NULL && right->length > 0 && is_space (text[right->start]))
            right->start++, right->length--;
        }
      if (chunk->token->lstrip && c > 0)
        {
          Chunk *left = &g_array_index (chunks, Chunk, c - 1);

          while (left->token == NULL && left->length > 0 && is_space (text[left->start + left->length - 1]))
            left->length--;
        }
    }

  return chunks;
}

/* SentencePiece as transformers' LlamaTokenizer (legacy=False) drives it:
 * one "▁" before the whole text (every "▁" in the text read as a space),
 * none after added tokens, and that first "▁" dropped again when a special
 * token follows it directly. */
static void
encode_llama (VilaTokenizer *self,
              const char    *text,
              gsize          length,
              gboolean       parse_special,
              const guint8  *literal,
              GArray        *ids)
{
  g_autoptr(GString) prefixed = g_string_sized_new (length + 3);
  g_autoptr(GByteArray) prefixed_literal = literal ? g_byte_array_sized_new (length + 3) : NULL;
  g_autoptr(GArray) chunks = NULL;
  guint first = ids->len;
  gint32 space_id;
  static const guint8 no = 0;

  if (length == 0)
    return;

  g_string_append (prefixed, "\xe2\x96\x81");
  if (prefixed_literal)
    for (guint k = 0; k < 3; k++)
      g_byte_array_append (prefixed_literal, &no, 1);
  for (gsize i = 0; i < length; i++)
    {
      if (prefixed_literal)
        g_byte_array_append (prefixed_literal, &literal[i], 1);
      if (i + 2 < length && memcmp (text + i, "\xe2\x96\x81", 3) == 0)
        {
          g_string_append_c (prefixed, ' ');
          i += 2;
        }
      else
        g_string_append_c (prefixed, text[i]);
    }

  chunks = split_on_added (self, prefixed->str, prefixed->len, parse_special,
                           prefixed_literal ? prefixed_literal->data : NULL);
  for (guint c = 0; c < chunks->len; c++)
    {
      const Chunk *chunk = &g_array_index (chunks, Chunk, c);

      if (chunk->token != NULL)
        g_array_append_val (ids, chunk->token->id);
      else
        vila_spm_encode_chunk (self, prefixed->str + chunk->start, chunk->length, ids);
    }

  space_id = vila_tokenizer_lookup (self, "\xe2\x96\x81", 3);
  if (ids->len > first + 1 && space_id >= 0 &&
      g_array_index (ids, gint32, first) == space_id &&
      chunks->len > 1 &&
      g_array_index (chunks, Chunk, 0).length == 3 &&
      g_array_index (chunks, Chunk, 1).token != NULL &&
      g_array_index (chunks, Chunk, 1).token->special)
    g_array_remove_index (ids, first);
}

/* GLib's UTF-8 validation refuses NUL bytes, which are valid text here:
 * the reference encodes U+0000 like any other character. Other invalid
 * bytes become U+FFFD. Returns NULL when @text is valid as it is. */
static GString *
make_valid_utf8 (const char *text,
                 gsize       length)
{
  const char *p = text, *end = text + length, *stop;
  GString *valid = NULL;

  while (p < end)
    {
      gboolean ok = g_utf8_validate_len (p, end - p, &stop);

      if (valid != NULL)
        g_string_append_len (valid, p, stop - p);
      if (ok)
        break;
      if (*stop != '\0' && valid == NULL)
        {
          valid = g_string_sized_new (length + 8);
          g_string_append_len (valid, text, stop - text);
        }
      if (valid != NULL)
        {
          if (*stop == '\0')
            g_string_append_c (valid, '\0');
          else
            g_string_append (valid, "\xef\xbf\xbd");
        }
      p = stop + 1;
    }
  return valid;
}

void
vila_tokenizer_encode (VilaTokenizer   *self,
                       const char      *text,
                       gssize           length,
                       VilaEncodeFlags  flags,
                       GArray          *ids)
{
  vila_tokenizer_encode_with_literals (self, text, length, flags, NULL, ids);
}

void
vila_tokenizer_encode_with_literals (VilaTokenizer   *self,
                                     const char      *text,
                                     gssize           length,
                                     VilaEncodeFlags  flags,
                                     const guint8    *literal,
                                     GArray          *ids)
{
  g_autoptr(GString) valid = NULL;
  gboolean parse_special = (flags & VILA_ENCODE_PARSE_SPECIAL) != 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (text != NULL || length == 0);
  g_return_if_fail (ids != NULL && g_array_get_element_size (ids) == sizeof (gint32));

  if (length < 0)
    length = strlen (text);
  if ((valid = make_valid_utf8 (text, length)) != NULL)
    {
      /* Replacements change lengths; keep the literal mask only when they
       * do not (invalid bytes in a template are a caller's bug anyway). */
      if (valid->len != (gsize) length)
        literal = NULL;
      text = valid->str;
      length = valid->len;
    }

  if (flags & VILA_ENCODE_ADD_SPECIAL)
    g_array_append_vals (ids, self->prefix_ids->data, self->prefix_ids->len);

  if (self->format == VILA_TOKENIZER_SENTENCEPIECE)
    encode_llama (self, text, length, parse_special, literal, ids);
  else
    {
      g_autoptr(GArray) chunks = split_on_added (self, text, length, parse_special, literal);

      for (guint c = 0; c < chunks->len; c++)
        {
          const Chunk *chunk = &g_array_index (chunks, Chunk, c);

          if (chunk->token != NULL)
            g_array_append_val (ids, chunk->token->id);
          else
            vila_bpe_encode_chunk (self, text + chunk->start, chunk->length, chunk->start == 0, ids);
        }
    }

  if (flags & VILA_ENCODE_ADD_SPECIAL)
    g_array_append_vals (ids, self->suffix_ids->data, self->suffix_ids->len);
}

/* transformers' PreTrainedTokenizerBase.clean_up_tokenization. */
static void
clean_up_spaces (GString *text)
{
  static const struct { const char *from; const char *to; } rules[] = {
    { " .", "." }, { " ?", "?" }, { " !", "!" }, { " ,", "," }, { " ' ", "'" },
    { " n't", "n't" }, { " 'm", "'m" }, { " 's", "'s" }, { " 've", "'ve" }, { " 're", "'re" },
  };

  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    g_string_replace (text, rules[r].from, rules[r].to, 0);
}

void
vila_tokenizer_decode_into (VilaTokenizer *self,
                            const gint32  *ids,
                            gsize          n_ids,
                            gboolean       skip_special,
                            gboolean       at_start,
                            GString       *out)
{
  if (self->format == VILA_TOKENIZER_SENTENCEPIECE)
    vila_spm_decode (self, ids, n_ids, skip_special, at_start, out);
  else
    vila_bpe_decode (self, ids, n_ids, skip_special, at_start, out);

  if (self->clean_up_spaces)
    clean_up_spaces (out);
}

char *
vila_tokenizer_decode (VilaTokenizer *self,
                       const gint32  *ids,
                       gsize          n_ids,
                       gboolean       skip_special)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  vila_tokenizer_decode_into (self, ids, n_ids, skip_special, TRUE, out);
  return g_string_free (out, FALSE);
}

VilaTokenizerFormat
vila_tokenizer_get_format (VilaTokenizer *self)
{
  return self->format;
}

guint
vila_tokenizer_get_n_tokens (VilaTokenizer *self)
{
  return self->pieces->len;
}

const char *
vila_tokenizer_get_piece (VilaTokenizer *self,
                          gint32         id)
{
  if (id < 0 || (guint) id >= self->pieces->len)
    return NULL;
  return g_ptr_array_index (self->pieces, id);
}

gint32
vila_tokenizer_piece_to_id (VilaTokenizer *self,
                            const char    *piece)
{
  gint32 id = vila_tokenizer_lookup (self, piece, strlen (piece));

  if (id >= 0)
    return id;
  for (guint i = 0; i < self->added->len; i++)
    {
      const VilaAddedToken *token = &g_array_index (self->added, VilaAddedToken, i);

      if (strcmp (token->content, piece) == 0)
        return token->id;
    }
  /* Control, byte and unknown pieces of SentencePiece are not in the
   * lookup table, which only holds what text can turn into. */
  for (guint i = 0; i < self->pieces->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->pieces, i), piece) == 0)
      return i;
  return -1;
}

gboolean
vila_tokenizer_is_special (VilaTokenizer *self,
                           gint32         id)
{
  return g_hash_table_contains (self->special_ids, GINT_TO_POINTER (id));
}

gint32 vila_tokenizer_get_bos (VilaTokenizer *self) { return self->bos_id; }
gint32 vila_tokenizer_get_eos (VilaTokenizer *self) { return self->eos_id; }
gint32 vila_tokenizer_get_unk (VilaTokenizer *self) { return self->unk_id; }
gint32 vila_tokenizer_get_pad (VilaTokenizer *self) { return self->pad_id; }

static gboolean
has_file (const char *folder,
          const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
has_tokenizer (const char *folder)
{
  return has_file (folder, "tokenizer.model") || has_file (folder, "tokenizer.json") ||
         (has_file (folder, "vocab.json") && has_file (folder, "merges.txt"));
}

VilaTokenizer *
vila_tokenizer_load (const char  *path,
                     GError     **error)
{
  g_autofree char *llm = NULL;
  g_autofree char *file = NULL;
  const char *folder = path;
  VilaTokenizer *self;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s is not a folder", path);
      return NULL;
    }

  /* The three-part layout keeps the tokenizer with the LLM. */
  llm = g_build_filename (path, "llm", NULL);
  if (!has_tokenizer (path) && has_tokenizer (llm))
    folder = llm;

  /* The slow SentencePiece tokenizer first: VILA1.5 loads it with
   * use_fast=False even where a tokenizer.json sits beside it. */
  if (has_file (folder, "tokenizer.model"))
    {
      file = g_build_filename (folder, "tokenizer.model", NULL);
      self = vila_spm_load (file, error);
    }
  else if (has_file (folder, "tokenizer.json"))
    {
      file = g_build_filename (folder, "tokenizer.json", NULL);
      self = vila_hf_json_load (file, error);
    }
  else if (has_file (folder, "vocab.json") && has_file (folder, "merges.txt"))
    self = vila_vocab_merges_load (folder, error);
  else
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND,
                   "No tokenizer in %s (looked for tokenizer.model, tokenizer.json, "
                   "and vocab.json with merges.txt, there and in llm/)", path);
      return NULL;
    }

  if (self == NULL)
    return NULL;

  if (!vila_tokenizer_apply_config (self, folder, error))
    {
      vila_tokenizer_unref (self);
      return NULL;
    }

  return self;
}
