/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila-cli generate -m DIR [-i IMAGE]... -p PROMPT [--system TEXT]
 *   [--template NAME] [--raw] [--temperature T] [--top-p P] [--top-k K]
 *   [--repetition-penalty R] [--seed S] [--max-new-tokens N]
 *   [--backend auto|cpu|cuda] [--dtype fp16|bf16|fp32] [--json] [--dump-logits FILE.npy]
 *
 * The answer streams to stdout as it is generated. "<image>" in PROMPT
 * places the images in order; without one, the images come first, each
 * followed by a newline, as the reference CLI does.
 */
#define G_LOG_DOMAIN "vila-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "vc-cli-commands.h"
#include "vc-image-loader.h"
#include "vila.h"

typedef struct {
  GString     *text;
  GArray      *ids;
  VilaSession *session;
  GByteArray  *logits;     /* float32 rows of every step, for --dump-logits */
} Answer;

static void
keep_logits (Answer *answer)
{
  guint vocab;
  const float *logits = vila_session_get_logits (answer->session, &vocab);

  g_byte_array_append (answer->logits, (const guint8 *) logits, vocab * sizeof (float));
}

static gboolean
on_token (const char *text,
          gint32      token_id,
          gpointer    user_data)
{
  Answer *answer = user_data;

  if (token_id >= 0)
    {
      g_array_append_val (answer->ids, token_id);
      if (answer->logits != NULL)
        keep_logits (answer);
    }
  g_string_append (answer->text, text);
  fputs (text, stdout);
  fflush (stdout);
  return TRUE;
}

static const char *
stop_reason_name (VilaStopReason reason)
{
  switch (reason)
    {
    case VILA_STOP_EOS:          return "eos";
    case VILA_STOP_MAX_TOKENS:   return "max_tokens";
    case VILA_STOP_CANCELLED:    return "cancelled";
    case VILA_STOP_CALLBACK:     return "callback";
    case VILA_STOP_CONTEXT_FULL: return "context_full";
    case VILA_STOP_NONE:
    default:                     return "none";
    }
}

static void
print_json (const Answer            *answer,
            const VilaGenerateStats *stats,
            guint                    image_tokens)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  double prefill_s = (stats->time_to_first_token_us) / 1e6;
  double decode_s = stats->decode_us / 1e6;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, answer->text->str);
  json_builder_set_member_name (builder, "token_ids");
  json_builder_begin_array (builder);
  for (guint i = 0; i < answer->ids->len; i++)
    json_builder_add_int_value (builder, g_array_index (answer->ids, gint32, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "prompt_tokens");
  json_builder_add_int_value (builder, stats->n_prompt_tokens);
  json_builder_set_member_name (builder, "image_tokens");
  json_builder_add_int_value (builder, image_tokens);
  json_builder_set_member_name (builder, "generated_tokens");
  json_builder_add_int_value (builder, stats->n_generated);
  json_builder_set_member_name (builder, "ttft_ms");
  json_builder_add_double_value (builder, stats->time_to_first_token_us / 1000.0);
  json_builder_set_member_name (builder, "prefill_tok_s");
  json_builder_add_double_value (builder, prefill_s > 0 ? stats->n_prompt_tokens / prefill_s : 0);
  json_builder_set_member_name (builder, "decode_tok_s");
  json_builder_add_double_value (builder, decode_s > 0 && stats->n_generated > 1 ? (stats->n_generated - 1) / decode_s : 0);
  json_builder_set_member_name (builder, "stop_reason");
  json_builder_add_string_value (builder, stop_reason_name (stats->stop_reason));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  g_print ("\n%s\n", json);
}

/* NumPy's .npy, version 1.0: float32 [steps][vocab]. */
static gboolean
write_npy (const char  *path,
           GByteArray  *data,
           guint        vocab,
           GError     **error)
{
  g_autoptr(GString) file = g_string_new_len ("\x93NUMPY\x01\x00", 8);
  g_autofree char *header = g_strdup_printf ("{'descr': '<f4', 'fortran_order': False, 'shape': (%u, %u), }",
                                             (guint) (data->len / sizeof (float) / vocab), vocab);
  gsize length = strlen (header) + 1;
  guint16 header_length;

  /* Magic, version and length take 10 bytes; the data starts aligned to 64. */
  while ((10 + length) % 64 != 0)
    length++;
  header_length = GUINT16_TO_LE ((guint16) length);
  g_string_append_len (file, (const char *) &header_length, 2);
  g_string_append (file, header);
  while (file->len < 10 + length - 1)
    g_string_append_c (file, ' ');
  g_string_append_c (file, '\n');
  g_string_append_len (file, (const char *) data->data, data->len);
  return g_file_set_contents (path, file->str, file->len, error);
}

int
vc_cli_generate (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = NULL;
  g_autoptr(VilaSession) session = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_image_free);
  g_autofree char *path = NULL, *prompt = NULL, *system = NULL, *template_name = NULL, *backend = NULL;
  g_autofree char *dtype = NULL;
  g_autofree char *dump_logits = NULL, *token_order = NULL;
  g_auto(GStrv) image_paths = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  double temperature = 0, top_p = 1, repetition_penalty = 1;
  gint top_k = 0, max_new_tokens = 512;
  gint64 seed = 0;
  gboolean json = FALSE, raw = FALSE;
  guint image_tokens = 0;
  VilaLoadOptions load;
  VilaSessionOptions options;
  VilaSamplingParams params;
  VilaGenerateStats stats;
  Answer answer = { text, ids, NULL, NULL };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &path, N_("The model folder"), N_("DIR") },
    { "image", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &image_paths, N_("An image (repeat for several)"), N_("FILE") },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, N_("The question; <image> places an image"), N_("TEXT") },
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, N_("Replace the template's system prompt"), N_("TEXT") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_name,
      N_("Conversation template: vicuna_v1, llama_3, hermes-2, qwen2, raw"), N_("NAME") },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, N_("No chat markup (in-context continuation)"), NULL },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &temperature, N_("Sampling temperature; 0 is greedy (default)"), "T" },
    { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &top_p, N_("Nucleus sampling mass (default 1: off)"), "P" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &top_k, N_("Sample from the K most likely tokens (default 0: off)"), "K" },
    { "repetition-penalty", 0, 0, G_OPTION_ARG_DOUBLE, &repetition_penalty,
      N_("Penalty for tokens already seen (default 1: off)"), "R" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed for sampling"), "S" },
    { "max-new-tokens", 0, 0, G_OPTION_ARG_INT, &max_new_tokens, N_("The most tokens to generate (default 512)"), "N" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, N_("auto, cpu or cuda"), N_("NAME") },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype, N_("Weights on the GPU: fp16, bf16 or fp32 (default fp16)"), N_("TYPE") },
    { "token-order", 0, 0, G_OPTION_ARG_STRING, &token_order,
      N_("Order of mlp_downsample's merged blocks: auto (default), column-major or raster"), N_("ORDER") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("End with one line of JSON: text, ids, timings"), NULL },
    { "dump-logits", 0, 0, G_OPTION_ARG_FILENAME, &dump_logits,
      N_("Write the raw logits of every step as float32 .npy [steps, vocab]"), N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Answer a prompt about images, streaming the answer."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s generate: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_USAGE;
    }
  if (path == NULL || prompt == NULL)
    {
      g_printerr (_("%s generate: give a model (-m DIR) and a prompt (-p TEXT)\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }
  if (max_new_tokens < 1 || temperature < 0 || top_p <= 0 || top_p > 1 || top_k < 0 || repetition_penalty <= 0)
    {
      g_printerr (_("%s generate: a sampling option is out of range\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  vila_load_options_init (&load);
  if (!vc_cli_parse_backend ("generate", backend, dtype, &load.backend, &load.dtype))
    return VC_CLI_EXIT_USAGE;
  if (token_order != NULL)
    {
      if (g_strcmp0 (token_order, "column-major") == 0)
        load.token_order = VILA_TOKEN_ORDER_COLUMN_MAJOR;
      else if (g_strcmp0 (token_order, "raster") == 0)
        load.token_order = VILA_TOKEN_ORDER_RASTER;
      else if (g_strcmp0 (token_order, "auto") != 0)
        {
          g_printerr (_("%s generate: unknown token order “%s” (auto, column-major, raster)\n"), CLI_BINARY,
                      token_order);
          return VC_CLI_EXIT_USAGE;
        }
    }

  /* Images first: a broken file fails before minutes of loading. */
  for (guint i = 0; image_paths && image_paths[i]; i++)
    {
      VcLoadedImage *image = vc_image_load (image_paths[i], &error);

      if (image == NULL)
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
      g_ptr_array_add (images, image);
    }

  parts = g_strsplit (prompt, "<image>", -1);
  if (g_strv_length (parts) > 1 && g_strv_length (parts) - 1 != images->len)
    {
      g_printerr (_("%s generate: the prompt has %u <image> markers for %u images\n"),
                  CLI_BINARY, g_strv_length (parts) - 1, images->len);
      return VC_CLI_EXIT_USAGE;
    }

  if (!(model = vila_model_load (path, &load, &error)))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }
  /* "auto" without a usable GPU: one line on why, then the CPU. */
  if (vila_model_get_info (model)->backend_note != NULL)
    g_printerr (_("%s: computing on the CPU: %s\n"), CLI_BINARY, vila_model_get_info (model)->backend_note);

  vila_session_options_init (&options);
  options.mode = raw ? VILA_PROMPT_RAW : VILA_PROMPT_CHAT;
  options.system_prompt = system;
  options.template_name = template_name;
  if (!(session = vila_session_new (model, &options, &error)))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gboolean ok = TRUE;

      if (g_strv_length (parts) == 1)
        {
          /* No markers: each image, then a newline, then the question. */
          for (guint k = 0; k < images->len && ok; k++)
            ok = vila_session_append_image (session, &((VcLoadedImage *) g_ptr_array_index (images, k))->image, &error) &&
                 vila_session_append_text (session, "\n", &error);
          ok = ok && vila_session_append_text (session, parts[i], &error);
        }
      else
        {
          ok = vila_session_append_text (session, parts[i], &error);
          if (ok && parts[i + 1] != NULL)
            ok = vila_session_append_image (session, &((VcLoadedImage *) g_ptr_array_index (images, i))->image, &error);
        }
      if (!ok)
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
    }
  image_tokens = images->len * vila_model_get_info (model)->tokens_per_image;

  vila_sampling_params_init (&params);
  params.temperature = temperature;
  params.top_p = top_p;
  params.top_k = top_k;
  params.repetition_penalty = repetition_penalty;
  params.seed = (guint64) seed;
  params.max_new_tokens = max_new_tokens;

  answer.session = session;
  if (dump_logits != NULL)
    answer.logits = g_byte_array_new ();
  if (!vila_session_generate (session, &params, on_token, &answer, NULL, &stats, &error))
    {
      g_printerr ("\n%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }
  if (answer.logits != NULL)
    {
      guint vocab;
      g_autoptr(GByteArray) logits = answer.logits;

      /* The step that drew the end token has no callback; its logits are
       * the session's last. */
      if (stats.stop_reason == VILA_STOP_EOS)
        keep_logits (&answer);
      vila_session_get_logits (session, &vocab);
      if (!write_npy (dump_logits, logits, vocab, &error))
        {
          g_printerr ("%s: %s\n", CLI_BINARY, error->message);
          return VC_CLI_EXIT_ERROR;
        }
    }

  if (json)
    print_json (&answer, &stats, image_tokens);
  else
    g_print ("\n");
  return VC_CLI_EXIT_OK;
}
