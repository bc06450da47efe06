/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vila-chat's window on a real (headless) display: the welcome page, the
 * actions and shortcuts, the About window, --model, the remembered size. */
#include "config.h"

#include <epoxy/gl.h>

#include <math.h>
#include <string.h>

#include "vc-application.h"
#include "vc-attachment-strip.h"
#include "vc-conversation-list.h"
#include "vc-conversation-settings.h"
#include "vc-conversation-view.h"
#include "vc-preferences-window.h"
#include "vc-scrollable-bin.h"
#include "vc-message-widget.h"
#include "vc-sidebar.h"
#include "vc-software-gl.h"
#include "vc-streaming-text.h"
#include "vc-window.h"
#include "vila-test-util.h"

static VcApplication *app;
static const char *data_dir;
static gboolean renderer_chosen_outside;  /* GSK_RENDERER set for the tests */
static gboolean software_gl_seen;         /* GL here is Mesa's llvmpipe */

static void
iterate_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
widget_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
window_shows_welcome (gpointer window)
{
  return g_strcmp0 (vc_window_get_page (window), "welcome") == 0;
}

/* The mapped status page with the application's icon (the sidebar has
 * status pages of its own). */
static AdwStatusPage *
find_visible_status_page (GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (ADW_IS_STATUS_PAGE (widget) &&
      g_strcmp0 (adw_status_page_get_icon_name (ADW_STATUS_PAGE (widget)), BASE_APP_ID) == 0)
    return ADW_STATUS_PAGE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *page = find_visible_status_page (child);

      if (page != NULL)
        return page;
    }
  return NULL;
}

static gboolean
shows_status_page (gpointer window)
{
  return find_visible_status_page (window) != NULL;
}

/* The first widget of @type under @widget (itself included). */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkGridView *
find_grid_view (GtkWidget *widget)
{
  if (GTK_IS_GRID_VIEW (widget))
    return GTK_GRID_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkGridView *view = find_grid_view (child);

      if (view != NULL)
        return view;
    }
  return NULL;
}

static GtkButton *
find_button_for_action (GtkWidget  *widget,
                        const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return GTK_BUTTON (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *button = find_button_for_action (child, action);

      if (button != NULL)
        return button;
    }
  return NULL;
}

static VcWindow *
open_main_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (VC_IS_WINDOW (window));
  iterate_until (widget_is_mapped, window);
  return VC_WINDOW (window);
}

static void
close_window (GtkWindow *window)
{
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_close (window);
  while (window != NULL)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_welcome_page (void)
{
  VcWindow *window = open_main_window ();
  AdwStatusPage *page;
  GtkButton *choose;

  g_assert_cmpstr (vc_window_get_page (window), ==, "welcome");
  /* The leaflet maps its pages once it has its size. */
  iterate_until (shows_status_page, window);
  page = find_visible_status_page (GTK_WIDGET (window));
  g_assert_nonnull (page);
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Model Loaded");

  choose = find_button_for_action (GTK_WIDGET (page), "win.choose-model");
  g_assert_nonnull (choose);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (choose)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (choose)));

  close_window (GTK_WINDOW (window));
}

static void
assert_accel (const char *action,
              const char *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), action);

  g_assert_true (g_strv_contains ((const char * const *) accels, accel));
}

static void
test_actions (void)
{
  VcWindow *window = open_main_window ();

  assert_accel ("app.quit", "<Control>q");
  assert_accel ("win.new-conversation", "<Control>n");
  assert_accel ("win.show-help-overlay", "<Control>question");

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  /* Without a model a new conversation waits behind the welcome page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  g_assert_cmpstr (vc_window_get_page (window), ==, "welcome");

  /* The shortcuts are built when first asked for, then shown. */
  g_assert_null (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  {
    GtkShortcutsWindow *shortcuts = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

    g_assert_true (GTK_IS_SHORTCUTS_WINDOW (shortcuts));
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
    g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (shortcuts)) == GTK_WINDOW (window));
    gtk_window_close (GTK_WINDOW (shortcuts));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
    g_assert_true (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)) == shortcuts);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  }

  close_window (GTK_WINDOW (window));
}

static void
test_about (void)
{
  VcWindow *window = open_main_window ();
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  AdwAboutWindow *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && about == NULL; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (item))
        about = ADW_ABOUT_WINDOW (item);
    }

  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "VILA Chat");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (about), ==, APP_ID);
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_nonnull (strstr (adw_about_window_get_release_notes (about), "<p>"));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (window));

  close_window (GTK_WINDOW (about));
  close_window (GTK_WINDOW (window));
}

static void
test_model_override_not_stored (void)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);
  g_autofree char *stored = NULL;
  VcWindow *window;

  window = g_object_new (VC_TYPE_WINDOW,
                         "application", app,
                         "model-override", "/nonexistent/VILA1.5-3b",
                         NULL);
  g_assert_cmpstr (vc_window_get_page (window), ==, "loading");
  gtk_window_present (GTK_WINDOW (window));

  /* The load fails (no such folder); the window goes back to the welcome
   * page, and the command-line folder never becomes the default. */
  iterate_until (window_shows_welcome, window);
  stored = g_settings_get_string (settings, "model-path");
  g_assert_cmpstr (stored, ==, "");

  close_window (GTK_WINDOW (window));
}

static void
test_window_size_remembered (void)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);
  VcWindow *window = open_main_window ();
  int width, height;

  gtk_window_set_default_size (GTK_WINDOW (window), 701, 503);
  close_window (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 701);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 503);

  window = open_main_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 701);
  g_assert_cmpint (height, ==, 503);
  close_window (GTK_WINDOW (window));
}

static guint
n_rows (VcWindow *window)
{
  GtkGridView *view = find_grid_view (find_widget (GTK_WIDGET (window), VC_TYPE_SIDEBAR));

  g_assert_nonnull (view);
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (view)));
}

static gboolean
list_has_menu_button (gpointer view)
{
  return find_widget (view, GTK_TYPE_MENU_BUTTON) != NULL;
}

static gint64
newest_conversation (void)
{
  g_autoptr(GPtrArray) conversations = vc_store_list_conversations (vc_application_get_store (app, NULL), NULL, NULL);

  g_assert_nonnull (conversations);
  return conversations->len ? ((VcConversation *) conversations->pdata[0])->id : 0;
}

/* The sidebar: new conversations appear newest first, a search narrows
 * the list, a deletion can be undone, and one that was not is gone for
 * good once the window closes. */
static void
test_conversations (void)
{
  VcWindow *window = open_main_window ();
  VcStore *store = vc_application_get_store (app, NULL);
  guint before = n_rows (window);
  gint64 first, second;

  g_assert_nonnull (store);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  first = newest_conversation ();
  g_assert_true (vc_store_rename_conversation (store, first, "Harbour at dawn", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  second = newest_conversation ();
  g_assert_cmpint (second, !=, first);
  g_assert_cmpuint (n_rows (window), ==, before + 2);

  /* Deleted, undone: still there. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-conversation", "x", second));
  g_assert_cmpuint (n_rows (window), ==, before + 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", "x", second));
  g_assert_cmpuint (n_rows (window), ==, before + 2);

  /* A row's own menu, made when it is first opened, deletes the
   * conversation the row shows; undone again. */
  {
    GtkGridView *view = find_grid_view (find_widget (GTK_WIDGET (window), VC_TYPE_SIDEBAR));
    GtkWidget *menu_button;
    const gint64 *shown;
    gint64 deleted;

    iterate_until (list_has_menu_button, view);
    menu_button = find_widget (GTK_WIDGET (view), GTK_TYPE_MENU_BUTTON);
    g_assert_nonnull (menu_button);
    g_assert_null (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button)));
    gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
    g_assert_nonnull (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button)));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
    shown = g_object_get_data (G_OBJECT (gtk_widget_get_parent (menu_button)), "vc-conversation");
    g_assert_nonnull (shown);
    deleted = *shown;
    g_assert_true (deleted == first || deleted == second);
    g_assert_true (gtk_widget_activate_action (menu_button, "row.delete", NULL));
    g_assert_cmpuint (n_rows (window), ==, before + 1);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-delete", "x", deleted));
    g_assert_cmpuint (n_rows (window), ==, before + 2);
  }

  /* Deleted and left so: gone from the store when the window closes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-conversation", "x", first));
  g_assert_cmpuint (n_rows (window), ==, before + 1);
  close_window (GTK_WINDOW (window));
  {
    g_autoptr(GPtrArray) left = vc_store_list_conversations (store, "Harbour", NULL);

    g_assert_cmpuint (left->len, ==, 0);
  }
  window = open_main_window ();
  g_assert_cmpuint (n_rows (window), ==, before + 1);
  close_window (GTK_WINDOW (window));
}

static gboolean
window_shows_chat (gpointer window)
{
  return g_strcmp0 (vc_window_get_page (window), "chat") == 0;
}

static gboolean
answer_written (gpointer view)
{
  return !vc_conversation_view_is_busy (view);
}

/* A finished answer's words have all become labels (one per idle). */
static gboolean
no_streaming_text (gpointer view)
{
  return find_widget (view, VC_TYPE_STREAMING_TEXT) == NULL;
}

static guint
count_pictures (GtkWidget *widget)
{
  guint n = GTK_IS_PICTURE (widget) && gtk_widget_get_visible (widget) &&
            gtk_picture_get_paintable (GTK_PICTURE (widget)) != NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_visible (child))
      n += count_pictures (child);
  return n;
}

static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A visible label whose text contains @part, or NULL. */
static GtkWidget *
find_label_containing (GtkWidget  *widget,
                       const char *part)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), part) != NULL)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_containing (child, part);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The thumbnails the first question of the transcript shows, before its
 * text and between its words. */
static guint
count_thumbnails (VcConversationView *view)
{
  GtkWidget *question = find_widget (GTK_WIDGET (view), VC_TYPE_MESSAGE_WIDGET);

  return question ? count_pictures (question) : 0;
}

static gboolean
composer_loaded (gpointer composer)
{
  return !vc_composer_is_loading (composer);
}

/* The three pictures of the first question, decoded in threads, are in. */
static gboolean
shows_three_thumbnails (gpointer view)
{
  return count_thumbnails (view) == 3;
}

/* The window's drop target, to emit ::drop on as GTK does. */
static GtkDropTarget *
window_drop_target (VcWindow *window)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  g_assert_not_reached ();
}

static gboolean
has_three_attachments (gpointer composer)
{
  return vc_composer_get_n_attachments (composer) == 3;
}

static void
keep_message (GtkWidget  *view,
              const char *message,
              char      **kept)
{
  g_free (*kept);
  *kept = g_strdup (message);
}

/* The whole way through, on the tiny test model: the model loads, a new
 * conversation opens the chat, a question typed and sent is answered in
 * the transcript and stored complete, and the sidebar takes its title. */
static void
test_ask (void)
{
  g_autofree char *model = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  VcStore *store = vc_application_get_store (app, NULL);
  VcConversationView *view;
  g_autoptr(GPtrArray) messages = NULL;
  VcWindow *window;
  gint64 conversation;

  window = g_object_new (VC_TYPE_WINDOW, "application", app, "model-override", model, NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (g_strcmp0 (vc_window_get_page (window), "loading") == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (vc_window_get_page (window), ==, "ready");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  iterate_until (window_shows_chat, window);
  conversation = newest_conversation ();
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  g_assert_nonnull (view);
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 0);

  vc_composer_set_text (vc_conversation_view_get_composer (view), "Tell me a story about a lighthouse.");
  vc_conversation_view_send (view);
  g_assert_true (vc_conversation_view_is_busy (view));
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 2);
  iterate_until (answer_written, view);

  messages = vc_store_list_messages (store, conversation, NULL);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (((VcMessage *) messages->pdata[1])->state, ==, VC_MESSAGE_COMPLETE);
  g_assert_cmpuint (strlen (((VcMessage *) messages->pdata[1])->text), >, 0);
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 2);
  {
    g_autoptr(GPtrArray) conversations = vc_store_list_conversations (store, NULL, NULL);

    g_assert_cmpstr (((VcConversation *) conversations->pdata[0])->title, ==, "Tell me a story about a lighthouse.");
  }
  /* Three photos dropped on the window as GTK hands a drop over, and a
   * file that is no image (refused, named), then a question about them in
   * a conversation of its own: the story above filled most of the tiny
   * model's 512 positions. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  iterate_until (window_shows_chat, window);
  conversation = newest_conversation ();
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 0);
  {
    g_autofree char *photos = g_build_filename (data_dir, "photos", NULL);
    const char *names[] = { "photo-rgb-333x251.png", "photo-420-257x199.jpg", "photo-exif6-120x81.jpg" };
    GtkDropTarget *drop = window_drop_target (window);
    GSList *files = NULL;
    g_auto(GValue) value = G_VALUE_INIT;
    g_autoptr(GFile) not_an_image = g_file_new_for_path (model);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) after = NULL;
    g_autofree char *refused = NULL;
    gboolean accepted = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (photos, names[i], NULL);

        files = g_slist_append (files, g_file_new_for_path (path));
      }
    /* A folder among them: refused, by name, and the rest kept. */
    files = g_slist_insert (files, g_object_ref (not_an_image), 1);
    g_signal_connect (view, "error", G_CALLBACK (keep_message), &refused);
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
    g_slist_free_full (files, g_object_unref);
    g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
    g_assert_true (accepted);
    /* Read in a thread, then in the strip in the order dropped. */
    iterate_until (has_three_attachments, vc_conversation_view_get_composer (view));
    g_assert_nonnull (refused);
    g_assert_nonnull (strstr (refused, "vila15-tiny"));
    g_signal_handlers_disconnect_by_func (view, keep_message, &refused);
    g_assert_false (vc_composer_attach_file (vc_conversation_view_get_composer (view), not_an_image, &error));
    g_assert_nonnull (strstr (error->message, "vila15-tiny"));
    g_assert_cmpuint (vc_composer_get_n_attachments (vc_conversation_view_get_composer (view)), ==, 3);

    /* Reordered in the strip, and one placed between the words: the
     * question then holds the strip's two before the text and the third
     * at its place in it. */
    {
      VcAttachmentStrip *strip = VC_ATTACHMENT_STRIP (find_widget (GTK_WIDGET (view), VC_TYPE_ATTACHMENT_STRIP));
      GtkTextView *composer = GTK_TEXT_VIEW (find_widget (GTK_WIDGET (view), GTK_TYPE_TEXT_VIEW));
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (composer);
      const char *before = "Which is brighter, these two or";
      const char *sent_order[] = { names[2], names[1], names[0] };
      g_autofree char *spare = g_build_filename (photos, "photo-grey-50x77.png", NULL);
      g_autoptr(GFile) spare_file = g_file_new_for_path (spare);
      GtkTextIter end;
      const VcMessage *question;

      g_assert_nonnull (strip);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (strip)));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (strip), "attachment.move-left", "u", 2));
      g_assert_cmpstr (vc_attachment_get_name (vc_attachment_strip_get_item (strip, 1)), ==, names[2]);
      g_clear_error (&error);
      g_assert_true (vc_composer_attach_file (vc_conversation_view_get_composer (view), spare_file, &error));
      g_assert_cmpuint (vc_composer_get_n_attachments (vc_conversation_view_get_composer (view)), ==, 4);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (strip), "attachment.remove", "u", 3));
      g_assert_cmpuint (vc_attachment_strip_get_n_items (strip), ==, 3);

      gtk_text_buffer_set_text (buffer, before, -1);
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_place_cursor (buffer, &end);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (strip), "attachment.insert", "u", 0));
      g_assert_cmpuint (vc_attachment_strip_get_n_items (strip), ==, 2);
      gtk_text_buffer_insert_at_cursor (buffer, " this one?", -1);
      g_assert_cmpuint (vc_composer_get_n_attachments (vc_conversation_view_get_composer (view)), ==, 3);

      vc_conversation_view_send (view);
      g_assert_cmpuint (vc_composer_get_n_attachments (vc_conversation_view_get_composer (view)), ==, 0);
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (strip)));
      iterate_until (answer_written, view);
      after = vc_store_list_messages (store, conversation, NULL);
      g_assert_cmpuint (after->len, ==, 2);
      question = after->pdata[0];
      g_assert_cmpstr (question->text, ==, "Which is brighter, these two or this one?");
      g_assert_cmpuint (question->images->len, ==, 3);
      for (guint i = 0; i < 3; i++)
        {
          const VcMessageImage *image = &g_array_index (question->images, VcMessageImage, i);
          g_autofree char *path = g_build_filename (photos, sent_order[i], NULL);
          g_autofree char *contents = NULL;
          g_autofree char *sha = NULL;
          gsize length;

          g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
          sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
          g_assert_cmpstr (image->sha256, ==, sha);
          g_assert_cmpint (image->text_offset, ==, i < 2 ? -1 : (gint64) strlen (before));
        }
      g_assert_cmpint (((VcMessage *) after->pdata[1])->state, ==, VC_MESSAGE_COMPLETE);

      /* The question in the transcript shows a thumbnail of each image,
       * the third between the words it was put between. */
      iterate_until (shows_three_thumbnails, view);
      {
        GtkWidget *words = find_label (find_widget (GTK_WIDGET (view), VC_TYPE_MESSAGE_WIDGET), before);
        GtkWidget *picture = words ? gtk_widget_get_next_sibling (words) : NULL;
        GtkWidget *rest = picture ? gtk_widget_get_next_sibling (picture) : NULL;

        g_assert_nonnull (rest);
        g_assert_nonnull (find_widget (picture, GTK_TYPE_PICTURE));
        g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (rest)), ==, "this one?");
      }

      /* Regenerated and stopped at once: the answer is kept, marked
       * stopped; regenerated again: complete. */
      {
        gint64 first_answer = ((VcMessage *) after->pdata[1])->id;
        gint64 question_id = question->id;
        g_autoptr(GPtrArray) now = NULL;
        g_autofree char *shown = NULL;
        GtkTextIter start;

        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "message.regenerate", "x", first_answer));
        g_assert_true (vc_conversation_view_is_busy (view));
        /* No other change while it is written (the view and the chat
         * refuse it): both messages stay. */
        gtk_widget_activate_action (GTK_WIDGET (view), "message.delete", "x", question_id);
        vc_conversation_view_stop (view);
        iterate_until (answer_written, view);
        now = vc_store_list_messages (store, conversation, NULL);
        g_assert_cmpuint (now->len, ==, 2);
        g_assert_cmpint (((VcMessage *) now->pdata[1])->state, ==, VC_MESSAGE_STOPPED);
        /* Its row says so, in place, and its words become selectable. */
        g_assert_nonnull (find_label_containing (GTK_WIDGET (view), "Stopped"));
        iterate_until (no_streaming_text, view);
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "message.regenerate", "x",
                                                   ((VcMessage *) now->pdata[1])->id));
        g_clear_pointer (&now, g_ptr_array_unref);
        iterate_until (answer_written, view);
        now = vc_store_list_messages (store, conversation, NULL);
        g_assert_cmpuint (now->len, ==, 2);
        g_assert_cmpint (((VcMessage *) now->pdata[1])->state, ==, VC_MESSAGE_COMPLETE);
        g_clear_pointer (&now, g_ptr_array_unref);
        g_assert_null (find_label_containing (GTK_WIDGET (view), "Stopped"));
        g_assert_nonnull (find_label_containing (GTK_WIDGET (view), "tokens/s"));
        iterate_until (no_streaming_text, view);

        /* Edited: the question comes back into the composer with its
         * images where they were; sent, it replaces the old one. */
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "message.edit", "x", question_id));
        g_assert_true (vc_composer_is_editing (vc_conversation_view_get_composer (view)));
        /* Its images are read in a thread; nothing goes until they are in. */
        if (vc_composer_is_loading (vc_conversation_view_get_composer (view)))
          {
            vc_conversation_view_send (view);
            g_assert_true (vc_composer_is_editing (vc_conversation_view_get_composer (view)));
          }
        iterate_until (composer_loaded, vc_conversation_view_get_composer (view));
        g_assert_cmpuint (vc_composer_get_n_attachments (vc_conversation_view_get_composer (view)), ==, 3);
        gtk_text_buffer_get_bounds (buffer, &start, &end);
        shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
        g_assert_cmpstr (shown, ==, "Which is brighter, these two or this one?");
        gtk_text_buffer_insert (buffer, &end, " Answer briefly.", -1);
        vc_conversation_view_send (view);
        g_assert_false (vc_composer_is_editing (vc_conversation_view_get_composer (view)));
        iterate_until (answer_written, view);
        now = vc_store_list_messages (store, conversation, NULL);
        g_assert_cmpuint (now->len, ==, 2);
        question = now->pdata[0];
        g_assert_cmpstr (question->text, ==, "Which is brighter, these two or this one? Answer briefly.");
        g_assert_cmpuint (question->images->len, ==, 3);
        g_assert_cmpint (g_array_index (question->images, VcMessageImage, 0).text_offset, ==, -1);
        g_assert_cmpint (g_array_index (question->images, VcMessageImage, 2).text_offset, ==, (gint64) strlen (before));
        g_assert_cmpint (((VcMessage *) now->pdata[1])->state, ==, VC_MESSAGE_COMPLETE);

        /* Deleted: the question goes with its answer. */
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "message.delete", "x", question->id));
        g_clear_pointer (&now, g_ptr_array_unref);
        now = vc_store_list_messages (store, conversation, NULL);
        g_assert_cmpuint (now->len, ==, 0);
        g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 0);
      }
    }
  }
  close_window (GTK_WINDOW (window));
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return GTK_WINDOW (toplevel);
    }
  return NULL;
}

/* The row of a preferences window with @title. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Preferences and a conversation's own settings: the window's actions
 * open them; what they show is what is stored, and what is changed there
 * is stored and used (a conversation's own answer length limit reaches
 * its answers). */
static void
test_settings (void)
{
  g_autofree char *model = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);
  VcStore *store = vc_application_get_store (app, NULL);
  VcConversationView *view;
  GtkWindow *preferences, *own;
  GtkWidget *row;
  gint64 conversation;
  VcWindow *window;

  window = g_object_new (VC_TYPE_WINDOW, "application", app, "model-override", model, NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (g_strcmp0 (vc_window_get_page (window), "loading") == 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = find_toplevel (VC_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  row = find_row (GTK_WIDGET (preferences), "Temperature");
  g_assert_nonnull (row);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON))), ==,
                     g_settings_get_double (settings, "temperature"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON)), 0.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "temperature"), ==, 0.0);
  row = find_row (GTK_WIDGET (preferences), "System Prompt (empty for the model’s own)");
  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), "  Be brief.  ");
  g_signal_emit_by_name (row, "apply");
  {
    g_autofree char *prompt = g_settings_get_string (settings, "system-prompt");

    g_assert_cmpstr (prompt, ==, "Be brief.");
  }
  g_settings_reset (settings, "system-prompt");
  gtk_window_destroy (preferences);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  iterate_until (window_shows_chat, window);
  conversation = newest_conversation ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.conversation-settings", "x", conversation));
  own = find_toplevel (VC_TYPE_CONVERSATION_SETTINGS);
  g_assert_nonnull (own);
  row = find_row (GTK_WIDGET (own), "Title");
  gtk_editable_set_text (GTK_EDITABLE (row), "Lighthouse questions");
  g_signal_emit_by_name (row, "apply");
  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (find_row (GTK_WIDGET (own), "Own Sampling")), TRUE);
  row = find_row (GTK_WIDGET (own), "Answer Length Limit");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON)), 3);
  {
    g_autoptr(VcConversation) stored = vc_store_get_conversation (store, conversation, NULL);

    g_assert_cmpstr (stored->title, ==, "Lighthouse questions");
    g_assert_cmpint (stored->max_new_tokens, ==, 3);
    g_assert_cmpfloat (stored->temperature, ==, 0.0);
  }
  gtk_window_destroy (own);

  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  vc_composer_set_text (vc_conversation_view_get_composer (view), "Tell me a story about a lighthouse.");
  vc_conversation_view_send (view);
  iterate_until (answer_written, view);
  {
    g_autoptr(GPtrArray) messages = vc_store_list_messages (store, conversation, NULL);
    const VcMessage *answer = messages->pdata[1];

    g_assert_cmpint (answer->max_new_tokens, ==, 3);
    g_assert_cmpint (answer->state, ==, VC_MESSAGE_COMPLETE);
  }
  g_settings_reset (settings, "temperature");

  /* The conversation shown, deleted: the window shows the model again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-conversation", "x", conversation));
  g_assert_cmpstr (vc_window_get_page (window), ==, "ready");
  close_window (GTK_WINDOW (window));
}

static VcWindow *
open_with_model (void)
{
  g_autofree char *model = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  VcWindow *window = g_object_new (VC_TYPE_WINDOW, "application", app, "model-override", model, NULL);

  gtk_window_present (GTK_WINDOW (window));
  while (g_strcmp0 (vc_window_get_page (window), "loading") == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (vc_window_get_page (window), ==, "ready");
  return window;
}

/* Clicks @conversation's row in the sidebar (it shows @title). */
static void
activate_in_sidebar (VcWindow   *window,
                     gint64      conversation,
                     const char *title)
{
  GtkGridView *list = find_grid_view (find_widget (GTK_WIDGET (window), VC_TYPE_SIDEBAR));
  GListModel *rows = G_LIST_MODEL (gtk_grid_view_get_model (list));
  int position = -1;

  for (guint i = 0; i < g_list_model_get_n_items (rows) && position < 0; i++)
    {
      g_autoptr(VcConversationItem) item = g_list_model_get_item (rows, i);

      if (vc_conversation_item_get_id (item) == conversation)
        {
          g_assert_cmpstr (vc_conversation_item_get_title (item), ==, title);
          position = (int) i;
        }
    }
  g_assert_cmpint (position, >=, 0);
  g_signal_emit_by_name (list, "activate", (guint) position);
}

/* Opens @conversation as a user would: its row in the sidebar, which
 * shows @title. */
static void
open_from_sidebar (VcWindow   *window,
                   gint64      conversation,
                   const char *title)
{
  activate_in_sidebar (window, conversation, title);
  iterate_until (window_shows_chat, window);
}

/* A question with three photos, the window closed and opened again: the
 * conversation is in the list, and clicking it shows the question with
 * its three thumbnails and the answer. */
static void
test_reopen (void)
{
  g_autofree char *photos = g_build_filename (data_dir, "photos", NULL);
  const char *names[] = { "photo-rgb-333x251.png", "photo-444-progressive-143x101.jpg", "photo-rgba-97x131.png" };
  VcWindow *window = open_with_model ();
  VcConversationView *view;
  VcComposer *composer;
  g_autofree char *answer = NULL;
  gint64 conversation;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  iterate_until (window_shows_chat, window);
  conversation = newest_conversation ();
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  composer = vc_conversation_view_get_composer (view);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (photos, names[i], NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) error = NULL;

      g_assert_true (vc_composer_attach_file (composer, file, &error));
    }
  vc_composer_set_text (composer, "Which of these is the oldest photo?");
  vc_conversation_view_send (view);
  iterate_until (answer_written, view);
  {
    g_autoptr(GPtrArray) messages = vc_store_list_messages (vc_application_get_store (app, NULL), conversation, NULL);

    g_assert_cmpuint (messages->len, ==, 2);
    answer = g_strdup (((VcMessage *) messages->pdata[1])->text);
  }
  close_window (GTK_WINDOW (window));

  window = open_with_model ();
  open_from_sidebar (window, conversation, "Which of these is the oldest photo?");
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 2);
  iterate_until (widget_is_mapped, find_widget (GTK_WIDGET (view), VC_TYPE_MESSAGE_WIDGET));
  iterate_until (shows_three_thumbnails, view);
  close_window (GTK_WINDOW (window));
}

static gboolean
has_one_attachment (gpointer composer)
{
  return vc_composer_get_n_attachments (composer) == 1;
}

/* A photo dropped on the window before any conversation is open starts
 * one, with the photo in its composer. */
static void
test_drop_on_ready (void)
{
  g_autofree char *photo = g_build_filename (data_dir, "photos", "photo-grey-50x77.png", NULL);
  g_auto(GValue) value = G_VALUE_INIT;
  VcWindow *window = open_with_model ();
  GtkDropTarget *drop = window_drop_target (window);
  VcConversationView *view;
  guint before = n_rows (window);
  gboolean accepted = FALSE;
  GSList *files = g_slist_append (NULL, g_file_new_for_path (photo));

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_slist_free_full (files, g_object_unref);
  g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
  g_assert_cmpstr (vc_window_get_page (window), ==, "chat");
  g_assert_cmpuint (n_rows (window), ==, before + 1);
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  iterate_until (has_one_attachment, vc_conversation_view_get_composer (view));

  /* Unloaded: the welcome page, no model, the conversations still there. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.unload-model", NULL));
  g_assert_cmpstr (vc_window_get_page (window), ==, "welcome");
  g_assert_null (vc_worker_get_model_info (vc_application_get_worker (app)));
  g_assert_cmpuint (n_rows (window), ==, before + 1);
  close_window (GTK_WINDOW (window));
}

static AdwMessageDialog *
find_message_dialog (void)
{
  return (AdwMessageDialog *) find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
}

static gboolean
shows_message_dialog (gpointer data)
{
  return find_message_dialog () != NULL;
}

/* Runs first, before anything opened the database: a damaged file is
 * never overwritten; the window offers a fresh one, which keeps the old
 * file byte for byte beside it. */
static void
test_broken_database (void)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "vila-chat", NULL);
  g_autofree char *path = g_build_filename (folder, "chats.db", NULL);
  const char garbage[] = "these bytes are no SQLite database, and must survive";
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean kept = FALSE;
  VcWindow *window;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, garbage, sizeof garbage, NULL));
  window = g_object_new (VC_TYPE_WINDOW, "application", app, NULL);
  gtk_window_present (GTK_WINDOW (window));
  iterate_until (shows_message_dialog, NULL);
  adw_message_dialog_response (find_message_dialog (), "fresh");
  g_assert_nonnull (vc_application_get_store (app, NULL));

  dir = g_dir_open (folder, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "chats.db.old-"))
      {
        g_autofree char *old = g_build_filename (folder, name, NULL);
        g_autofree char *contents = NULL;
        gsize length;

        g_assert_true (g_file_get_contents (old, &contents, &length, NULL));
        g_assert_cmpmem (contents, length, garbage, sizeof garbage);
        kept = TRUE;
      }
  g_assert_true (kept);
  close_window (GTK_WINDOW (window));
}

typedef struct {
  VcWindow *window;
  guint     expected;
} RowCount;

static gboolean
shows_rows (gpointer data)
{
  RowCount *count = data;

  return n_rows (count->window) == count->expected;
}

/* More conversations than the sidebar keeps rows for: all of them are in
 * its list once the window is painted. */
static void
test_many_conversations (void)
{
  VcStore *store = vc_application_get_store (app, NULL);
  g_autoptr(GPtrArray) all = NULL;
  RowCount count;

  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *title = g_strdup_printf ("Conversation %u", i);

      g_assert_cmpint (vc_store_add_conversation (store, title, NULL), >, 0);
    }
  all = vc_store_list_conversations (store, NULL, NULL);
  g_assert_cmpuint (all->len, >=, 80);
  count.window = open_main_window ();
  count.expected = all->len;
  iterate_until (shows_rows, &count);
  g_assert_cmpuint (n_rows (count.window), ==, all->len);
  close_window (GTK_WINDOW (count.window));
}

typedef struct {
  GtkWidget  *view;
  const char *last_words;
  guint       n_messages;      /* for first_frame_shown() */
  int         first_frame;     /* -1 until painted: whether it showed the end */
} EndShown;

static gboolean shows_the_end (gpointer data);

/* After each frame until the first that paints the conversation with its
 * @n_messages: whether that frame showed its end. */
static void
first_frame_shown (GdkFrameClock *clock,
                   EndShown      *end)
{
  GtkWidget *grid = GTK_WIDGET (find_grid_view (end->view));
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (grid));

  if (end->first_frame >= 0 || !gtk_widget_get_mapped (grid) ||
      vc_conversation_view_get_n_messages (VC_CONVERSATION_VIEW (end->view)) != end->n_messages ||
      gtk_adjustment_get_upper (adjustment) <= 0)
    return;
  end->first_frame = shows_the_end (end);
}

/* The transcript is scrolled to its end and the label of @last_words is
 * drawn inside the scrolled window's view (the list made its row). */
static gboolean
shows_the_end (gpointer data)
{
  EndShown *end = data;
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (find_grid_view (end->view)), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  GtkWidget *label = find_label (end->view, end->last_words);
  graphene_rect_t bounds;

  if (gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) <
      gtk_adjustment_get_upper (adjustment) - 1)
    return FALSE;
  if (label == NULL || !gtk_widget_get_mapped (label) || !gtk_widget_compute_bounds (label, scroller, &bounds))
    return FALSE;
  return bounds.origin.y >= 0 && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller);
}

/* Until @widget's window has painted @n more frames (asked for). */
static void
wait_frames (GtkWidget *widget,
             guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 until = gdk_frame_clock_get_frame_counter (clock) + n;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (gdk_frame_clock_get_frame_counter (clock) < until)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      gtk_widget_queue_draw (widget);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
following (gpointer view)
{
  return vc_scrollable_bin_get_at_end (VC_SCROLLABLE_BIN (find_widget (view, VC_TYPE_SCROLLABLE_BIN)));
}

static gboolean
not_following (gpointer view)
{
  return !following (view);
}

/* A conversation of many messages opens with all of them listed, showing
 * its end from its first frame, and a question and its answer join them,
 * followed; scrolled up while an answer is followed, it stays there. */
static void
test_long_conversation (void)
{
  VcStore *store = vc_application_get_store (app, NULL);
  gint64 conversation = vc_store_add_conversation (store, "A long talk", NULL);
  gint64 other = vc_store_add_conversation (store, "Another long talk", NULL);
  VcWindow *window;
  GListModel *listed;
  VcConversationView *view;
  GdkFrameClock *clock;
  EndShown end;

  g_assert_cmpint (conversation, >, 0);
  g_assert_cmpint (other, >, 0);
  for (guint i = 0; i < 240; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message %u", i % 120);
      VcMessage message = {
        .conversation_id = i < 120 ? conversation : other, .role = i % 2 ? VC_ROLE_ASSISTANT : VC_ROLE_USER,
        .text = text, .state = VC_MESSAGE_COMPLETE, .temperature = -1, .top_p = -1, .first_token_ms = -1,
        .tokens_per_second = -1,
      };

      g_assert_cmpint (vc_store_add_message (store, &message, NULL), >, 0);
    }
  window = open_with_model ();
  view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (window), VC_TYPE_CONVERSATION_VIEW));
  end.view = GTK_WIDGET (view);
  end.last_words = "Message 119";
  end.n_messages = 120;
  end.first_frame = -1;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (first_frame_shown), &end);
  open_from_sidebar (window, conversation, "A long talk");
  listed = G_LIST_MODEL (gtk_grid_view_get_model (find_grid_view (GTK_WIDGET (view))));
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 120);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 120);
  iterate_until (shows_the_end, &end);
  /* Its very first frame showed the end, not its first messages. */
  g_signal_handlers_disconnect_by_func (clock, first_frame_shown, &end);
  g_assert_cmpint (end.first_frame, ==, TRUE);
  vc_composer_set_text (vc_conversation_view_get_composer (view), "And then?");
  vc_conversation_view_send (view);
  iterate_until (answer_written, view);
  g_assert_cmpuint (vc_conversation_view_get_n_messages (view), ==, 122);
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 122);
  end.last_words = "And then?";
  iterate_until (shows_the_end, &end);

  /* Another long conversation, scrolled up by the user while it is still
   * being sent to its end: it stays where they put it. */
  {
    GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (find_grid_view (GTK_WIDGET (view))), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
    double scrolled_to;

    activate_in_sidebar (window, other, "Another long talk");
    g_assert_true (following (view));
    /* A frame laid out at its end, then the scroll. */
    wait_frames (GTK_WIDGET (window), 1);
    g_assert_true (following (view));
    g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, 1000);
    scrolled_to = gtk_adjustment_get_value (adjustment) - 300;
    gtk_adjustment_set_value (adjustment, scrolled_to);
    iterate_until (not_following, view);
    wait_frames (GTK_WIDGET (window), 2);
    g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <=, scrolled_to + 0.5);
  }
  close_window (GTK_WINDOW (window));
}

static void
bind_label (GtkSignalListItemFactory *factory,
            GtkListItem              *item)
{
  GtkWidget *label = gtk_list_item_get_child (item);

  if (label == NULL)
    gtk_list_item_set_child (item, label = gtk_label_new (NULL));
  gtk_label_set_text (GTK_LABEL (label), gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

/* The transcript's bin, kept at the end of a growing list as an answer
 * streams (asked again with each batch of words), stops when the user
 * scrolls up, and the list grows below without moving them. */
static void
test_scrollable_bin_keeps_user_place (void)
{
  GtkStringList *strings = gtk_string_list_new (NULL);   /* the list's */
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *bin = vc_scrollable_bin_new ();
  GtkWidget *grid = gtk_grid_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (strings))), factory);
  GtkAdjustment *adjustment;
  double scrolled_to;

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *text = g_strdup_printf ("Row %u", i);

      gtk_string_list_append (strings, text);
    }
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label), NULL);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (grid), 1);
  vc_scrollable_bin_set_child (VC_SCROLLABLE_BIN (bin), grid);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), bin);
  gtk_window_set_child (GTK_WINDOW (window), scroller);
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 400);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  vc_scrollable_bin_set_at_end (VC_SCROLLABLE_BIN (bin), TRUE);
  gtk_window_present (GTK_WINDOW (window));
  wait_frames (window, 3);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, 1000);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >=,
                     gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 0.5);

  /* Rows join while it follows: still at the end. */
  gtk_string_list_append (strings, "Row 200");
  vc_scrollable_bin_set_at_end (VC_SCROLLABLE_BIN (bin), TRUE);
  wait_frames (window, 2);
  g_assert_true (vc_scrollable_bin_get_at_end (VC_SCROLLABLE_BIN (bin)));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >=,
                     gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 0.5);

  /* Scrolled up as more rows join (the view asks the bin to follow again
   * with each batch of words if the user was at the end, which they are
   * not any more): it stays where the user put it. */
  scrolled_to = gtk_adjustment_get_value (adjustment) - 300;
  gtk_adjustment_set_value (adjustment, scrolled_to);
  for (guint i = 201; i < 204; i++)
    {
      g_autofree char *text = g_strdup_printf ("Row %u", i);
      gboolean was_at_end = gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
                            gtk_adjustment_get_upper (adjustment) - 4;

      gtk_string_list_append (strings, text);
      if (was_at_end)
        vc_scrollable_bin_set_at_end (VC_SCROLLABLE_BIN (bin), TRUE);
      wait_frames (window, 1);
    }
  g_assert_false (vc_scrollable_bin_get_at_end (VC_SCROLLABLE_BIN (bin)));
  g_assert_cmpfloat (fabs (gtk_adjustment_get_value (adjustment) - scrolled_to), <, 0.5);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Where GL is Mesa's software rasteriser (as under Xvfb), the window
 * draws with cairo, and the next start will know it before GTK starts
 * (vc-software-gl.c). */
static void
test_software_gl_draws_with_cairo (void)
{
  g_autoptr(GdkGLContext) context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  g_autofree char *renderer = NULL;
  VcWindow *window;

  if (renderer_chosen_outside)
    {
      g_test_skip ("GSK_RENDERER chooses the renderer here");
      return;
    }
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    {
      g_test_skip ("no GL here");
      return;
    }
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  if (renderer == NULL || strstr (renderer, "llvmpipe") == NULL)
    {
      g_test_skip ("GL here is not Mesa's llvmpipe");
      return;
    }
  software_gl_seen = TRUE;
  window = open_main_window ();
  g_assert_true (GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (window))));
  close_window (GTK_WINDOW (window));
  {
    g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "vila-chat", "gl-renderer", NULL);
    g_autofree char *remembered = NULL;

    g_assert_true (g_file_get_contents (path, &remembered, NULL, NULL));
    g_assert_true (g_str_has_prefix (remembered, "software\n"));
    g_assert_nonnull (strstr (remembered, renderer));
  }
}

/* The next start on the same machine: what the first found out is applied
 * before GTK starts, and GTK then prepares no GL at all. */
static void
test_software_gl_remembered (void)
{
  g_autoptr(GdkGLContext) context = NULL;
  VcWindow *window;

  if (!g_test_subprocess ())
    {
      if (!software_gl_seen)
        {
          g_test_skip ("GL here is not Mesa's llvmpipe (or GSK_RENDERER is set)");
          return;
        }
      /* Set by the first start (this process's), not by whoever ran us. */
      g_unsetenv ("GSK_RENDERER");
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_nonnull (strstr (g_getenv ("GDK_DEBUG"), "gl-disable"));
  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  g_assert_true (context == NULL || !gdk_gl_context_realize (context, NULL));
  window = open_main_window ();
  g_assert_true (GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (window))));
  close_window (GTK_WINDOW (window));

  /* Programs it starts (an image viewer) do not inherit its choice. */
  {
    g_autoptr(GAppLaunchContext) launch = g_app_launch_context_new ();
    g_auto(GStrv) environment = NULL;

    vc_software_gl_clean_launch_context (launch);
    environment = g_app_launch_context_get_environment (launch);
    g_assert_null (g_environ_getenv (environment, "GSK_RENDERER"));
    g_assert_null (g_environ_getenv (environment, "GDK_DEBUG"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  gboolean own_home = g_getenv ("VC_TEST_HOME") == NULL;
  int status;

  renderer_chosen_outside = g_getenv ("GSK_RENDERER") != NULL;

  /* The chat database of the tests, not the user's; a subprocess of a
   * test works in its parent's. */
  data_home = own_home ? g_dir_make_tmp ("vila-window-XXXXXX", NULL) : g_strdup (g_getenv ("VC_TEST_HOME"));
  g_setenv ("VC_TEST_HOME", data_home, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", data_home, TRUE);
  /* As the application's main() does. */
  vc_software_gl_apply_remembered ();
  gtk_test_init (&argc, &argv, NULL);
  /* A subprocess of a test is given its parent's folder by the environment. */
  if (argc >= 2)
    g_setenv ("VC_TEST_DATA_DIR", argv[1], TRUE);
  if ((data_dir = g_getenv ("VC_TEST_DATA_DIR")) == NULL)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);

  app = vc_application_new ();
  /* No D-Bus name: tests may run beside a real instance. */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/broken-database", test_broken_database);
  g_test_add_func ("/window/welcome-page", test_welcome_page);
  g_test_add_func ("/window/actions", test_actions);
  g_test_add_func ("/window/about", test_about);
  g_test_add_func ("/window/model-override-not-stored", test_model_override_not_stored);
  g_test_add_func ("/window/size-remembered", test_window_size_remembered);
  g_test_add_func ("/window/conversations", test_conversations);
  g_test_add_func ("/window/ask", test_ask);
  g_test_add_func ("/window/settings", test_settings);
  g_test_add_func ("/window/reopen", test_reopen);
  g_test_add_func ("/window/drop-on-ready", test_drop_on_ready);
  g_test_add_func ("/window/many-conversations", test_many_conversations);
  g_test_add_func ("/window/long-conversation", test_long_conversation);
  g_test_add_func ("/window/scrollable-bin-keeps-user-place", test_scrollable_bin_keeps_user_place);
  g_test_add_func ("/window/software-gl-draws-with-cairo", test_software_gl_draws_with_cairo);
  g_test_add_func ("/window/software-gl-remembered", test_software_gl_remembered);

  status = g_test_run ();
  g_object_unref (app);
  if (own_home)
    vila_test_remove_tree (data_home);
  return status;
}
