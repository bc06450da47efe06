/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-sidebar"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-conversation-list.h"
#include "vc-sidebar.h"
#include "vc-tooltip.h"

struct _VcSidebar
{
  GtkBox              parent_instance;

  VcStore            *store;
  VcWorker           *worker;
  VcConversationList *conversations;
  GHashTable         *pending_deletes;  /* gint64 *: hidden, deleted unless undone */
  gboolean            folded;

  /* Template children */
  GtkSearchEntry     *search_entry;
  GtkSearchBar       *search_bar;
  GtkGridView        *conversation_view;  /* of one column */
  GtkStack           *sidebar_stack;
  AdwStatusPage      *sidebar_empty;
};

G_DEFINE_FINAL_TYPE (VcSidebar, vc_sidebar, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_FOLDED,
  N_PROPS
};

enum {
  SIGNAL_CONVERSATION_ACTIVATED,
  SIGNAL_TOAST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
vc_sidebar_start_search (VcSidebar *self)
{
  g_return_if_fail (VC_IS_SIDEBAR (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
update_empty_page (VcSidebar  *self,
                   const char *query)
{
  adw_status_page_set_title (self->sidebar_empty, *query ? _("No Results") : _("No Conversations"));
  adw_status_page_set_icon_name (self->sidebar_empty, *query ? "system-search-symbolic" : BASE_APP_ID "-symbolic");
  gtk_stack_set_visible_child_name (self->sidebar_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) ? "list" : "empty");
}

/* The list again from the store, with the search as typed. */
static void
reload (VcSidebar *self)
{
  g_autoptr(GError) error = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->conversations == NULL)
    return;
  if (!vc_conversation_list_reload (self->conversations, query, &error))
    {
      g_autoptr(AdwToast) toast = adw_toast_new (error->message);

      g_signal_emit (self, signals[SIGNAL_TOAST], 0, toast);
    }
  update_empty_page (self, query);
}

static void
on_search_changed (VcSidebar *self)
{
  reload (self);
}

static void
on_row_activated (VcSidebar *self,
                  guint      position)
{
  g_autoptr(VcConversationItem) item = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);

  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_CONVERSATION_ACTIVATED], 0, vc_conversation_item_get_id (item),
                   vc_conversation_item_get_title (item));
}

void
vc_sidebar_select (VcSidebar *self,
                   gint64     conversation)
{
  int position;

  g_return_if_fail (VC_IS_SIDEBAR (self));

  if (self->conversations == NULL || (position = vc_conversation_list_find (self->conversations, conversation)) < 0)
    return;
  gtk_selection_model_select_item (gtk_grid_view_get_model (self->conversation_view), position, TRUE);
}

void
vc_sidebar_reload (VcSidebar *self,
                   gint64     conversation)
{
  g_return_if_fail (VC_IS_SIDEBAR (self));

  reload (self);
  vc_sidebar_select (self, conversation);
}

gint64
vc_sidebar_new_conversation (VcSidebar  *self,
                             GError    **error)
{
  gint64 id;

  g_return_val_if_fail (VC_IS_SIDEBAR (self), 0);

  if (self->store == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("The chat database is not open"));
      return 0;
    }
  if (!(id = vc_store_add_conversation (self->store, _("New Conversation"), error)))
    return 0;
  /* A new conversation shows whatever was searched for. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  reload (self);
  vc_sidebar_select (self, id);
  return id;
}

/* Deletes @conversation for good, if its deletion is still pending. */
static void
commit_delete (VcSidebar *self,
               gint64     conversation)
{
  g_autoptr(GError) error = NULL;

  /* (A toast dismissed after the pane is disposed finds nothing left.) */
  if (self->pending_deletes == NULL || !g_hash_table_remove (self->pending_deletes, &conversation) ||
      self->store == NULL)
    return;
  if (!vc_store_delete_conversation (self->store, conversation, &error))
    g_warning ("%s", error->message);
  if (self->worker != NULL)
    vc_worker_forget (self->worker, conversation);
  if (self->conversations != NULL)
    vc_conversation_list_hide (self->conversations, conversation, FALSE);
}

/* The toast is gone: unless undone, the conversation goes. */
static void
on_delete_dismissed (AdwToast  *toast,
                     VcSidebar *self)
{
  if (self->pending_deletes == NULL)
    return;
  commit_delete (self, g_variant_get_int64 (adw_toast_get_action_target_value (toast)));
  reload (self);
}

void
vc_sidebar_undo_delete (VcSidebar *self,
                        gint64     conversation)
{
  g_return_if_fail (VC_IS_SIDEBAR (self));

  if (self->pending_deletes == NULL || !g_hash_table_remove (self->pending_deletes, &conversation))
    return;
  vc_conversation_list_hide (self->conversations, conversation, FALSE);
  reload (self);
}

void
vc_sidebar_delete (VcSidebar *self,
                   gint64     conversation)
{
  int position;
  g_autoptr(VcConversationItem) item = NULL;
  g_autoptr(AdwToast) toast = NULL;

  g_return_if_fail (VC_IS_SIDEBAR (self));

  if (self->conversations == NULL || (position = vc_conversation_list_find (self->conversations, conversation)) < 0)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);
  /* Hidden now, deleted when the toast goes (or the pane does), unless
   * Undo (the window's win.undo-delete) brings it back first. */
  g_hash_table_add (self->pending_deletes, g_memdup2 (&conversation, sizeof conversation));
  toast = adw_toast_new_format (_("“%s” deleted"), vc_conversation_item_get_title (item));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_action_target_value (toast, g_variant_new_int64 (conversation));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_delete_dismissed), self, 0);

  vc_conversation_list_hide (self->conversations, conversation, TRUE);
  reload (self);
  g_signal_emit (self, signals[SIGNAL_TOAST], 0, toast);
}

#define ROW_CONVERSATION "vc-conversation"

/* A row's menu item: the window's action, for the conversation the row
 * shows now (rows are recycled, so it is read when chosen). */
static void
row_action (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       row)
{
  const gint64 *conversation = g_object_get_data (G_OBJECT (row), ROW_CONVERSATION);
  const char *window_action = g_str_equal (g_action_get_name (G_ACTION (action)), "delete")
                              ? "win.delete-conversation" : "win.conversation-settings";

  if (conversation != NULL)
    gtk_widget_activate_action (GTK_WIDGET (row), window_action, "x", *conversation);
}

/* A row's menu and its actions, made the first time the row's menu button
 * is pressed: a GtkPopoverMenu builds its widgets when it is given its
 * model, and menus for every row the list keeps (200 rows while it was a
 * GTK 4.8 GtkListView) cost 0.2 s at start-up on two cores. */
static void
create_row_menu (GtkMenuButton *menu_button,
                 gpointer       user_data)
{
  static const GActionEntry row_actions[] = {
    { .name = "settings", .activate = row_action },
    { .name = "delete", .activate = row_action },
  };
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (menu_button));
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (actions), row_actions, G_N_ELEMENTS (row_actions), box);
  gtk_widget_insert_action_group (box, "row", G_ACTION_GROUP (actions));
  g_menu_append (menu, _("_Settings…"), "row.settings");
  g_menu_append (menu, _("_Delete"), "row.delete");
  gtk_menu_button_set_menu_model (menu_button, G_MENU_MODEL (menu));
  gtk_menu_button_set_create_popup_func (menu_button, NULL, NULL, NULL);
}

/* A row's widgets are made once; binding a row to another conversation
 * only changes its title and id (nothing is made while the list scrolls). */
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *menu_button = gtk_menu_button_new ();

  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (menu_button), create_row_menu, NULL, NULL);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_widget_add_css_class (menu_button, "flat");
  vc_widget_set_tooltip (menu_button, _("Conversation Menu"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Conversation Menu"), -1);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), menu_button);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  VcConversationItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  gint64 conversation = vc_conversation_item_get_id (item);

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)), vc_conversation_item_get_title (item));
  g_object_set_data_full (G_OBJECT (box), ROW_CONVERSATION, g_memdup2 (&conversation, sizeof conversation), g_free);
}

gboolean
vc_sidebar_set_store (VcSidebar  *self,
                      VcStore    *store,
                      VcWorker   *worker,
                      GError    **error)
{
  g_autoptr(GtkSingleSelection) selection = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_return_val_if_fail (VC_IS_SIDEBAR (self), FALSE);
  g_return_val_if_fail (VC_IS_STORE (store), FALSE);

  g_set_object (&self->store, store);
  g_set_object (&self->worker, worker);
  g_clear_object (&self->conversations);
  self->conversations = vc_conversation_list_new (store);
  if (!vc_conversation_list_reload (self->conversations, query, error))
    return FALSE;
  /* Nothing is selected until a conversation is opened. */
  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->conversations)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  gtk_grid_view_set_model (self->conversation_view, GTK_SELECTION_MODEL (selection));
  update_empty_page (self, query);
  return TRUE;
}

static void
vc_sidebar_dispose (GObject *object)
{
  VcSidebar *self = VC_SIDEBAR (object);

  /* A deletion still undoable when the pane goes happens now. */
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
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_SIDEBAR);
  G_OBJECT_CLASS (vc_sidebar_parent_class)->dispose (object);
}

static void
vc_sidebar_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_FOLDED:
      g_value_set_boolean (value, VC_SIDEBAR (object)->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_sidebar_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_FOLDED:
      VC_SIDEBAR (object)->folded = g_value_get_boolean (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_sidebar_class_init (VcSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vc_sidebar_dispose;
  object_class->get_property = vc_sidebar_get_property;
  object_class->set_property = vc_sidebar_set_property;

  /* Whether the window shows one pane at a time: the pane's header then
   * carries the window buttons. */
  properties[PROP_FOLDED] = g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONVERSATION_ACTIVATED] =
    g_signal_new ("conversation-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, ADW_TYPE_TOAST);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, VcSidebar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, VcSidebar, search_bar);
  gtk_widget_class_bind_template_child (widget_class, VcSidebar, conversation_view);
  gtk_widget_class_bind_template_child (widget_class, VcSidebar, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, VcSidebar, sidebar_empty);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
vc_sidebar_init (VcSidebar *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending_deletes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_grid_view_set_factory (self->conversation_view, factory);
}
