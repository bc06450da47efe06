/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila-cli tokenize -m PATH [--no-bos] [--special] TEXT
 * vila-cli tokenize --decode -m PATH ID...
 */
#define G_LOG_DOMAIN "vila-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "vc-cli-commands.h"
#include "vila.h"

static gboolean
parse_id (const char *text,
          gint32     *out)
{
  char *end = NULL;
  gint64 value = g_ascii_strtoll (text, &end, 10);

  if (end == text || *end != '\0' || value < 0 || value > G_MAXINT32)
    return FALSE;
  *out = (gint32) value;
  return TRUE;
}

static int
decode (VilaTokenizer  *tokenizer,
        char          **args)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree char *text = NULL;

  for (guint i = 0; args[i] != NULL; i++)
    {
      gint32 id;

      if (!parse_id (args[i], &id) || id >= (gint32) vila_tokenizer_get_n_tokens (tokenizer))
        {
          g_printerr (_("%s: “%s” is not a token id of this tokenizer (0 to %u)\n"),
                      CLI_BINARY, args[i], vila_tokenizer_get_n_tokens (tokenizer) - 1);
          return VC_CLI_EXIT_ERROR;
        }
      g_array_append_val (ids, id);
    }

  text = vila_tokenizer_decode (tokenizer, (const gint32 *) (void *) ids->data, ids->len, FALSE);
  g_print ("%s\n", text);
  return VC_CLI_EXIT_OK;
}

static int
encode (VilaTokenizer   *tokenizer,
        const char      *text,
        VilaEncodeFlags  flags)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GString) line = g_string_new (NULL);

  vila_tokenizer_encode (tokenizer, text, -1, flags, ids);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (line, i ? " %d" : "%d", g_array_index (ids, gint32, i));
  g_print ("%s\n", line->str);
  return VC_CLI_EXIT_OK;
}

int
vc_cli_tokenize (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaTokenizer) tokenizer = NULL;
  g_autofree char *model = NULL;
  g_auto(GStrv) args = NULL;
  gboolean no_bos = FALSE;
  gboolean special = FALSE;
  gboolean decode_ids = FALSE;
  VilaEncodeFlags flags = VILA_ENCODE_DEFAULT;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      N_("Model root, flat checkpoint or tokenizer folder"), N_("PATH") },
    { "no-bos", 0, 0, G_OPTION_ARG_NONE, &no_bos,
      N_("Do not add the tokens the tokenizer puts around text (BOS)"), NULL },
    { "special", 0, 0, G_OPTION_ARG_NONE, &special,
      N_("Read special tokens written in the text, such as </s>"), NULL },
    { "decode", 'd', 0, G_OPTION_ARG_NONE, &decode_ids,
      N_("Turn token ids into text"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, N_("TEXT | ID…") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Print the token ids of TEXT on one line, or with "
                                           "--decode the text of the ids."));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s tokenize: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_USAGE;
    }

  if (model == NULL)
    {
      g_printerr (_("%s tokenize: the model is missing (-m PATH)\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }
  if (args == NULL || args[0] == NULL || (!decode_ids && args[1] != NULL))
    {
      g_printerr (decode_ids ? _("%s tokenize: give the ids to decode\n")
                             : _("%s tokenize: give the text as one argument\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  if (!(tokenizer = vila_tokenizer_load (model, &error)))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      return VC_CLI_EXIT_ERROR;
    }

  if (decode_ids)
    return decode (tokenizer, args);

  if (!no_bos)
    flags |= VILA_ENCODE_ADD_SPECIAL;
  if (special)
    flags |= VILA_ENCODE_PARSE_SPECIAL;
  return encode (tokenizer, args[0], flags);
}
