/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Broken, truncated and hostile tokenizer files: a clear error that names
 * the file, never a crash. Replays what the fuzzers found (tests/data/fuzz)
 * and breaks the fixtures in the ways files break in practice.
 * Arguments: tests/data. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "fuzz/fuzz-common.h"
#include "json-flat.h"

static const char *data_dir;

typedef VilaTokenizer *(*LoadFunc) (const char *data, gsize size, GError **error);

static VilaTokenizer *
load_spm (const char *data, gsize size, GError **error)
{
  return vila_spm_load_data ((const guint8 *) data, size, "tokenizer.model", error);
}

static VilaTokenizer *
load_json (const char *data, gsize size, GError **error)
{
  return vila_hf_json_load_data (data, size, "tokenizer.json", error);
}

static VilaTokenizer *
load_vocab_merges (const char *data, gsize size, GError **error)
{
  return fuzz_load_vocab_merges (data, size, error);
}

static void
replay_folder (const char *name,
               LoadFunc    load)
{
  g_autofree char *folder = g_build_filename (data_dir, "fuzz", name, NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *entry;
  guint n = 0;

  if (dir == NULL)
    return;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, entry, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(VilaTokenizer) tokenizer = NULL;
      gsize size;

      g_file_get_contents (path, &contents, &size, &error);
      g_assert_no_error (error);
      tokenizer = load (contents, size, &error);
      g_assert_true ((tokenizer == NULL) == (error != NULL));
      if (tokenizer != NULL)
        fuzz_exercise (tokenizer, contents, size);
      n++;
    }
  g_test_message ("%s: replayed %u inputs", name, n);
}

static void
test_fuzz_regressions (void)
{
  replay_folder ("sentencepiece", load_spm);
  replay_folder ("tokenizer-json", load_json);
  replay_folder ("vocab-merges", load_vocab_merges);
}

static char *
read_fixture (const char *fixture,
              const char *file,
              gsize      *size)
{
  g_autofree char *path = g_build_filename (data_dir, "tokenizers", fixture, file, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, size, &error);
  g_assert_no_error (error);
  return contents;
}

static void
assert_fails (VilaTokenizer *tokenizer,
              GError        *error,
              const char    *file,
              const char    *fragment)
{
  g_assert_null (tokenizer);
  g_assert_nonnull (error);
  g_assert_true (error->domain == VILA_ERROR);
  if (strstr (error->message, file) == NULL || (fragment && strstr (error->message, fragment) == NULL))
    g_error ("unexpected message: %s", error->message);
}

static void
test_truncated_sentencepiece (void)
{
  gsize size;
  g_autofree char *model = read_fixture ("llama2-sp", "tokenizer.model", &size);
  guint failed = 0;

  /* Every cut inside a field breaks the protobuf framing; cuts between
   * whole pieces leave a shorter but valid-looking model, which must load
   * or fail cleanly. */
  for (gsize cut = 0; cut < size; cut += 1 + cut / 8)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VilaTokenizer) tokenizer = load_spm (model, cut, &error);

      g_assert_true ((tokenizer == NULL) == (error != NULL));
      if (tokenizer == NULL)
        {
          assert_fails (tokenizer, error, "tokenizer.model", NULL);
          failed++;
        }
      else
        fuzz_exercise (tokenizer, model, cut);
    }
  g_assert_cmpuint (failed, >, 0);
}

/* A minimal SentencePiece ModelProto, written by hand. */
static GByteArray *
build_spm (guint32 model_type)
{
  static const char * const pieces[] = { "<unk>", "<s>", "</s>", "a", "b", "ab" };
  static const guint8 types[] = { 2, 3, 3, 1, 1, 1 };
  GByteArray *out = g_byte_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      guint8 n = strlen (pieces[i]);
      guint8 piece[64] = { 0x0a, n };
      guint8 header[2] = { 0x0a, 0 };
      float score = -(float) i;
      guint len = 2;

      memcpy (piece + len, pieces[i], n), len += n;
      piece[len++] = 0x15;
      memcpy (piece + len, &score, 4), len += 4;
      piece[len++] = 0x18;
      piece[len++] = types[i];
      header[1] = len;
      g_byte_array_append (out, header, 2);
      g_byte_array_append (out, piece, len);
    }
  {
    guint8 trainer[] = { 0x12, 2, 0x18, (guint8) model_type };
    g_byte_array_append (out, trainer, sizeof trainer);
  }
  return out;
}

static void
test_sentencepiece_kinds (void)
{
  g_autoptr(GByteArray) bpe = build_spm (2);
  g_autoptr(GByteArray) unigram = build_spm (1);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = load_spm ((const char *) bpe->data, bpe->len, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  VilaTokenizer *refused;

  /* The hand-made BPE model loads and merges "ab". */
  g_assert_no_error (error);
  vila_spm_encode_chunk (tokenizer, "ab", 2, ids);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 5);

  refused = load_spm ((const char *) unigram->data, unigram->len, &error);
  assert_fails (refused, error, "tokenizer.model", "unigram");
}

static VilaTokenizer *
load_json_edit (const char *from,
                const char *to,
                GError    **error)
{
  gsize size;
  g_autofree char *json = read_fixture ("qwen2-bpe", "tokenizer.json", &size);
  g_autoptr(GString) edited = g_string_new_len (json, size);

  g_assert_cmpuint (g_string_replace (edited, from, to, 1), ==, 1);
  return load_json (edited->str, edited->len, error);
}

static void
test_tokenizer_json (void)
{
  static const struct { const char *from; const char *to; const char *message; } cases[] = {
    { "\"type\": \"BPE\"", "\"type\": \"WordPiece\"", "WordPiece" },
    { "\"type\": \"NFC\"", "\"type\": \"NFKC\"", "NFKC" },
    { "\"type\": \"ByteLevel\",\n    \"add_prefix_space\": true,\n    \"trim_offsets\": true",
      "\"type\": \"Metaspace\",\n    \"add_prefix_space\": true,\n    \"trim_offsets\": true", "Metaspace" },
    { "\"behavior\": \"Isolated\"", "\"behavior\": \"Removed\"", "Removed" },
    { "\"Regex\": \"(?i:", "\"Regex\": \"((?i:", "pattern" },
    { "\"ignore_merges\": false", "\"dropout\": 0.1, \"ignore_merges\": false", "dropout" },
    { "\"vocab\": {", "\"vocab\": {\"\\u0120\\u0120zz\": 0, ", "two pieces" },
    { "\"merges\": [", "\"merges\": [[\"nope\", \"never\"], ", "not in the vocabulary" },
    /* The vocabulary and merges are read by the flat readers: bytes that
     * are not UTF-8 there (an overlong "/", a UTF-16 surrogate). */
    { "\"vocab\": {", "\"vocab\": {\"\xc0\xaf\": 5, ", "UTF-8" },
    { "\"merges\": [", "\"merges\": [\"\xed\xa0\x80 x\", ", "UTF-8" },
  };
  gsize size;
  g_autofree char *json = read_fixture ("qwen2-bpe", "tokenizer.json", &size);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      VilaTokenizer *tokenizer = load_json_edit (cases[i].from, cases[i].to, &error);

      assert_fails (tokenizer, error, "tokenizer.json", cases[i].message);
    }

  for (gsize cut = 0; cut < size; cut += 1 + cut / 4)
    {
      g_autoptr(GError) error = NULL;
      VilaTokenizer *tokenizer = load_json (json, cut, &error);

      assert_fails (tokenizer, error, "tokenizer.json", NULL);
    }

  {
    g_autoptr(GError) error = NULL;
    VilaTokenizer *tokenizer = load_json ("\xff\xfe{}", 4, &error);

    assert_fails (tokenizer, error, "tokenizer.json", "UTF-8");
  }
}

static void
test_vocab_merges (void)
{
  gsize vocab_size, merges_size;
  g_autofree char *vocab = read_fixture ("qwen2-vocab", "vocab.json", &vocab_size);
  g_autofree char *merges = read_fixture ("qwen2-vocab", "merges.txt", &merges_size);
  static const char * const bad_merges[] = {
    "#version: 0.2\na b c\n", "#version: 0.2\nab\n", "#version: 0.2\n zz\n", "\xc3\x28 x\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_merges); i++)
    {
      g_autoptr(GError) error = NULL;
      VilaTokenizer *tokenizer = vila_vocab_merges_load_data (vocab, vocab_size, "vocab.json",
                                                              bad_merges[i], strlen (bad_merges[i]), "merges.txt",
                                                              NULL, 0, NULL, &error);
      assert_fails (tokenizer, error, "merges.txt", NULL);
    }

  {
    g_autoptr(GError) error = NULL;
    VilaTokenizer *tokenizer = vila_vocab_merges_load_data ("[1, 2]", 6, "vocab.json", merges, merges_size,
                                                            "merges.txt", NULL, 0, NULL, &error);
    assert_fails (tokenizer, error, "vocab.json", "object");
  }
  {
    g_autoptr(GError) error = NULL;
    VilaTokenizer *tokenizer = vila_vocab_merges_load_data (vocab, vocab_size, "vocab.json", merges, merges_size,
                                                            "merges.txt", "{\"<x>\": -4}", 11,
                                                            "added_tokens.json", &error);
    assert_fails (tokenizer, error, "added_tokens.json", "<x>");
  }
}

static void
test_missing_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vila-tokenizer-XXXXXX", &error);
  g_autofree char *vocab = g_build_filename (dir, "vocab.json", NULL);
  VilaTokenizer *tokenizer;

  g_assert_no_error (error);
  tokenizer = vila_tokenizer_load (dir, &error);
  assert_fails (tokenizer, error, dir, "No tokenizer");
  g_clear_error (&error);

  /* vocab.json alone is not a tokenizer; with an empty merges.txt it is
   * one that merges nothing. */
  g_file_set_contents (vocab, "{\"a\": 0}", -1, NULL);
  tokenizer = vila_tokenizer_load (dir, &error);
  assert_fails (tokenizer, error, dir, "No tokenizer");

  g_unlink (vocab);
  g_rmdir (dir);
}

/* The vocabulary readers' UTF-8 check against GLib's on every sequence
 * of one to three bytes and on four-byte ones around every boundary,
 * alone, after ASCII (the eight-byte fast path) and inside or across
 * sixteen-byte windows (the SSE2 path), with and without ASCII after. */
static void
check_utf8_sequence (const guchar *bytes,
                     gsize         n)
{
  static const gsize prefixes[] = { 0, 9, 14, 21 };
  char text[48];
  const char *bad = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    for (gsize suffix = 0; suffix <= 16; suffix += 16)
      {
        gsize prefix = prefixes[i], length = prefix + n + suffix;
        gboolean ours, glib;

        memset (text, 'a', sizeof text);
        memcpy (text + prefix, bytes, n);
        ours = vila_utf8_validate (text, length, &bad);
        glib = g_utf8_validate_len (text, length, NULL);
        if (ours != glib)
          g_error ("%02x %02x %02x %02x (%zu bytes after %zu ASCII, %zu after): ours %d, GLib's %d", bytes[0],
                   n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0, n, prefix, suffix, ours, glib);
        if (!ours)
          g_assert_true (bad >= text + prefix && bad < text + prefix + n);
      }
}

static void
test_utf8_validation (void)
{
  static const guchar edges[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
  guchar b[4];

  for (guint x = 1; x < 0x100; x++)
    {
      b[0] = x;
      check_utf8_sequence (b, 1);
      for (guint y = 1; y < 0x100; y++)
        {
          b[1] = y;
          check_utf8_sequence (b, 2);
          for (guint z = 1; z < 0x100 && x >= 0xe0 && x < 0xf0; z++)
            {
              b[2] = z;
              check_utf8_sequence (b, 3);
            }
          for (guint i = 0; i < G_N_ELEMENTS (edges) * G_N_ELEMENTS (edges) && x >= 0xf0; i++)
            {
              b[2] = edges[i / G_N_ELEMENTS (edges)];
              b[3] = edges[i % G_N_ELEMENTS (edges)];
              if (b[2] != 0 && b[3] != 0)
                check_utf8_sequence (b, 4);
            }
        }
    }
}

/* Megabytes are validated in stretches on every core: every sequence that
 * straddles where a stretch begins still counts whole, and the first bad
 * byte is the one reported, whichever stretch it lies in. */
static void
test_utf8_validation_large (void)
{
  /* Two-, three- and four-byte characters in turn, so that stretch starts
   * fall inside each kind somewhere. */
  static const char *const characters[] = { "\xc4\xa0", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "a" };
  g_autoptr(GString) text = g_string_new (NULL);
  const char *bad = NULL;

  for (guint i = 0; text->len < 3 << 20; i++)
    g_string_append (text, characters[i % G_N_ELEMENTS (characters)]);
  for (gsize cut = 0; cut < 4; cut++)
    {
      /* The same text shifted by a byte or three: other split points. */
      g_assert_true (vila_utf8_validate (text->str + cut * 10, text->len - cut * 10, &bad));
    }

  /* A surrogate near the end and a lone continuation byte near the start:
   * the first is reported. */
  memcpy (text->str + text->len - 100, "\xed\xa0\x80", 3);
  g_assert_false (vila_utf8_validate (text->str, text->len, &bad));
  g_assert_true (bad == text->str + text->len - 100);
  text->str[1000] = (char) 0x80;
  g_assert_false (vila_utf8_validate (text->str, text->len, &bad));
  g_assert_true (bad <= text->str + 1000 && bad >= text->str + 997);
}

static gboolean
collect_key (const char  *key,
             gsize        key_length,
             gint64       value,
             gpointer     user_data,
             GError     **error)
{
  g_ptr_array_add (user_data, g_strndup (key, key_length));
  return TRUE;
}

/* The flat reader finds the end of a string sixteen bytes at a time: keys
 * long and short, with escapes and quotes at every place in a window,
 * read as written; a raw control character anywhere is an error. */
static void
test_flat_strings (void)
{
  for (gsize at = 0; at < 40; at++)
    {
      g_autoptr(GString) json = g_string_new ("{");
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) error = NULL;
      g_autofree char *raw = NULL;

      /* "ĠĠĠ…" with an escaped quote, then a \u escape, at offset @at. */
      g_string_append_c (json, '"');
      for (gsize i = 0; i < at; i++)
        {
          g_string_append (json, i % 3 ? "x" : "\xc4\xa0");
          g_string_append (expected, i % 3 ? "x" : "\xc4\xa0");
        }
      g_string_append (json, "\\\"q\\u00e9end of a long key past sixteen bytes\": 7, \"b\": 8}");
      g_string_append (expected, "\"q\xc3\xa9" "end of a long key past sixteen bytes");
      g_assert_true (vila_json_flat_parse (json->str, json->len, collect_key, keys, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (keys->len, ==, 2);
      g_assert_cmpstr (keys->pdata[0], ==, expected->str);
      g_assert_cmpstr (keys->pdata[1], ==, "b");

      raw = g_strdup (json->str);
      /* The tab in place of the escape's backslash, right after the prefix. */
      raw[2 + at + (at + 2) / 3] = '\t';
      g_assert_false (vila_json_flat_parse (raw, json->len, collect_key, keys, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "control character"));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_func ("/tokenizer/files/utf8-validation", test_utf8_validation);
  g_test_add_func ("/tokenizer/files/utf8-validation-large", test_utf8_validation_large);
  g_test_add_func ("/tokenizer/files/flat-strings", test_flat_strings);
  g_test_add_func ("/tokenizer/files/fuzz-regressions", test_fuzz_regressions);
  g_test_add_func ("/tokenizer/files/truncated-sentencepiece", test_truncated_sentencepiece);
  g_test_add_func ("/tokenizer/files/sentencepiece-kinds", test_sentencepiece_kinds);
  g_test_add_func ("/tokenizer/files/tokenizer-json", test_tokenizer_json);
  g_test_add_func ("/tokenizer/files/vocab-merges", test_vocab_merges);
  g_test_add_func ("/tokenizer/files/missing", test_missing_files);

  return g_test_run ();
}
