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

/* A merge is "left right" (merges.txt and older tokenizer.json) or
 * ["left", "right"] (tokenizers 0.20 and later); both halves and their
 * concatenation must be in the vocabulary. */
static gboolean
add_merge (VilaTokenizer *self,
           const char    *left,
           gsize          left_length,
           const char    *right,
           gsize          right_length,
           guint32        rank,
           const char    *path,
           GError       **error)
{
  char stack[128];
  g_autofree char *heap = NULL;
  char *joined = left_length + right_length <= sizeof stack ? stack
                 : (heap = g_malloc (left_length + right_length));
  gint32 left_id, right_id, merged_id;

  memcpy (joined, left, left_length);
  memcpy (joined + left_length, right, right_length);
  left_id = vila_tokenizer_lookup (self, left, left_length);
  right_id = vila_tokenizer_lookup (self, right, right_length);
  merged_id = vila_tokenizer_lookup (self, joined, left_length + right_length);
  if (left_id < 0 || right_id < 0 || merged_id < 0)
    return fail (error, path, "merge %u (“%.*s” + “%.*s”) uses a piece that is not in the vocabulary",
                 rank + 1, (int) MIN (left_length, 64), left, (int) MIN (right_length, 64), right);

  /* tokenizers keeps the first rank of a repeated merge. */
  vila_bpe_add_merge (self->bpe, left_id, right_id, rank, merged_id);
  return TRUE;
}

static gboolean
add_merge_line (VilaTokenizer *self,
                const char    *line,
                gsize          length,
                guint32        rank,
                const char    *path,
                GError       **error)
{
  const char *space = memchr (line, ' ', length);

  if (space == NULL || space == line || space + 1 == line + length ||
      memchr (space + 1, ' ', line + length - space - 1) != NULL)
    return fail (error, path, "merge %u is not two pieces separated by one space", rank + 1);
  return add_merge (self, line, space - line, space + 1, line + length - space - 1, rank, path, error);
}

static gboolean
read_json_merges (VilaTokenizer *self,
                  JsonArray     *merges,
                  const char    *path,
                  GError       **error)
{
  guint n = json_array_get_length (merges);

  vila_bpe_reserve (self->bpe, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (merges, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          const char *line = json_node_get_string (node);

          if (!add_merge_line (self, line, strlen (line), i, path, error))
            return FALSE;
        }
      else if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 2)
        {
          JsonArray *pair = json_node_get_array (node);
          JsonNode *a = json_array_get_element (pair, 0), *b = json_array_get_element (pair, 1);
          const char *left, *right;

          if (!JSON_NODE_HOLDS_VALUE (a) || json_node_get_value_type (a) != G_TYPE_STRING ||
              !JSON_NODE_HOLDS_VALUE (b) || json_node_get_value_type (b) != G_TYPE_STRING)
            return fail (error, path, "merge %u is not a pair of strings", i + 1);
          left = json_node_get_string (a);
          right = json_node_get_string (b);
          if (!add_merge (self, left, strlen (left), right, strlen (right), i, path, error))
            return FALSE;
        }
      else
        return fail (error, path, "merge %u is neither a string nor a pair", i + 1);
    }
  return TRUE;
}

static gboolean
read_model (VilaTokenizer *self,
            JsonObject    *model,
            const char    *path,
            GError       **error)
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
  if (!read_vocab (self, vocab, path, error) ||
      !read_json_merges (self, json_node_get_array (merges), path, error))
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
  JsonNode *root = parse_json_data (data, length, path, &parser, error);
  JsonObject *object, *model;
  gboolean seen_byte_level = FALSE;

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
  if (!read_model (self, model, path, error) ||
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
  gsize n_lines = 1;
  guint32 rank = 0;

  self = vila_tokenizer_new_empty (VILA_TOKENIZER_VOCAB_MERGES);
  self->bpe = vila_bpe_new ();
  self->bpe->byte_level = TRUE;
  vila_bpe_add_step (self->bpe->normalizers, VILA_STEP_NFC, NULL, NULL, 0, 0);
  vila_bpe_add_step (self->bpe->decoders, VILA_STEP_BYTE_LEVEL, NULL, NULL, 0, 0);
  if (!vila_bpe_set_pattern (self->bpe, VILA_QWEN2_PATTERN, error))
    return NULL;

  /* vocab.json is one flat object of 150k entries: read without a tree. */
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

  if (merges_length > 0 && !g_utf8_validate_len (text, merges_length, NULL))
    {
      fail (error, merges_path, "the file is not UTF-8 text");
      return NULL;
    }

  /* One merge per line; a first line "#version: ..." is a header. */
  for (const char *p = text; p && p < end && (p = memchr (p, '\n', end - p)); p++)
    n_lines++;
  vila_bpe_reserve (self->bpe, n_lines);
  for (const char *line = text; line != NULL && line < end;)
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *line_end = newline ? newline : end;
      gsize length = line_end - line;

      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (!(line == text && length >= 8 && memcmp (line, "#version", 8) == 0) && length > 0)
        {
          if (!add_merge_line (self, line, length, rank, merges_path, error))
            return NULL;
          rank++;
        }
      line = newline ? newline + 1 : NULL;
    }

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
