/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila-cli bench --tokenizer -m PATH [-m PATH…] [--text FILE] [--json]
 * vila-cli bench --synthetic NAME [--images K] [--prompt-tokens N]
 *                [--gen-tokens N] [--temperature T] [--top-p P] [--json]
 * vila-cli bench --synthetic NAME --kernels     (the GPU's decoding products)
 *
 * Tokenizers: load time and encode/decode throughput. Engine: time to
 * first token, prefill and decode speed on a model with the real shapes
 * and made-up weights, against the machine's read bandwidth.
 */
#define G_LOG_DOMAIN "vila-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "vc-cli-commands.h"
#include "vila.h"

/* English prose of our own, repeated to about a megabyte when no --text is
 * given: encode speed on chat-like English is what the benchmark reports. */
static const char sample_text[] =
  "The photographs were taken on the same afternoon, a few minutes apart, from the north bank "
  "of the river. In the first one the bridge is still half in shadow and two small boats are "
  "tied to the pier; in the second the light has moved, one of the boats has gone, and a man "
  "in a red jacket is walking towards the stairs. Compare them carefully and describe every "
  "difference you can find, from the largest to the smallest. Then say which picture was "
  "taken first, and explain how you know. If something is unclear, for example whether the "
  "shadow on the left is a tree or a building, say so instead of guessing.\n"
  "Answer in short paragraphs. Use a list where it helps, and keep numbers exact: there are "
  "12 windows on the tower, 3 lamps on the bridge and 147 steps down to the water.\n";

typedef struct {
  const char *path;
  double      load_ms;
  guint       n_tokens;
  guint       vocabulary;
  double      encode_mb_s;
  double      decode_mb_s;
  guint       tokens_in_text;
} TokenizerBench;

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static gboolean
bench_tokenizer (TokenizerBench  *bench,
                 const char      *text,
                 gsize            length,
                 GError         **error)
{
  g_autoptr(VilaTokenizer) tokenizer = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gsize decoded_bytes = 0;
  guint rounds = 0;
  gint64 start;

  /* The best of three loads: the first also pays for reading the file. */
  bench->load_ms = G_MAXDOUBLE;
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(VilaTokenizer) loaded = NULL;

      start = g_get_monotonic_time ();
      if (!(loaded = vila_tokenizer_load (bench->path, error)))
        return FALSE;
      bench->load_ms = MIN (bench->load_ms, seconds_since (start) * 1000);
      g_clear_pointer (&tokenizer, vila_tokenizer_unref);
      tokenizer = g_steal_pointer (&loaded);
    }
  bench->vocabulary = vila_tokenizer_get_n_tokens (tokenizer);

  start = g_get_monotonic_time ();
  do
    {
      g_array_set_size (ids, 0);
      vila_tokenizer_encode (tokenizer, text, length, VILA_ENCODE_DEFAULT, ids);
      rounds++;
    }
  while (seconds_since (start) < 1.0);
  bench->encode_mb_s = length * (double) rounds / seconds_since (start) / 1e6;
  bench->tokens_in_text = ids->len;

  rounds = 0;
  start = g_get_monotonic_time ();
  do
    {
      g_autofree char *decoded = vila_tokenizer_decode (tokenizer, (const gint32 *) (void *) ids->data, ids->len, FALSE);

      decoded_bytes += strlen (decoded);
      rounds++;
    }
  while (seconds_since (start) < 1.0);
  bench->decode_mb_s = decoded_bytes / seconds_since (start) / 1e6;
  return TRUE;
}

static int
bench_engine (const char             *name,
              const VilaBenchOptions *options,
              gboolean                json)
{
  g_autoptr(GError) error = NULL;
  VilaBenchResult r;

  if (!vila_bench_run (name, options, &r, &error))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }

  if (json)
    {
      g_print ("{\"model\": \"%s\", \"backend\": \"%s\", \"device\": \"%s\", \"threads\": %u, \"read_gb_s\": %.2f, "
               "\"load_s\": %.2f, \"ttft_ms\": %.1f, \"vision_s\": %.3f, \"prompt_tokens\": %u, "
               "\"prefill_tok_s\": %.2f, \"prefill_gflop_s\": %.2f, \"gen_tokens\": %u, "
               "\"decode_tok_s\": %.3f, \"weight_bytes_per_token\": %" G_GUINT64_FORMAT ", "
               "\"kv_bytes_per_token\": %" G_GUINT64_FORMAT ", \"decode_gb_s\": %.2f, "
               "\"bandwidth_fraction\": %.3f, \"temperature\": %.2f, \"top_p\": %.2f, \"images\": %u}\n",
               name, vila_backend_kind_to_string (r.backend), r.device, r.threads, r.read_gb_s, r.load_s, r.ttft_ms, r.vision_s, r.prompt_tokens,
               r.prefill_tok_s, r.prefill_gflop_s, r.gen_tokens, r.decode_tok_s, r.weight_bytes_per_token,
               r.kv_bytes_per_token, r.decode_gb_s, r.bandwidth_fraction, options->temperature, options->top_p,
               options->n_images);
      return VC_CLI_EXIT_OK;
    }

  if (r.backend == VILA_BACKEND_CPU)
    {
      g_print ("%s (synthetic weights), CPU, %u threads\n", name, r.threads);
      g_print ("  %-24s %.1f GB/s\n", _("read sweep"), r.read_gb_s);
    }
  else
    {
      g_print ("%s (synthetic weights), %s, %s\n", name, r.device, vila_dtype_to_string (options->dtype));
      g_print ("  %-24s %.1f GB/s\n", _("device copy"), r.read_gb_s);
    }
  g_print ("  %-24s %.2f s\n", _("building weights"), r.load_s);
  g_print ("  %-24s %.0f ms (%u images: %.2f s)\n", _("time to first token"), r.ttft_ms, options->n_images, r.vision_s);
  g_print ("  %-24s %.1f tokens/s, %.1f GFLOP/s (%u positions)\n", _("prefill"), r.prefill_tok_s,
           r.prefill_gflop_s, r.prompt_tokens);
  if (options->temperature > 0)
    g_print ("  %-24s %.2f tokens/s (%u tokens, sampled at temperature %.2f, top-p %.2f)\n", _("decode"),
             r.decode_tok_s, r.gen_tokens, options->temperature, options->top_p);
  else
    g_print ("  %-24s %.2f tokens/s (%u tokens)\n", _("decode"), r.decode_tok_s, r.gen_tokens);
  g_print ("  %-24s %.2f GB weights + %.3f GB keys/values per token: %.1f GB/s, %.0f%% of the sweep\n",
           _("bandwidth"), r.weight_bytes_per_token / 1e9, r.kv_bytes_per_token / 1e9, r.decode_gb_s,
           100 * r.bandwidth_fraction);
  return VC_CLI_EXIT_OK;
}

int
vc_cli_bench (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) models = NULL;
  g_autofree char *text_path = NULL;
  g_autoptr(GString) text = NULL;
  gboolean tokenizer = FALSE, kernels = FALSE;
  gboolean json = FALSE;
  double temperature = 0, top_p = 1;
  g_autofree char *synthetic = NULL;
  g_autofree char *backend = NULL, *dtype = NULL;
  VilaBenchOptions engine;
  const GOptionEntry entries[] = {
    { "tokenizer", 0, 0, G_OPTION_ARG_NONE, &tokenizer, N_("Measure tokenizers"), NULL },
    { "synthetic", 0, 0, G_OPTION_ARG_STRING, &synthetic,
      N_("Measure the engine on a model of these shapes: vila1.5-3b, llama3-vila1.5-8b, vila1.5-13b"), N_("NAME") },
    { "kernels", 0, 0, G_OPTION_ARG_NONE, &kernels,
      N_("With --synthetic: time the GPU's decoding products in each kernel shape"), NULL },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &temperature, N_("Sample while decoding (default 0: greedy)"), "T" },
    { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &top_p, N_("Top-p while sampling (default 1: off)"), "P" },
    { "images", 0, 0, G_OPTION_ARG_INT, &engine.n_images, N_("Images in the prompt (default 1)"), "K" },
    { "prompt-tokens", 0, 0, G_OPTION_ARG_INT, &engine.prompt_tokens, N_("Text tokens in the prompt (default 64)"), "N" },
    { "gen-tokens", 0, 0, G_OPTION_ARG_INT, &engine.gen_tokens, N_("Tokens to generate (default 32)"), "N" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, N_("auto, cpu or cuda (default cpu)"), N_("NAME") },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype, N_("Weights on the GPU: fp16, bf16 or fp32 (default fp16)"), N_("TYPE") },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME_ARRAY, &models,
      N_("A model or tokenizer folder to measure (repeat for several)"), N_("PATH") },
    { "text", 0, 0, G_OPTION_ARG_FILENAME, &text_path,
      N_("Text to encode (default: English prose, about 1 MB)"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the results as JSON"), NULL },
    { NULL }
  };

  vila_bench_options_init (&engine);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Measure speed. With --tokenizer: load time and "
                                           "encode/decode throughput of each -m PATH. With "
                                           "--synthetic: the engine."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s bench: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_USAGE;
    }
  if (!vc_cli_parse_backend ("bench", backend, dtype, &engine.backend, &engine.dtype))
    return VC_CLI_EXIT_USAGE;
  if (temperature < 0 || top_p <= 0 || top_p > 1)
    {
      g_printerr (_("%s bench: the temperature must be 0 or more and top-p above 0 and at most 1\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }
  engine.temperature = (float) temperature;
  engine.top_p = (float) top_p;
  if (synthetic != NULL && kernels)
    {
      g_autofree char *report = vila_bench_kernels (synthetic, &error);

      if (report == NULL)
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
      g_print ("%s", report);
      return VC_CLI_EXIT_OK;
    }
  if (synthetic != NULL)
    return bench_engine (synthetic, &engine, json);
  if (!tokenizer)
    {
      g_printerr (_("%s bench: give --tokenizer or --synthetic NAME\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }
  if (models == NULL || models[0] == NULL)
    {
      g_printerr (_("%s bench: give at least one -m PATH\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  if (text_path != NULL)
    {
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (text_path, &contents, &length, &error))
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
      text = g_string_new_len (contents, length);
    }
  else
    {
      text = g_string_new (NULL);
      while (text->len < 1000000)
        g_string_append (text, sample_text);
    }

  if (json)
    g_print ("[");
  for (guint i = 0; models[i] != NULL; i++)
    {
      TokenizerBench bench = { .path = models[i] };

      if (!bench_tokenizer (&bench, text->str, text->len, &error))
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
      if (json)
        g_print ("%s{\"path\": \"%s\", \"vocabulary\": %u, \"load_ms\": %.2f, \"encode_mb_s\": %.2f, "
                 "\"decode_mb_s\": %.2f, \"text_bytes\": %" G_GSIZE_FORMAT ", \"text_tokens\": %u}",
                 i ? ", " : "", bench.path, bench.vocabulary, bench.load_ms, bench.encode_mb_s,
                 bench.decode_mb_s, text->len, bench.tokens_in_text);
      else
        g_print ("%s\n  %-22s %u\n  %-22s %.1f ms\n  %-22s %.2f MB/s (%u tokens for %.2f MB)\n  %-22s %.2f MB/s\n",
                 bench.path, _("vocabulary"), bench.vocabulary, _("load (best of 3)"), bench.load_ms,
                 _("encode"), bench.encode_mb_s, bench.tokens_in_text, text->len / 1e6,
                 _("decode"), bench.decode_mb_s);
    }
  if (json)
    g_print ("]\n");
  return VC_CLI_EXIT_OK;
}
