/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-window"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-application.h"
#include "vc-conversation-settings.h"
#include "vc-conversation-view.h"
#include "vc-preferences-window.h"
#include "vc-sidebar.h"
#include "vc-window.h"

struct _VcWindow
{
  AdwApplicationWindow parent_instance;

  GSettings        *settings;
  char             *model_override;   /* from --model, never stored */
  GCancellable     *load_cancellable;
  gulong            progress_handler;
  char             *pending_path;     /* a load that waits for the main loop */
  char             *model_path;       /* of the model loaded or loading */
  gboolean          remember_model;   /* keep model_path as the default once loaded */
  VilaLoadOptions   pending_options;
  guint             start_source;

  gint64            conversation;     /* the one shown, or 0 */

  /* Template children */
  AdwToastOverlay  *toast_overlay;
  AdwLeaflet       *leaflet;
  GtkWidget        *sidebar_separator;
  VcSidebar        *sidebar;
  VcConversationView *conversation_view;
  AdwWindowTitle   *window_title;
  GtkStack         *stack;
  AdwStatusPage    *loading_page;
  GtkProgressBar   *load_progress;
  AdwStatusPage    *ready_page;
};

G_DEFINE_FINAL_TYPE (VcWindow, vc_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_MODEL_OVERRIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (VcWindow   *self,
            const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 0);   /* errors stay until dismissed */
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_model_name (VcWindow   *self,
                const char *name)
{
  adw_window_title_set_subtitle (self->window_title, name ? name : "");
}

static VcWorker *
worker_of (VcWindow *self)
{
  return vc_application_get_worker (VC_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
}

static void
on_load_progress (VcWorker   *worker,
                  double      fraction,
                  const char *stage,
                  gpointer    user_data)
{
  VcWindow *self = user_data;

  gtk_progress_bar_set_fraction (self->load_progress, fraction);
}

static void
on_model_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VcWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  gboolean loaded = vc_worker_load_finish (VC_WORKER (source), result, &error);

  /* A newer load, the Cancel button or the window's close took over. */
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    return;

  g_clear_object (&self->load_cancellable);
  if (!loaded)
    {
      g_autofree char *message = g_strdup_printf (_("Could not load the model: %s"), error->message);

      set_model_name (self, NULL);
      gtk_stack_set_visible_child_name (self->stack, "welcome");
      show_toast (self, message);
      return;
    }

  /* A folder the user chose becomes the default only once it loaded. */
  if (self->remember_model && self->model_path != NULL)
    g_settings_set_string (self->settings, "model-path", self->model_path);
  self->remember_model = FALSE;
  adw_status_page_set_title (self->ready_page, vc_worker_get_model_info (VC_WORKER (source))->name);
  gtk_stack_set_visible_child_name (self->stack, self->conversation ? "chat" : "ready");
}

static gboolean
start_load (gpointer user_data)
{
  VcWindow *self = user_data;
  g_autofree char *path = g_steal_pointer (&self->pending_path);
  VcWorker *worker;

  self->start_source = 0;
  if (path == NULL || self->load_cancellable == NULL || gtk_window_get_application (GTK_WINDOW (self)) == NULL)
    return G_SOURCE_REMOVE;
  worker = worker_of (self);
  if (self->progress_handler == 0)
    self->progress_handler = g_signal_connect_object (worker, "load-progress", G_CALLBACK (on_load_progress), self, 0);
  vc_worker_load_async (worker, path, &self->pending_options, self->load_cancellable, on_model_loaded,
                        g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
load_model (VcWindow   *self,
            const char *path,
            gboolean    remember)
{
  g_autofree char *name = vc_worker_display_name (path);
  g_autofree char *backend_name = g_settings_get_string (self->settings, "backend");
  VilaLoadOptions options;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  vila_load_options_init (&options);
  vila_backend_kind_from_string (backend_name, &options.backend);

  if (path != self->model_path)
    {
      g_free (self->model_path);
      self->model_path = g_strdup (path);
    }
  self->remember_model = remember;
  set_model_name (self, name);
  adw_status_page_set_description (self->loading_page, name);
  gtk_progress_bar_set_fraction (self->load_progress, 0.0);
  gtk_stack_set_visible_child_name (self->stack, "loading");

  /* The worker is the application's, which a window being constructed
   * does not know yet: the request goes out from the main loop. */
  g_free (self->pending_path);
  self->pending_path = g_strdup (path);
  self->pending_options = options;
  if (self->start_source == 0)
    self->start_source = g_idle_add_full (G_PRIORITY_DEFAULT, start_load, g_object_ref (self), g_object_unref);
}

static void
cancel_load (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  set_model_name (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "welcome");
}

/* Frees the model's memory (a user switching to other work): the answer
 * being written stops, the conversations stay, the welcome page offers to
 * load one again. */
static void
unload_model (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  vc_conversation_view_stop (self->conversation_view);
  vc_worker_unload (worker_of (self));
  g_clear_pointer (&self->model_path, g_free);
  set_model_name (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "welcome");
}

static void
on_model_folder_chosen (GtkNativeDialog *dialog,
                        int              response,
                        gpointer         user_data)
{
  VcWindow *self = VC_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (folder);

      if (path == NULL)
        show_toast (self, _("The chosen folder is not on a local disk"));
      else
        /* Choosing a folder makes it the default for the next start,
         * once it loaded. */
        load_model (self, path, TRUE);
    }

  g_object_unref (dialog);
}

static void
choose_model (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose a Model Folder"),
                                         GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_model_folder_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
show_conversation (VcWindow   *self,
                   gint64      conversation,
                   const char *title)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  VcStore *store = app ? vc_application_get_store (VC_APPLICATION (app), NULL) : NULL;

  self->conversation = conversation;
  vc_sidebar_select (self->sidebar, conversation);
  adw_status_page_set_title (self->ready_page, title);
  if (store != NULL)
    {
      vc_conversation_view_show (self->conversation_view, store, worker_of (self), conversation);
      /* Without a model the welcome page (choose one) or the loading page
       * stays; the chat comes once the model is there. */
      if (vc_worker_get_model_info (worker_of (self)) != NULL &&
          g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") != 0)
        gtk_stack_set_visible_child_name (self->stack, "chat");
    }
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_view_error (VcWindow   *self,
               const char *message)
{
  show_toast (self, message);
}

static void
on_conversation_changed (VcWindow *self,
                         gint64    conversation)
{
  vc_sidebar_reload (self->sidebar, self->conversation);
}

static void
on_conversation_activated (VcWindow   *self,
                           gint64      conversation,
                           const char *title)
{
  show_conversation (self, conversation, title);
}

static void
on_sidebar_toast (VcWindow *self,
                  AdwToast *toast)
{
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (toast));
}

static void
on_back_clicked (VcWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
new_conversation (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gint64 id = vc_sidebar_new_conversation (self->sidebar, &error);

  if (id == 0)
    show_toast (self, error->message);
  else
    show_conversation (self, id, _("New Conversation"));
}

/* Image files (one or many) or a picture from a browser, dropped anywhere
 * on the window: into the conversation shown, or a new one when none is. */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         VcWindow      *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "ready") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.new-conversation", NULL);
  else if (g_strcmp0 (page, "chat") != 0)
    {
      show_toast (self, _("Choose a model before adding images"));
      return FALSE;
    }
  return vc_composer_add_dropped (vc_conversation_view_get_composer (self->conversation_view), value);
}

static void
on_conversation_settings_changed (VcWindow *self,
                                  gint64    conversation)
{
  vc_sidebar_reload (self->sidebar, self->conversation);
  if (conversation == self->conversation)
    vc_conversation_view_refresh_settings (self->conversation_view);
}

static void
show_conversation_settings (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  VcStore *store = app ? vc_application_get_store (VC_APPLICATION (app), NULL) : NULL;
  GtkWidget *settings;

  if (store == NULL)
    return;
  if (!(settings = vc_conversation_settings_new (GTK_WINDOW (self), store, g_variant_get_int64 (parameter), &error)))
    {
      show_toast (self, error->message);
      return;
    }
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_conversation_settings_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "error", G_CALLBACK (show_toast), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (settings));
}

static void
delete_conversation (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  gint64 id = g_variant_get_int64 (parameter);

  vc_sidebar_delete (self->sidebar, id);
  if (self->conversation == id)
    {
      /* Its answer stops; the window shows the model it has loaded. */
      vc_conversation_view_stop (self->conversation_view);
      self->conversation = 0;
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "chat") == 0)
        gtk_stack_set_visible_child_name (self->stack, "ready");
    }
}

static void
undo_delete (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  vc_sidebar_undo_delete (VC_WINDOW (widget)->sidebar, g_variant_get_int64 (parameter));
}

static void
use_store (VcWindow *self,
           VcStore  *store)
{
  g_autoptr(GError) error = NULL;
  VcApplication *app = VC_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (!vc_sidebar_set_store (self->sidebar, store, vc_application_get_worker (app), &error))
    show_toast (self, error->message);
}

static void
on_fresh_store_response (AdwMessageDialog *dialog,
                         const char       *response,
                         VcWindow         *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *kept_name = NULL;
  g_autofree char *message = NULL;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  VcStore *store;

  if (!g_str_equal (response, "fresh") || app == NULL)
    {
      /* The file stays as it is for whoever wants to look at it. */
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (!(store = vc_application_start_fresh_store (VC_APPLICATION (app), &kept, &error)))
    {
      show_toast (self, error->message);
      return;
    }
  use_store (self, store);
  if (kept != NULL)
    {
      kept_name = g_path_get_basename (kept);
      /* Translators: %s is a file name */
      message = g_strdup_printf (_("The old conversations are kept in %s"), kept_name);
      show_toast (self, message);
    }
}

static gboolean
present_dialog (gpointer dialog)
{
  gtk_window_present (dialog);
  return G_SOURCE_REMOVE;
}

static void
present_once (GtkWindow *dialog,
              GtkWidget *window)
{
  g_signal_handlers_disconnect_by_func (window, present_once, dialog);
  /* After the window's own mapping has finished. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, present_dialog, g_object_ref (dialog), g_object_unref);
}

/* The database could not be opened (damaged, or from a newer version):
 * never overwritten; the user chooses between a fresh one, with the old
 * file kept beside it, and leaving everything as it is. */
static void
offer_fresh_store (VcWindow     *self,
                   const GError *error)
{
  AdwMessageDialog *dialog =
    ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Conversations Cannot Be Opened"), NULL));

  adw_message_dialog_format_body (dialog,
                                  _("%s\n\nVILA Chat can start a fresh database. The old file is kept beside it, "
                                    "unchanged."),
                                  error->message);
  adw_message_dialog_add_responses (dialog, "quit", _("_Quit"), "fresh", _("_Start Fresh"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "fresh", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "fresh");
  adw_message_dialog_set_close_response (dialog, "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_fresh_store_response), self, 0);
  /* Over the window, so shown once the window is (a window manager would
   * keep it above; without one, as under Xvfb, order decides). */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_window_present (GTK_WINDOW (dialog));
  else
    g_signal_connect_object (self, "map", G_CALLBACK (present_once), dialog, G_CONNECT_SWAPPED);
}

/* Once the window knows its application: the conversations of its store. */
static void
on_application_set (VcWindow   *self,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  VcStore *store;

  if (app == NULL)
    return;
  if ((store = vc_application_get_store (VC_APPLICATION (app), &error)) != NULL)
    use_store (self, store);
  else
    offer_fresh_store (self, error);
}

static void
restore_window_state (VcWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
vc_window_close_request (GtkWindow *window)
{
  VcWindow *self = VC_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  g_cancellable_cancel (self->load_cancellable);

  return GTK_WINDOW_CLASS (vc_window_parent_class)->close_request (window);
}

static void
set_sidebar_shown (VcWindow *self,
                   gboolean  shown)
{
  if (adw_leaflet_get_folded (self->leaflet))
    {
      /* One pane at a time: the sidebar is the page to go back to. */
      adw_leaflet_navigate (self->leaflet, shown ? ADW_NAVIGATION_DIRECTION_BACK : ADW_NAVIGATION_DIRECTION_FORWARD);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar), shown);
  gtk_widget_set_visible (self->sidebar_separator, shown);
}

static gboolean
sidebar_shown (VcWindow *self)
{
  if (adw_leaflet_get_folded (self->leaflet))
    return adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->sidebar);
  return gtk_widget_get_visible (GTK_WIDGET (self->sidebar));
}

static void
toggle_sidebar (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);

  set_sidebar_shown (self, !sidebar_shown (self));
}

static void
search_conversations (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);

  set_sidebar_shown (self, TRUE);
  vc_sidebar_start_search (self->sidebar);
}

/* A new backend takes effect by loading the model again. */
static void
on_backend_changed (VcWindow *self)
{
  g_autofree char *path = g_strdup (self->model_path);

  if (path != NULL)
    load_model (self, path, FALSE);
}

static void
show_preferences (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gtk_window_present (GTK_WINDOW (vc_preferences_window_new (GTK_WINDOW (widget))));
}

/* The keyboard shortcuts, built the first time they are asked for. */
static void
show_shortcuts (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  GtkApplicationWindow *window = GTK_APPLICATION_WINDOW (widget);
  GtkShortcutsWindow *shortcuts = gtk_application_window_get_help_overlay (window);

  if (shortcuts == NULL)
    {
      g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE_PATH "/vc-shortcuts-window.ui");

      shortcuts = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      /* The window takes it over: transient for it, hidden when closed,
       * destroyed with it. */
      gtk_application_window_set_help_overlay (window, shortcuts);
    }
  gtk_window_present (GTK_WINDOW (shortcuts));
}

static void
vc_window_constructed (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);
  g_autofree char *stored_path = g_settings_get_string (self->settings, "model-path");
  const char *path = self->model_override ? self->model_override : stored_path;

  G_OBJECT_CLASS (vc_window_parent_class)->constructed (object);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  if (path != NULL && *path != '\0')
    load_model (self, path, FALSE);
}

static void
vc_window_dispose (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->start_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_WINDOW);

  G_OBJECT_CLASS (vc_window_parent_class)->dispose (object);
}

static void
vc_window_finalize (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->model_override);
  g_free (self->model_path);

  G_OBJECT_CLASS (vc_window_parent_class)->finalize (object);
}

static void
vc_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  VcWindow *self = VC_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL_OVERRIDE:
      self->model_override = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  VcWindow *self = VC_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL_OVERRIDE:
      g_value_set_string (value, self->model_override);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_window_class_init (VcWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = vc_window_constructed;
  object_class->dispose = vc_window_dispose;
  object_class->finalize = vc_window_finalize;
  object_class->set_property = vc_window_set_property;
  object_class->get_property = vc_window_get_property;
  window_class->close_request = vc_window_close_request;

  /**
   * VcWindow:model-override:
   *
   * A model folder given on the command line; it is opened in this window
   * but does not replace the stored default.
   */
  properties[PROP_MODEL_OVERRIDE] =
    g_param_spec_string ("model-override", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VcWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, sidebar_separator);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, conversation_view);
  gtk_widget_class_bind_template_callback (widget_class, on_conversation_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_view_error);
  gtk_widget_class_bind_template_callback (widget_class, on_conversation_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_toast);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, ready_page);

  gtk_widget_class_install_action (widget_class, "win.choose-model", NULL, choose_model);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, show_preferences);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL, show_shortcuts);
  gtk_widget_class_install_action (widget_class, "win.conversation-settings", "x", show_conversation_settings);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL, toggle_sidebar);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_conversations);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load);
  gtk_widget_class_install_action (widget_class, "win.unload-model", NULL, unload_model);
  gtk_widget_class_install_action (widget_class, "win.new-conversation", NULL, new_conversation);
  gtk_widget_class_install_action (widget_class, "win.delete-conversation", "x", delete_conversation);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", "x", undo_delete);
}

static void
vc_window_init (VcWindow *self)
{
  g_type_ensure (VC_TYPE_SIDEBAR);
  g_type_ensure (VC_TYPE_CONVERSATION_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_set), NULL);

  self->settings = g_settings_new (BASE_APP_ID);
  g_signal_connect_object (self->settings, "changed::backend", G_CALLBACK (on_backend_changed), self,
                           G_CONNECT_SWAPPED);
  {
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
    GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

    gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
    g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }
  restore_window_state (self);
}

const char *
vc_window_get_page (VcWindow *self)
{
  g_return_val_if_fail (VC_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}
