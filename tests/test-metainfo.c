/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The About window shows what the metainfo says; these tests read our real
 * metainfo (its path is the first argument) and small hand-made ones. */
#include "config.h"

#include <string.h>

#include "vc-metainfo.h"

static const char *built_metainfo_path;

static void
test_built_metainfo (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(VcMetainfo) metainfo = NULL;

  g_file_get_contents (built_metainfo_path, &xml, NULL, &error);
  g_assert_no_error (error);

  g_setenv ("LANGUAGE", "C", TRUE);
  metainfo = vc_metainfo_parse (xml, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (metainfo->id, ==, APP_ID);
  g_assert_cmpstr (metainfo->name, ==, "VILA Chat");
  g_assert_cmpstr (metainfo->summary, ==, "Ask about several images at once");
  g_assert_cmpstr (metainfo->project_license, ==, "GPL-3.0-or-later");
  g_assert_cmpstr (metainfo->version, ==, PACKAGE_VERSION);
  g_assert_true (g_str_has_prefix (metainfo->homepage, "https://"));
  g_assert_true (g_str_has_prefix (metainfo->bugtracker, "https://"));
  g_assert_nonnull (metainfo->developer_name);
  g_assert_true (g_str_has_prefix (metainfo->release_notes, "<p>"));
  g_assert_true (g_str_has_suffix (metainfo->release_notes, "</p>"));
}

static const char translated_xml[] =
  "<?xml version='1.0' encoding='UTF-8'?>\n"
  "<component type='desktop-application'>\n"
  "  <id>org.example.App</id>\n"
  "  <name>Example</name>\n"
  "  <name xml:lang='de'>Beispiel</name>\n"
  "  <name xml:lang='fr'>Exemple</name>\n"
  "  <summary>Does things</summary>\n"
  "  <summary xml:lang='de'>Tut Dinge</summary>\n"
  "  <url type='homepage'>https://example.org</url>\n"
  "  <url type='bugtracker'>https://example.org/bugs</url>\n"
  "  <releases>\n"
  "    <release version='2.0'>\n"
  "      <description>\n"
  "        <p>New &amp; better</p>\n"
  "        <p xml:lang='de'>Neu &amp; besser</p>\n"
  "        <ul><li>One <em>thing</em></li><li xml:lang='de'>Ein Ding</li></ul>\n"
  "      </description>\n"
  "    </release>\n"
  "    <release version='1.0'><description><p>Old</p></description></release>\n"
  "  </releases>\n"
  "</component>\n";

static void
test_translations (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VcMetainfo) german = NULL;
  g_autoptr(VcMetainfo) untranslated = NULL;

  g_setenv ("LANGUAGE", "de", TRUE);
  german = vc_metainfo_parse (translated_xml, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (german->name, ==, "Beispiel");
  g_assert_cmpstr (german->summary, ==, "Tut Dinge");

  g_setenv ("LANGUAGE", "pt_BR", TRUE);
  untranslated = vc_metainfo_parse (translated_xml, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (untranslated->name, ==, "Example");
  g_assert_cmpstr (untranslated->summary, ==, "Does things");

  /* The newest release only, untranslated, escaped again for markup. */
  g_assert_cmpstr (untranslated->version, ==, "2.0");
  g_assert_cmpstr (untranslated->release_notes, ==,
                   "<p>New &amp; better</p><ul><li>One <em>thing</em></li></ul>");
  g_assert_cmpstr (untranslated->homepage, ==, "https://example.org");
  g_assert_cmpstr (untranslated->bugtracker, ==, "https://example.org/bugs");
  g_assert_null (untranslated->developer_name);
}

static void
test_broken (void)
{
  static const char * const broken[] = {
    "",
    "<component><id>x</id><name>y</name>",                 /* truncated */
    "<component><id>x</id><name>y</nam></component>",     /* mismatched */
    "<component><name>No id</name></component>",
    "<component><id>no.name</id></component>",
    "\xff\xfe<component/>",                               /* not UTF-8 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VcMetainfo) metainfo = vc_metainfo_parse (broken[i], -1, &error);

      g_assert_null (metainfo);
      g_assert_nonnull (error);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (argc < 2)
    g_error ("usage: %s BUILT-METAINFO", argv[0]);
  built_metainfo_path = argv[1];

  g_test_add_func ("/metainfo/built", test_built_metainfo);
  g_test_add_func ("/metainfo/translations", test_translations);
  g_test_add_func ("/metainfo/broken", test_broken);

  return g_test_run ();
}
