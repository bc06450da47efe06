/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Our tokenizers against the reference libraries: for every string of the
 * goldens made by tools/reference/make_tokenizer_fixtures.py, the same ids
 * (with and without special tokens) and the same decoded text, whole and
 * streamed. The first argument is tests/data/tokenizers. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "vila.h"

static const char *data_dir;

static GArray *
ids_of (JsonObject *record,
        const char *member)
{
  JsonArray *array = json_object_get_array_member (record, member);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      gint32 id = json_array_get_int_element (array, i);
      g_array_append_val (ids, id);
    }
  return ids;
}

static char *
format_ids (GArray *ids)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%d", i ? " " : "", g_array_index (ids, gint32, i));
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
same_ids (GArray *a,
          GArray *b)
{
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (gint32)) == 0);
}

typedef struct {
  guint checked;
  guint failures;
} Tally;

static void
report (Tally      *tally,
        const char *what,
        const char *text,
        const char *expected,
        const char *actual)
{
  if (tally->failures++ < 12)
    {
      g_autofree char *escaped = g_strescape (text, NULL);
      g_autofree char *e = g_strescape (expected, NULL);
      g_autofree char *a = g_strescape (actual, NULL);

      g_test_message ("%s differs for \"%s\":\n  reference %s\n  ours      %s", what, escaped, e, a);
    }
}

/* A string of the record; one holding U+0000 comes as hex too, since JSON
 * strings in C end at the first NUL. */
static GString *
string_of (JsonObject *record,
           const char *member)
{
  g_autofree char *hex_member = g_strconcat (member, "_hex", NULL);
  const char *hex = json_object_get_string_member_with_default (record, hex_member, NULL);
  GString *bytes;

  if (hex == NULL)
    return g_string_new (json_object_get_string_member (record, member));
  bytes = g_string_new (NULL);
  for (gsize i = 0; hex[i] && hex[i + 1]; i += 2)
    g_string_append_c (bytes, (g_ascii_xdigit_value (hex[i]) << 4) | g_ascii_xdigit_value (hex[i + 1]));
  return bytes;
}

static void
check_encoding (VilaTokenizer   *tokenizer,
                JsonObject      *record,
                const char      *member,
                VilaEncodeFlags  flags,
                Tally           *tally)
{
  const char *text = json_object_get_string_member (record, "text");
  g_autoptr(GString) input = string_of (record, "text");
  g_autoptr(GArray) expected = ids_of (record, member);
  g_autoptr(GArray) actual = g_array_new (FALSE, FALSE, sizeof (gint32));

  vila_tokenizer_encode (tokenizer, input->str, input->len, flags, actual);
  tally->checked++;
  if (!same_ids (expected, actual))
    {
      g_autofree char *e = format_ids (expected);
      g_autofree char *a = format_ids (actual);

      report (tally, member, text, e, a);
    }
}

static void
check_decoding (VilaTokenizer *tokenizer,
                JsonObject    *record,
                const char    *ids_member,
                const char    *text_member,
                gboolean       skip_special,
                Tally         *tally)
{
  const char *text = json_object_get_string_member (record, "text");
  g_autoptr(GString) expected = string_of (record, text_member);
  g_autoptr(GArray) ids = ids_of (record, ids_member);
  g_autofree char *actual = vila_tokenizer_decode (tokenizer, (const gint32 *) (void *) ids->data, ids->len, skip_special);
  g_autoptr(VilaDetokenizer) stream = vila_detokenizer_new (tokenizer, skip_special);
  g_autoptr(GString) streamed = g_string_new (NULL);

  /* Our decode returns a C string and leaves U+0000 out. */
  for (gsize i = expected->len; i > 0; i--)
    if (expected->str[i - 1] == '\0')
      g_string_erase (expected, i - 1, 1);
  tally->checked++;
  if (strcmp (actual, expected->str) != 0)
    report (tally, text_member, text, expected->str, actual);

  /* Streamed pieces are whole characters and add up to the whole decode. */
  for (guint i = 0; i < ids->len; i++)
    {
      const char *piece = vila_detokenizer_push (stream, g_array_index (ids, gint32, i));

      g_assert_true (g_utf8_validate (piece, -1, NULL));
      g_string_append (streamed, piece);
    }
  g_string_append (streamed, vila_detokenizer_flush (stream));
  tally->checked++;
  if (strcmp (streamed->str, actual) != 0)
    report (tally, "streamed decode", text, actual, streamed->str);
}

static void
test_fixture (gconstpointer data)
{
  const char *name = data;
  g_autofree char *folder = g_build_filename (data_dir, name, NULL);
  g_autofree char *golden_name = g_strconcat (name, ".golden.jsonl", NULL);
  g_autofree char *golden_path = g_build_filename (data_dir, golden_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = vila_tokenizer_load (folder, &error);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  Tally tally = { 0 };
  guint n_strings = 0;

  g_assert_no_error (error);
  g_file_get_contents (golden_path, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *record;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      record = json_node_get_object (json_parser_get_root (parser));
      n_strings++;

      check_encoding (tokenizer, record, "ids", VILA_ENCODE_ADD_SPECIAL | VILA_ENCODE_PARSE_SPECIAL, &tally);
      check_encoding (tokenizer, record, "ids_plain", VILA_ENCODE_PARSE_SPECIAL, &tally);
      check_encoding (tokenizer, record, "ids_split", VILA_ENCODE_DEFAULT, &tally);
      check_decoding (tokenizer, record, "ids_plain", "decoded", FALSE, &tally);
      check_decoding (tokenizer, record, "ids", "decoded_skip", TRUE, &tally);
    }

  g_test_message ("%s: %u strings, %u checks, %u differ", name, n_strings, tally.checked, tally.failures);
  g_assert_cmpuint (n_strings, >=, 2000);
  g_assert_cmpuint (tally.failures, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s TOKENIZER-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_data_func ("/tokenizer/fidelity/llama2-sentencepiece", "llama2-sp", test_fixture);
  g_test_add_data_func ("/tokenizer/fidelity/llama3-tokenizer-json", "llama3-bpe", test_fixture);
  g_test_add_data_func ("/tokenizer/fidelity/qwen2-tokenizer-json", "qwen2-bpe", test_fixture);
  g_test_add_data_func ("/tokenizer/fidelity/qwen2-vocab-merges", "qwen2-vocab", test_fixture);
  g_test_add_data_func ("/tokenizer/fidelity/llama2-tokenizer-json", "llama2-fast-legacy", test_fixture);
  g_test_add_data_func ("/tokenizer/fidelity/llama2-tokenizer-json-metaspace", "llama2-fast", test_fixture);

  return g_test_run ();
}
