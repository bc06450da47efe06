/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-application"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-application.h"
#include "vc-metainfo.h"
#include "vc-software-gl.h"
#include "vc-window.h"

struct _VcApplication
{
  AdwApplication  parent_instance;
  VcWorker       *worker;
  VcStore        *store;
};

G_DEFINE_FINAL_TYPE (VcApplication, vc_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Open with the model in DIR, without making it the default"), N_("DIR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

static VcWindow *
new_window (VcApplication *self,
            const char    *model_path)
{
  return g_object_new (VC_TYPE_WINDOW,
                       "application", self,
                       "model-override", model_path,
                       NULL);
}

static void
vc_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (VC_APPLICATION (app), NULL));

  gtk_window_present (window);
}

static int
vc_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", GUI_BINARY, PACKAGE_VERSION);
      return 0;
    }

  return -1;
}

/* Runs in the primary instance, so a second `vila-chat --model DIR` opens a
 * window in the running app; relative paths are resolved against the
 * caller's working directory, not ours. */
static int
vc_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree char *model_arg = NULL;
  g_autofree char *model_path = NULL;

  if (g_variant_dict_lookup (options, "model", "^ay", &model_arg))
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, model_arg);

      model_path = g_file_get_path (file);
    }

  if (model_path != NULL)
    gtk_window_present (GTK_WINDOW (new_window (VC_APPLICATION (app), model_path)));
  else
    g_application_activate (app);

  return 0;
}

/* Links of the About window open as images do: the browser does not
 * inherit the renderer VILA Chat chose for itself. */
static gboolean
on_about_link (AdwAboutWindow *about,
               const char     *uri)
{
  vc_software_gl_show_uri (GTK_WIDGET (about), uri);
  return TRUE;
}

static void
show_about (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (app);
  g_autoptr(VcMetainfo) metainfo = NULL;
  g_autoptr(GError) error = NULL;
  AdwAboutWindow *about;

  metainfo = vc_metainfo_load_resource (RESOURCE_BASE_PATH "/metainfo.xml", &error);
  if (metainfo == NULL)
    {
      /* The metainfo is compiled into the binary; this is a build defect. */
      g_critical ("Cannot read the bundled metainfo: %s", error->message);
      return;
    }

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_name (about, metainfo->name);
  adw_about_window_set_application_icon (about, APP_ID);
  adw_about_window_set_version (about, PACKAGE_VERSION);
  adw_about_window_set_comments (about, metainfo->summary);
  if (metainfo->developer_name != NULL)
    adw_about_window_set_developer_name (about, metainfo->developer_name);
  if (metainfo->homepage != NULL)
    adw_about_window_set_website (about, metainfo->homepage);
  if (metainfo->bugtracker != NULL)
    adw_about_window_set_issue_url (about, metainfo->bugtracker);
  if (g_strcmp0 (metainfo->project_license, "GPL-3.0-or-later") == 0)
    adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  if (metainfo->release_notes != NULL)
    {
      adw_about_window_set_release_notes_version (about, metainfo->version);
      adw_about_window_set_release_notes (about, metainfo->release_notes);
    }
  /* Translators: replace with your names, one per line. */
  adw_about_window_set_translator_credits (about, _("translator-credits"));

  g_signal_connect (about, "activate-link", G_CALLBACK (on_about_link), NULL);
  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit (GSimpleAction *action,
      GVariant      *parameter,
      gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Close windows first so each saves its state (window size, later the
   * streaming answer) through its close-request handler. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (app));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = show_about },
  { .name = "quit", .activate = quit },
};

static void
vc_application_startup (GApplication *app)
{
  static const char * const quit_accels[] = { "<Control>q", NULL };
  static const char * const new_accels[] = { "<Control>n", NULL };
  static const char * const choose_accels[] = { "<Control>o", NULL };
  static const char * const preferences_accels[] = { "<Control>comma", NULL };
  static const char * const sidebar_accels[] = { "F9", NULL };
  static const char * const search_accels[] = { "<Control>f", NULL };
  static const char * const shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (vc_application_parent_class)->startup (app);
  vc_software_gl_check ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.new-conversation", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.choose-model", choose_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.toggle-sidebar", sidebar_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.search", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay", shortcuts_accels);
}

static void
vc_application_dispose (GObject *object)
{
  VcApplication *self = VC_APPLICATION (object);

  /* Stops the engine's thread (after the job it is on). */
  g_clear_object (&self->worker);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (vc_application_parent_class)->dispose (object);
}

VcWorker *
vc_application_get_worker (VcApplication *self)
{
  g_return_val_if_fail (VC_IS_APPLICATION (self), NULL);

  if (self->worker == NULL)
    self->worker = vc_worker_new ();
  return self->worker;
}

static char *
store_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "vila-chat", "chats.db", NULL);
}

VcStore *
vc_application_get_store (VcApplication  *self,
                          GError        **error)
{
  g_return_val_if_fail (VC_IS_APPLICATION (self), NULL);

  if (self->store == NULL)
    {
      g_autofree char *path = store_path ();

      self->store = vc_store_open (path, error);
    }
  return self->store;
}

VcStore *
vc_application_start_fresh_store (VcApplication  *self,
                                  char          **kept,
                                  GError        **error)
{
  g_autofree char *path = store_path ();
  g_autofree char *aside = NULL;

  g_return_val_if_fail (VC_IS_APPLICATION (self), NULL);

  if (self->store != NULL)
    return self->store;
  if (!(aside = vc_store_set_aside (path, error)) || !(self->store = vc_store_open (path, error)))
    return NULL;
  if (kept != NULL)
    *kept = g_steal_pointer (&aside);
  return self->store;
}

static void
vc_application_class_init (VcApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = vc_application_activate;
  app_class->startup = vc_application_startup;
  G_OBJECT_CLASS (klass)->dispose = vc_application_dispose;
  app_class->command_line = vc_application_command_line;
  app_class->handle_local_options = vc_application_handle_local_options;
}

static void
vc_application_init (VcApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

VcApplication *
vc_application_new (void)
{
  /* The development build has its own app id but the same resources, so
   * the resource base path is fixed rather than derived from the id. */
  return g_object_new (VC_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       NULL);
}
