/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-window"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-application.h"
#include "vc-conversation-list.h"
#include "vc-window.h"

struct _VcWindow
{
  AdwApplicationWindow parent_instance;

  GSettings        *settings;
  char             *model_override;   /* from --model, never stored */
  GCancellable     *load_cancellable;
  gulong            progress_handler;
  char             *pending_path;     /* a load that waits for the main loop */
  VilaLoadOptions   pending_options;
  guint             start_source;

  VcStore          *store;            /* the application's, kept while the window is */
  VcWorker         *worker;
  VcConversationList *conversations;
  gint64            conversation;     /* the one shown, or 0 */
  GHashTable       *pending_deletes;  /* gint64 *: hidden, deleted unless undone */

  /* Template children */
  AdwToastOverlay  *toast_overlay;
  AdwLeaflet       *leaflet;
  GtkSearchEntry   *search_entry;
  GtkListView      *conversation_view;
  GtkStack         *sidebar_stack;
  AdwStatusPage    *sidebar_empty;
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

  adw_status_page_set_title (self->ready_page, vc_worker_get_model_info (VC_WORKER (source))->name);
  gtk_stack_set_visible_child_name (self->stack, "ready");
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
            const char *path)
{
  g_autofree char *name = vc_worker_display_name (path);
  g_autofree char *backend_name = g_settings_get_string (self->settings, "backend");
  VilaLoadOptions options;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  vila_load_options_init (&options);
  vila_backend_kind_from_string (backend_name, &options.backend);

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
        {
          /* Choosing a folder makes it the default for the next start. */
          g_settings_set_string (self->settings, "model-path", path);
          load_model (self, path);
        }
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

static VcStore *
store_of (VcWindow *self)
{
  return self->store;
}

/* The sidebar's list again from the store, with the search as typed. */
static void
reload_conversations (VcWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->conversations == NULL)
    return;
  if (!vc_conversation_list_reload (self->conversations, query, &error))
    show_toast (self, error->message);
  adw_status_page_set_title (self->sidebar_empty, *query ? _("No Results") : _("No Conversations"));
  adw_status_page_set_icon_name (self->sidebar_empty, *query ? "system-search-symbolic" : BASE_APP_ID "-symbolic");
  gtk_stack_set_visible_child_name (self->sidebar_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) ? "list" : "empty");
}

static void
on_search_changed (VcWindow *self)
{
  reload_conversations (self);
}

static void
show_conversation (VcWindow *self,
                   gint64    conversation)
{
  int position;

  self->conversation = conversation;
  position = vc_conversation_list_find (self->conversations, conversation);
  if (position >= 0)
    {
      g_autoptr(VcConversationItem) item = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);

      gtk_selection_model_select_item (gtk_list_view_get_model (self->conversation_view), position, TRUE);
      adw_status_page_set_title (self->ready_page, vc_conversation_item_get_title (item));
    }
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_conversation_activated (VcWindow *self,
                           guint     position)
{
  g_autoptr(VcConversationItem) item = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);

  if (item != NULL)
    show_conversation (self, vc_conversation_item_get_id (item));
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
  VcStore *store = store_of (self);
  gint64 id;

  if (store == NULL)
    return;
  if (!(id = vc_store_add_conversation (store, _("New Conversation"), &error)))
    {
      show_toast (self, error->message);
      return;
    }
  /* A new conversation shows whatever is searched for. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  reload_conversations (self);
  show_conversation (self, id);
}

/* Deletes @conversation for good, if its deletion is still pending. */
static void
commit_delete (VcWindow *self,
               gint64    conversation)
{
  g_autoptr(GError) error = NULL;
  VcStore *store = store_of (self);

  /* (A toast dismissed while the window is disposed finds nothing left.) */
  if (self->pending_deletes == NULL || !g_hash_table_remove (self->pending_deletes, &conversation) ||
      store == NULL)
    return;
  if (!vc_store_delete_conversation (store, conversation, &error))
    g_warning ("%s", error->message);
  if (self->worker != NULL)
    vc_worker_forget (self->worker, conversation);
  if (self->conversations != NULL)
    vc_conversation_list_hide (self->conversations, conversation, FALSE);
}

/* The toast is gone: unless undone, the conversation goes. */
static void
on_delete_dismissed (AdwToast *toast,
                     VcWindow *self)
{
  if (self->pending_deletes == NULL)
    return;
  commit_delete (self, g_variant_get_int64 (adw_toast_get_action_target_value (toast)));
  reload_conversations (self);
}

static void
undo_delete (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  gint64 id = g_variant_get_int64 (parameter);

  if (self->pending_deletes == NULL || !g_hash_table_remove (self->pending_deletes, &id))
    return;
  vc_conversation_list_hide (self->conversations, id, FALSE);
  reload_conversations (self);
}

static void
delete_conversation (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  VcWindow *self = VC_WINDOW (widget);
  gint64 id = g_variant_get_int64 (parameter);
  int position = self->conversations ? vc_conversation_list_find (self->conversations, id) : -1;
  g_autoptr(VcConversationItem) item = NULL;
  AdwToast *toast;

  if (position < 0)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);
  /* Hidden now, deleted when the toast goes (or the window closes),
   * unless Undo brings it back first. */
  g_hash_table_add (self->pending_deletes, g_memdup2 (&id, sizeof id));
  toast = adw_toast_new_format (_("“%s” deleted"), vc_conversation_item_get_title (item));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_action_target_value (toast, g_variant_new_int64 (id));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_delete_dismissed), self, 0);

  vc_conversation_list_hide (self->conversations, id, TRUE);
  if (self->conversation == id)
    {
      self->conversation = 0;
      adw_status_page_set_title (self->ready_page, "");
    }
  reload_conversations (self);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *menu = gtk_menu_button_new ();

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "view-more-symbolic");
  gtk_widget_add_css_class (menu, "flat");
  gtk_widget_set_tooltip_text (menu, _("Conversation Menu"));
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), menu);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  VcConversationItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *menu_button = gtk_widget_get_last_child (box);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) delete = g_menu_item_new (_("_Delete"), NULL);

  gtk_label_set_text (GTK_LABEL (title), vc_conversation_item_get_title (item));
  g_menu_item_set_action_and_target_value (delete, "win.delete-conversation",
                                           g_variant_new_int64 (vc_conversation_item_get_id (item)));
  g_menu_append_item (menu, delete);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
}

/* Once the window knows its application: the conversations of its store. */
static void
on_application_set (VcWindow   *self,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  VcStore *store;

  if (app == NULL || self->conversations != NULL)
    return;
  if (!(store = vc_application_get_store (VC_APPLICATION (app), &error)))
    {
      show_toast (self, error->message);
      gtk_stack_set_visible_child_name (self->sidebar_stack, "empty");
      return;
    }
  self->store = g_object_ref (store);
  self->worker = g_object_ref (vc_application_get_worker (VC_APPLICATION (app)));
  self->conversations = vc_conversation_list_new (store);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->conversation_view, factory);
  {
    /* Nothing is selected until a conversation is opened. */
    g_autoptr(GtkSingleSelection) selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->conversations)));

    gtk_single_selection_set_autoselect (selection, FALSE);
    gtk_single_selection_set_can_unselect (selection, TRUE);
    gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
    gtk_list_view_set_model (self->conversation_view, GTK_SELECTION_MODEL (selection));
  }
  reload_conversations (self);
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
vc_window_constructed (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);
  g_autofree char *stored_path = g_settings_get_string (self->settings, "model-path");
  const char *path = self->model_override ? self->model_override : stored_path;

  G_OBJECT_CLASS (vc_window_parent_class)->constructed (object);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  if (path != NULL && *path != '\0')
    load_model (self, path);
}

static void
vc_window_dispose (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->start_source, g_source_remove);
  /* A deletion still undoable when the window closes happens now. */
  if (self->pending_deletes != NULL)
    {
      g_autoptr(GList) ids = g_hash_table_get_keys (self->pending_deletes);

      for (GList *l = ids; l != NULL; l = l->next)
        commit_delete (self, *(gint64 *) l->data);
      g_clear_pointer (&self->pending_deletes, g_hash_table_unref);
    }
  g_clear_object (&self->conversations);
  g_clear_object (&self->store);
  g_clear_object (&self->worker);
  g_clear_pointer (&self->pending_path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_WINDOW);

  G_OBJECT_CLASS (vc_window_parent_class)->dispose (object);
}

static void
vc_window_finalize (GObject *object)
{
  VcWindow *self = VC_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->model_override);

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
  gtk_widget_class_bind_template_child (widget_class, VcWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, conversation_view);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, sidebar_empty);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_conversation_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, VcWindow, ready_page);

  gtk_widget_class_install_action (widget_class, "win.choose-model", NULL, choose_model);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load);
  gtk_widget_class_install_action (widget_class, "win.new-conversation", NULL, new_conversation);
  gtk_widget_class_install_action (widget_class, "win.delete-conversation", "x", delete_conversation);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", "x", undo_delete);
}

static void
vc_window_init (VcWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_set), NULL);
  self->pending_deletes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->settings = g_settings_new (BASE_APP_ID);
  restore_window_state (self);
}

const char *
vc_window_get_page (VcWindow *self)
{
  g_return_val_if_fail (VC_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}
