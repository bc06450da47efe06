/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vila-cli as scripts see it: output, exit statuses and messages. The path
 * of the binary is the first argument. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "vila-test-checkpoint.h"
#include <sys/wait.h>

static const char *cli_path;
static const char *tokenizer_data;

typedef struct {
  char *out;
  char *err;
  int   status;
} CliRun;

static void
cli_run_clear (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliRun, cli_run_clear)

static void
run_cli (CliRun     *run,
         const char *first_arg,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;
  int wait_status;

  g_ptr_array_add (argv, (char *) cli_path);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
}

static void
test_version (void)
{
  g_auto(CliRun) run = { 0 };
  g_autofree char *expected = g_strdup_printf ("vila-cli %s\n", PACKAGE_VERSION);

  run_cli (&run, "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);
}

static void
test_help (void)
{
  static const char * const commands[] = {
    "info", "tokenize", "generate", "caption", "download", "bench",
  };
  g_auto(CliRun) run = { 0 };

  run_cli (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s ", commands[i]);

      g_assert_nonnull (strstr (run.out, line));
    }
  /* Exit statuses are part of the interface; --help documents them. */
  g_assert_nonnull (strstr (run.out, "Exit status:"));
  g_assert_nonnull (strstr (run.out, "  0  "));
  g_assert_nonnull (strstr (run.out, "  1  "));
  g_assert_nonnull (strstr (run.out, "  2  "));
}

static void
test_commands_not_built (void)
{
  static const char * const commands[] = {
    "caption", "download",
  };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(CliRun) run = { 0 };
      g_autofree char *quoted = g_strdup_printf ("“%s”", commands[i]);

      run_cli (&run, commands[i], NULL);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strstr (run.err, quoted));
      g_assert_nonnull (strstr (run.err, "not available"));
    }
}

static void
test_usage_errors (void)
{
  g_auto(CliRun) none = { 0 };
  g_auto(CliRun) unknown = { 0 };
  g_auto(CliRun) bad_option = { 0 };

  run_cli (&none, NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "Commands:"));

  run_cli (&unknown, "frobnicate", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_nonnull (strstr (unknown.err, "unknown command “frobnicate”"));

  run_cli (&bad_option, "--frobnicate", NULL);
  g_assert_cmpint (bad_option.status, ==, 2);
  g_assert_nonnull (strstr (bad_option.err, "--frobnicate"));
}

/* The reference ids of @text in the fixture's golden file. */
static char *
golden_ids (const char *fixture,
            const char *text,
            const char *member)
{
  g_autofree char *name = g_strconcat (fixture, ".golden.jsonl", NULL);
  g_autofree char *path = g_build_filename (tokenizer_data, name, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *record;
      JsonArray *ids;
      GString *line;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      record = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (record, "text"), text) != 0)
        continue;
      ids = json_object_get_array_member (record, member);
      line = g_string_new (NULL);
      for (guint k = 0; k < json_array_get_length (ids); k++)
        g_string_append_printf (line, k ? " %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT,
                                json_array_get_int_element (ids, k));
      g_string_append_c (line, '\n');
      return g_string_free (line, FALSE);
    }
  g_error ("“%s” is not in %s", text, path);
}

static void
test_tokenize (void)
{
  static const char * const fixtures[] = { "llama2-sp", "llama3-bpe", "qwen2-bpe", "qwen2-vocab" };
  const char *text = "Describe the image in detail.";
  const char *chat = "<|im_start|>user\nhi<|im_end|>";

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *folder = g_build_filename (tokenizer_data, fixtures[i], NULL);
      g_autofree char *expected = golden_ids (fixtures[i], text, "ids");
      g_autofree char *expected_plain = golden_ids (fixtures[i], chat, "ids_plain");
      g_autofree char *expected_split = golden_ids (fixtures[i], chat, "ids_split");
      g_auto(CliRun) run = { 0 };
      g_auto(CliRun) special = { 0 };
      g_auto(CliRun) plain = { 0 };
      g_auto(CliRun) decoded = { 0 };
      g_auto(GStrv) ids = NULL;
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *decoded_expected = NULL;

      run_cli (&run, "tokenize", "-m", folder, text, NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_cmpstr (run.out, ==, expected);

      /* Special tokens in the text count only with --special. */
      run_cli (&special, "tokenize", "--no-bos", "--special", "-m", folder, chat, NULL);
      g_assert_cmpstr (special.out, ==, expected_plain);
      run_cli (&plain, "tokenize", "--no-bos", "-m", folder, chat, NULL);
      g_assert_cmpstr (plain.out, ==, expected_split);

      /* Decoding the ids of the text without BOS gives the text back. */
      g_strstrip (special.out);
      ids = g_strsplit (special.out, " ", -1);
      g_ptr_array_add (argv, (char *) cli_path);
      g_ptr_array_add (argv, (char *) "tokenize");
      g_ptr_array_add (argv, (char *) "--decode");
      g_ptr_array_add (argv, (char *) "-m");
      g_ptr_array_add (argv, folder);
      for (guint k = 0; ids[k] != NULL; k++)
        g_ptr_array_add (argv, ids[k]);
      g_ptr_array_add (argv, NULL);
      {
        g_autoptr(GError) error = NULL;
        int wait_status;

        g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &decoded.out, &decoded.err, &wait_status, &error);
        g_assert_no_error (error);
        g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0);
      }
      decoded_expected = g_strconcat (chat, "\n", NULL);
      g_assert_cmpstr (decoded.out, ==, decoded_expected);
    }
}

static void
test_tokenize_model_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("vila-cli-root-XXXXXX", &error);
  g_autofree char *llm = g_build_filename (root, "llm", NULL);
  g_autofree char *fixture = g_build_filename (tokenizer_data, "llama2-sp", NULL);
  g_autofree char *target = g_canonicalize_filename (fixture, NULL);
  g_autofree char *expected = golden_ids ("llama2-sp", "Describe the image in detail.", "ids");
  g_auto(CliRun) run = { 0 };

  g_assert_no_error (error);
  /* The three-part layout keeps the tokenizer in llm/. */
  g_assert_cmpint (symlink (target, llm), ==, 0);
  run_cli (&run, "tokenize", "-m", root, "Describe the image in detail.", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);
  g_unlink (llm);
  g_rmdir (root);
}

static void
test_tokenize_errors (void)
{
  g_autofree char *folder = g_build_filename (tokenizer_data, "qwen2-bpe", NULL);
  g_auto(CliRun) no_model = { 0 };
  g_auto(CliRun) missing = { 0 };
  g_auto(CliRun) bad_id = { 0 };
  g_auto(CliRun) no_text = { 0 };

  run_cli (&no_model, "tokenize", "hello", NULL);
  g_assert_cmpint (no_model.status, ==, 2);

  run_cli (&missing, "tokenize", "-m", "/nonexistent", "hello", NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_cmpstr (missing.out, ==, "");
  g_assert_nonnull (strstr (missing.err, "/nonexistent"));

  run_cli (&bad_id, "tokenize", "--decode", "-m", folder, "12", "x7", NULL);
  g_assert_cmpint (bad_id.status, ==, 1);
  g_assert_nonnull (strstr (bad_id.err, "“x7”"));

  run_cli (&no_text, "tokenize", "-m", folder, NULL);
  g_assert_cmpint (no_text.status, ==, 2);
}

static void
test_info (void)
{
  g_autofree char *tokenizer = g_build_filename (tokenizer_data, "llama2-sp", NULL);
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer, NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliRun) json = { 0 };
  g_auto(CliRun) text = { 0 };
  g_auto(CliRun) missing = { 0 };
  JsonObject *info;

  run_cli (&json, "info", "--json", "-m", root, NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  info = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (info, "family"), ==, "VILA1.5");
  g_assert_cmpstr (json_object_get_string_member (info, "layout"), ==, "three-part");
  g_assert_cmpstr (json_object_get_string_member (info, "template"), ==, "vicuna_v1");
  g_assert_cmpint (json_object_get_int_member (info, "parameters"), ==, 356144);
  g_assert_cmpint (json_object_get_int_member (info, "tokens_per_image"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (info, "resident_bytes"), >, 0);

  run_cli (&text, "info", "-m", root, NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "VILA1.5 (three-part layout)"));
  g_assert_nonnull (strstr (text.out, "mlp_downsample, 16 tokens per image"));

  run_cli (&missing, "info", "-m", tokenizer_data, NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_nonnull (strstr (missing.err, "config.json"));

  vila_test_remove_checkpoint (root);
}

/* The committed fixtures through the whole CLI (image decoding by
 * GdkPixbuf included): the greedy answer is the reference's
 * (tests/data/checkpoints/CHECKPOINT/golden.json), with and without an
 * image. */
static void
assert_cli_answers_as_reference (const char *checkpoint,
                                 const char *case_name)
{
  g_autofree char *data = g_path_get_dirname (tokenizer_data);
  g_autofree char *root = g_build_filename (data, "checkpoints", checkpoint, NULL);
  g_autofree char *golden_path = g_build_filename (root, "golden.json", NULL);
  g_autoptr(JsonParser) golden = json_parser_new ();
  g_autoptr(JsonParser) answer = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new ("[");
  g_autofree char *got = NULL;
  g_autofree char *image = NULL;
  g_auto(CliRun) run = { 0 };
  JsonObject *c = NULL;
  JsonArray *cases, *greedy, *images;
  const char *last_line;

  json_parser_load_from_file (golden, golden_path, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (golden)), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (cases, i), "name"), case_name) == 0)
      c = json_array_get_object_element (cases, i);
  g_assert_nonnull (c);
  images = json_object_get_array_member (c, "images");
  g_assert_cmpuint (json_array_get_length (images), <=, 1);
  if (json_array_get_length (images) == 1)
    image = g_build_filename (data, "images", json_array_get_string_element (images, 0), NULL);

  run_cli (&run, "generate", "-m", root, "-p", json_array_get_string_element (json_object_get_array_member (c, "turns"), 0),
           "--max-new-tokens", "32", "--json", image ? "-i" : NULL, image, NULL);
  g_assert_cmpint (run.status, ==, 0);
  last_line = strrchr (g_strstrip (run.out), '\n');
  json_parser_load_from_data (answer, last_line ? last_line + 1 : run.out, -1, &error);
  g_assert_no_error (error);

  /* The reference's ids less a final EOS, which ends the answer unseen. */
  greedy = json_object_get_array_member (c, "greedy");
  for (guint i = 0; i < json_array_get_length (greedy); i++)
    {
      gint64 id = json_array_get_int_element (greedy, i);

      if (id == 2 && i + 1 == json_array_get_length (greedy))
        break;
      g_string_append_printf (expected, "%s%" G_GINT64_FORMAT, i ? "," : "", id);
    }
  g_string_append_c (expected, ']');
  got = json_to_string (json_object_get_member (json_node_get_object (json_parser_get_root (answer)), "token_ids"), FALSE);
  g_assert_cmpstr (got, ==, expected->str);
}

/* The option that overrides mlp_downsample's order: column-major, the
 * default for VILA1.5, answers as the reference; raster changes the
 * logits (the reference's are written for column-major). */
static void
test_generate_token_order (void)
{
  g_autofree char *data = g_path_get_dirname (tokenizer_data);
  g_autofree char *root = g_build_filename (data, "checkpoints", "vila15-tiny", NULL);
  g_autofree char *image = g_build_filename (data, "images", "odd-321x217.ppm", NULL);
  g_autofree char *golden = g_build_filename (root, "logits-one-image.bin", NULL);
  g_autofree char *scratch = g_dir_make_tmp ("vila-order-XXXXXX", NULL);
  g_autofree char *reference = NULL;
  const char *orders[] = { "column-major", "raster" };
  gsize length;

  g_assert_true (g_file_get_contents (golden, &reference, &length, NULL));
  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autofree char *npy = g_build_filename (scratch, "logits.npy", NULL);
      g_autofree char *contents = NULL;
      g_auto(CliRun) run = { 0 };
      gsize npy_length, header;
      double worst = 0, scale = 0;

      run_cli (&run, "generate", "-m", root, "-i", image, "-p", "<image>\nWhat is in the image?",
               "--max-new-tokens", "1", "--token-order", orders[o], "--dump-logits", npy, NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_true (g_file_get_contents (npy, &contents, &npy_length, NULL));
      header = 10 + ((guint8) contents[8] | (guint8) contents[9] << 8);
      g_assert_cmpuint (npy_length - header, ==, length);
      for (gsize i = 0; i < length / 4; i++)
        {
          float ours, theirs;

          memcpy (&ours, contents + header + i * 4, 4);
          memcpy (&theirs, reference + i * 4, 4);
          worst = MAX (worst, fabs (ours - theirs));
          scale = MAX (scale, fabs (theirs));
        }
      g_test_message ("%s: relative error %.2e", orders[o], worst / scale);
      if (o == 0)
        g_assert_cmpfloat (worst / scale, <=, 1e-4);
      else
        g_assert_cmpfloat (worst / scale, >, 1e-2);
      g_unlink (npy);
    }
  g_rmdir (scratch);

  {
    g_auto(CliRun) bad = { 0 };

    run_cli (&bad, "generate", "-m", root, "-p", "hi", "--token-order", "diagonal", NULL);
    g_assert_cmpint (bad.status, ==, 2);
    g_assert_nonnull (strstr (bad.err, "diagonal"));
  }
}

static void
test_generate_as_reference (void)
{
  assert_cli_answers_as_reference ("vila15-tiny", "one-image");
  assert_cli_answers_as_reference ("vila15-tiny", "text-only");
  assert_cli_answers_as_reference ("vila7b-tiny", "one-image");
}

static void
test_generate (void)
{
  g_autofree char *tokenizer = g_build_filename (tokenizer_data, "llama2-sp", NULL);
  g_autofree char *root = vila_test_write_checkpoint (VILA_TEST_VILA15, tokenizer, NULL, NULL);
  g_autofree char *image = g_build_filename (root, "image.ppm", NULL);
  g_autofree char *broken = g_build_filename (root, "broken.png", NULL);
  g_autoptr(GString) ppm = g_string_new ("P6\n12 9\n255\n");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliRun) run = { 0 };
  g_auto(CliRun) again = { 0 };
  g_auto(CliRun) bad_image = { 0 };
  g_auto(CliRun) markers = { 0 };
  const char *last_line;
  JsonObject *result;

  for (guint i = 0; i < 12 * 9 * 3; i++)
    g_string_append_c (ppm, (char) (i * 29));
  g_file_set_contents (image, ppm->str, ppm->len, &error);
  g_assert_no_error (error);
  g_file_set_contents (broken, "\x89PNG\r\n\x1a\n truncated", -1, &error);
  g_assert_no_error (error);

  run_cli (&run, "generate", "-m", root, "-i", image, "-p", "What is in the image?",
           "--max-new-tokens", "5", "--temperature", "0.7", "--seed", "9", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  last_line = strrchr (g_strstrip (run.out), '\n');
  json_parser_load_from_data (parser, last_line ? last_line + 1 : run.out, -1, &error);
  g_assert_no_error (error);
  result = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (result, "token_ids")), >, 0);
  /* BOS, the template, 16 image rows, the question. */
  g_assert_cmpint (json_object_get_int_member (result, "prompt_tokens"), >, 16);
  g_assert_cmpint (json_object_get_int_member (result, "image_tokens"), ==, 16);
  g_assert_true (json_object_has_member (result, "ttft_ms"));
  g_assert_true (json_object_has_member (result, "decode_tok_s"));

  /* The same seed gives the same answer (the timings differ). */
  run_cli (&again, "generate", "-m", root, "-i", image, "-p", "What is in the image?",
           "--max-new-tokens", "5", "--temperature", "0.7", "--seed", "9", "--json", NULL);
  {
    g_autoptr(JsonParser) other = json_parser_new ();
    const char *line;
    JsonObject *second;
    g_autofree char *ids_a = NULL, *ids_b = NULL;

    line = strrchr (g_strstrip (again.out), '\n');
    json_parser_load_from_data (other, line ? line + 1 : again.out, -1, &error);
    g_assert_no_error (error);
    second = json_node_get_object (json_parser_get_root (other));
    g_assert_cmpstr (json_object_get_string_member (second, "text"), ==,
                     json_object_get_string_member (result, "text"));
    ids_a = json_to_string (json_object_get_member (result, "token_ids"), FALSE);
    ids_b = json_to_string (json_object_get_member (second, "token_ids"), FALSE);
    g_assert_cmpstr (ids_a, ==, ids_b);
  }

  {
    g_autofree char *npy = g_build_filename (root, "logits.npy", NULL);
    g_autofree char *contents = NULL;
    g_auto(CliRun) dump = { 0 };
    gsize length;

    run_cli (&dump, "generate", "-m", root, "-p", "Hello", "--max-new-tokens", "3", "--dump-logits", npy, NULL);
    g_assert_cmpint (dump.status, ==, 0);
    g_assert_true (g_file_get_contents (npy, &contents, &length, NULL));
    g_assert_true (g_str_has_prefix (contents, "\x93NUMPY\x01"));
    g_assert_nonnull (strstr (contents + 10, "'shape': (3, 2000)"));
    /* The header is padded so the data starts at a multiple of 64, then
     * 3 rows of 2000 float32. */
    {
      gsize header = 10 + ((guint8) contents[8] | (guint8) contents[9] << 8);

      g_assert_cmpuint (header % 64, ==, 0);
      g_assert_cmpuint (length, ==, header + 3 * 2000 * 4);
    }
    g_unlink (npy);
  }

  run_cli (&bad_image, "generate", "-m", root, "-i", broken, "-p", "hi", NULL);
  g_assert_cmpint (bad_image.status, ==, 1);
  g_assert_nonnull (strstr (bad_image.err, "broken.png"));

  run_cli (&markers, "generate", "-m", root, "-i", image, "-p", "<image> and <image>", NULL);
  g_assert_cmpint (markers.status, ==, 2);

  vila_test_remove_checkpoint (root);
}

static void
test_bench_tokenizer (void)
{
  g_autofree char *folder = g_build_filename (tokenizer_data, "qwen2-bpe", NULL);
  g_autofree char *text_path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliRun) run = { 0 };
  g_auto(CliRun) engine = { 0 };
  JsonObject *result;
  int fd;

  /* A small text keeps the run short; speed itself is not asserted. */
  fd = g_file_open_tmp ("vila-bench-XXXXXX.txt", &text_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (text_path, "Describe the image in detail. ", -1, &error);
  g_assert_no_error (error);

  run_cli (&run, "bench", "--tokenizer", "--json", "--text", text_path, "-m", folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  result = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpint (json_object_get_int_member (result, "vocabulary"), ==, 2008);
  g_assert_cmpint (json_object_get_int_member (result, "text_bytes"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (result, "text_tokens"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (result, "encode_mb_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (result, "load_ms"), >, 0);
  g_unlink (text_path);

  run_cli (&engine, "bench", NULL);
  g_assert_cmpint (engine.status, ==, 2);
  {
    g_auto(CliRun) unknown = { 0 };

    run_cli (&unknown, "bench", "--synthetic", "vila9", NULL);
    g_assert_cmpint (unknown.status, ==, 1);
    g_assert_nonnull (strstr (unknown.err, "vila1.5-3b"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 3)
    g_error ("usage: %s PATH-TO-VILA-CLI TOKENIZER-DATA-DIR", argv[0]);
  cli_path = argv[1];
  tokenizer_data = argv[2];
  /* The messages checked here are the untranslated ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);

  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/commands-not-built", test_commands_not_built);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/tokenize", test_tokenize);
  g_test_add_func ("/cli/tokenize-model-root", test_tokenize_model_root);
  g_test_add_func ("/cli/tokenize-errors", test_tokenize_errors);
  g_test_add_func ("/cli/bench-tokenizer", test_bench_tokenizer);
  g_test_add_func ("/cli/info", test_info);
  g_test_add_func ("/cli/generate", test_generate);
  g_test_add_func ("/cli/generate-as-reference", test_generate_as_reference);
  g_test_add_func ("/cli/generate-token-order", test_generate_token_order);

  return g_test_run ();
}
