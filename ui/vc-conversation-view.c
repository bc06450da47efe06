/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The transcript is a GtkListView over the stored messages (rows are made
 * for what is on screen only, so hundreds of messages stay smooth); the
 * answer being written updates its row as VcChat hands its text over (at
 * most once a frame, as the worker coalesces tokens).
 */
#define G_LOG_DOMAIN "vc-conversation-view"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-chat.h"
#include "vc-conversation-view.h"
#include "vc-message-widget.h"

/* A message as the list model holds it; "changed" when its text grows. */
#define VC_TYPE_MESSAGE_ITEM (vc_message_item_get_type ())
G_DECLARE_FINAL_TYPE (VcMessageItem, vc_message_item, VC, MESSAGE_ITEM, GObject)

struct _VcMessageItem
{
  GObject         parent_instance;
  gint64          id;
  VcRole          role;
  char           *text;
  VcMessageState  state;
  double          first_token_ms;
  double          tokens_per_second;
};

G_DEFINE_FINAL_TYPE (VcMessageItem, vc_message_item, G_TYPE_OBJECT)

static guint item_changed_signal;

static void
vc_message_item_finalize (GObject *object)
{
  g_free (VC_MESSAGE_ITEM (object)->text);
  G_OBJECT_CLASS (vc_message_item_parent_class)->finalize (object);
}

static void
vc_message_item_class_init (VcMessageItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vc_message_item_finalize;
  item_changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 0);
}

static void
vc_message_item_init (VcMessageItem *self)
{
}

struct _VcConversationView
{
  GtkBox        parent_instance;

  VcStore      *store;
  VcWorker     *worker;
  VcChat       *chat;
  GListStore   *messages;     /* VcMessageItem */
  GCancellable *answering;    /* while an answer is written */
  GSettings    *settings;
  GPtrArray    *attachments;  /* GBytes: encoded images, in the strip's order */

  /* Template children */
  GtkScrolledWindow *scroller;
  GtkListView       *transcript;
  GtkTextView       *composer;
  GtkStack          *send_stack;
  GtkWidget         *attachment_scroller;
  GtkWidget         *attachment_strip;
};

G_DEFINE_FINAL_TYPE (VcConversationView, vc_conversation_view, GTK_TYPE_BOX)

enum {
  SIGNAL_CONVERSATION_CHANGED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void clear_strip (VcConversationView *self);

static void
show_item (VcMessageItem   *item,
           VcMessageWidget *widget)
{
  vc_message_widget_set (widget, item->role, item->text, item->state, item->first_token_ms, item->tokens_per_second);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, vc_message_widget_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  VcMessageItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *widget = gtk_list_item_get_child (list_item);

  show_item (item, VC_MESSAGE_WIDGET (widget));
  g_signal_connect_object (item, "changed", G_CALLBACK (show_item), widget, 0);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (list_item), show_item,
                                        gtk_list_item_get_child (list_item));
}

static gboolean
at_bottom (VcConversationView *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 4;
}

static gboolean
scroll_to_bottom (gpointer data)
{
  VcConversationView *self = data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  return G_SOURCE_REMOVE;
}

/* Follows the transcript to its end once the change is laid out, if the
 * user was there (scrolled up, they stay where they are). */
static void
follow (VcConversationView *self,
        gboolean            was_at_bottom)
{
  if (was_at_bottom)
    g_idle_add_full (G_PRIORITY_LOW, scroll_to_bottom, g_object_ref (self), g_object_unref);
}

/* The transcript again from the store. */
static void
reload (VcConversationView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean was_at_bottom = at_bottom (self);

  if (self->chat == NULL ||
      !(messages = vc_store_list_messages (self->store, vc_chat_get_conversation (self->chat), &error)))
    {
      g_list_store_remove_all (self->messages);
      return;
    }
  for (guint i = 0; i < messages->len; i++)
    {
      const VcMessage *m = messages->pdata[i];
      VcMessageItem *item = g_object_new (VC_TYPE_MESSAGE_ITEM, NULL);

      item->id = m->id;
      item->role = m->role;
      item->text = g_strdup (m->text);
      item->state = m->state;
      item->first_token_ms = m->first_token_ms;
      item->tokens_per_second = m->tokens_per_second;
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->messages, 0, g_list_model_get_n_items (G_LIST_MODEL (self->messages)),
                       items->pdata, items->len);
  follow (self, was_at_bottom);
}

static void
on_answer_changed (VcChat             *chat,
                   gint64              message,
                   const char         *text,
                   VcConversationView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_autoptr(VcMessageItem) item = n ? g_list_model_get_item (G_LIST_MODEL (self->messages), n - 1) : NULL;
  gboolean was_at_bottom = at_bottom (self);

  if (item == NULL || item->id != message)
    return;
  g_free (item->text);
  item->text = g_strdup (text);
  g_signal_emit (item, item_changed_signal, 0);
  follow (self, was_at_bottom);
}

void
vc_conversation_view_show (VcConversationView *self,
                           VcStore            *store,
                           VcWorker           *worker,
                           gint64              conversation)
{
  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  vc_conversation_view_stop (self);
  g_set_object (&self->store, store);
  g_set_object (&self->worker, worker);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->chat);
  self->chat = vc_chat_new (store, worker, conversation);
  g_signal_connect (self->chat, "answer-changed", G_CALLBACK (on_answer_changed), self);
  reload (self);
  follow (self, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static void
set_busy (VcConversationView *self,
          gboolean            busy)
{
  gtk_stack_set_visible_child_name (self->send_stack, busy ? "stop" : "send");
  if (!busy)
    g_clear_object (&self->answering);
}

static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VcConversationView) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A failed answer keeps its message, marked failed. */
  if (!vc_chat_send_finish (VC_CHAT (source), result, &error))
    g_message ("The answer failed: %s", error->message);
  set_busy (self, FALSE);
  if (VC_CHAT (source) == self->chat)
    reload (self);
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, vc_chat_get_conversation (VC_CHAT (source)));
}

static void
clear_strip (VcConversationView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->attachment_strip)) != NULL)
    gtk_box_remove (GTK_BOX (self->attachment_strip), child);
  gtk_widget_set_visible (self->attachment_scroller, FALSE);
}

static void
on_remove_attachment (GtkButton          *button,
                      VcConversationView *self)
{
  GtkWidget *tile = gtk_widget_get_parent (GTK_WIDGET (button));
  guint index = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (self->attachment_strip);
       child != NULL && child != tile;
       child = gtk_widget_get_next_sibling (child))
    index++;
  if (index < self->attachments->len)
    g_ptr_array_remove_index (self->attachments, index);
  gtk_box_remove (GTK_BOX (self->attachment_strip), tile);
  gtk_widget_set_visible (self->attachment_scroller, self->attachments->len > 0);
}

/* An image for the next question: its bytes, and a tile in the strip. */
static void
add_attachment (VcConversationView *self,
                GBytes             *bytes,
                GdkTexture         *texture,
                const char         *name)
{
  GtkWidget *tile = gtk_overlay_new ();
  GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), name);

  gtk_widget_set_size_request (picture, 64, 64);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_tooltip_text (picture, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_set_halign (remove, GTK_ALIGN_END);
  gtk_widget_set_valign (remove, GTK_ALIGN_START);
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_add_css_class (remove, "osd");
  gtk_widget_set_tooltip_text (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_attachment), self);
  gtk_overlay_set_child (GTK_OVERLAY (tile), picture);
  gtk_overlay_add_overlay (GTK_OVERLAY (tile), remove);
  gtk_box_append (GTK_BOX (self->attachment_strip), tile);
  g_ptr_array_add (self->attachments, g_bytes_ref (bytes));
  gtk_widget_set_visible (self->attachment_scroller, TRUE);
}

gboolean
vc_conversation_view_attach_file (VcConversationView  *self,
                                  GFile               *file,
                                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = g_file_get_basename (file);

  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), FALSE);

  /* Decoded now, so that a file that is no image (or one this system has
   * no loader for) is named at once, not when the question goes. */
  if (!(bytes = g_file_load_bytes (file, NULL, NULL, &local_error)) ||
      !(texture = gdk_texture_new_from_bytes (bytes, &local_error)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot read the image %s: %s"), name,
                   local_error->message);
      return FALSE;
    }
  add_attachment (self, bytes, texture, name);
  return TRUE;
}

void
vc_conversation_view_attach_texture (VcConversationView *self,
                                     GdkTexture         *texture)
{
  g_autoptr(GBytes) png = NULL;

  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  /* Stored as PNG: lossless, and what the image store keeps. */
  png = gdk_texture_save_to_png_bytes (texture);
  add_attachment (self, png, texture, _("Pasted image"));
}

guint
vc_conversation_view_get_n_attachments (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), 0);

  return self->attachments->len;
}

static void
attach_files (VcConversationView *self,
              GSList             *files)
{
  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autoptr(GError) error = NULL;

      if (!vc_conversation_view_attach_file (self, l->data, &error))
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
    }
}

/* Files dropped on the view, or a picture dragged from a browser. */
static gboolean
on_drop (GtkDropTarget      *target,
         const GValue       *value,
         double              x,
         double              y,
         VcConversationView *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    attach_files (self, gdk_file_list_get_files (g_value_get_boxed (value)));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    vc_conversation_view_attach_texture (self, g_value_get_object (value));
  else
    return FALSE;
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog    *dialog,
                     int                 response,
                     VcConversationView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *list = NULL;

      for (guint i = g_list_model_get_n_items (files); i > 0; i--)
        list = g_slist_prepend (list, g_list_model_get_item (files, i - 1));
      attach_files (self, list);
      g_slist_free_full (list, g_object_unref);
    }
  g_object_unref (dialog);
}

static void
on_attach_clicked (VcConversationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Attach Images"),
                                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"),
                                                               _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_pasted_files (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VcConversationView) self = user_data;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, NULL);

  if (value != NULL && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    attach_files (self, gdk_file_list_get_files (g_value_get_boxed (value)));
}

static void
on_pasted_texture (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(VcConversationView) self = user_data;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, NULL);

  if (texture != NULL)
    vc_conversation_view_attach_texture (self, texture);
}

/* Ctrl+V with a picture or copied files attaches them; text pastes as
 * usual. */
static gboolean
paste_images (VcConversationView *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL, on_pasted_files,
                                    g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, on_pasted_texture, g_object_ref (self));
  else
    return FALSE;
  return TRUE;
}

void
vc_conversation_view_send (VcConversationView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  VilaSamplingParams params;

  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  buffer = gtk_text_view_get_buffer (self->composer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (text);
  if ((*text == '\0' && self->attachments->len == 0) || self->chat == NULL || self->answering != NULL)
    return;
  gtk_text_buffer_set_text (buffer, "", 0);

  vila_sampling_params_init (&params);
  params.temperature = g_settings_get_double (self->settings, "temperature");
  params.top_p = g_settings_get_double (self->settings, "top-p");
  params.max_new_tokens = g_settings_get_uint (self->settings, "max-new-tokens");
  self->answering = g_cancellable_new ();
  set_busy (self, TRUE);
  {
    g_autoptr(GPtrArray) images = g_steal_pointer (&self->attachments);

    self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    clear_strip (self);
    vc_chat_send_async (self->chat, text, images, NULL, &params, self->answering, on_answered, g_object_ref (self));
  }
  /* The question and the answer's empty message are stored by now. */
  reload (self);
  follow (self, TRUE);
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, vc_chat_get_conversation (self->chat));
}

void
vc_conversation_view_stop (VcConversationView *self)
{
  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  if (self->answering != NULL)
    g_cancellable_cancel (self->answering);
}

gboolean
vc_conversation_view_is_busy (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), FALSE);

  return self->answering != NULL;
}

guint
vc_conversation_view_get_n_messages (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->messages));
}

void
vc_conversation_view_set_text (VcConversationView *self,
                               const char         *text)
{
  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), text, -1);
}

/* Enter sends, Shift+Enter (or Ctrl+Enter) is a new line. */
static gboolean
on_composer_key (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 VcConversationView    *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      !(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)))
    {
      vc_conversation_view_send (self);
      return TRUE;
    }
  if ((keyval == GDK_KEY_v || keyval == GDK_KEY_V) && (state & GDK_CONTROL_MASK))
    return paste_images (self);
  return FALSE;
}

static gboolean
stop_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (widget);

  if (self->answering == NULL)
    return FALSE;
  vc_conversation_view_stop (self);
  return TRUE;
}

static void
vc_conversation_view_dispose (GObject *object)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (object);

  vc_conversation_view_stop (self);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->chat);
  g_clear_object (&self->store);
  g_clear_object (&self->worker);
  g_clear_object (&self->messages);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_CONVERSATION_VIEW);
  G_OBJECT_CLASS (vc_conversation_view_parent_class)->dispose (object);
}

static void
vc_conversation_view_class_init (VcConversationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vc_conversation_view_dispose;
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CONVERSATION_CHANGED] =
    g_signal_new ("conversation-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, scroller);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, transcript);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, composer);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, send_stack);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, attachment_scroller);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, attachment_strip);
  gtk_widget_class_bind_template_callback (widget_class, on_attach_clicked);
  gtk_widget_class_bind_template_callback (widget_class, vc_conversation_view_send);
  gtk_widget_class_bind_template_callback (widget_class, vc_conversation_view_stop);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, stop_shortcut, NULL);
}

static void
vc_conversation_view_init (VcConversationView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (BASE_APP_ID);
  self->messages = g_list_store_new (VC_TYPE_MESSAGE_ITEM);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->transcript, factory);
  gtk_list_view_set_model (self->transcript,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)))));
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  {
    /* Image files (one or many) and pictures from a browser. */
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
    GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

    gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
    g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_composer_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), keys);
}
