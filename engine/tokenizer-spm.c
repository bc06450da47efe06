/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SentencePiece BPE models (tokenizer.model of Llama-2, Vicuna, Yi): the
 * protobuf ModelProto, BPE encoding as bpe_model.cc does it, and decoding.
 * Field numbers are those of sentencepiece_model.proto.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <string.h>

#include "tokenizer-private.h"

#define SPACE_SYMBOL "\xe2\x96\x81"   /* U+2581, SentencePiece's space */
#define SPACE_SYMBOL_LENGTH 3

/* Protobuf wire reading, bounds-checked: a hostile file fails, nothing
 * reads past the buffer, and no length is trusted before it is checked. */
typedef struct {
  const guint8 *data;
  gsize         length;
  gsize         offset;
} Reader;

typedef struct {
  guint32       field;
  guint32       wire_type;
  guint64       varint;      /* wire types 0, 1, 5 */
  const guint8 *bytes;       /* wire type 2 */
  gsize         n_bytes;
} Field;

static gboolean
read_varint (Reader  *reader,
             guint64 *out)
{
  guint64 value = 0;

  for (guint shift = 0; shift < 64; shift += 7)
    {
      guint8 byte;

      if (reader->offset >= reader->length)
        return FALSE;
      byte = reader->data[reader->offset++];
      value |= (guint64) (byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        {
          *out = value;
          return TRUE;
        }
    }
  return FALSE;
}

/* Returns FALSE at the end of the message; sets @error when malformed. */
static gboolean
read_field (Reader   *reader,
            Field    *field,
            gboolean *malformed)
{
  guint64 key;

  *malformed = FALSE;
  if (reader->offset >= reader->length)
    return FALSE;
  if (!read_varint (reader, &key) || (key >> 3) == 0 || (key >> 3) > G_MAXUINT32)
    goto bad;

  field->field = key >> 3;
  field->wire_type = key & 7;
  field->varint = 0;
  field->bytes = NULL;
  field->n_bytes = 0;

  switch (field->wire_type)
    {
    case 0:
      if (!read_varint (reader, &field->varint))
        goto bad;
      return TRUE;
    case 1:
      if (reader->length - reader->offset < 8)
        goto bad;
      memcpy (&field->varint, reader->data + reader->offset, 8);
      field->varint = GUINT64_FROM_LE (field->varint);
      reader->offset += 8;
      return TRUE;
    case 2:
      {
        guint64 n;

        if (!read_varint (reader, &n) || n > reader->length - reader->offset)
          goto bad;
        field->bytes = reader->data + reader->offset;
        field->n_bytes = n;
        reader->offset += n;
        return TRUE;
      }
    case 5:
      {
        guint32 v;

        if (reader->length - reader->offset < 4)
          goto bad;
        memcpy (&v, reader->data + reader->offset, 4);
        field->varint = GUINT32_FROM_LE (v);
        reader->offset += 4;
        return TRUE;
      }
    default:
      goto bad;   /* groups (3, 4) and unknown wire types */
    }

bad:
  *malformed = TRUE;
  return FALSE;
}

typedef struct {
  guint32 model_type;
  gboolean byte_fallback;
  gint32 unk_id, bos_id, eos_id, pad_id;
  char *unk_surface;
  char *normalizer_name;
  gboolean has_charsmap;
  gboolean add_dummy_prefix;
  gboolean remove_extra_whitespaces;
  gboolean escape_whitespaces;
  gboolean treat_whitespace_as_suffix;
} SpmSpec;

static gboolean
parse_trainer_spec (const guint8 *data,
                    gsize         length,
                    SpmSpec      *spec)
{
  Reader reader = { data, length, 0 };
  gboolean malformed;
  Field f;

  while (read_field (&reader, &f, &malformed))
    {
      switch (f.field)
        {
        case 3:  spec->model_type = f.varint; break;
        case 24: spec->treat_whitespace_as_suffix = f.varint != 0; break;
        case 35: spec->byte_fallback = f.varint != 0; break;
        case 40: spec->unk_id = (gint32) f.varint; break;
        case 41: spec->bos_id = (gint32) f.varint; break;
        case 42: spec->eos_id = (gint32) f.varint; break;
        case 43: spec->pad_id = (gint32) f.varint; break;
        case 44:
          if (f.wire_type == 2)
            {
              g_free (spec->unk_surface);
              spec->unk_surface = g_strndup ((const char *) f.bytes, f.n_bytes);
            }
          break;
        default: break;
        }
    }
  return !malformed;
}

static gboolean
parse_normalizer_spec (const guint8 *data,
                       gsize         length,
                       SpmSpec      *spec)
{
  Reader reader = { data, length, 0 };
  gboolean malformed;
  Field f;

  while (read_field (&reader, &f, &malformed))
    {
      switch (f.field)
        {
        case 1:
          if (f.wire_type == 2)
            {
              g_free (spec->normalizer_name);
              spec->normalizer_name = g_strndup ((const char *) f.bytes, f.n_bytes);
            }
          break;
        case 2: spec->has_charsmap = f.n_bytes > 0; break;
        case 3: spec->add_dummy_prefix = f.varint != 0; break;
        case 4: spec->remove_extra_whitespaces = f.varint != 0; break;
        case 5: spec->escape_whitespaces = f.varint != 0; break;
        default: break;
        }
    }
  return !malformed;
}

static gboolean
parse_piece (VilaTokenizer *self,
             const guint8  *data,
             gsize          length,
             gint32         id)
{
  Reader reader = { data, length, 0 };
  gboolean malformed;
  const guint8 *piece = NULL;
  gsize piece_length = 0;
  float score = 0;
  guint8 type = VILA_PIECE_NORMAL;
  Field f;

  while (read_field (&reader, &f, &malformed))
    {
      if (f.field == 1 && f.wire_type == 2)
        piece = f.bytes, piece_length = f.n_bytes;
      else if (f.field == 2 && f.wire_type == 5)
        {
          guint32 bits = (guint32) f.varint;
          memcpy (&score, &bits, sizeof score);
        }
      else if (f.field == 3 && f.wire_type == 0)
        type = (guint8) MIN (f.varint, 255);
    }
  if (malformed || piece == NULL || type < VILA_PIECE_NORMAL || type > VILA_PIECE_BYTE ||
      memchr (piece, '\0', piece_length) != NULL ||
      !g_utf8_validate_len ((const char *) piece, piece_length, NULL))
    return FALSE;

  g_ptr_array_add (self->pieces, vila_tokenizer_store_piece (self, (const char *) piece, piece_length));
  g_array_append_val (self->scores, score);
  g_array_append_val (self->types, type);

  /* What text can turn into (model_interface.cc); control, unknown and
   * byte pieces are reached only by id. */
  if (type == VILA_PIECE_NORMAL || type == VILA_PIECE_USER_DEFINED || type == VILA_PIECE_UNUSED)
    {
      char *stored = g_ptr_array_index (self->pieces, id);

      vila_piece_table_insert (self->piece_ids, stored, piece_length, id);
    }
  else if (type == VILA_PIECE_BYTE)
    {
      int byte = vila_parse_byte_piece (g_ptr_array_index (self->pieces, id));

      if (byte >= 0)
        self->byte_ids[byte] = id;
    }
  return TRUE;
}

VilaTokenizer *
vila_spm_load (const char  *path,
               GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!(mapped = g_mapped_file_new (path, FALSE, &local_error)))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s: %s", path, local_error->message);
      return NULL;
    }
  return vila_spm_load_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                             g_mapped_file_get_length (mapped), path, error);
}

VilaTokenizer *
vila_spm_load_data (const guint8  *data,
                    gsize          length,
                    const char    *name,
                    GError       **error)
{
  const char *path = name;
  VilaTokenizer *self;
  SpmSpec spec = {
    .model_type = 1, .unk_id = 0, .bos_id = 1, .eos_id = 2, .pad_id = -1,
    .add_dummy_prefix = TRUE, .remove_extra_whitespaces = TRUE, .escape_whitespaces = TRUE,
  };
  Reader reader = { data, length, 0 };
  gboolean malformed = FALSE;
  gboolean ok = TRUE;
  const char *problem = NULL;
  Field f;

  self = vila_tokenizer_new_empty (VILA_TOKENIZER_SENTENCEPIECE);

  while (ok && read_field (&reader, &f, &malformed))
    {
      if (f.wire_type != 2)
        continue;
      if (f.field == 1)
        {
          if (self->pieces->len >= G_MAXINT32 / 2 ||
              !parse_piece (self, f.bytes, f.n_bytes, self->pieces->len))
            ok = FALSE, problem = "a vocabulary piece is malformed";
        }
      else if (f.field == 2 && !parse_trainer_spec (f.bytes, f.n_bytes, &spec))
        ok = FALSE, problem = "the trainer spec is malformed";
      else if (f.field == 3 && !parse_normalizer_spec (f.bytes, f.n_bytes, &spec))
        ok = FALSE, problem = "the normalizer spec is malformed";
    }

  if (ok && malformed)
    ok = FALSE, problem = "the file is truncated or not a SentencePiece model";
  else if (ok && self->pieces->len == 0)
    ok = FALSE, problem = "the model has no vocabulary";
  else if (ok && spec.model_type != 2)
    ok = FALSE, problem = spec.model_type == 1
      ? "this is a unigram model; VILA Chat reads SentencePiece BPE models only"
      : "the model type is not BPE";
  else if (ok && (spec.has_charsmap ||
                  (spec.normalizer_name && strcmp (spec.normalizer_name, "identity") != 0)))
    ok = FALSE, problem = "the model uses a normalization rule; only identity is supported";
  else if (ok && spec.treat_whitespace_as_suffix)
    ok = FALSE, problem = "treat_whitespace_as_suffix is not supported";
  else if (ok && (spec.unk_id < 0 || (guint) spec.unk_id >= self->pieces->len))
    ok = FALSE, problem = "the unknown-token id is outside the vocabulary";

  if (!ok)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT, "%s: %s", path, problem);
      g_free (spec.unk_surface);
      g_free (spec.normalizer_name);
      vila_tokenizer_unref (self);
      return NULL;
    }

  self->unk_id = spec.unk_id;
  self->bos_id = spec.bos_id >= 0 && (guint) spec.bos_id < self->pieces->len ? spec.bos_id : -1;
  self->eos_id = spec.eos_id >= 0 && (guint) spec.eos_id < self->pieces->len ? spec.eos_id : -1;
  self->pad_id = spec.pad_id >= 0 && (guint) spec.pad_id < self->pieces->len ? spec.pad_id : -1;
  self->byte_fallback = spec.byte_fallback;
  self->unk_surface = spec.unk_surface ? spec.unk_surface : g_strdup (" \xe2\x81\x87 ");
  g_free (spec.normalizer_name);

  for (guint i = 0; i < self->pieces->len; i++)
    {
      guint8 type = g_array_index (self->types, guint8, i);

      if (type == VILA_PIECE_CONTROL || type == VILA_PIECE_UNKNOWN)
        g_hash_table_add (self->special_ids, GINT_TO_POINTER (i));
      else if (type == VILA_PIECE_USER_DEFINED)
        {
          gint32 id = i;
          g_array_append_val (self->user_defined, id);
        }
    }

  /* transformers measures the unk token by encoding its text; the encoder
   * below relies on it (see _tokenize in tokenization_llama.py). */
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
    const char *unk = g_ptr_array_index (self->pieces, self->unk_id);

    vila_spm_encode_chunk (self, unk, strlen (unk), ids);
    self->unk_token_length = ids->len;
  }

  return self;
}

static gboolean
lookup_piece_pair (const VilaSymbol *left,
                   const VilaSymbol *right,
                   const char       *text,
                   gpointer          user_data,
                   double           *priority,
                   gint32           *merged_id)
{
  VilaTokenizer *self = user_data;
  gint32 id = vila_tokenizer_lookup (self, text + left->start, left->length + right->length);

  if (id < 0)
    return FALSE;
  /* Higher scores merge first. */
  *priority = -(double) g_array_index (self->scores, float, id);
  *merged_id = id;
  return TRUE;
}

/* The length of the longest user-defined piece at @text, 0 if none. */
static gsize
match_user_defined (VilaTokenizer *self,
                    const char    *text,
                    gsize          length)
{
  gsize best = 0;

  for (guint i = 0; i < self->user_defined->len; i++)
    {
      const char *piece = g_ptr_array_index (self->pieces, g_array_index (self->user_defined, gint32, i));
      gsize n = strlen (piece);

      if (n > best && n <= length && memcmp (piece, text, n) == 0)
        best = n;
    }
  return best;
}

static void
emit_symbol (VilaTokenizer *self,
             const char    *piece,
             gsize          length,
             gint32         id,
             gboolean      *previous_unknown,
             GArray        *ids)
{
  if (id >= 0)
    {
      g_array_append_val (ids, id);
      *previous_unknown = FALSE;
      return;
    }

  if (self->byte_fallback)
    {
      for (gsize i = 0; i < length; i++)
        {
          gint32 byte_id = self->byte_ids[(guint8) piece[i]];

          if (byte_id < 0)
            byte_id = self->unk_id;
          g_array_append_val (ids, byte_id);
        }
      return;
    }

  /* Without byte fallback, a run of unknown pieces is one <unk>. */
  if (!*previous_unknown)
    g_array_append_val (ids, self->unk_id);
  *previous_unknown = TRUE;
}

/* Encodes one run of text with the model alone: spaces become "▁", no
 * dummy prefix (transformers turns it off for legacy=False), then BPE. */
static void
encode_normalized (VilaTokenizer *self,
                   const char    *text,
                   gsize          length,
                   GArray        *ids)
{
  g_autoptr(GString) normalized = g_string_sized_new (length + length / 2);
  g_autoptr(GArray) symbols = NULL;
  gboolean previous_unknown = FALSE;
  gboolean has_user_defined = self->user_defined->len > 0;

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == ' ')
        g_string_append_len (normalized, SPACE_SYMBOL, SPACE_SYMBOL_LENGTH);
      else
        g_string_append_c (normalized, text[i]);
    }

  symbols = g_array_sized_new (FALSE, FALSE, sizeof (VilaSymbol), normalized->len);
  for (gsize i = 0; i < normalized->len;)
    {
      VilaSymbol symbol = { .start = i, .prev = (gint) symbols->len - 1, .next = -1 };
      gsize n = has_user_defined ? match_user_defined (self, normalized->str + i, normalized->len - i) : 0;

      if (n > 0)
        symbol.frozen = TRUE;
      else
        {
          /* One UTF-8 character; the input was validated. */
          n = g_utf8_next_char (normalized->str + i) - (normalized->str + i);
          n = MIN (n, normalized->len - i);
        }
      symbol.length = n;
      symbol.id = vila_tokenizer_lookup (self, normalized->str + i, n);
      if (symbols->len > 0)
        g_array_index (symbols, VilaSymbol, symbols->len - 1).next = symbols->len;
      g_array_append_val (symbols, symbol);
      i += n;
    }

  vila_merge_symbols (symbols, normalized->str, lookup_piece_pair, self);

  for (gint i = symbols->len > 0 ? 0 : -1; i >= 0; i = g_array_index (symbols, VilaSymbol, i).next)
    {
      const VilaSymbol *symbol = &g_array_index (symbols, VilaSymbol, i);

      emit_symbol (self, normalized->str + symbol->start, symbol->length, symbol->id,
                   &previous_unknown, ids);
    }
}

void
vila_spm_encode_chunk (VilaTokenizer *self,
                       const char    *text,
                       gsize          length,
                       GArray        *ids)
{
  const char *unk;
  g_autoptr(GString) with_unk = NULL;
  guint first = ids->len;

  /* transformers' LlamaTokenizer._tokenize: a chunk that starts with a
   * space is encoded behind the unk token's text, whose pieces are then
   * dropped, so that the space stays a "▁" of the first word without a
   * dummy prefix being added. */
  if (length == 0 ||
      !(text[0] == ' ' || (length >= SPACE_SYMBOL_LENGTH && memcmp (text, SPACE_SYMBOL, SPACE_SYMBOL_LENGTH) == 0)) ||
      self->unk_token_length == 0)
    {
      encode_normalized (self, text, length, ids);
      return;
    }

  unk = g_ptr_array_index (self->pieces, self->unk_id);
  with_unk = g_string_new (unk);
  g_string_append_len (with_unk, text, length);
  encode_normalized (self, with_unk->str, with_unk->len, ids);
  if (ids->len - first >= self->unk_token_length)
    g_array_remove_range (ids, first, self->unk_token_length);
}

/* Appends bytes gathered from <0xXX> pieces; invalid UTF-8 becomes one
 * U+FFFD per bad byte, as SentencePiece's decoder does. */
static void
flush_bytes (GString *bytes,
             GString *out)
{
  const char *p = bytes->str;
  const char *end = bytes->str + bytes->len;

  while (p < end)
    {
      const char *valid_end;

      if (g_utf8_validate_len (p, end - p, &valid_end))
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, valid_end - p);
      /* GLib calls NUL invalid. The reference decodes it as U+0000, which
       * a C string cannot hold; it is dropped (see vila_tokenizer_decode). */
      if (*valid_end != '\0')
        g_string_append (out, "\xef\xbf\xbd");
      p = valid_end + 1;
    }
  g_string_truncate (bytes, 0);
}

/* sp_model.decode() of a run of pieces: "▁" as space, bytes joined,
 * unknown as the unk surface, control pieces as nothing. */
static void
decode_pieces (VilaTokenizer *self,
               const gint32  *ids,
               gsize          n_ids,
               gboolean       strip_first_space,
               GString       *out)
{
  g_autoptr(GString) bytes = g_string_new (NULL);

  for (gsize i = 0; i < n_ids; i++)
    {
      gint32 id = ids[i];
      guint8 type = g_array_index (self->types, guint8, id);
      const char *piece = g_ptr_array_index (self->pieces, id);

      if (type == VILA_PIECE_BYTE)
        {
          int byte = vila_parse_byte_piece (piece);

          if (byte >= 0)
            g_string_append_c (bytes, (char) byte);
          continue;
        }
      flush_bytes (bytes, out);

      if (type == VILA_PIECE_CONTROL)
        continue;
      if (type == VILA_PIECE_UNKNOWN)
        {
          g_string_append (out, self->unk_surface);
          continue;
        }
      if (i == 0 && strip_first_space && g_str_has_prefix (piece, SPACE_SYMBOL))
        {
          /* transformers strips the "▁" from the piece's text and hands the
           * rest to SentencePiece, which writes a string it does not know as
           * it is, "▁" and all, and decodes one it knows by its type. */
          gint32 stripped_id = vila_tokenizer_piece_to_id (self, piece + SPACE_SYMBOL_LENGTH);

          if (stripped_id < 0)
            {
              g_string_append (out, piece + SPACE_SYMBOL_LENGTH);
              continue;
            }
          if (stripped_id != id)
            {
              decode_pieces (self, &stripped_id, 1, FALSE, out);
              continue;
            }
        }
      for (const char *p = piece; *p;)
        {
          if (g_str_has_prefix (p, SPACE_SYMBOL))
            {
              g_string_append_c (out, ' ');
              p += SPACE_SYMBOL_LENGTH;
            }
          else
            g_string_append_c (out, *p++);
        }
    }
  flush_bytes (bytes, out);
}

/* LlamaTokenizer.convert_tokens_to_string (legacy=False): the first
 * token's "▁" goes, special tokens are written as themselves and split the
 * runs that SentencePiece decodes. */
void
vila_spm_decode (VilaTokenizer *self,
                 const gint32  *ids,
                 gsize          n_ids,
                 gboolean       skip_special,
                 gboolean       at_start,
                 GString       *out)
{
  g_autoptr(GArray) run = g_array_new (FALSE, FALSE, sizeof (gint32));
  gboolean first = at_start;
  gboolean run_has_first = FALSE;

  for (gsize i = 0; i < n_ids; i++)
    {
      gint32 id = ids[i];

      if (id < 0 || (guint) id >= self->pieces->len || g_ptr_array_index (self->pieces, id) == NULL)
        continue;
      if (vila_tokenizer_is_special (self, id))
        {
          if (skip_special)
            continue;
          decode_pieces (self, (const gint32 *) (void *) run->data, run->len, run_has_first, out);
          g_array_set_size (run, 0);
          run_has_first = FALSE;
          /* The first token may be special: its text has no "▁" to strip. */
          g_string_append (out, g_ptr_array_index (self->pieces, id));
          first = FALSE;
          continue;
        }
      if (first)
        run_has_first = TRUE;
      first = FALSE;
      g_array_append_val (run, id);
    }
  decode_pieces (self, (const gint32 *) (void *) run->data, run->len, run_has_first, out);
}
