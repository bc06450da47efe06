/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Hugging Face tokenizer files with a byte-level BPE model: tokenizer.json
 * (Llama-3, Qwen2) and Qwen2's vocab.json + merges.txt. Every component of
 * tokenizer.json that we do not run exactly is refused by name rather than
 * guessed at.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "json-flat.h"
#include "cpu-kernels.h"
#include "tokenizer-bpe.h"
#include "vila-private.h"

#define MAX_VOCABULARY (1 << 22)   /* 4M ids: far above any real vocabulary */

/* Every problem in these files is a broken checkpoint. */
#define fail(error, file, ...) vila_file_error ((error), VILA_ERROR_INVALID_CHECKPOINT, (file), __VA_ARGS__)

static JsonNode *
parse_json_data (const char  *data,
                 gsize        length,
                 const char  *path,
                 JsonParser **out_parser,
                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      fail (error, path, "the file is not UTF-8 text");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      fail (error, path, "%s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, path, "expected a JSON object");
      return NULL;
    }
  *out_parser = g_steal_pointer (&parser);
  return root;
}

/* Maps @path and hands its bytes to @parse. */
static GMappedFile *
map_file (const char  *path,
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND, "%s: %s", path, local_error->message);
  return mapped;
}

static const char *
member_type (JsonObject *object)
{
  JsonNode *type = json_object_get_member (object, "type");

  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) || json_node_get_value_type (type) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (type);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
member_is_null_or_empty (JsonObject *object,
                         const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ||
         (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          *json_node_get_string (node) == '\0');
}

static gboolean
finish_vocab (VilaTokenizer *self,
              const char    *path,
              GError       **error)
{
  if (self->pieces->len == 0)
    return fail (error, path, "the vocabulary is empty");
  vila_tokenizer_index_pieces (self);

  /* Byte fallback looks bytes up as "<0xXX>" pieces. */
  for (guint b = 0; b < 256; b++)
    {
      char name[8];

      g_snprintf (name, sizeof name, "<0x%02X>", b);
      self->byte_ids[b] = vila_tokenizer_lookup (self, name, 6);
    }
  return TRUE;
}

typedef struct {
  VilaTokenizer *self;
  const char    *path;
} VocabReader;

static gboolean
add_vocab_entry (const char  *key,
                 gsize        key_length,
                 gint64       id,
                 gpointer     user_data,
                 GError     **error)
{
  VocabReader *reader = user_data;

  if (id < 0 || id >= MAX_VOCABULARY)
    return fail (error, reader->path, "the id %" G_GINT64_FORMAT " is out of range", id);
  if (key_length == 0 || memchr (key, '\0', key_length) != NULL)
    return fail (error, reader->path, "a piece is empty or holds U+0000");
  if (vila_tokenizer_get_piece (reader->self, (gint32) id) != NULL)
    return fail (error, reader->path, "the id %" G_GINT64_FORMAT " is given to two pieces", id);
  vila_tokenizer_add_piece (reader->self, (gint32) id, key, key_length);
  return TRUE;
}

static gboolean
read_vocab (VilaTokenizer *self,
            JsonObject    *vocab,
            const char    *path,
            GError       **error)
{
  g_autoptr(GList) members = json_object_get_members (vocab);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (vocab, l->data);
      gint64 id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        return fail (error, path, "the id of “%s” is not a number", (const char *) l->data);
      id = json_node_get_int (node);
      if (id < 0 || id >= MAX_VOCABULARY)
        return fail (error, path, "the id %" G_GINT64_FORMAT " is out of range", id);
      if (vila_tokenizer_get_piece (self, (gint32) id) != NULL)
        return fail (error, path, "the id %" G_GINT64_FORMAT " is given to two pieces", id);
      vila_tokenizer_add_piece (self, (gint32) id, l->data, strlen (l->data));
    }
  return finish_vocab (self, path, error);
}

/* A merge as text: its two halves. */
typedef struct {
  const char *left;
  const char *right;
  guint32     left_length;
  guint32     right_length;
} MergeText;

static gboolean
merge_failed (const MergeText *m,
              guint32          rank,
              const char      *path,
              GError         **error)
{
  /* Every piece is UTF-8, so text that is not can never be one. */
  if (!g_utf8_validate_len (m->left, m->left_length, NULL) || !g_utf8_validate_len (m->right, m->right_length, NULL))
    return fail (error, path, "merge %u is not UTF-8 text", rank + 1);
  return fail (error, path, "merge %u (“%.*s” + “%.*s”) uses a piece that is not in the vocabulary",
               rank + 1, (int) MIN (m->left_length, 64), m->left, (int) MIN (m->right_length, 64), m->right);
}

typedef struct {
  const VilaPieceTable *table;
  const char          **keys;
  const guint32        *lengths;
  gint32               *ids;
} LookupJob;

static void
lookup_range (gpointer data,
              gsize    first,
              gsize    last)
{
  LookupJob *job = data;

  vila_piece_table_lookup_many (job->table, job->keys + first, job->lengths + first, last - first, job->ids + first);
}

/* Merges looked up this many at a time: the keys of a chunk (about a
 * megabyte) stay in the cache and are made again in the same memory,
 * where all 150k at once took 10 MB of fresh pages. */
enum { MERGE_CHUNK = 16384 };

/* Merges of ranks @first_rank on: both halves and their concatenation
 * must be in the vocabulary. The three lookups of each miss the cache in
 * a vocabulary of megabytes, so they go in batches: every key hashed and
 * its slot prefetched, then looked up while the memory arrives. */
static gboolean
add_merges (VilaTokenizer   *self,
            const MergeText *merges,
            guint            n,
            guint32          first_rank,
            const char      *path,
            GError         **error)
{
  gsize capacity = 3 * (gsize) MAX (MIN (n, MERGE_CHUNK), 1);
  g_autofree const char **keys = g_new (const char *, capacity);
  g_autofree guint32 *lengths = g_new (guint32, capacity);
  g_autofree gint32 *ids = g_new (gint32, capacity);
  g_autofree char *joined = NULL;
  gsize joined_size = 0;
  LookupJob job = { self->piece_ids, keys, lengths, ids };

  vila_tokenizer_index_pieces (self);
  for (guint chunk = 0; chunk < n; chunk += MERGE_CHUNK)
    {
      guint count = MIN (MERGE_CHUNK, n - chunk);
      const MergeText *part = merges + chunk;
      gsize total = 0;

      for (guint i = 0; i < count; i++)
        total += (gsize) part[i].left_length + part[i].right_length;
      if (total > joined_size)
        {
          joined_size = MAX (total, 2 * joined_size);
          joined = g_realloc (joined, joined_size);
        }
      total = 0;
      for (guint i = 0; i < count; i++)
        {
          const MergeText *m = &part[i];

          keys[3 * i] = m->left;
          lengths[3 * i] = m->left_length;
          keys[3 * i + 1] = m->right;
          lengths[3 * i + 1] = m->right_length;
          memcpy (joined + total, m->left, m->left_length);
          memcpy (joined + total + m->left_length, m->right, m->right_length);
          keys[3 * i + 2] = joined + total;
          lengths[3 * i + 2] = m->left_length + m->right_length;
          total += lengths[3 * i + 2];
        }
      /* The table is only read now: the lookups share out over the cores. */
      vila_cpu_parallel_for (3 * (gsize) count, 3 * 4096, lookup_range, &job);

      for (guint start = 0; start < count; start += 64)
        {
          guint batch = MIN (64, count - start);

          for (guint i = start; i < start + batch; i++)
            {
              if (ids[3 * i] < 0 || ids[3 * i + 1] < 0 || ids[3 * i + 2] < 0)
                return merge_failed (&part[i], first_rank + chunk + i, path, error);
              vila_bpe_prefetch_merge (self->bpe, ids[3 * i], ids[3 * i + 1]);
            }
          /* tokenizers keeps the first rank of a repeated merge. */
          for (guint i = start; i < start + batch; i++)
            vila_bpe_add_merge (self->bpe, ids[3 * i], ids[3 * i + 1], first_rank + chunk + i, ids[3 * i + 2]);
        }
    }
  return TRUE;
}

/* A merge is "left right" (merges.txt and older tokenizer.json) or
 * ["left", "right"] (tokenizers 0.20 and later). */
static gboolean
split_merge_line (const char  *line,
                  gsize        length,
                  guint32      rank,
                  MergeText   *out,
                  const char  *path,
                  GError     **error)
{
  const char *space = memchr (line, ' ', length);

  if (space == NULL || space == line || space + 1 == line + length ||
      memchr (space + 1, ' ', line + length - space - 1) != NULL || length > G_MAXUINT32)
    return fail (error, path, "merge %u is not two pieces separated by one space", rank + 1);
  *out = (MergeText) { line, space + 1, space - line, line + length - space - 1 };
  return TRUE;
}

static gboolean
read_json_merges (VilaTokenizer *self,
                  JsonArray     *merges,
                  const char    *path,
                  GError       **error)
{
  guint n = json_array_get_length (merges);
  g_autofree MergeText *texts = g_new (MergeText, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (merges, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *line = json_node_get_string (node);

          if (!split_merge_line (line, strlen (line), i, &texts[i], path, error))
            return FALSE;
        }
      else if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 2)
        {
          JsonArray *pair = json_node_get_array (node);
          JsonNode *a = json_array_get_element (pair, 0), *b = json_array_get_element (pair, 1);

          if (!JSON_NODE_HOLDS_VALUE (a) || json_node_get_value_type (a) != G_TYPE_STRING ||
              !JSON_NODE_HOLDS_VALUE (b) || json_node_get_value_type (b) != G_TYPE_STRING)
            return fail (error, path, "merge %u is not a pair of strings", i + 1);
          texts[i].left = json_node_get_string (a);
          texts[i].right = json_node_get_string (b);
          texts[i].left_length = strlen (texts[i].left);
          texts[i].right_length = strlen (texts[i].right);
        }
      else
        return fail (error, path, "merge %u is neither a string nor a pair", i + 1);
    }
  vila_bpe_reserve (self->bpe, n);
  return add_merges (self, texts, n, 0, path, error);
}

/* A tokenizer.json's vocabulary and merges, left out of the tree that
 * json-glib builds for the rest: read straight from the text. */
typedef struct {
  const char *vocab;
  gsize       vocab_length;
  const char *merges;
  gsize       merges_length;
} CarvedModel;

/* Merges as the flat reader hands them over, kept in one arena. */
typedef struct {
  GByteArray *arena;
  GArray     *spans;     /* MergeSpan */
  const char *path;
} MergeCollector;

typedef struct {
  gsize   left, right;   /* offsets in the arena */
  guint32 left_length, right_length;
} MergeSpan;

static gboolean
collect_merge (const char  *left,
               gsize        left_length,
               const char  *right,
               gsize        right_length,
               gpointer     user_data,
               GError     **error)
{
  MergeCollector *c = user_data;
  MergeSpan span;

  if (right == NULL)
    {
      MergeText split;

      if (!split_merge_line (left, left_length, c->spans->len, &split, c->path, error))
        return FALSE;
      left = split.left, left_length = split.left_length;
      right = split.right, right_length = split.right_length;
    }
  if (left_length > G_MAXUINT32 || right_length > G_MAXUINT32)
    return fail (error, c->path, "merge %u is too long", c->spans->len + 1);
  span = (MergeSpan) { c->arena->len, c->arena->len + left_length, left_length, right_length };
  g_byte_array_append (c->arena, (const guint8 *) left, left_length);
  g_byte_array_append (c->arena, (const guint8 *) right, right_length);
  g_array_append_val (c->spans, span);
  return TRUE;
}

static gboolean
read_carved_model (VilaTokenizer     *self,
                   const CarvedModel *carved,
                   const char        *path,
                   GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GByteArray) arena = g_byte_array_new ();
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (MergeSpan));
  g_autofree MergeText *texts = NULL;
  VocabReader reader = { self, path };
  MergeCollector collector = { arena, spans, path };

  vila_piece_table_reserve (self->piece_ids, carved->vocab_length / 32);
  if (!vila_json_flat_parse (carved->vocab, carved->vocab_length, add_vocab_entry, &reader, &local_error) ||
      !vila_json_flat_parse_merges (carved->merges, carved->merges_length, collect_merge, &collector, &local_error))
    {
      if (local_error->domain == VILA_ERROR && !g_str_has_prefix (local_error->message, path))
        return fail (error, path, "%s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!finish_vocab (self, path, error))
    return FALSE;

  texts = g_new (MergeText, MAX (spans->len, 1));
  for (guint i = 0; i < spans->len; i++)
    {
      const MergeSpan *span = &g_array_index (spans, MergeSpan, i);

      texts[i] = (MergeText) { (const char *) arena->data + span->left, (const char *) arena->data + span->right,
                               span->left_length, span->right_length };
    }
  vila_bpe_reserve (self->bpe, spans->len);
  return add_merges (self, texts, spans->len, 0, path, error);
}

static gboolean
read_model (VilaTokenizer     *self,
            JsonObject        *model,
            const CarvedModel *carved,
            const char        *path,
            GError           **error)
{
  const char *type = member_type (model);
  JsonObject *vocab = object_member (model, "vocab");
  JsonNode *merges = json_object_get_member (model, "merges");
  JsonNode *unk = json_object_get_member (model, "unk_token");

  if (g_strcmp0 (type, "BPE") != 0)
    return fail (error, path, "the model type “%s” is not supported (only BPE)", type ? type : "(none)");
  if (!member_is_null_or_empty (model, "dropout") && json_object_get_double_member_with_default (model, "dropout", 0) != 0)
    return fail (error, path, "BPE dropout is not supported");
  if (!member_is_null_or_empty (model, "continuing_subword_prefix") ||
      !member_is_null_or_empty (model, "end_of_word_suffix"))
    return fail (error, path, "subword prefixes and suffixes are not supported");
  if (vocab == NULL || merges == NULL || !JSON_NODE_HOLDS_ARRAY (merges))
    return fail (error, path, "the BPE model lacks its vocab or merges");

  self->bpe->ignore_merges = json_object_get_boolean_member_with_default (model, "ignore_merges", FALSE);
  self->bpe->byte_fallback = json_object_get_boolean_member_with_default (model, "byte_fallback", FALSE);
  self->bpe->fuse_unk = json_object_get_boolean_member_with_default (model, "fuse_unk", FALSE);
  if (carved != NULL ? !read_carved_model (self, carved, path, error)
                     : (!read_vocab (self, vocab, path, error) ||
                        !read_json_merges (self, json_node_get_array (merges), path, error)))
    return FALSE;

  if (unk != NULL && JSON_NODE_HOLDS_VALUE (unk) && json_node_get_value_type (unk) == G_TYPE_STRING)
    self->unk_id = vila_tokenizer_piece_to_id (self, json_node_get_string (unk));
  return TRUE;
}

/* A Replace pattern: only plain strings ({"String": ...}), not regexes. */
static const char *
replace_pattern (JsonObject *step)
{
  JsonObject *pattern = object_member (step, "pattern");

  return pattern ? json_object_get_string_member_with_default (pattern, "String", NULL) : NULL;
}

static gboolean
read_normalizer (VilaTokenizer *self,
                 JsonNode      *node,
                 const char    *path,
                 GError       **error)
{
  JsonObject *normalizer;
  const char *type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "the normalizer is not an object");

  normalizer = json_node_get_object (node);
  type = member_type (normalizer);
  if (g_strcmp0 (type, "NFC") == 0)
    {
      vila_bpe_add_step (self->bpe->normalizers, VILA_STEP_NFC, NULL, NULL, 0, 0);
      return TRUE;
    }
  if (g_strcmp0 (type, "Prepend") == 0)
    {
      const char *prepend = json_object_get_string_member_with_default (normalizer, "prepend", NULL);

      if (prepend == NULL)
        return fail (error, path, "the Prepend normalizer has no text");
      vila_bpe_add_step (self->bpe->normalizers, VILA_STEP_PREPEND, prepend, NULL, 0, 0);
      return TRUE;
    }
  if (g_strcmp0 (type, "Replace") == 0)
    {
      const char *pattern = replace_pattern (normalizer);
      const char *content = json_object_get_string_member_with_default (normalizer, "content", NULL);

      if (pattern == NULL || *pattern == '\0' || content == NULL)
        return fail (error, path, "only Replace normalizers of a plain string are supported");
      vila_bpe_add_step (self->bpe->normalizers, VILA_STEP_REPLACE, pattern, content, 0, 0);
      return TRUE;
    }
  if (g_strcmp0 (type, "Sequence") == 0)
    {
      JsonNode *list = json_object_get_member (normalizer, "normalizers");

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        return fail (error, path, "the normalizer sequence has no list");
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        if (!read_normalizer (self, json_array_get_element (json_node_get_array (list), i), path, error))
          return FALSE;
      return TRUE;
    }
  return fail (error, path, "the normalizer “%s” is not supported", type ? type : "(none)");
}

static gboolean
read_prepend_scheme (JsonObject        *object,
                     VilaPrependScheme *scheme)
{
  const char *name = json_object_get_string_member_with_default (object, "prepend_scheme", NULL);

  /* Older files say add_prefix_space instead. */
  if (name == NULL)
    *scheme = json_object_get_boolean_member_with_default (object, "add_prefix_space", TRUE)
              ? VILA_PREPEND_ALWAYS : VILA_PREPEND_NEVER;
  else if (strcmp (name, "always") == 0)
    *scheme = VILA_PREPEND_ALWAYS;
  else if (strcmp (name, "first") == 0)
    *scheme = VILA_PREPEND_FIRST;
  else if (strcmp (name, "never") == 0)
    *scheme = VILA_PREPEND_NEVER;
  else
    return FALSE;
  return TRUE;
}

static gboolean
read_pre_tokenizer (VilaTokenizer *self,
                    JsonNode      *node,
                    gboolean      *seen_byte_level,
                    const char    *path,
                    GError       **error)
{
  JsonObject *pre;
  const char *type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "the pre-tokenizer is not an object");

  pre = json_node_get_object (node);
  type = member_type (pre);
  if (g_strcmp0 (type, "Sequence") == 0)
    {
      JsonNode *list = json_object_get_member (pre, "pretokenizers");

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        return fail (error, path, "the pre-tokenizer sequence has no list");
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        if (!read_pre_tokenizer (self, json_array_get_element (json_node_get_array (list), i),
                                 seen_byte_level, path, error))
          return FALSE;
      return TRUE;
    }
  if (g_strcmp0 (type, "Split") == 0)
    {
      JsonObject *pattern = object_member (pre, "pattern");
      const char *regex = pattern ? json_object_get_string_member_with_default (pattern, "Regex", NULL) : NULL;
      const char *behavior = json_object_get_string_member_with_default (pre, "behavior", "");

      if (regex == NULL)
        return fail (error, path, "only regex Split pre-tokenizers are supported");
      if (strcmp (behavior, "Isolated") != 0 || json_object_get_boolean_member_with_default (pre, "invert", FALSE))
        return fail (error, path, "the Split behavior “%s” is not supported (only Isolated)", behavior);
      if (self->bpe->split != NULL || *seen_byte_level)
        return fail (error, path, "only one Split, before ByteLevel, is supported");
      if (!vila_bpe_set_pattern (self->bpe, regex, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
      return TRUE;
    }
  if (g_strcmp0 (type, "Metaspace") == 0)
    {
      const char *replacement = json_object_get_string_member_with_default (pre, "replacement", NULL);

      if (replacement == NULL || *replacement == '\0' ||
          !read_prepend_scheme (pre, &self->bpe->metaspace_prepend))
        return fail (error, path, "the Metaspace pre-tokenizer is malformed");
      if (self->bpe->split != NULL || *seen_byte_level || self->bpe->metaspace)
        return fail (error, path, "Metaspace combined with other pre-tokenizers is not supported");
      self->bpe->metaspace = TRUE;
      g_free (self->bpe->metaspace_replacement);
      self->bpe->metaspace_replacement = g_strdup (replacement);
      self->bpe->metaspace_split = json_object_get_boolean_member_with_default (pre, "split", TRUE);
      return TRUE;
    }
  if (g_strcmp0 (type, "ByteLevel") == 0)
    {
      if (self->bpe->metaspace)
        return fail (error, path, "Metaspace combined with other pre-tokenizers is not supported");
      *seen_byte_level = TRUE;
      self->bpe->byte_level = TRUE;
      self->bpe->add_prefix_space = json_object_get_boolean_member_with_default (pre, "add_prefix_space", FALSE);
      if (json_object_get_boolean_member_with_default (pre, "use_regex", TRUE))
        {
          if (self->bpe->split != NULL)
            return fail (error, path, "ByteLevel with use_regex after a Split is not supported");
          if (!vila_bpe_set_pattern (self->bpe, VILA_GPT2_PATTERN, error))
            {
              g_prefix_error (error, "%s: ", path);
              return FALSE;
            }
        }
      return TRUE;
    }
  return fail (error, path, "the pre-tokenizer “%s” is not supported", type ? type : "(none)");
}

static gboolean
read_decoder (VilaTokenizer *self,
              JsonNode      *node,
              const char    *path,
              GError       **error)
{
  GArray *steps = self->bpe->decoders;
  JsonObject *decoder;
  const char *type;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "there is no decoder");
  decoder = json_node_get_object (node);
  type = member_type (decoder);

  if (g_strcmp0 (type, "Sequence") == 0)
    {
      JsonNode *list = json_object_get_member (decoder, "decoders");

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        return fail (error, path, "the decoder sequence has no list");
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        if (!read_decoder (self, json_array_get_element (json_node_get_array (list), i), path, error))
          return FALSE;
      return TRUE;
    }
  if (g_strcmp0 (type, "ByteLevel") == 0)
    vila_bpe_add_step (steps, VILA_STEP_BYTE_LEVEL, NULL, NULL, 0, 0);
  else if (g_strcmp0 (type, "ByteFallback") == 0)
    vila_bpe_add_step (steps, VILA_STEP_BYTE_FALLBACK, NULL, NULL, 0, 0);
  else if (g_strcmp0 (type, "Fuse") == 0)
    vila_bpe_add_step (steps, VILA_STEP_FUSE, NULL, NULL, 0, 0);
  else if (g_strcmp0 (type, "Replace") == 0)
    {
      const char *pattern = replace_pattern (decoder);
      const char *content = json_object_get_string_member_with_default (decoder, "content", NULL);

      if (pattern == NULL || *pattern == '\0' || content == NULL)
        return fail (error, path, "only Replace decoders of a plain string are supported");
      vila_bpe_add_step (steps, VILA_STEP_REPLACE, pattern, content, 0, 0);
    }
  else if (g_strcmp0 (type, "Strip") == 0)
    {
      const char *content = json_object_get_string_member_with_default (decoder, "content", NULL);
      gint64 start = json_object_get_int_member_with_default (decoder, "start", 0);
      gint64 stop = json_object_get_int_member_with_default (decoder, "stop", 0);

      if (content == NULL || start < 0 || stop < 0 || start > 1024 || stop > 1024)
        return fail (error, path, "the Strip decoder is malformed");
      vila_bpe_add_step (steps, VILA_STEP_STRIP, content, NULL, start, stop);
    }
  else if (g_strcmp0 (type, "Metaspace") == 0)
    {
      const char *replacement = json_object_get_string_member_with_default (decoder, "replacement", NULL);
      VilaPrependScheme scheme;

      if (replacement == NULL || *replacement == '\0' || !read_prepend_scheme (decoder, &scheme))
        return fail (error, path, "the Metaspace decoder is malformed");
      vila_bpe_add_step (steps, VILA_STEP_METASPACE, replacement, NULL, scheme, 0);
    }
  else
    return fail (error, path, "the decoder “%s” is not supported", type ? type : "(none)");
  return TRUE;
}

/* Special tokens around $A in a TemplateProcessing "single" template. */
static gboolean
read_post_processor (VilaTokenizer *self,
                     JsonNode      *node,
                     const char    *path,
                     GError       **error)
{
  JsonObject *processor;
  const char *type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "the post-processor is not an object");

  processor = json_node_get_object (node);
  type = member_type (processor);
  if (g_strcmp0 (type, "ByteLevel") == 0)
    return TRUE;   /* offsets only */
  if (g_strcmp0 (type, "Sequence") == 0)
    {
      JsonNode *list = json_object_get_member (processor, "processors");

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        return fail (error, path, "the post-processor sequence has no list");
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        if (!read_post_processor (self, json_array_get_element (json_node_get_array (list), i), path, error))
          return FALSE;
      return TRUE;
    }
  if (g_strcmp0 (type, "TemplateProcessing") == 0)
    {
      JsonNode *single = json_object_get_member (processor, "single");
      gboolean after_text = FALSE;
      JsonArray *items;

      if (single == NULL || !JSON_NODE_HOLDS_ARRAY (single))
        return fail (error, path, "the template has no “single” list");
      items = json_node_get_array (single);
      g_array_set_size (self->prefix_ids, 0);
      g_array_set_size (self->suffix_ids, 0);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonNode *item_node = json_array_get_element (items, i);
          JsonObject *item = JSON_NODE_HOLDS_OBJECT (item_node) ? json_node_get_object (item_node) : NULL;
          JsonObject *special = item ? object_member (item, "SpecialToken") : NULL;
          const char *content;
          gint32 id;

          if (item != NULL && object_member (item, "Sequence") != NULL)
            {
              after_text = TRUE;
              continue;
            }
          content = special ? json_object_get_string_member_with_default (special, "id", NULL) : NULL;
          id = content ? vila_tokenizer_piece_to_id (self, content) : -1;
          if (id < 0)
            return fail (error, path, "the template names a token that is not in the vocabulary");
          g_array_append_val (after_text ? self->suffix_ids : self->prefix_ids, id);
        }
      return TRUE;
    }
  return fail (error, path, "the post-processor “%s” is not supported", type ? type : "(none)");
}

static gboolean
read_added_tokens (VilaTokenizer *self,
                   JsonNode      *node,
                   const char    *path,
                   GError       **error)
{
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, path, "added_tokens is not a list");

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *entry_node = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (entry_node) ? json_node_get_object (entry_node) : NULL;
      const char *content = entry ? json_object_get_string_member_with_default (entry, "content", NULL) : NULL;
      gint64 id = entry ? json_object_get_int_member_with_default (entry, "id", -1) : -1;

      if (content == NULL || *content == '\0' || id < 0 || id >= MAX_VOCABULARY)
        return fail (error, path, "added token %u is malformed", i + 1);
      vila_tokenizer_add_added (self, &(VilaAddedToken) {
        .content = (char *) content,
        .length = strlen (content),
        .id = (gint32) id,
        .special = json_object_get_boolean_member_with_default (entry, "special", FALSE),
        .lstrip = json_object_get_boolean_member_with_default (entry, "lstrip", FALSE),
        .rstrip = json_object_get_boolean_member_with_default (entry, "rstrip", FALSE),
        .single_word = json_object_get_boolean_member_with_default (entry, "single_word", FALSE),
        .normalized = json_object_get_boolean_member_with_default (entry, "normalized", FALSE),
      });
    }
  return TRUE;
}

VilaTokenizer *
vila_hf_json_load (const char  *path,
                   GError     **error)
{
  g_autoptr(GMappedFile) mapped = map_file (path, error);

  if (mapped == NULL)
    return NULL;
  return vila_hf_json_load_data (g_mapped_file_get_contents (mapped),
                                 g_mapped_file_get_length (mapped), path, error);
}

VilaTokenizer *
vila_hf_json_load_data (const char  *data,
                        gsize        length,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(VilaTokenizer) self = NULL;
  g_autofree char *rest = NULL;
  CarvedModel carved = { 0 };
  gsize vocab_start, vocab_end, merges_start, merges_end;
  JsonNode *root;
  JsonObject *object, *model;
  gboolean seen_byte_level = FALSE;

  /* Nine tenths of a 150k-token tokenizer.json are model.vocab and
   * model.merges: those go to the flat readers (milliseconds), the rest,
   * with {} and [] in their place, to json-glib (a tree of them would
   * take half a second). */
  if (vila_json_flat_find (data, length, "model", "vocab", &vocab_start, &vocab_end) &&
      vila_json_flat_find (data, length, "model", "merges", &merges_start, &merges_end) &&
      data[vocab_start] == '{' && data[merges_start] == '[')
    {
      gboolean vocab_first = vocab_start < merges_start;
      gsize first_start = vocab_first ? vocab_start : merges_start, first_end = vocab_first ? vocab_end : merges_end;
      gsize second_start = vocab_first ? merges_start : vocab_start, second_end = vocab_first ? merges_end : vocab_end;
      GString *text = g_string_sized_new (length - (first_end - first_start) - (second_end - second_start) + 8);

      g_string_append_len (text, data, first_start);
      g_string_append (text, vocab_first ? "{}" : "[]");
      g_string_append_len (text, data + first_end, second_start - first_end);
      g_string_append (text, vocab_first ? "[]" : "{}");
      g_string_append_len (text, data + second_end, length - second_end);
      carved = (CarvedModel) { data + vocab_start, vocab_end - vocab_start, data + merges_start, merges_end - merges_start };
      length = text->len;
      data = rest = g_string_free (text, FALSE);
    }

  root = parse_json_data (data, length, path, &parser, error);
  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);

  self = vila_tokenizer_new_empty (VILA_TOKENIZER_HF_JSON);
  self->bpe = vila_bpe_new ();

  if ((model = object_member (object, "model")) == NULL)
    {
      fail (error, path, "there is no model");
      return NULL;
    }
  if (!read_model (self, model, carved.vocab != NULL ? &carved : NULL, path, error) ||
      !read_normalizer (self, json_object_get_member (object, "normalizer"), path, error) ||
      !read_pre_tokenizer (self, json_object_get_member (object, "pre_tokenizer"), &seen_byte_level, path, error) ||
      !read_decoder (self, json_object_get_member (object, "decoder"), path, error) ||
      !read_added_tokens (self, json_object_get_member (object, "added_tokens"), path, error) ||
      !read_post_processor (self, json_object_get_member (object, "post_processor"), path, error))
    return NULL;

  /* Byte-level BPE needs its decoder to turn characters back into bytes;
   * without one its output would be the stand-in characters. */
  if (self->bpe->byte_level)
    {
      gboolean decodes_bytes = FALSE;

      for (guint i = 0; i < self->bpe->decoders->len; i++)
        decodes_bytes |= g_array_index (self->bpe->decoders, VilaStep, i).kind == VILA_STEP_BYTE_LEVEL;
      if (!decodes_bytes)
        {
          fail (error, path, "a ByteLevel pre-tokenizer needs a ByteLevel decoder");
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* Qwen2Tokenizer: vocab.json, merges.txt and added_tokens.json, with the
 * regex and NFC normalization that its code (not its files) fixes. */
VilaTokenizer *
vila_vocab_merges_load (const char  *folder,
                        GError     **error)
{
  g_autofree char *vocab_path = g_build_filename (folder, "vocab.json", NULL);
  g_autofree char *merges_path = g_build_filename (folder, "merges.txt", NULL);
  g_autofree char *added_path = g_build_filename (folder, "added_tokens.json", NULL);
  g_autoptr(GMappedFile) vocab = NULL;
  g_autoptr(GMappedFile) merges = NULL;
  g_autoptr(GMappedFile) added = NULL;

  if (!(vocab = map_file (vocab_path, error)) || !(merges = map_file (merges_path, error)))
    return NULL;
  if (g_file_test (added_path, G_FILE_TEST_IS_REGULAR) && !(added = map_file (added_path, error)))
    return NULL;

  return vila_vocab_merges_load_data (g_mapped_file_get_contents (vocab), g_mapped_file_get_length (vocab), vocab_path,
                                      g_mapped_file_get_contents (merges), g_mapped_file_get_length (merges), merges_path,
                                      added ? g_mapped_file_get_contents (added) : NULL,
                                      added ? g_mapped_file_get_length (added) : 0, added_path,
                                      error);
}

VilaTokenizer *
vila_vocab_merges_load_data (const char  *vocab_data,
                             gsize        vocab_length,
                             const char  *vocab_path,
                             const char  *merges_data,
                             gsize        merges_length,
                             const char  *merges_path,
                             const char  *added_data,
                             gsize        added_length,
                             const char  *added_path,
                             GError     **error)
{
  g_autoptr(JsonParser) added_parser = NULL;
  g_autoptr(VilaTokenizer) self = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *text = merges_data;
  const char *end = merges_data + merges_length;
  VocabReader reader;
  g_autoptr(GArray) texts = NULL;

  self = vila_tokenizer_new_empty (VILA_TOKENIZER_VOCAB_MERGES);
  self->bpe = vila_bpe_new ();
  self->bpe->byte_level = TRUE;
  vila_bpe_add_step (self->bpe->normalizers, VILA_STEP_NFC, NULL, NULL, 0, 0);
  vila_bpe_add_step (self->bpe->decoders, VILA_STEP_BYTE_LEVEL, NULL, NULL, 0, 0);
  if (!vila_bpe_set_pattern (self->bpe, VILA_QWEN2_PATTERN, error))
    return NULL;

  /* vocab.json is one flat object of 150k entries: read without a tree,
   * into a table sized for it (an entry takes about thirty bytes there). */
  vila_piece_table_reserve (self->piece_ids, vocab_length / 32);
  reader = (VocabReader) { self, vocab_path };
  if (!vila_json_flat_parse (vocab_data, vocab_length, add_vocab_entry, &reader, &local_error))
    {
      if (local_error->domain == VILA_ERROR && !g_str_has_prefix (local_error->message, vocab_path))
        fail (error, vocab_path, "%s", local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!finish_vocab (self, vocab_path, error))
    return NULL;

  /* One merge per line; a first line "#version: ..." is a header. */
  texts = g_array_new (FALSE, FALSE, sizeof (MergeText));
  for (const char *line = text; line != NULL && line < end;)
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *line_end = newline ? newline : end;
      gsize length = line_end - line;

      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (!(line == text && length >= 8 && memcmp (line, "#version", 8) == 0) && length > 0)
        {
          MergeText merge;

          if (!split_merge_line (line, length, texts->len, &merge, merges_path, error))
            return NULL;
          g_array_append_val (texts, merge);
        }
      line = newline ? newline + 1 : NULL;
    }
  vila_bpe_reserve (self->bpe, texts->len);
  if (!add_merges (self, (const MergeText *) (void *) texts->data, texts->len, 0, merges_path, error))
    return NULL;

  if (added_data != NULL)
    {
      JsonNode *added = parse_json_data (added_data, added_length, added_path, &added_parser, error);
      g_autoptr(GList) members = NULL;

      if (added == NULL)
        return NULL;
      members = json_object_get_members (json_node_get_object (added));
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (json_node_get_object (added), l->data);
          gint64 id = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
                      ? json_node_get_int (node) : -1;

          if (id < 0 || id >= MAX_VOCABULARY || *(const char *) l->data == '\0')
            {
              fail (error, added_path, "the added token “%s” has no valid id", (const char *) l->data);
              return NULL;
            }
          vila_tokenizer_add_added (self, &(VilaAddedToken) {
            .content = l->data, .length = strlen (l->data), .id = (gint32) id,
          });
        }
    }

  return g_steal_pointer (&self);
}
