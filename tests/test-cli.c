/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vila-cli as scripts see it: output, exit statuses and messages. The path
 * of the binary is the first argument. */
#include "config.h"

#include <glib.h>
#include <string.h>
#include <sys/wait.h>

static const char *cli_path;

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
    "info", "tokenize", "generate", "caption", "download", "bench",
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s PATH-TO-VILA-CLI", argv[0]);
  cli_path = argv[1];
  /* The messages checked here are the untranslated ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);

  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/commands-not-built", test_commands_not_built);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);

  return g_test_run ();
}
