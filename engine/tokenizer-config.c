/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transformers' tokenizer_config.json and special_tokens_map.json: which
 * tokens are BOS/EOS/UNK/PAD, which are matched in text, whether BOS/EOS
 * are added, and the decode clean-up.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tokenizer-private.h"

/* Reads @name in @folder; a missing file is not an error (*out = NULL). */
static gboolean
read_json_object (const char  *folder,
                  const char  *name,
                  JsonParser **out_parser,
                  JsonObject **out,
                  GError     **error)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  *out = NULL;
  *out_parser = NULL;
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT, "%s: %s", path, local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT, "%s: expected a JSON object", path);
      return FALSE;
    }
  *out = json_node_get_object (root);
  *out_parser = g_steal_pointer (&parser);
  return TRUE;
}

/* A token is written either as "<s>" or as {"content": "<s>", ...}. */
static const char *
token_content (JsonNode *node)
{
  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *content = json_object_get_member (json_node_get_object (node), "content");

      if (content != NULL && JSON_NODE_HOLDS_VALUE (content) &&
          json_node_get_value_type (content) == G_TYPE_STRING)
        return json_node_get_string (content);
    }
  return NULL;
}

static gboolean
object_boolean (JsonObject *object,
                const char *member,
                gboolean    fallback)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

static void
read_special_tokens (VilaTokenizer *self,
                     JsonObject    *object)
{
  static const char * const names[] = { "bos_token", "eos_token", "unk_token", "pad_token" };
  gint32 *slots[] = { &self->bos_id, &self->eos_id, &self->unk_id, &self->pad_id };
  JsonNode *additional;

  if (object == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);
      const char *content;

      if (node == NULL)
        continue;
      if (JSON_NODE_HOLDS_NULL (node))
        {
          *slots[i] = -1;
          continue;
        }
      if ((content = token_content (node)) != NULL)
        *slots[i] = vila_tokenizer_piece_to_id (self, content);
    }

  additional = json_object_get_member (object, "additional_special_tokens");
  if (additional != NULL && JSON_NODE_HOLDS_ARRAY (additional))
    {
      JsonArray *array = json_node_get_array (additional);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *content = token_content (json_array_get_element (array, i));
          gint32 id = content ? vila_tokenizer_piece_to_id (self, content) : -1;

          if (id >= 0)
            vila_tokenizer_add_added (self, &(VilaAddedToken) {
              .content = (char *) content, .length = strlen (content), .id = id, .special = TRUE,
            });
        }
    }
}

/* transformers 4.34+ writes every added token with its options here. */
static void
read_added_tokens_decoder (VilaTokenizer *self,
                           JsonObject    *config)
{
  JsonNode *node = config ? json_object_get_member (config, "added_tokens_decoder") : NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *decoder;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  decoder = json_node_get_object (node);
  members = json_object_get_members (decoder);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *entry = json_object_get_member (decoder, l->data);
      const char *content = token_content (entry);
      char *end = NULL;
      gint64 id = g_ascii_strtoll (l->data, &end, 10);
      JsonObject *options;

      if (content == NULL || end == NULL || *end != '\0' || id < 0 || id >= G_MAXINT32)
        continue;
      options = json_node_get_object (entry);
      vila_tokenizer_add_added (self, &(VilaAddedToken) {
        .content = (char *) content,
        .length = strlen (content),
        .id = (gint32) id,
        .special = object_boolean (options, "special", FALSE),
        .lstrip = object_boolean (options, "lstrip", FALSE),
        .rstrip = object_boolean (options, "rstrip", FALSE),
        .single_word = object_boolean (options, "single_word", FALSE),
        .normalized = object_boolean (options, "normalized", FALSE),
      });
    }
}

static void
add_special_as_added (VilaTokenizer *self,
                      gint32         id)
{
  const char *piece = vila_tokenizer_get_piece (self, id);

  if (piece == NULL)
    return;
  vila_tokenizer_add_added (self, &(VilaAddedToken) {
    .content = (char *) piece, .length = strlen (piece), .id = id, .special = TRUE,
  });
}

gboolean
vila_tokenizer_apply_config (VilaTokenizer  *self,
                             const char     *folder,
                             GError        **error)
{
  g_autoptr(JsonParser) map_parser = NULL;
  g_autoptr(JsonParser) config_parser = NULL;
  JsonObject *map = NULL;
  JsonObject *config = NULL;
  const char *class_name = NULL;

  if (!read_json_object (folder, "special_tokens_map.json", &map_parser, &map, error) ||
      !read_json_object (folder, "tokenizer_config.json", &config_parser, &config, error))
    return FALSE;

  read_added_tokens_decoder (self, config);
  read_special_tokens (self, map);
  read_special_tokens (self, config);

  if (config != NULL && json_object_has_member (config, "tokenizer_class"))
    class_name = json_object_get_string_member_with_default (config, "tokenizer_class", NULL);

  if (self->format == VILA_TOKENIZER_SENTENCEPIECE)
    {
      /* The slow tokenizer never splits its special tokens, whether or not
       * the config lists them as added tokens. */
      add_special_as_added (self, self->unk_id);
      add_special_as_added (self, self->bos_id);
      add_special_as_added (self, self->eos_id);
      add_special_as_added (self, self->pad_id);

      /* LlamaTokenizer's defaults. VILA1.5 passes legacy=False itself; a
       * config that says legacy=true is read as such. */
      self->legacy = object_boolean (config, "legacy", FALSE);
      g_array_set_size (self->prefix_ids, 0);
      g_array_set_size (self->suffix_ids, 0);
      if (object_boolean (config, "add_bos_token", TRUE) && self->bos_id >= 0)
        g_array_append_val (self->prefix_ids, self->bos_id);
      if (object_boolean (config, "add_eos_token", FALSE) && self->eos_id >= 0)
        g_array_append_val (self->suffix_ids, self->eos_id);
      self->clean_up_spaces = object_boolean (config, "clean_up_tokenization_spaces", FALSE);
    }
  else
    {
      /* PreTrainedTokenizerFast cleans up by default; the Llama and Qwen2
       * classes turn it off. */
      gboolean cleans_by_default = class_name == NULL ||
        !(g_str_has_prefix (class_name, "Qwen2Tokenizer") || g_str_has_prefix (class_name, "LlamaTokenizer"));

      self->clean_up_spaces = object_boolean (config, "clean_up_tokenization_spaces", cleans_by_default);
    }

  return TRUE;
}
