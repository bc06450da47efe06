/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Flatpak manifest parses (with json-glib, as flatpak-builder does, so
 * comments are allowed) and agrees with meson on the app id and command.
 * Arguments: MANIFEST APP-ID COMMAND. */
#include "config.h"

#include <json-glib/json-glib.h>

static const char *manifest_path;
static const char *expected_app_id;
static const char *expected_command;

static JsonObject *
load_manifest (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *wanted)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), wanted) == 0)
      return TRUE;
  return FALSE;
}

static void
test_identity (void)
{
  g_autoptr(JsonObject) manifest = load_manifest ();
  const char *id = json_object_get_string_member_with_default (manifest, "id", NULL);

  if (id == NULL)
    id = json_object_get_string_member_with_default (manifest, "app-id", NULL);
  g_assert_cmpstr (id, ==, expected_app_id);
  g_assert_cmpstr (json_object_get_string_member_with_default (manifest, "command", NULL), ==,
                   expected_command);
  g_assert_cmpstr (json_object_get_string_member_with_default (manifest, "runtime", NULL), ==,
                   "org.gnome.Platform");
  g_assert_cmpstr (json_object_get_string_member_with_default (manifest, "sdk", NULL), ==,
                   "org.gnome.Sdk");
}

static void
test_finish_args (void)
{
  static const char * const required[] = {
    "--device=dri",          /* GPU nodes, CUDA included */
    "--share=network",       /* model downloads */
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
  };
  g_autoptr(JsonObject) manifest = load_manifest ();
  JsonArray *args;

  g_assert_true (json_object_has_member (manifest, "finish-args"));
  args = json_object_get_array_member (manifest, "finish-args");
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (!array_has_string (args, required[i]))
        g_error ("finish-args lacks %s", required[i]);
    }
  /* dri is enough for CUDA; all devices would be broader than needed. */
  g_assert_false (array_has_string (args, "--device=all"));
}

static void
test_app_module (void)
{
  g_autoptr(JsonObject) manifest = load_manifest ();
  JsonArray *modules;
  JsonObject *app_module;
  JsonArray *sources;
  JsonObject *source;

  g_assert_true (json_object_has_member (manifest, "modules"));
  modules = json_object_get_array_member (manifest, "modules");
  g_assert_cmpuint (json_array_get_length (modules), >, 0);

  /* The application is the last module, built from the working tree with
   * its tests run. */
  app_module = json_array_get_object_element (modules, json_array_get_length (modules) - 1);
  g_assert_nonnull (app_module);
  g_assert_cmpstr (json_object_get_string_member (app_module, "name"), ==, "vila-chat");
  g_assert_cmpstr (json_object_get_string_member (app_module, "buildsystem"), ==, "meson");
  g_assert_true (json_object_get_boolean_member_with_default (app_module, "run-tests", FALSE));

  sources = json_object_get_array_member (app_module, "sources");
  g_assert_cmpuint (json_array_get_length (sources), ==, 1);
  source = json_array_get_object_element (sources, 0);
  g_assert_cmpstr (json_object_get_string_member (source, "type"), ==, "dir");
  g_assert_cmpstr (json_object_get_string_member (source, "path"), ==, "..");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 4)
    g_error ("usage: %s MANIFEST APP-ID COMMAND", argv[0]);
  manifest_path = argv[1];
  expected_app_id = argv[2];
  expected_command = argv[3];

  g_test_add_func ("/flatpak/identity", test_identity);
  g_test_add_func ("/flatpak/finish-args", test_finish_args);
  g_test_add_func ("/flatpak/app-module", test_app_module);

  return g_test_run ();
}
