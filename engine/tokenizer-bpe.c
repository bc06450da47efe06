/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

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

VilaBpe *
vila_bpe_new (void)
{
  VilaBpe *bpe = g_new0 (VilaBpe, 1);

  init_byte_table (bpe);
  vila_bpe_reserve (bpe, 0);
  return bpe;
}

void
vila_bpe_free (VilaBpe *bpe)
{
  g_free (bpe->merge_keys);
  g_free (bpe->merge_ranks);
  g_free (bpe->merge_ids);
  g_clear_pointer (&bpe->split, g_regex_unref);
  g_free (bpe);
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

/* One pre-token: its bytes as byte-level characters, then merges. */
static void
encode_word (VilaTokenizer *self,
             const char    *word,
             gsize          length,
             GString       *mapped,
             GArray        *symbols,
             GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  gint32 whole;

  g_string_truncate (mapped, 0);
  for (gsize i = 0; i < length; i++)
    {
      guint8 b = word[i];

      g_string_append_len (mapped, bpe->byte_chars[b], bpe->byte_char_length[b]);
    }

  if (bpe->ignore_merges && (whole = vila_tokenizer_lookup (self, mapped->str, mapped->len)) >= 0)
    {
      g_array_append_val (ids, whole);
      return;
    }

  g_array_set_size (symbols, 0);
  for (gsize i = 0, offset = 0; i < length; i++)
    {
      guint8 b = word[i];
      VilaSymbol symbol = {
        .start = offset,
        .length = bpe->byte_char_length[b],
        .id = vila_tokenizer_lookup (self, bpe->byte_chars[b], bpe->byte_char_length[b]),
        .prev = (gint) i - 1,
        .next = i + 1 < length ? (gint) i + 1 : -1,
      };

      g_array_append_val (symbols, symbol);
      offset += symbol.length;
    }

  vila_merge_symbols (symbols, mapped->str, lookup_merge, bpe);

  for (gint i = symbols->len > 0 ? 0 : -1; i >= 0; i = g_array_index (symbols, VilaSymbol, i).next)
    {
      const VilaSymbol *symbol = &g_array_index (symbols, VilaSymbol, i);

      /* Without an unk token, tokenizers leaves out what the vocabulary
       * lacks; the byte-level alphabet makes that not happen in practice. */
      if (symbol->id >= 0)
        g_array_append_val (ids, symbol->id);
      else if (self->unk_id >= 0)
        g_array_append_val (ids, self->unk_id);
    }
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

void
vila_bpe_encode_chunk (VilaTokenizer *self,
                       const char    *text,
                       gsize          length,
                       GArray        *ids)
{
  VilaBpe *bpe = self->bpe;
  g_autofree char *normalized = NULL;
  g_autofree char *prefixed = NULL;
  g_autoptr(GString) mapped = g_string_new (NULL);
  g_autoptr(GArray) symbols = g_array_new (FALSE, FALSE, sizeof (VilaSymbol));
  g_autoptr(GMatchInfo) match = NULL;
  gsize done = 0;

  if (length == 0)
    return;

  if (bpe->nfc)
    {
      GString *nfc = normalize_nfc (text, length);

      length = nfc->len;
      text = normalized = g_string_free (nfc, FALSE);
    }

  if (bpe->add_prefix_space && !g_unichar_isspace (g_utf8_get_char (text)))
    {
      prefixed = g_strconcat (" ", text, NULL);
      text = prefixed, length++;
    }

  if (bpe->split == NULL)
    {
      encode_word (self, text, length, mapped, symbols, ids);
      return;
    }

  /* "Isolated" splitting: each match is a piece, and so is any text
   * between matches. */
  g_regex_match_full (bpe->split, text, length, 0, 0, &match, NULL);
  while (g_match_info_matches (match))
    {
      int start, end;

      g_match_info_fetch_pos (match, 0, &start, &end);
      if ((gsize) start > done)
        encode_word (self, text + done, start - done, mapped, symbols, ids);
      if (end > start)
        encode_word (self, text + start, end - start, mapped, symbols, ids);
      done = end;
      g_match_info_next (match, NULL);
    }
  if (length > done)
    encode_word (self, text + done, length - done, mapped, symbols, ids);
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

/* tokenizers' ByteLevel decoder over every token, added ones included. */
void
vila_bpe_decode (VilaTokenizer *self,
                 const gint32  *ids,
                 gsize          n_ids,
                 gboolean       skip_special,
                 GString       *out)
{
  VilaBpe *bpe = self->bpe;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  for (gsize i = 0; i < n_ids; i++)
    {
      const char *piece = vila_tokenizer_get_piece (self, ids[i]);

      if (piece == NULL || (skip_special && vila_tokenizer_is_special (self, ids[i])))
        continue;
      for (const char *p = piece; *p; p = g_utf8_next_char (p))
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
  append_utf8_lossy (out, bytes->data, bytes->len);
}
