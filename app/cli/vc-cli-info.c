/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila-cli info -m DIR [--json]: what a checkpoint is, after loading it the
 * way the app does (config, tokenizer, every tensor mapped and checked).
 */
#define G_LOG_DOMAIN "vila-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "vc-cli-commands.h"
#include "vila.h"

/* Resident memory of this process in bytes, from /proc (Linux), or 0. */
static guint64
resident_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (line + 6, NULL, 10) * 1024;
}

static void
print_json (const VilaModelInfo *info,
            guint64              rss)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

#define STR(key, value) (json_builder_set_member_name (builder, key), json_builder_add_string_value (builder, value))
#define INT(key, value) (json_builder_set_member_name (builder, key), json_builder_add_int_value (builder, value))
  json_builder_begin_object (builder);
  STR ("name", info->name);
  STR ("family", vila_family_to_string (info->family));
  STR ("layout", info->layout);
  STR ("template", info->template_name);
  STR ("dtypes", info->dtypes);
  INT ("parameters", info->n_parameters);
  INT ("bytes", info->n_bytes);
  INT ("context_length", info->context_length);
  STR ("llm_type", info->llm_type);
  INT ("llm_layers", info->llm_layers);
  INT ("llm_hidden", info->llm_hidden);
  INT ("llm_heads", info->llm_heads);
  INT ("llm_kv_heads", info->llm_kv_heads);
  INT ("vocab_size", info->vocab_size);
  STR ("vision_tower", info->vision_type);
  INT ("vision_layers", info->vision_layers);
  INT ("vision_hidden", info->vision_hidden);
  INT ("image_size", info->image_size);
  STR ("projector", info->projector);
  INT ("tokens_per_image", info->tokens_per_image);
  STR ("backend", vila_backend_kind_to_string (info->backend));
  INT ("resident_bytes", rss);
  json_builder_end_object (builder);
#undef STR
#undef INT

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_text (const VilaModelInfo *info,
            guint64              rss)
{
  g_autofree char *bytes = g_format_size (info->n_bytes);
  g_autofree char *resident = g_format_size (rss);

  g_print ("%s\n", info->name);
  g_print ("  %-18s %s (%s layout)\n", _("family"), vila_family_to_string (info->family), info->layout);
  g_print ("  %-18s %s\n", _("template"), info->template_name);
  g_print ("  %-18s %s, %u layers, width %u, %u heads (%u key/value), vocabulary %u, context %u\n",
           _("language model"), info->llm_type, info->llm_layers, info->llm_hidden, info->llm_heads,
           info->llm_kv_heads, info->vocab_size, info->context_length);
  g_print ("  %-18s %s, %u layers used, width %u, %u×%u pixels\n", _("vision tower"), info->vision_type,
           info->vision_layers, info->vision_hidden, info->image_size, info->image_size);
  g_print ("  %-18s %s, %u tokens per image\n", _("projector"), info->projector, info->tokens_per_image);
  if (info->n_parameters >= 1000000000)
    g_print ("  %-18s %.2f billion (%s, %s)\n", _("parameters"), info->n_parameters / 1e9, info->dtypes, bytes);
  else
    g_print ("  %-18s %" G_GUINT64_FORMAT " (%s, %s)\n", _("parameters"), info->n_parameters, info->dtypes, bytes);
  g_print ("  %-18s %s\n", _("backend"), vila_backend_kind_to_string (info->backend));
  /* The weights are mapped, not read: this stays far below their size. */
  g_print ("  %-18s %s\n", _("resident memory"), resident);
}

int
vc_cli_info (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = NULL;
  g_autofree char *path = NULL;
  gboolean json = FALSE;
  VilaLoadOptions options;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &path, N_("The model folder"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the results as JSON"), NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Load a model and show its family, sizes and memory use."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s info: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_USAGE;
    }
  if (path == NULL)
    {
      g_printerr (_("%s info: the model is missing (-m DIR)\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  vila_load_options_init (&options);
  options.backend = VILA_BACKEND_CPU;
  if (!(model = vila_model_load (path, &options, &error)))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }

  if (json)
    print_json (vila_model_get_info (model), resident_bytes ());
  else
    print_text (vila_model_get_info (model), resident_bytes ());
  return VC_CLI_EXIT_OK;
}
