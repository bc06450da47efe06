/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A conversation between the store and the worker, on the tiny VILA1.5
 * checkpoint: the question and the streamed answer are stored (the answer
 * as the engine gives it, complete, with timings; the title from the
 * question), a follow-up carries an image into the image store, a stopped
 * answer is kept as stopped, regenerating replaces an answer and what
 * followed, a chat made again for the same conversation (after a restart)
 * continues it, and an unreadable image stores nothing. Argument:
 * tests/data. */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "vc-chat.h"
#include "vc-image-loader.h"
#include "vc-image-store.h"
#include "vila-test-util.h"

static const char *data_dir;
static VcWorker *worker;

typedef struct {
  char    *folder;
  VcStore *store;
  gint64   conversation;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->folder = g_dir_make_tmp ("vila-chat-XXXXXX", NULL);
  path = g_build_filename (f->folder, "chats.db", NULL);
  f->store = vc_store_open (path, &error);
  g_assert_no_error (error);
  f->conversation = vc_store_add_conversation (f->store, "", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  vila_test_remove_tree (f->folder);
  g_free (f->folder);
}

typedef struct {
  GAsyncResult *result;
  GCancellable *stop_on_first;
  guint         changes;
} Waiter;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ((Waiter *) user_data)->result = g_object_ref (result);
}

static void
on_answer_changed (VcChat     *chat,
                   gint64      message,
                   const char *text,
                   gpointer    user_data)
{
  Waiter *waiter = user_data;

  waiter->changes++;
  if (waiter->stop_on_first != NULL)
    g_cancellable_cancel (waiter->stop_on_first);
}

/* Sends and waits; returns the answer's message id. */
static gint64
send (VcChat       *chat,
      const char   *text,
      GPtrArray    *images,
      GArray       *offsets,
      GCancellable *stop_on_first,
      GError      **error)
{
  Waiter waiter = { NULL, stop_on_first, 0 };
  gulong id = g_signal_connect (chat, "answer-changed", G_CALLBACK (on_answer_changed), &waiter);
  VilaSamplingParams params;
  gint64 answer;

  vila_sampling_params_init (&params);
  params.max_new_tokens = stop_on_first ? 400 : 24;
  vc_chat_send_async (chat, text, images, offsets, &params, stop_on_first, store_result, &waiter);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  answer = vc_chat_send_finish (chat, waiter.result, error);
  g_object_unref (waiter.result);
  g_signal_handler_disconnect (chat, id);
  return answer;
}

static gboolean
collect (const char *text,
         gint32      token_id,
         gpointer    user_data)
{
  g_string_append (user_data, text);
  return TRUE;
}

/* The engine's own answer under @prompt, after @earlier_question and
 * @earlier_answer when given. */
static char *
direct_under (const char *prompt,
              const char *earlier_question,
              const char *earlier_answer,
              const char *question)
{
  g_autofree char *path = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  g_autoptr(VilaModel) model = vila_model_load (path, NULL, NULL);
  g_autoptr(VilaSession) session = NULL;
  GString *text = g_string_new (NULL);
  VilaSessionOptions options;
  VilaSamplingParams params;

  vila_session_options_init (&options);
  options.system_prompt = prompt;
  session = vila_session_new (model, &options, NULL);
  vila_sampling_params_init (&params);
  params.max_new_tokens = 24;
  if (earlier_question != NULL)
    {
      g_assert_true (vila_session_append_text (session, earlier_question, NULL));
      g_assert_true (vila_session_append_answer (session, earlier_answer, NULL));
    }
  g_assert_true (vila_session_append_text (session, question, NULL));
  g_assert_true (vila_session_generate (session, &params, collect, text, NULL, NULL, NULL));
  return g_string_free (text, FALSE);
}

/* The engine's own answer to @question (after @earlier question and
 * answer, when given), under the template's own system prompt. */
static char *
direct (const char *earlier_question,
        const char *earlier_answer,
        const char *question)
{
  return direct_under (NULL, earlier_question, earlier_answer, question);
}

static VcMessage *
message_at (GPtrArray *messages,
            guint      i)
{
  g_assert_cmpuint (i, <, messages->len);
  return messages->pdata[i];
}

static GBytes *
png_of_colour (guint32 rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 30);
  g_autofree char *png = NULL;
  gsize size;

  gdk_pixbuf_fill (pixbuf, rgba);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &size, "png", NULL, NULL));
  return g_bytes_new (png, size);
}

static GBytes *
png_bytes (void)
{
  return png_of_colour (0x886644ff);
}

/* Images placed inside the text (insert image here) are stored with
 * their offsets and reach the model between the words they stand
 * between: the answer is the engine's own to that interleaved prompt. */
static void
test_interleaved (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(VcChat) chat = vc_chat_new (f->store, worker, f->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) messages = NULL;
  const char *text = "Which is darker, this one or this one? Say why.";
  gint64 at_first = strlen ("Which is darker, this one"), at_second = strlen ("Which is darker, this one or this one");
  VcMessage *question;

  g_ptr_array_add (images, png_of_colour (0x202020ff));
  g_ptr_array_add (images, png_of_colour (0xe0e0e0ff));
  g_array_append_val (offsets, at_first);
  g_array_append_val (offsets, at_second);
  /* While the question's images are read (in a thread), the chat takes
   * no other question and deletes nothing. */
  {
    Waiter first = { NULL, NULL, 0 }, second = { NULL, NULL, 0 };
    VilaSamplingParams params;

    vila_sampling_params_init (&params);
    params.max_new_tokens = 24;
    vc_chat_send_async (chat, text, images, offsets, &params, NULL, store_result, &first);
    vc_chat_send_async (chat, "And this?", NULL, NULL, &params, NULL, store_result, &second);
    g_assert_false (vc_chat_delete_message (chat, 1, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
    while (first.result == NULL || second.result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (vc_chat_send_finish (chat, second.result, &error), ==, 0);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_cmpint (vc_chat_send_finish (chat, first.result, &error), >, 0);
    g_assert_no_error (error);
    g_object_unref (first.result);
    g_object_unref (second.result);
  }
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  question = message_at (messages, 0);
  g_assert_cmpstr (question->text, ==, text);
  g_assert_cmpuint (question->images->len, ==, 2);
  g_assert_cmpint (g_array_index (question->images, VcMessageImage, 0).text_offset, ==, at_first);
  g_assert_cmpint (g_array_index (question->images, VcMessageImage, 1).text_offset, ==, at_second);
  {
    g_autofree char *path = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
    g_autoptr(VilaModel) model = vila_model_load (path, NULL, NULL);
    g_autoptr(VilaSession) session = vila_session_new (model, NULL, NULL);
    g_autoptr(GString) expected = g_string_new (NULL);
    const char *folder = vc_store_get_folder (f->store);
    const char *parts[] = { "Which is darker, this one", " or this one", "? Say why." };
    VilaSamplingParams params;

    for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
      {
        g_assert_true (vila_session_append_text (session, parts[i], NULL));
        if (i < 2)
          {
            const char *sha = g_array_index (question->images, VcMessageImage, i).sha256;
            g_autofree char *image_path = vc_image_store_path (folder, sha);
            g_autoptr(VcLoadedImage) image = vc_image_load (image_path, &error);

            g_assert_no_error (error);
            g_assert_true (vila_session_append_image (session, &image->image, NULL));
          }
      }
    vila_sampling_params_init (&params);
    params.max_new_tokens = 24;
    g_assert_true (vila_session_generate (session, &params, collect, expected, NULL, NULL, NULL));
    g_assert_cmpstr (message_at (messages, 1)->text, ==, expected->str);
  }

  /* An offset inside a character or past the text puts that image
   * before the text rather than split a word's bytes. */
  {
    g_autoptr(VcChat) other = vc_chat_new (f->store, worker, vc_store_add_conversation (f->store, "", &error));
    gint64 bad[] = { 1, 400 };

    g_clear_pointer (&messages, g_ptr_array_unref);
    g_array_set_size (offsets, 0);
    g_array_append_vals (offsets, bad, 2);
    send (other, "Ça va ?", images, offsets, NULL, &error);
    g_assert_no_error (error);
    messages = vc_store_list_messages (f->store, vc_chat_get_conversation (other), &error);
    question = message_at (messages, 0);
    g_assert_cmpint (g_array_index (question->images, VcMessageImage, 0).text_offset, ==, -1);
    g_assert_cmpint (g_array_index (question->images, VcMessageImage, 1).text_offset, ==, -1);
  }
}

static void
test_conversation (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(VcChat) chat = vc_chat_new (f->store, worker, f->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  gint64 first, second, third, again;
  VcMessage *answer;

  first = send (chat, "Tell me a story about a lighthouse.\nPlease.", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  answer = message_at (messages, 1);
  g_assert_cmpint (answer->id, ==, first);
  g_assert_cmpint (answer->role, ==, VC_ROLE_ASSISTANT);
  g_assert_cmpint (answer->state, ==, VC_MESSAGE_COMPLETE);
  g_assert_cmpstr (answer->model, ==, "vila15-tiny");
  g_assert_cmpfloat (answer->first_token_ms, >=, 0);
  g_assert_cmpint (answer->max_new_tokens, ==, 24);
  g_clear_pointer (&messages, g_ptr_array_unref);
  conversations = vc_store_list_conversations (f->store, NULL, &error);
  g_assert_cmpstr (((VcConversation *) conversations->pdata[0])->title, ==, "Tell me a story about a lighthouse.");

  /* The first line made the title; the whole question was asked. */
  {
    g_autofree char *whole = direct (NULL, NULL, "Tell me a story about a lighthouse.\nPlease.");

    messages = vc_store_list_messages (f->store, f->conversation, &error);
    g_assert_cmpstr (message_at (messages, 1)->text, ==, whole);
    g_clear_pointer (&messages, g_ptr_array_unref);
  }

  /* A follow-up with an image: stored, and answered. */
  g_ptr_array_add (images, png_bytes ());
  second = send (chat, "What is in this picture?", images, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 4);
  g_assert_cmpuint (message_at (messages, 2)->images->len, ==, 1);
  g_assert_cmpint (message_at (messages, 3)->id, ==, second);
  g_assert_cmpint (message_at (messages, 3)->state, ==, VC_MESSAGE_COMPLETE);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Stopped at its first words: kept, as stopped. */
  third = send (chat, "Tell me a longer one.", NULL, NULL, stop, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  answer = message_at (messages, 5);
  g_assert_cmpint (answer->id, ==, third);
  if (answer->state != VC_MESSAGE_COMPLETE)   /* unless it ended first */
    g_assert_cmpint (answer->state, ==, VC_MESSAGE_STOPPED);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Regenerating the first answer drops it and everything after. */
  {
    Waiter waiter = { NULL, NULL, 0 };
    VilaSamplingParams params;

    vila_sampling_params_init (&params);
    params.max_new_tokens = 24;
    vc_chat_regenerate_async (chat, first, &params, NULL, store_result, &waiter);
    while (waiter.result == NULL)
      g_main_context_iteration (NULL, TRUE);
    again = vc_chat_send_finish (chat, waiter.result, &error);
    g_object_unref (waiter.result);
    g_assert_no_error (error);
  }
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (message_at (messages, 1)->id, ==, again);
  g_clear_pointer (&messages, g_ptr_array_unref);
}

/* A chat made again (as after a restart) continues from the store: its
 * answer is the engine's with the stored answer written in. */
static void
test_continue_after_restart (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *first_answer = NULL;
  VcChat *chat = vc_chat_new (f->store, worker, f->conversation);

  send (chat, "Tell me a story about a lighthouse.", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (chat);
  vc_worker_forget (worker, f->conversation);

  messages = vc_store_list_messages (f->store, f->conversation, &error);
  first_answer = g_strdup (message_at (messages, 1)->text);
  g_clear_pointer (&messages, g_ptr_array_unref);
  expected = direct ("Tell me a story about a lighthouse.", first_answer, "Why?");

  chat = vc_chat_new (f->store, worker, f->conversation);
  send (chat, "Why?", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 4);
  g_assert_cmpstr (message_at (messages, 3)->text, ==, expected);
  g_object_unref (chat);
}

/* Waits for an edit; returns the answer's message id. */
static gint64
edit (VcChat      *chat,
      gint64       question,
      const char  *text,
      GPtrArray   *images,
      GError     **error)
{
  Waiter waiter = { NULL, NULL, 0 };
  VilaSamplingParams params;
  gint64 answer;

  vila_sampling_params_init (&params);
  params.max_new_tokens = 24;
  vc_chat_edit_async (chat, question, text, images, NULL, &params, NULL, store_result, &waiter);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  answer = vc_chat_send_finish (chat, waiter.result, error);
  g_object_unref (waiter.result);
  return answer;
}

/* An edited first question replaces the whole conversation after it, and
 * is answered as if asked first (the engine's own answer, the title made
 * again); a bad image in an edit loses nothing; a deleted question takes
 * its answer with it, and the next answer builds on what is left. */
static void
test_edit_and_delete (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(VcChat) chat = vc_chat_new (f->store, worker, f->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) conversations = NULL;
  g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree char *expected = direct (NULL, NULL, "Describe a harbour at night.");
  g_autofree char *kept_answer = NULL;
  gint64 first_question, answer;

  send (chat, "Tell me a story about a lighthouse.", NULL, NULL, NULL, &error);
  send (chat, "Why?", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 4);
  first_question = message_at (messages, 0)->id;
  g_clear_pointer (&messages, g_ptr_array_unref);

  g_ptr_array_add (bad, g_bytes_new_static ("not an image", 12));
  g_assert_cmpint (edit (chat, first_question, "Describe a harbour at night.", bad, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 4);
  g_clear_pointer (&messages, g_ptr_array_unref);

  answer = edit (chat, first_question, "Describe a harbour at night.", NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpstr (message_at (messages, 0)->text, ==, "Describe a harbour at night.");
  g_assert_cmpint (message_at (messages, 1)->id, ==, answer);
  g_assert_cmpstr (message_at (messages, 1)->text, ==, expected);
  kept_answer = g_strdup (expected);
  g_clear_pointer (&messages, g_ptr_array_unref);
  conversations = vc_store_list_conversations (f->store, NULL, &error);
  g_assert_cmpstr (((VcConversation *) conversations->pdata[0])->title, ==, "Describe a harbour at night.");

  /* A follow-up deleted with its answer; the next one builds on the
   * first turn alone. */
  send (chat, "And in the morning?", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 4);
  g_assert_true (vc_chat_delete_message (chat, message_at (messages, 2)->id, &error));
  g_assert_no_error (error);
  g_assert_false (vc_chat_delete_message (chat, message_at (messages, 2)->id, &error));
  g_assert_error (error, VC_STORE_ERROR, VC_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  g_clear_pointer (&messages, g_ptr_array_unref);
  {
    g_autofree char *follow_up = direct ("Describe a harbour at night.", kept_answer, "Why?");

    send (chat, "Why?", NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    messages = vc_store_list_messages (f->store, f->conversation, &error);
    g_assert_cmpuint (messages->len, ==, 4);
    g_assert_cmpstr (message_at (messages, 3)->text, ==, follow_up);
  }
}

/* The system prompt reaches the model; a new one puts the conversation
 * so far under it; none gives the template's own again. */
static void
test_system_prompt (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VcChat) chat = vc_chat_new (f->store, worker, f->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *pirate = direct_under ("You are a pirate.", NULL, NULL, "Hello");
  g_autofree char *plain = direct (NULL, NULL, "Hello");
  g_autofree char *follow_up = NULL;

  g_assert_cmpstr (pirate, !=, plain);
  vc_chat_set_system_prompt (chat, "You are a pirate.");
  send (chat, "Hello", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpstr (message_at (messages, 1)->text, ==, pirate);
  g_clear_pointer (&messages, g_ptr_array_unref);

  follow_up = direct_under ("You are a librarian.", "Hello", pirate, "Why?");
  vc_chat_set_system_prompt (chat, "You are a librarian.");
  send (chat, "Why?", NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpstr (message_at (messages, 3)->text, ==, follow_up);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Another conversation keeps the template's own prompt. */
  {
    g_autoptr(VcChat) other = vc_chat_new (f->store, worker, vc_store_add_conversation (f->store, "", &error));

    vc_chat_set_system_prompt (other, "");
    send (other, "Hello", NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    messages = vc_store_list_messages (f->store, vc_chat_get_conversation (other), &error);
    g_assert_cmpstr (message_at (messages, 1)->text, ==, plain);
  }
}

static void
test_unreadable_image (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(VcChat) chat = vc_chat_new (f->store, worker, f->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) messages = NULL;

  g_ptr_array_add (images, g_bytes_new_static ("not an image", 12));
  g_assert_cmpint (send (chat, "What is this?", images, NULL, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  messages = vc_store_list_messages (f->store, f->conversation, &error);
  g_assert_cmpuint (messages->len, ==, 0);
  /* …and no file of it in the image store. */
  {
    g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, images->pdata[0]);
    g_autofree char *path = vc_image_store_path (f->folder, sha);

    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];

  /* One worker with the model for every test, as the app has. */
  worker = vc_worker_new ();
  path = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  {
    Waiter waiter = { NULL, NULL, 0 };

    vc_worker_load_async (worker, path, NULL, NULL, store_result, &waiter);
    while (waiter.result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (vc_worker_load_finish (worker, waiter.result, &error));
    g_object_unref (waiter.result);
  }

  g_test_add ("/chat/conversation", Fixture, NULL, fixture_setup, test_conversation, fixture_teardown);
  g_test_add ("/chat/continue-after-restart", Fixture, NULL, fixture_setup, test_continue_after_restart,
              fixture_teardown);
  g_test_add ("/chat/interleaved", Fixture, NULL, fixture_setup, test_interleaved, fixture_teardown);
  g_test_add ("/chat/edit-and-delete", Fixture, NULL, fixture_setup, test_edit_and_delete, fixture_teardown);
  g_test_add ("/chat/system-prompt", Fixture, NULL, fixture_setup, test_system_prompt, fixture_teardown);
  g_test_add ("/chat/unreadable-image", Fixture, NULL, fixture_setup, test_unreadable_image, fixture_teardown);
  status = g_test_run ();
  g_object_unref (worker);
  return status;
}
