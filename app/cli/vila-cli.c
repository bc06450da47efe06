/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vila-cli: the headless face of VILA Chat, for scripts, batch jobs and
 * tests. Global options come before the command; each command parses its
 * own options.
 */
#define G_LOG_DOMAIN "vila-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vc-cli-commands.h"
#include "vila.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct {
  const char  *name;
  const char  *summary;   /* translated at print time */
  CommandFunc  run;       /* NULL while the command is not built yet */
} Command;

static const Command commands[] = {
  { "info",     N_("Show a model's family, sizes and memory use"), vc_cli_info },
  { "tokenize", N_("Turn text into token ids and back"), vc_cli_tokenize },
  { "generate", N_("Answer a prompt about images"), vc_cli_generate },
  { "caption",  N_("Write detailed captions for a folder of images"), NULL },
  { "download", N_("Download a model from the Hugging Face Hub"), NULL },
  { "bench",    N_("Measure loading, prefill and decode speed"), vc_cli_bench },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));

  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-10s %s\n", commands[i].name, _(commands[i].summary));

  g_string_append_printf (text, "\n%s\n", _("Run “vila-cli COMMAND --help” for the options of a command."));
  return g_string_free (text, FALSE);
}

static char *
describe_exit_statuses (void)
{
  return g_strdup_printf ("%s\n  0  %s\n  1  %s\n  2  %s",
                          _("Exit status:"),
                          _("success"),
                          _("the command failed (bad input, unreadable model, engine error)"),
                          _("wrong usage, or the command is not available in this version"));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *description = NULL;
  gboolean show_version = FALSE;
  const Command *command;
  const GOptionEntry entries[] = {
    { "version", 'V', 0, G_OPTION_ARG_NONE, &show_version, N_("Show the version and exit"), NULL },
    { NULL }
  };

  vila_init ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  summary = describe_commands ();
  description = describe_exit_statuses ();

  context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Everything from the command name on belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", CLI_BINARY, error->message);
      g_printerr (_("Run “%s --help” to see the commands.\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  if (show_version)
    {
      g_print ("%s %s\n", CLI_BINARY, PACKAGE_VERSION);
      return VC_CLI_EXIT_OK;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return VC_CLI_EXIT_USAGE;
    }

  if (!(command = find_command (argv[1])))
    {
      g_printerr (_("%s: unknown command “%s”\n"), CLI_BINARY, argv[1]);
      g_printerr (_("Run “%s --help” to see the commands.\n"), CLI_BINARY);
      return VC_CLI_EXIT_USAGE;
    }

  if (command->run == NULL)
    {
      g_printerr (_("%s: the command “%s” is not available in this version yet\n"),
                  CLI_BINARY, command->name);
      return VC_CLI_EXIT_USAGE;
    }

  return command->run (argc - 1, argv + 1);
}
