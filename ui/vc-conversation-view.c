/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The transcript is a one-column GtkGridView over the stored messages (rows
 * are made for what is on screen only, so hundreds of messages stay smooth;
 * GTK 4.8's GtkListView would keep 200 of them bound and styled); the
 * answer being written updates its row as VcChat hands its text over (at
 * most once a frame, as the worker coalesces tokens).
 */
#define G_LOG_DOMAIN "vc-conversation-view"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-chat.h"
#include "vc-composer.h"
#include "vc-conversation-view.h"
#include "vc-message-widget.h"
#include "vc-scrollable-bin.h"

/* A message as the list model holds it; "changed" when its text grows. */
#define VC_TYPE_MESSAGE_ITEM (vc_message_item_get_type ())
G_DECLARE_FINAL_TYPE (VcMessageItem, vc_message_item, VC, MESSAGE_ITEM, GObject)

struct _VcMessageItem
{
  GObject    parent_instance;
  VcMessage *message;
  char      *folder;        /* of the image store */
};

G_DEFINE_FINAL_TYPE (VcMessageItem, vc_message_item, G_TYPE_OBJECT)

static guint item_changed_signal;

static void
vc_message_item_finalize (GObject *object)
{
  VcMessageItem *self = VC_MESSAGE_ITEM (object);

  g_clear_pointer (&self->message, vc_message_free);
  g_free (self->folder);
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
  gint64        editing;      /* the question being edited, or 0 */
  GSettings    *settings;
  guint         follow_tick;          /* while sent to the end, frame by frame */
  guint         follow_frames;
  guint         follow_frames_still;  /* at the end, running */

  /* Template children */
  GtkScrolledWindow *scroller;
  GtkGridView       *transcript;
  VcComposer        *composer;
};

G_DEFINE_FINAL_TYPE (VcConversationView, vc_conversation_view, GTK_TYPE_BOX)

enum {
  SIGNAL_CONVERSATION_CHANGED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_item (VcMessageItem   *item,
           VcMessageWidget *widget)
{
  vc_message_widget_set (widget, item->message, item->folder);
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

/* Between the scrolled window and the transcript (the template's). */
static VcScrollableBin *
transcript_bin (VcConversationView *self)
{
  return VC_SCROLLABLE_BIN (gtk_scrolled_window_get_child (self->scroller));
}

/* One frame of following the transcript to its end. The bin keeps the
 * list at its end as it is laid out (the end moves as the list makes and
 * measures its last rows; GTK 4.8 has no "scroll to the last item" for its
 * list views); this ends that once the end has stayed put two frames, or
 * the user scrolled up (the bin stopped by itself). */
static gboolean
follow_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  VcConversationView *self = data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  /* GTK 4.8's list views warn when scrolled while they have no rows (the
   * window closed, or another conversation emptied it). */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0 ||
      !vc_scrollable_bin_get_at_end (transcript_bin (self)))
    goto done;
  /* Not laid out yet, or grown since: not still this frame. */
  if (gtk_adjustment_get_upper (adjustment) <= 0 || !at_bottom (self))
    self->follow_frames_still = 0;
  /* Still at the end two frames running, or at most two seconds' worth. */
  if (++self->follow_frames_still < 2 && ++self->follow_frames < 120)
    return G_SOURCE_CONTINUE;

done:
  self->follow_tick = 0;
  vc_scrollable_bin_set_at_end (transcript_bin (self), FALSE);
  return G_SOURCE_REMOVE;
}

static void
stop_following (VcConversationView *self)
{
  /* Disposed already (dispose may run twice). */
  if (self->scroller == NULL)
    return;
  if (self->follow_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->scroller), self->follow_tick);
  self->follow_tick = 0;
  vc_scrollable_bin_set_at_end (transcript_bin (self), FALSE);
}

/* Follows the transcript to its end once the change is laid out, if the
 * user was there (scrolled up, they stay where they are). */
static void
follow (VcConversationView *self,
        gboolean            was_at_bottom)
{
  if (!was_at_bottom)
    return;
  self->follow_frames = self->follow_frames_still = 0;
  /* Laid out at the end in the frame itself (vc-scrollable-bin.c); the
   * tick ends it once the end stays put. */
  vc_scrollable_bin_set_at_end (transcript_bin (self), TRUE);
  if (self->follow_tick == 0)
    self->follow_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->scroller), follow_tick, self, NULL);
}

static gboolean
same_message (const VcMessage *a,
              const VcMessage *b)
{
  /* A message's images never change; its text and state do while it
   * streams, and it is gone (another id) when regenerated or edited. */
  return a->id == b->id && a->state == b->state && g_strcmp0 (a->text, b->text) == 0 &&
         a->tokens_per_second == b->tokens_per_second && a->first_token_ms == b->first_token_ms;
}

/* The transcript again from the store. */
static void
reload (VcConversationView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean was_at_bottom = at_bottom (self);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->messages)), same = 0;

  if (self->chat == NULL ||
      !(messages = vc_store_list_messages (self->store, vc_chat_get_conversation (self->chat), &error)))
    {
      g_list_store_remove_all (self->messages);
      return;
    }
  /* Rows of messages that did not change stay as they are: a question
   * sent to a long conversation adds two rows, not three hundred. A
   * message that is still the same one with new words or a new state (an
   * answer that completed) is updated in its row, which then changes only
   * what changed, instead of being built again in another. */
  while (same < MIN (shown, messages->len))
    {
      g_autoptr(VcMessageItem) item = g_list_model_get_item (G_LIST_MODEL (self->messages), same);
      VcMessage *now = messages->pdata[same];

      if (item->message->id != now->id || item->message->role != now->role)
        break;
      if (!same_message (item->message, now))
        {
          vc_message_free (item->message);
          item->message = g_steal_pointer (&messages->pdata[same]);
          g_signal_emit (item, item_changed_signal, 0);
        }
      same++;
    }
  /* The new items take the messages over. */
  for (guint i = same; i < messages->len; i++)
    {
      VcMessageItem *item = g_object_new (VC_TYPE_MESSAGE_ITEM, NULL);

      item->message = g_steal_pointer (&messages->pdata[i]);
      item->folder = g_strdup (vc_store_get_folder (self->store));
      g_ptr_array_add (items, item);
    }
  if (same < shown || items->len > 0)
    g_list_store_splice (self->messages, same, shown - same, items->pdata, items->len);
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

  if (item == NULL || item->message->id != message)
    return;
  g_free (item->message->text);
  item->message->text = g_strdup (text);
  g_signal_emit (item, item_changed_signal, 0);
  follow (self, was_at_bottom);
}

/* The question is stored and its answer begun (at once for words alone,
 * once a question's images were read otherwise): shown, and followed. */
static void
on_answer_started (VcChat             *chat,
                   gint64              answer,
                   VcConversationView *self)
{
  reload (self);
  follow (self, TRUE);
  g_signal_emit (self, signals[SIGNAL_CONVERSATION_CHANGED], 0, vc_chat_get_conversation (self->chat));
}

void
vc_conversation_view_refresh_settings (VcConversationView *self)
{
  g_autoptr(VcConversation) own = NULL;
  g_autofree char *prompt = NULL;

  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  if (self->chat == NULL)
    return;
  own = vc_store_get_conversation (self->store, vc_chat_get_conversation (self->chat), NULL);
  prompt = own && own->system_prompt ? g_strdup (own->system_prompt)
                                     : g_settings_get_string (self->settings, "system-prompt");
  vc_chat_set_system_prompt (self->chat, prompt);
}

void
vc_conversation_view_show (VcConversationView *self,
                           VcStore            *store,
                           VcWorker           *worker,
                           gint64              conversation)
{
  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  vc_conversation_view_stop (self);
  if (self->editing != 0)
    {
      /* An edit belongs to the conversation it was begun in. */
      self->editing = 0;
      vc_composer_end_edit (self->composer);
      vc_composer_clear (self->composer);
    }
  g_set_object (&self->store, store);
  g_set_object (&self->worker, worker);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->chat);
  self->chat = vc_chat_new (store, worker, conversation);
  g_signal_connect (self->chat, "answer-changed", G_CALLBACK (on_answer_changed), self);
  g_signal_connect (self->chat, "answer-started", G_CALLBACK (on_answer_started), self);
  vc_conversation_view_refresh_settings (self);
  /* Another conversation: where the last one was left means nothing. */
  stop_following (self);
  reload (self);
  follow (self, TRUE);
  vc_composer_focus (self->composer);
}

static void
set_busy (VcConversationView *self,
          gboolean            busy)
{
  /* The transcript holds still while an answer is written: the message
   * actions say so when used (and VcChat refuses them too), and the answer
   * being written shows none. They are not disabled here: turning three
   * actions off and on restyles the buttons of every row the list keeps
   * bound (100-120 ms at each answer's start and end while that was a
   * GtkListView's 200 rows; tools/ui-bench). */
  vc_composer_set_busy (self->composer, busy);
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

/* The conversation's own sampling where it has it, the application's
 * settings for the rest. */
static void
sampling_params (VcConversationView *self,
                 VilaSamplingParams *params)
{
  g_autoptr(VcConversation) own = vc_store_get_conversation (self->store, vc_chat_get_conversation (self->chat), NULL);

  vila_sampling_params_init (params);
  params->temperature = own && own->temperature >= 0 ? own->temperature
                                                      : g_settings_get_double (self->settings, "temperature");
  params->top_p = own && own->top_p >= 0 ? own->top_p : g_settings_get_double (self->settings, "top-p");
  params->max_new_tokens = own && own->max_new_tokens > 0 ? (int) own->max_new_tokens
                                                           : (int) g_settings_get_uint (self->settings, "max-new-tokens");
}

static void
end_edit (VcConversationView *self)
{
  self->editing = 0;
  vc_composer_end_edit (self->composer);
}

void
vc_conversation_view_send (VcConversationView *self)
{
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GArray) offsets = NULL;
  g_autofree char *text = NULL;
  VilaSamplingParams params;
  gint64 edited = self->editing;

  g_return_if_fail (VC_IS_CONVERSATION_VIEW (self));

  if (self->chat == NULL || self->answering != NULL ||
      !(text = vc_composer_take_question (self->composer, &images, &offsets)))
    return;

  sampling_params (self, &params);
  self->answering = g_cancellable_new ();
  set_busy (self, TRUE);
  end_edit (self);
  if (edited != 0)
    vc_chat_edit_async (self->chat, edited, text, images, offsets, &params, self->answering, on_answered,
                        g_object_ref (self));
  else
    vc_chat_send_async (self->chat, text, images, offsets, &params, self->answering, on_answered,
                        g_object_ref (self));
}

static VcMessage *
shown_message (VcConversationView *self,
               gint64              id)
{
  GListModel *model = G_LIST_MODEL (self->messages);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VcMessageItem) item = g_list_model_get_item (model, i);

      if (item->message->id == id)
        return item->message;
    }
  return NULL;
}

static void
regenerate_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (widget);
  VilaSamplingParams params;

  if (self->chat == NULL)
    return;
  if (self->answering != NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("An answer is still being written"));
      return;
    }
  sampling_params (self, &params);
  self->answering = g_cancellable_new ();
  set_busy (self, TRUE);
  vc_chat_regenerate_async (self->chat, g_variant_get_int64 (parameter), &params, self->answering, on_answered,
                            g_object_ref (self));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (widget);
  VcMessage *question = shown_message (self, g_variant_get_int64 (parameter));

  if (question == NULL || question->role != VC_ROLE_USER)
    return;
  if (self->answering != NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, _("An answer is still being written"));
      return;
    }
  self->editing = question->id;
  vc_composer_begin_edit (self->composer, question, vc_store_get_folder (self->store));
}

static void
on_cancel_edit (VcConversationView *self)
{
  end_edit (self);
  vc_composer_clear (self->composer);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (widget);
  g_autoptr(GError) error = NULL;
  gint64 id = g_variant_get_int64 (parameter);

  if (self->chat == NULL)
    return;
  if (!vc_chat_delete_message (self->chat, id, &error))
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  reload (self);
  /* Editing a question that is gone would bring it back. */
  if (self->editing != 0 && shown_message (self, self->editing) == NULL)
    on_cancel_edit (self);
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

gboolean
vc_conversation_view_is_following (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), FALSE);

  return self->follow_tick != 0;
}

guint
vc_conversation_view_get_n_messages (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->messages));
}

VcComposer *
vc_conversation_view_get_composer (VcConversationView *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_VIEW (self), NULL);

  return self->composer;
}

static void
on_composer_error (VcConversationView *self,
                   const char         *message)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

/* Esc stops the answer being written, or else gives up an edit. */
static gboolean
stop_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (widget);

  if (self->answering != NULL)
    vc_conversation_view_stop (self);
  else if (self->editing != 0)
    on_cancel_edit (self);
  else
    return FALSE;
  return TRUE;
}

static void
vc_conversation_view_dispose (GObject *object)
{
  VcConversationView *self = VC_CONVERSATION_VIEW (object);

  vc_conversation_view_stop (self);
  stop_following (self);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->chat);
  g_clear_object (&self->store);
  g_clear_object (&self->worker);
  g_clear_object (&self->messages);
  g_clear_object (&self->settings);
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

  g_type_ensure (VC_TYPE_COMPOSER);
  g_type_ensure (VC_TYPE_SCROLLABLE_BIN);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-conversation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, scroller);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, transcript);
  gtk_widget_class_bind_template_child (widget_class, VcConversationView, composer);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_error);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_edit);
  gtk_widget_class_install_action (widget_class, "message.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "message.regenerate", "x", regenerate_action);
  gtk_widget_class_install_action (widget_class, "message.delete", "x", delete_action);
  gtk_widget_class_bind_template_callback (widget_class, vc_conversation_view_send);
  gtk_widget_class_bind_template_callback (widget_class, vc_conversation_view_stop);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, stop_shortcut, NULL);
}

static void
vc_conversation_view_init (VcConversationView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (BASE_APP_ID);
  g_signal_connect_object (self->settings, "changed::system-prompt", G_CALLBACK (vc_conversation_view_refresh_settings),
                           self, G_CONNECT_SWAPPED);
  self->messages = g_list_store_new (VC_TYPE_MESSAGE_ITEM);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_grid_view_set_factory (self->transcript, factory);
  gtk_grid_view_set_model (self->transcript,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)))));
}
