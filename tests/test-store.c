/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chat database: what is written comes back after reopening (images in
 * order, timings, overrides), search over titles and messages, truncation
 * and deletion, an answer streaming in a process killed with SIGKILL is
 * there up to its last save and marked interrupted, and files that are not
 * ours (a newer schema, garbage, another program's database) are refused
 * and left byte for byte as they were. */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vc-conversation-list.h"
#include "vc-image-store.h"
#include "vc-store.h"
#include "vila-test-util.h"

typedef struct {
  char *folder;
  char *path;
} Fixture;

static const char *data_dir;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->folder = g_dir_make_tmp ("vila-store-XXXXXX", NULL);
  g_assert_nonnull (f->folder);
  f->path = g_build_filename (f->folder, "chats.db", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  vila_test_remove_tree (f->folder);
  g_free (f->folder);
  g_free (f->path);
}

static VcMessage
user_message (gint64      conversation_id,
              const char *text)
{
  return (VcMessage) {
    .conversation_id = conversation_id, .role = VC_ROLE_USER, .text = (char *) text,
    .state = VC_MESSAGE_COMPLETE, .temperature = -1, .top_p = -1, .first_token_ms = -1, .tokens_per_second = -1,
  };
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = vc_store_open (f->path, &error);
  g_autoptr(GBytes) photo = g_bytes_new_static ("not really a PNG", 16);
  g_autoptr(GBytes) other = g_bytes_new_static ("another image", 13);
  g_autofree char *sha_a = NULL, *sha_b = NULL, *again = NULL, *file = NULL;
  g_autoptr(GArray) images = g_array_new (FALSE, FALSE, sizeof (VcMessageImage));
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  VcMessage question, answer;
  gint64 id, first, second;

  g_assert_no_error (error);
  sha_a = vc_image_store_add (vc_store_get_folder (store), photo, &error);
  sha_b = vc_image_store_add (vc_store_get_folder (store), other, &error);
  again = vc_image_store_add (vc_store_get_folder (store), photo, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha_a, ==, again);
  g_assert_cmpuint (strlen (sha_a), ==, 64);
  file = vc_image_store_path (vc_store_get_folder (store), sha_a);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));

  id = vc_store_add_conversation (store, "Two bridges", &error);
  g_assert_cmpint (id, >, 0);
  g_assert_true (vc_store_set_system_prompt (store, id, "Answer briefly.", &error));
  /* An image before the text, another in the middle of it. */
  g_array_append_val (images, ((VcMessageImage) { sha_b, -1 }));
  g_array_append_val (images, ((VcMessageImage) { sha_a, 9 }));
  question = user_message (id, "Compare  these two photos.");
  question.images = images;
  first = vc_store_add_message (store, &question, &error);
  g_assert_no_error (error);
  answer = (VcMessage) {
    .conversation_id = id, .role = VC_ROLE_ASSISTANT, .text = (char *) "The left one is older.",
    .state = VC_MESSAGE_COMPLETE, .model = (char *) "VILA1.5-3b", .temperature = 0.2, .top_p = 0.9,
    .max_new_tokens = 512, .first_token_ms = 85.5, .tokens_per_second = 31.25,
  };
  second = vc_store_add_message (store, &answer, &error);
  g_assert_cmpint (second, >, first);
  g_clear_object (&store);

  store = vc_store_open (f->path, &error);
  g_assert_no_error (error);
  conversations = vc_store_list_conversations (store, NULL, &error);
  g_assert_cmpuint (conversations->len, ==, 1);
  g_assert_cmpstr (((VcConversation *) conversations->pdata[0])->title, ==, "Two bridges");
  g_assert_cmpstr (((VcConversation *) conversations->pdata[0])->system_prompt, ==, "Answer briefly.");
  messages = vc_store_list_messages (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  {
    VcMessage *q = messages->pdata[0], *a = messages->pdata[1];

    g_assert_cmpint (q->role, ==, VC_ROLE_USER);
    g_assert_cmpstr (q->text, ==, "Compare  these two photos.");
    g_assert_cmpuint (q->images->len, ==, 2);
    g_assert_cmpstr (g_array_index (q->images, VcMessageImage, 0).sha256, ==, sha_b);
    g_assert_cmpint (g_array_index (q->images, VcMessageImage, 0).text_offset, ==, -1);
    g_assert_cmpstr (g_array_index (q->images, VcMessageImage, 1).sha256, ==, sha_a);
    g_assert_cmpint (g_array_index (q->images, VcMessageImage, 1).text_offset, ==, 9);
    g_assert_cmpfloat (q->temperature, <, 0);
    g_assert_null (q->model);

    g_assert_cmpint (a->role, ==, VC_ROLE_ASSISTANT);
    g_assert_cmpstr (a->model, ==, "VILA1.5-3b");
    g_assert_cmpfloat (a->temperature, ==, 0.2);
    g_assert_cmpfloat (a->top_p, ==, 0.9);
    g_assert_cmpint (a->max_new_tokens, ==, 512);
    g_assert_cmpfloat (a->first_token_ms, ==, 85.5);
    g_assert_cmpfloat (a->tokens_per_second, ==, 31.25);
    g_assert_cmpuint (a->images->len, ==, 0);
  }
}

static void
test_search_truncate_delete (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = vc_store_open (f->path, &error);
  gint64 river, market, question, answer;
  VcMessage m;
  GPtrArray *found;

  g_assert_no_error (error);
  river = vc_store_add_conversation (store, "River at dusk", &error);
  market = vc_store_add_conversation (store, "Market stalls", &error);
  m = user_message (river, "How many boats are not tied to the pier?");
  question = vc_store_add_message (store, &m, &error);
  m = user_message (market, "Which stall sells oranges?");
  vc_store_add_message (store, &m, &error);
  m = user_message (river, "And the bridge?");
  answer = vc_store_add_message (store, &m, &error);
  g_assert_no_error (error);

  /* Newest change first. */
  found = vc_store_list_conversations (store, NULL, &error);
  g_assert_cmpint (((VcConversation *) found->pdata[0])->id, ==, river);
  g_ptr_array_unref (found);

  /* A title word, a message word, a prefix, two words, punctuation. */
  found = vc_store_list_conversations (store, "dusk", &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (((VcConversation *) found->pdata[0])->id, ==, river);
  g_ptr_array_unref (found);
  found = vc_store_list_conversations (store, "orang", &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (((VcConversation *) found->pdata[0])->id, ==, market);
  g_ptr_array_unref (found);
  found = vc_store_list_conversations (store, "boats pier", &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_ptr_array_unref (found);
  found = vc_store_list_conversations (store, "\"pier?\" -tied ( ARE NOT", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_ptr_array_unref (found);
  found = vc_store_list_conversations (store, "giraffe", &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);

  /* Renamed: found by the new title only. */
  g_assert_true (vc_store_rename_conversation (store, market, "Fruit", &error));
  found = vc_store_list_conversations (store, "stalls", &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);

  /* Regenerating from the first question drops it and what followed. */
  g_assert_true (vc_store_truncate_at (store, question, &error));
  found = vc_store_list_messages (store, river, &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);
  g_assert_false (vc_store_update_message (store, answer, "x", VC_MESSAGE_COMPLETE, -1, -1, &error));
  g_assert_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (vc_store_delete_conversation (store, market, &error));
  found = vc_store_list_conversations (store, "oranges", &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);
  g_assert_false (vc_store_delete_conversation (store, market, &error));
  g_assert_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND);
}

/* A child streams an answer, saving each step and then telling the parent
 * how far it got; the parent kills it mid-stream. */
static void
stream_until_killed (const char *path,
                     int         report)
{
  g_autoptr(VcStore) store = vc_store_open (path, NULL);
  gint64 conversation = vc_store_add_conversation (store, "Streaming", NULL);
  VcMessage m = user_message (conversation, "");
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 id;

  m.role = VC_ROLE_ASSISTANT;
  m.state = VC_MESSAGE_STREAMING;
  id = vc_store_add_message (store, &m, NULL);
  for (int step = 1;; step++)
    {
      g_string_append_printf (text, "token%d ", step);
      if (!vc_store_update_message (store, id, text->str, VC_MESSAGE_STREAMING, 80.0, -1, NULL) ||
          write (report, &step, sizeof step) != sizeof step)
        _exit (1);
      g_usleep (20000);
    }
}

static void
test_killed_while_streaming (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *expected_tail = NULL;
  int pipe_fds[2], step = 0, status;
  VcMessage *answer;
  pid_t child;

  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      close (pipe_fds[0]);
      stream_until_killed (f->path, pipe_fds[1]);
    }
  close (pipe_fds[1]);
  while (step < 10 && read (pipe_fds[0], &step, sizeof step) == sizeof step)
    ;
  g_assert_cmpint (kill (child, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFSIGNALED (status));
  /* Steps saved after the last report may have landed too. */
  while (read (pipe_fds[0], &step, sizeof step) == sizeof step)
    ;
  close (pipe_fds[0]);

  store = vc_store_open (f->path, &error);
  g_assert_no_error (error);
  conversations = vc_store_list_conversations (store, NULL, &error);
  g_assert_cmpuint (conversations->len, ==, 1);
  messages = vc_store_list_messages (store, ((VcConversation *) conversations->pdata[0])->id, &error);
  g_assert_cmpuint (messages->len, ==, 1);
  answer = messages->pdata[0];
  g_assert_cmpint (answer->state, ==, VC_MESSAGE_INTERRUPTED);
  expected_tail = g_strdup_printf ("token%d ", step);
  g_test_message ("killed after step %d; saved: …%s", step, answer->text + MAX (0, (int) strlen (answer->text) - 20));
  g_assert_true (g_str_has_suffix (answer->text, expected_tail) ||
                 strstr (answer->text, expected_tail) != NULL);
  g_assert_cmpfloat (answer->first_token_ms, ==, 80.0);
}

static char *
checksum_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static void
assert_refused_unchanged (const char   *path,
                          VcStoreError  code)
{
  g_autofree char *before = checksum_of (path);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = vc_store_open (path, &error);

  g_assert_null (store);
  g_assert_error (error, VC_STORE_ERROR, code);
  g_test_message ("%s", error->message);
  after = checksum_of (path);
  g_assert_cmpstr (before, ==, after);
}

static void
test_refuses_foreign_files (Fixture       *f,
                            gconstpointer  data)
{
  sqlite3 *db;
  g_autofree char *garbage = g_build_filename (f->folder, "garbage.db", NULL);
  g_autofree char *other = g_build_filename (f->folder, "other.db", NULL);
  char noise[8192];

  /* A newer schema. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future (x); PRAGMA user_version = 99", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  assert_refused_unchanged (f->path, VC_STORE_ERROR_NEWER);

  /* Not a database at all. */
  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (char) (i * 131 + 7);
  g_assert_true (g_file_set_contents (garbage, noise, sizeof noise, NULL));
  assert_refused_unchanged (garbage, VC_STORE_ERROR_CORRUPT);

  /* Somebody else's database. */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE recipes (name)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  assert_refused_unchanged (other, VC_STORE_ERROR_CORRUPT);

  /* Set aside, kept byte for byte under a new name (its log with it),
   * and a fresh database where it was. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(VcStore) fresh = NULL;
    g_autofree char *wal = g_strconcat (garbage, "-wal", NULL);
    g_autofree char *kept = NULL;
    g_autofree char *kept_wal = NULL;
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_set_contents (wal, "log", 3, NULL));
    kept = vc_store_set_aside (garbage, &error);
    g_assert_no_error (error);
    g_assert_nonnull (kept);
    g_assert_true (g_str_has_prefix (kept, garbage));
    g_assert_true (g_file_get_contents (kept, &contents, &length, NULL));
    g_assert_cmpmem (contents, length, noise, sizeof noise);
    kept_wal = g_strconcat (kept, "-wal", NULL);
    g_assert_true (g_file_test (kept_wal, G_FILE_TEST_IS_REGULAR));
    g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
    fresh = vc_store_open (garbage, &error);
    g_assert_no_error (error);
    g_assert_nonnull (fresh);
  }
}

static void
test_thumbnails (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 300, 120);
  g_autoptr(GdkPixbuf) small = NULL, again = NULL, full = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) broken = g_bytes_new_static ("not an image at all", 19);
  g_autofree char *png = NULL, *sha = NULL, *bad = NULL, *image = NULL, *cached = NULL;
  gsize size;

  gdk_pixbuf_fill (photo, 0x3366ccff);
  g_assert_true (gdk_pixbuf_save_to_buffer (photo, &png, &size, "png", &error, NULL));
  bytes = g_bytes_new (png, size);
  sha = vc_image_store_add (f->folder, bytes, &error);
  g_assert_no_error (error);

  /* Fitted into 64 × 64 with its aspect, and kept beside the image. */
  small = vc_image_store_thumbnail (f->folder, sha, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (small), ==, 64);
  g_assert_cmpint (gdk_pixbuf_get_height (small), ==, 26);
  image = vc_image_store_path (f->folder, sha);
  cached = g_strdup_printf ("%s.thumbnail-64.png", image);
  g_assert_true (g_file_test (cached, G_FILE_TEST_IS_REGULAR));

  /* A damaged cache file is made again. */
  g_assert_true (g_file_set_contents (cached, "garbage", 7, NULL));
  again = vc_image_store_thumbnail (f->folder, sha, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (again), ==, 64);

  /* Never scaled up. */
  full = vc_image_store_thumbnail (f->folder, sha, 512, &error);
  g_assert_cmpint (gdk_pixbuf_get_width (full), ==, 300);
  g_assert_cmpint (gdk_pixbuf_get_height (full), ==, 120);

  /* Bytes that are no image: an error that names the file. */
  bad = vc_image_store_add (f->folder, broken, &error);
  g_assert_null (vc_image_store_thumbnail (f->folder, bad, 64, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, bad));
}

static void
thumbnail_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

static GdkPixbuf *
thumbnail_in_thread (const char    *folder,
                     const char    *sha256,
                     int            size,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  vc_image_store_thumbnail_async (folder, sha256, size, cancellable, thumbnail_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return vc_image_store_thumbnail_finish (result, error);
}

/* The window's way: made in a thread, the same picture or error, and
 * nothing when the row that asked has gone. */
static void
test_thumbnails_in_thread (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GdkPixbuf) photo = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 90, 300);
  g_autoptr(GdkPixbuf) thumbnail = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL, *sha = NULL;
  gsize size;

  gdk_pixbuf_fill (photo, 0x884422ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (photo, &png, &size, "png", &error, NULL));
  bytes = g_bytes_new (png, size);
  sha = vc_image_store_add (f->folder, bytes, &error);
  g_assert_no_error (error);

  thumbnail = thumbnail_in_thread (f->folder, sha, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (thumbnail), ==, 30);
  g_assert_cmpint (gdk_pixbuf_get_height (thumbnail), ==, 100);

  g_assert_null (thumbnail_in_thread (f->folder, "0000000000000000000000000000000000000000000000000000000000000000", 100,
                                      NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_cancellable_cancel (cancelled);
  g_assert_null (thumbnail_in_thread (f->folder, sha, 100, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The sidebar's model: newest first, a search, a conversation hidden
 * while its deletion may be undone. */
static void
test_conversation_list (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = vc_store_open (f->path, &error);
  g_autoptr(VcConversationList) list = vc_conversation_list_new (store);
  g_autoptr(VcConversationItem) first = NULL;
  gint64 a, b, c;
  guint changes = 0;
  VcMessage m;

  g_signal_connect (list, "items-changed", G_CALLBACK (count_changes), &changes);
  a = vc_store_add_conversation (store, "Harbour", &error);
  b = vc_store_add_conversation (store, "Mountain", &error);
  c = vc_store_add_conversation (store, "Forest", &error);
  m = user_message (a, "the lighthouse at night");
  vc_store_add_message (store, &m, &error);
  g_assert_no_error (error);

  g_assert_true (vc_conversation_list_reload (list, NULL, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_cmpuint (changes, ==, 1);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpint (vc_conversation_item_get_id (first), ==, a);   /* its message made it newest */
  g_assert_cmpstr (vc_conversation_item_get_title (first), ==, "Harbour");
  g_assert_cmpint (vc_conversation_list_find (list, c), ==, 1);
  g_assert_cmpint (vc_conversation_list_find (list, b), ==, 2);

  g_assert_true (vc_conversation_list_reload (list, "lighthouse", &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_true (vc_conversation_list_reload (list, "", &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);

  vc_conversation_list_hide (list, c, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpint (vc_conversation_list_find (list, c), ==, -1);
  vc_conversation_list_hide (list, c, FALSE);
  g_assert_cmpint (vc_conversation_list_find (list, c), ==, 1);
}

/* A database as each earlier schema version wrote it (made by
 * tools/fixtures/make_store_v*.py) opens migrated, with everything in it
 * kept: conversation, override, messages, their image, search. */
static void
test_migrations (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *fixture = g_build_filename (data_dir, "store", "chats-v1.db", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(VcConversation) one = NULL;
  const VcConversation *c;
  const VcMessage *question, *answer;
  gsize length;
  sqlite3 *db;
  sqlite3_stmt *version;

  g_assert_true (g_file_get_contents (fixture, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (f->path, contents, length, NULL));
  store = vc_store_open (f->path, &error);
  g_assert_no_error (error);

  conversations = vc_store_list_conversations (store, NULL, &error);
  g_assert_cmpuint (conversations->len, ==, 1);
  c = conversations->pdata[0];
  g_assert_cmpstr (c->title, ==, "Harbour photos");
  g_assert_cmpstr (c->system_prompt, ==, "Answer like a sailor.");
  g_assert_cmpfloat (c->temperature, <, 0);
  g_assert_cmpfloat (c->top_p, <, 0);
  g_assert_cmpint (c->max_new_tokens, ==, 0);

  messages = vc_store_list_messages (store, c->id, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  question = messages->pdata[0];
  answer = messages->pdata[1];
  g_assert_cmpstr (question->text, ==, "What boats are in this harbour?");
  g_assert_cmpuint (question->images->len, ==, 1);
  g_assert_cmpint (g_array_index (question->images, VcMessageImage, 0).text_offset, ==, -1);
  g_assert_cmpint (answer->state, ==, VC_MESSAGE_COMPLETE);
  g_assert_cmpstr (answer->model, ==, "vila15-tiny");
  g_assert_cmpfloat (answer->tokens_per_second, ==, 80.0);
  found = vc_store_list_conversations (store, "lighthouse", &error);
  g_assert_cmpuint (found->len, ==, 1);

  /* The new columns work. */
  g_assert_true (vc_store_set_sampling (store, c->id, 0.7, 0.5, 128, &error));
  one = vc_store_get_conversation (store, c->id, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (one->temperature, ==, 0.7);
  g_assert_cmpfloat (one->top_p, ==, 0.5);
  g_assert_cmpint (one->max_new_tokens, ==, 128);
  g_assert_false (vc_store_set_sampling (store, 999, -1, -1, 0, &error));
  g_assert_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND);
  g_clear_object (&store);

  /* Written as the newest version. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &version, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (version), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (version, 0), ==, 2);
  sqlite3_finalize (version);
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add ("/store/round-trip", Fixture, NULL, fixture_setup, test_round_trip, fixture_teardown);
  g_test_add ("/store/search-truncate-delete", Fixture, NULL, fixture_setup, test_search_truncate_delete,
              fixture_teardown);
  g_test_add ("/store/killed-while-streaming", Fixture, NULL, fixture_setup, test_killed_while_streaming,
              fixture_teardown);
  g_test_add ("/store/conversation-list", Fixture, NULL, fixture_setup, test_conversation_list, fixture_teardown);
  g_test_add ("/store/migrations", Fixture, NULL, fixture_setup, test_migrations, fixture_teardown);
  g_test_add ("/store/thumbnails", Fixture, NULL, fixture_setup, test_thumbnails, fixture_teardown);
  g_test_add ("/store/thumbnails-in-thread", Fixture, NULL, fixture_setup, test_thumbnails_in_thread,
              fixture_teardown);
  g_test_add ("/store/refuses-foreign-files", Fixture, NULL, fixture_setup, test_refuses_foreign_files,
              fixture_teardown);
  return g_test_run ();
}
