/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila-chat"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "vc-application.h"
#include "vc-software-gl.h"
#include "vila.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(VcApplication) app = NULL;

  vila_init ();
  vc_software_gl_apply_remembered ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("VILA Chat"));

  app = vc_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
