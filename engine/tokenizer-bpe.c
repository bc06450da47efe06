/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#define _GNU_SOURCE   /* memmem */
#include <string.h>

#include "tokenizer-bpe.h"

/* GPT-2's byte-to-character table: printable Latin-1 bytes stand for
 * themselves, the other 68 bytes for U+0100 onwards, in byte order. */
static void
init_byte_table (VilaBpe *bpe)
{
  guint next = 256;

  for (guint i = 0; i < G_N_ELEMENTS (bpe->char_bytes); i++)
    bpe->char_bytes[i] = -1;

  for (guint b = 0; b < 256; b++)
    {
      gboolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae);
      gunichar c = printable ? b : next++;

      bpe->byte_char_length[b] = g_unichar_to_utf8 (c, bpe->byte_chars[b]);
      bpe->char_bytes[c] = b;
    }
}

static void
clear_step (gpointer data)
{
  VilaStep *step = data;

  g_free (step->a);
  g_free (step->b);
}

VilaBpe *
vila_bpe_new (void)
{
  VilaBpe *bpe = g_new0 (VilaBpe, 1);

  init_byte_table (bpe);
  vila_bpe_reserve (bpe, 0);
  bpe->normalizers = g_array_new (FALSE, TRUE, sizeof (VilaStep));
  bpe->decoders = g_array_new (FALSE, TRUE, sizeof (VilaStep));
  g_array_set_clear_func (bpe->normalizers, clear_step);
  g_array_set_clear_func (bpe->decoders, clear_step);
  bpe->metaspace_prepend = VILA_PREPEND_ALWAYS;
  return bpe;
}

void
vila_bpe_free (VilaBpe *bpe)
{
  g_free (bpe->merge_keys);
  g_free (bpe->merge_ranks);
  g_free (bpe->merge_ids);
  g_clear_pointer (&bpe->split, g_regex_unref);
  g_array_unref (bpe->normalizers);
  g_array_unref (bpe->decoders);
  g_free (bpe->metaspace_replacement);
  g_free (bpe);
}

void
vila_bpe_add_step (GArray       *steps,
                   VilaStepKind  kind,
                   const char   *a,
                   const char   *b,
                   guint         n,
                   guint         m)
{
  VilaStep step = { kind, g_strdup (a), g_strdup (b), n, m };

  g_array_append_val (steps, step);
}

gboolean
vila_bpe_set_pattern (VilaBpe     *bpe,
                      const char  *pattern,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GRegex *regex;

  /* GRegex is PCRE2 with Unicode properties for \s and \p{..}, as the
   * Oniguruma regexes of tokenizers. */
  regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &local_error);
  if (regex == NULL)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_UNSUPPORTED,
                   "the pre-tokenizer pattern does not compile: %s", local_error->message);
      return FALSE;
    }
  g_clear_pointer (&bpe->split, g_regex_unref);
  bpe->split = regex;
  return TRUE;
}

static inline guint64
merge_key (gint32 left,
           gint32 right)
{
  return ((guint64) (guint32) left << 32) | (guint32) right;
}

static inline gsize
merge_slot (guint64 key,
            gsize   mask)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return key & mask;
}

void
vila_bpe_reserve (VilaBpe *bpe,
                  gsize    n_merges)
{
  gsize capacity = 16;

  while (capacity < n_merges * 2)
    capacity *= 2;

  g_free (bpe->merge_keys);
  g_free (bpe->merge_ranks);
  g_free (bpe->merge_ids);
  bpe->merge_keys = g_new (guint64, capacity);
  bpe->merge_ranks = g_new (guint32, capacity);
  bpe->merge_ids = g_new (gint32, capacity);
  memset (bpe->merge_keys, 0xff, capacity * sizeof (guint64));   /* empty: all ones */
  bpe->merge_mask = capacity - 1;
  bpe->n_merges = 0;
}

void
vila_bpe_prefetch_merge (const VilaBpe *bpe,
                         gint32         left,
                         gint32         right)
{
  __builtin_prefetch (&bpe->merge_keys[merge_slot (merge_key (left, right), bpe->merge_mask)], 1);
}

gboolean
vila_bpe_add_merge (VilaBpe *bpe,
                    gint32   left,
                    gint32   right,
                    guint32  rank,
                    gint32   merged)
{
  guint64 key = merge_key (left, right);
  gsize slot;

  g_return_val_if_fail (bpe->n_merges * 2 <= bpe->merge_mask + 1, FALSE);

  for (slot = merge_slot (key, bpe->merge_mask);
       bpe->merge_keys[slot] != G_MAXUINT64;
       slot = (slot + 1) & bpe->merge_mask)
    {
      if (bpe->merge_keys[slot] == key)
        return FALSE;
    }
  bpe->merge_keys[slot] = key;
  bpe->merge_ranks[slot] = rank;
  bpe->merge_ids[slot] = merged;
  bpe->n_merges++;
  return TRUE;
}

static gboolean
lookup_merge (const VilaSymbol *left,
              const VilaSymbol *right,
              const char       *text,
              gpointer          user_data,
              double           *priority,
              gint32           *merged_id)
{
  VilaBpe *bpe = user_data;
  guint64 key;

  if (left->id < 0 || right->id < 0)
    return FALSE;

  key = merge_key (left->id, right->id);
  for (gsize slot = merge_slot (key, bpe->merge_mask);
       bpe->merge_keys[slot] != G_MAXUINT64;
       slot = (slot + 1) & bpe->merge_mask)
    {
      if (bpe->merge_keys[slot] == key)
        {
          *priority = bpe->merge_ranks[slot];
          *merged_id = bpe->merge_ids[slot];
          return TRUE;
        }
    }
  return FALSE;
}

/* One pre-token, as tokenizers' BPE::merge_word: a symbol per character
 * (per byte-level character when the pre-tokenizer mapped bytes), bytes of
 * unknown characters as <0xXX> tokens with byte fallback, else the unknown
 * token (runs of them fused with fuse_unk), then merges. */
static void
encode_word (VilaTokenizer *self,
             const char    *word,
             gsize          length,
             GArray        *symbols,
             GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  gint32 pending_unk_length = 0;
  gint32 whole;
  guint offset;

  if (length == 0)
    return;

  if (bpe->ignore_merges && (whole = vila_tokenizer_lookup (self, word, length)) >= 0)
    {
      g_array_append_val (ids, whole);
      return;
    }

  g_array_set_size (symbols, 0);
#define ADD_SYMBOL(start_, length_, id_) G_STMT_START {                      \
    VilaSymbol symbol_ = { .start = (start_), .length = (length_), .id = (id_), \
                           .prev = (gint) symbols->len - 1, .next = -1 };     \
    if (symbols->len > 0)                                                     \
      g_array_index (symbols, VilaSymbol, symbols->len - 1).next = symbols->len; \
    g_array_append_val (symbols, symbol_);                                    \
  } G_STMT_END

  for (offset = 0; offset < length;)
    {
      guint n = MIN ((gsize) (g_utf8_next_char (word + offset) - (word + offset)), length - offset);
      gint32 id = vila_tokenizer_lookup (self, word + offset, n);

      if (id >= 0)
        {
          if (pending_unk_length > 0)
            {
              ADD_SYMBOL (offset - pending_unk_length, pending_unk_length, self->unk_id);
              pending_unk_length = 0;
            }
          ADD_SYMBOL (offset, n, id);
        }
      else
        {
          gboolean all_bytes = bpe->byte_fallback;

          for (guint k = 0; k < n && all_bytes; k++)
            all_bytes = self->byte_ids[(guint8) word[offset + k]] >= 0;
          if (all_bytes)
            {
              for (guint k = 0; k < n; k++)
                ADD_SYMBOL (offset + k, 1, self->byte_ids[(guint8) word[offset + k]]);
            }
          else if (self->unk_id >= 0)
            {
              if (pending_unk_length > 0 && !bpe->fuse_unk)
                {
                  ADD_SYMBOL (offset - pending_unk_length, pending_unk_length, self->unk_id);
                  pending_unk_length = 0;
                }
              pending_unk_length += n;
            }
          /* Without an unknown token, tokenizers leaves the character out. */
        }
      offset += n;
    }
  if (pending_unk_length > 0)
    ADD_SYMBOL (offset - pending_unk_length, pending_unk_length, self->unk_id);
#undef ADD_SYMBOL

  vila_merge_symbols (symbols, word, lookup_merge, bpe);

  for (gint i = symbols->len > 0 ? 0 : -1; i >= 0; i = g_array_index (symbols, VilaSymbol, i).next)
    g_array_append_val (ids, g_array_index (symbols, VilaSymbol, i).id);
}

/* The pre-token after ByteLevel: each byte as its stand-in character. */
static void
encode_byte_level_word (VilaTokenizer *self,
                        const char    *word,
                        gsize          length,
                        GString       *mapped,
                        GArray        *symbols,
                        GArray        *ids)
{
  VilaBpe *bpe = self->bpe;

  g_string_truncate (mapped, 0);
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = word[i];

      g_string_append_len (mapped, bpe->byte_chars[b], bpe->byte_char_length[b]);
    }
  encode_word (self, mapped->str, mapped->len, symbols, ids);
}

/* g_string_replace() stops at a NUL byte; text may hold them. */
static void
replace_all (GString    *text,
             const char *from,
             const char *to)
{
  gsize from_length = strlen (from);
  gsize to_length = strlen (to);
  g_autoptr(GString) out = NULL;
  gsize done = 0;
  const char *hit;

  if (from_length == 0)
    return;
  while ((hit = memmem (text->str + done, text->len - done, from, from_length)) != NULL)
    {
      if (out == NULL)
        out = g_string_sized_new (text->len);
      g_string_append_len (out, text->str + done, hit - (text->str + done));
      g_string_append_len (out, to, to_length);
      done = hit - text->str + from_length;
    }
  if (out == NULL)
    return;
  g_string_append_len (out, text->str + done, text->len - done);
  g_string_truncate (text, 0);
  g_string_append_len (text, out->str, out->len);
}

/* NFC, keeping NUL bytes, at which g_utf8_normalize() would stop. */
static GString *
normalize_nfc (const char *text,
               gsize       length)
{
  GString *out = g_string_sized_new (length);
  const char *end = text + length;

  for (const char *part = text; part <= end;)
    {
      const char *nul = memchr (part, '\0', end - part);
      const char *part_end = nul ? nul : end;
      g_autofree char *nfc = g_utf8_normalize (part, part_end - part, G_NORMALIZE_NFC);

      if (nfc != NULL)
        g_string_append (out, nfc);
      else
        g_string_append_len (out, part, part_end - part);
      if (nul == NULL)
        break;
      g_string_append_c (out, '\0');
      part = nul + 1;
    }
  return out;
}

/* Splits @text with the Split regex ("Isolated": every match is a piece,
 * and so is any text between matches) and encodes the pieces. */
static void
encode_split (VilaTokenizer *self,
              const char    *text,
              gsize          length,
              GString       *mapped,
              GArray        *symbols,
              GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  g_autoptr(GMatchInfo) match = NULL;
  gsize done = 0;

#define ENCODE(start_, length_)                                                         \
  (bpe->byte_level ? encode_byte_level_word (self, text + (start_), (length_), mapped, symbols, ids) \
                   : encode_word (self, text + (start_), (length_), symbols, ids))

  if (bpe->split == NULL)
    {
      ENCODE (0, length);
      return;
    }

  g_regex_match_full (bpe->split, text, length, 0, 0, &match, NULL);
  while (g_match_info_matches (match))
    {
      int start, end;

      g_match_info_fetch_pos (match, 0, &start, &end);
      if ((gsize) start > done)
        ENCODE (done, start - done);
      if (end > start)
        ENCODE (start, end - start);
      done = end;
      g_match_info_next (match, NULL);
    }
  if (length > done)
    ENCODE (done, length - done);
#undef ENCODE
}

/* tokenizers' Metaspace pre-tokenizer: spaces become the replacement, one
 * is put in front by the prepend scheme, and with split each word (that
 * starts with the replacement) is a piece. */
static void
encode_metaspace (VilaTokenizer *self,
                  const char    *text,
                  gsize          length,
                  gboolean       at_text_start,
                  GArray        *symbols,
                  GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  const char *replacement = bpe->metaspace_replacement;
  gsize replacement_length = strlen (replacement);
  g_autoptr(GString) spaced = g_string_sized_new (length + 8);
  gsize piece_start = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == ' ')
        g_string_append_len (spaced, replacement, replacement_length);
      else
        g_string_append_c (spaced, text[i]);
    }
  if (!g_str_has_prefix (spaced->str, replacement) &&
      (bpe->metaspace_prepend == VILA_PREPEND_ALWAYS ||
       (bpe->metaspace_prepend == VILA_PREPEND_FIRST && at_text_start)))
    g_string_prepend (spaced, replacement);

  if (!bpe->metaspace_split)
    {
      encode_word (self, spaced->str, spaced->len, symbols, ids);
      return;
    }
  for (gsize i = 1; i + replacement_length <= spaced->len; i++)
    {
      if (memcmp (spaced->str + i, replacement, replacement_length) == 0)
        {
          encode_word (self, spaced->str + piece_start, i - piece_start, symbols, ids);
          piece_start = i;
          i += replacement_length - 1;
        }
    }
  encode_word (self, spaced->str + piece_start, spaced->len - piece_start, symbols, ids);
}

void
vila_bpe_encode_chunk (VilaTokenizer *self,
                       const char    *text,
                       gsize          length,
                       gboolean       at_text_start,
                       GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  g_autoptr(GString) normalized = g_string_new_len (text, length);
  g_autoptr(GString) mapped = g_string_new (NULL);
  g_autoptr(GArray) symbols = g_array_new (FALSE, FALSE, sizeof (VilaSymbol));

  if (length == 0)
    return;

  for (guint i = 0; i < bpe->normalizers->len; i++)
    {
      const VilaStep *step = &g_array_index (bpe->normalizers, VilaStep, i);

      switch (step->kind)
        {
        case VILA_STEP_NFC:
          {
            GString *nfc = normalize_nfc (normalized->str, normalized->len);

            g_string_free (normalized, TRUE);
            normalized = nfc;
          }
          break;
        case VILA_STEP_PREPEND:
          if (normalized->len > 0)
            g_string_prepend (normalized, step->a);
          break;
        case VILA_STEP_REPLACE:
          replace_all (normalized, step->a, step->b);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (bpe->add_prefix_space && normalized->len > 0 &&
      !g_unichar_isspace (g_utf8_get_char (normalized->str)))
    g_string_prepend_c (normalized, ' ');

  if (bpe->metaspace)
    encode_metaspace (self, normalized->str, normalized->len, at_text_start, symbols, ids);
  else
    encode_split (self, normalized->str, normalized->len, mapped, symbols, ids);
}

/* String::from_utf8_lossy: each maximal invalid subsequence becomes one
 * U+FFFD (Unicode's "substitution of maximal subparts"). */
static void
append_utf8_lossy (GString      *out,
                   const guint8 *bytes,
                   gsize         length)
{
  gsize i = 0;

  while (i < length)
    {
      guint8 b = bytes[i];
      guint need;
      guint8 low = 0x80, high = 0xbf;
      gsize j;

      if (b < 0x80)
        {
          /* U+0000 cannot live in a C string; see vila_tokenizer_decode. */
          if (b != 0)
            g_string_append_c (out, b);
          i++;
          continue;
        }
      if (b >= 0xc2 && b <= 0xdf)
        need = 1;
      else if (b >= 0xe0 && b <= 0xef)
        {
          need = 2;
          if (b == 0xe0) low = 0xa0;
          if (b == 0xed) high = 0x9f;
        }
      else if (b >= 0xf0 && b <= 0xf4)
        {
          need = 3;
          if (b == 0xf0) low = 0x90;
          if (b == 0xf4) high = 0x8f;
        }
      else
        {
          g_string_append (out, "\xef\xbf\xbd");
          i++;
          continue;
        }

      for (j = 1; j <= need && i + j < length; j++)
        {
          guint8 c = bytes[i + j];

          if (c < low || c > high)
            break;
          low = 0x80, high = 0xbf;
        }
      if (j == need + 1)
        g_string_append_len (out, (const char *) bytes + i, need + 1);
      else
        g_string_append (out, "\xef\xbf\xbd");
      i += j;
    }
}

static void
decode_byte_level (VilaBpe   *bpe,
                   GPtrArray *tokens)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < tokens->len; i++)
    {
      const char *token = g_ptr_array_index (tokens, i);

      for (const char *p = token; *p; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (c < G_N_ELEMENTS (bpe->char_bytes) && bpe->char_bytes[c] >= 0)
            {
              guint8 b = bpe->char_bytes[c];
              g_byte_array_append (bytes, &b, 1);
            }
          else
            g_byte_array_append (bytes, (const guint8 *) p, g_utf8_next_char (p) - p);
        }
    }
  append_utf8_lossy (text, bytes->data, bytes->len);
  g_ptr_array_set_size (tokens, 0);
  g_ptr_array_add (tokens, g_string_free (text, FALSE));
}

/* Runs of <0xXX> tokens become their text, or one U+FFFD per byte when they
 * are not UTF-8 (tokenizers' ByteFallback decoder). */
static void
decode_byte_fallback (GPtrArray *tokens)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) bytes = g_string_new (NULL);
  guint n_bytes = 0;

  for (guint i = 0; i <= tokens->len; i++)
    {
      const char *token = i < tokens->len ? g_ptr_array_index (tokens, i) : NULL;
      int byte = token ? vila_parse_byte_piece (token) : -1;

      if (byte >= 0)
        {
          g_string_append_c (bytes, (char) byte);
          n_bytes++;
          continue;
        }
      if (n_bytes > 0)
        {
          /* U+0000 is valid text but cannot stay in a C string; it is left
           * out (see vila_tokenizer_decode). */
          for (gsize k = bytes->len; k > 0; k--)
            if (bytes->str[k - 1] == '\0')
              g_string_erase (bytes, k - 1, 1);
          if (g_utf8_validate_len (bytes->str, bytes->len, NULL))
            g_ptr_array_add (out, g_strndup (bytes->str, bytes->len));
          else
            for (guint k = 0; k < n_bytes; k++)
              g_ptr_array_add (out, g_strdup ("\xef\xbf\xbd"));
          g_string_truncate (bytes, 0);
          n_bytes = 0;
        }
      if (token != NULL)
        g_ptr_array_add (out, g_strdup (token));
    }

  g_ptr_array_set_size (tokens, 0);
  for (guint i = 0; i < out->len; i++)
    g_ptr_array_add (tokens, g_steal_pointer (&g_ptr_array_index (out, i)));
}

static void
strip_token (char       **token,
             const char  *content,
             guint        start,
             guint        stop)
{
  gsize n = strlen (content);
  const char *begin = *token;
  const char *end = *token + strlen (*token);
  char *stripped;

  if (n == 0)
    return;
  for (guint k = 0; k < start && (gsize) (end - begin) >= n && memcmp (begin, content, n) == 0; k++)
    begin += n;
  for (guint k = 0; k < stop && (gsize) (end - begin) >= n && memcmp (end - n, content, n) == 0; k++)
    end -= n;
  stripped = g_strndup (begin, end - begin);
  g_free (*token);
  *token = stripped;
}

/* The decoder chain of tokenizer.json over the tokens' strings, added
 * tokens included. @at_start: the tokens begin the text; a window in the
 * middle of a stream keeps its leading space. */
void
vila_bpe_decode (VilaTokenizer *self,
                 const gint32  *ids,
                 gsize          n_ids,
                 gboolean       skip_special,
                 gboolean       at_start,
                 GString       *out)
{
  VilaBpe *bpe = self->bpe;
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < n_ids; i++)
    {
      const char *piece = vila_tokenizer_get_piece (self, ids[i]);

      if (piece == NULL || (skip_special && vila_tokenizer_is_special (self, ids[i])))
        continue;
      g_ptr_array_add (tokens, g_strdup (piece));
    }

  for (guint s = 0; s < bpe->decoders->len; s++)
    {
      const VilaStep *step = &g_array_index (bpe->decoders, VilaStep, s);

      switch (step->kind)
        {
        case VILA_STEP_BYTE_LEVEL:
          decode_byte_level (bpe, tokens);
          break;
        case VILA_STEP_BYTE_FALLBACK:
          decode_byte_fallback (tokens);
          break;
        case VILA_STEP_REPLACE:
          for (guint i = 0; i < tokens->len; i++)
            {
              g_autoptr(GString) token = g_string_new (g_ptr_array_index (tokens, i));

              g_string_replace (token, step->a, step->b, 0);
              g_free (g_ptr_array_index (tokens, i));
              g_ptr_array_index (tokens, i) = g_string_free (g_steal_pointer (&token), FALSE);
            }
          break;
        case VILA_STEP_FUSE:
          {
            char *joined;

            g_ptr_array_add (tokens, NULL);
            joined = g_strjoinv ("", (char **) tokens->pdata);
            g_ptr_array_set_size (tokens, 0);
            g_ptr_array_add (tokens, joined);
          }
          break;
        case VILA_STEP_STRIP:
          for (guint i = 0; i < tokens->len; i++)
            {
              /* After Fuse the one token is the whole text: its start is
               * the text's start only in a window that begins it. */
              guint start = (tokens->len == 1 && !at_start) ? 0 : step->n;

              strip_token ((char **) &g_ptr_array_index (tokens, i), step->a, start, step->m);
            }
          break;
        case VILA_STEP_METASPACE:
          for (guint i = 0; i < tokens->len; i++)
            {
              g_autoptr(GString) token = g_string_new (g_ptr_array_index (tokens, i));

              g_string_replace (token, step->a, " ", 0);
              if (i == 0 && at_start && step->n != VILA_PREPEND_NEVER && token->str[0] == ' ')
                g_string_erase (token, 0, 1);
              g_free (g_ptr_array_index (tokens, i));
              g_ptr_array_index (tokens, i) = g_string_free (g_steal_pointer (&token), FALSE);
            }
          break;
        case VILA_STEP_NFC:
        case VILA_STEP_PREPEND:
        default:
          g_assert_not_reached ();
        }
    }

  for (guint i = 0; i < tokens->len; i++)
    g_string_append (out, g_ptr_array_index (tokens, i));
}
