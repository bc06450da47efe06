/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole checkpoints against the reference pipelines
 * (tools/reference/make_vila_fixtures.py): VILA1.5's three-part layout
 * (SigLIP, "resize", mlp_downsample) and VILA-7B's flat one (CLIP, "pad",
 * mlp2x_gelu); images through preprocessing, tower and projector, spliced
 * into the vicuna_v1 prompt where the question places them, then the LLM.
 * For each case (one image, images interleaved with text, text only, and
 * a multi-turn chat whose cached session must equal the reference's run
 * over the whole conversation) the prompt ids, the logits of its last
 * position (within 1e-4 of their scale) and 32 greedy tokens match. Argument: tests/data. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "vila.h"
#include "vila-test-util.h"
#include "vila-test-backend.h"

static const char *data_dir;

typedef struct {
  const char *checkpoint;
  const char *name;
} Case;

typedef struct {
  VilaModel  *model;
  JsonParser *parser;
  JsonObject *golden;      /* this case's entry in golden.json */
  char       *root;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const Case *c = data;
  g_autofree char *golden = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *cases;
  VilaLoadOptions options;

  f->root = g_build_filename (data_dir, "checkpoints", c->checkpoint, NULL);
  vila_test_load_options (&options);
  f->model = vila_model_load (f->root, &options, &error);
  g_assert_no_error (error);
  golden = g_build_filename (f->root, "golden.json", NULL);
  f->parser = json_parser_new ();
  json_parser_load_from_file (f->parser, golden, &error);
  g_assert_no_error (error);
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (f->parser)), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (cases, i), "name"), c->name) == 0)
      f->golden = json_array_get_object_element (cases, i);
  if (f->golden == NULL)
    g_error ("%s has no case “%s”", golden, c->name);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  vila_model_unref (f->model);
  g_object_unref (f->parser);
  g_free (f->root);
}

/* Expected ids, less a final EOS: the reference stops there too, and our
 * callback does not see it. */
static void
assert_answer (GArray                  *answer,
               JsonArray               *expected,
               const VilaGenerateStats *stats)
{
  guint n_expected = json_array_get_length (expected);

  if (n_expected > 0 && json_array_get_int_element (expected, n_expected - 1) == 2)
    {
      g_assert_cmpint (stats->stop_reason, ==, VILA_STOP_EOS);
      n_expected--;
    }
  g_assert_cmpuint (answer->len, ==, n_expected);
  for (guint i = 0; i < answer->len; i++)
    g_assert_cmpint (g_array_index (answer, gint32, i), ==, json_array_get_int_element (expected, i));
}

/* The conversation of the case, one session with its KV cache: each turn's
 * text and images in its order (each <image> takes the next image, as the
 * reference's -200 does), earlier turns answered as the reference did,
 * then the last turn answered with up to @max_tokens. */
static VilaSession *
ask (Fixture           *f,
     guint              max_tokens,
     VilaTokenFunc      on_token,
     gpointer           user_data,
     VilaGenerateStats *stats)
{
  g_autoptr(GError) error = NULL;
  JsonArray *images = json_object_get_array_member (f->golden, "images");
  JsonArray *turns = json_object_get_array_member (f->golden, "turns");
  JsonArray *answers = json_object_get_array_member (f->golden, "answers");
  VilaSession *session = vila_session_new (f->model, NULL, &error);
  guint next_image = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (answers), ==, json_array_get_length (turns) - 1);
  for (guint t = 0; t < json_array_get_length (turns); t++)
    {
      g_auto(GStrv) pieces = g_strsplit (json_array_get_string_element (turns, t), "<image>", -1);
      gboolean last = t + 1 == json_array_get_length (turns);
      g_autoptr(GArray) answer = g_array_new (FALSE, FALSE, sizeof (gint32));
      VilaSamplingParams params;
      VilaGenerateStats turn_stats;

      for (guint i = 0; pieces[i] != NULL; i++)
        {
          if (i > 0)
            {
              g_autofree char *path = g_build_filename (data_dir, "images",
                                                        json_array_get_string_element (images, next_image++), NULL);
              guint width, height;
              g_autofree guint8 *pixels = vila_test_read_ppm (path, &width, &height);
              VilaImage image = { width, height, (gsize) width * 3, pixels };

              g_assert_true (vila_session_append_image (session, &image, &error));
            }
          if (pieces[i][0] != '\0')
            g_assert_true (vila_session_append_text (session, pieces[i], &error));
        }
      vila_sampling_params_init (&params);
      params.max_new_tokens = last ? max_tokens : 8;
      g_assert_true (vila_session_generate (session, &params, last ? on_token : vila_test_collect_token,
                                            last ? user_data : answer, NULL,
                                            last ? stats : &turn_stats, &error));
      g_assert_no_error (error);
      if (!last)
        assert_answer (answer, json_array_get_array_element (answers, t), &turn_stats);
    }
  g_assert_cmpuint (next_image, ==, json_array_get_length (images));
  return session;
}

static void
test_prompt_and_logits (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(VilaSession) session = ask (f, 1, NULL, NULL, NULL);
  JsonArray *expected = json_object_get_array_member (f->golden, "prompt_ids");
  g_autofree char *logits_name = g_strdup_printf ("logits-%s.bin", ((const Case *) data)->name);
  g_autofree char *logits_path = g_build_filename (f->root, logits_name, NULL);
  g_autofree float *reference = NULL;
  const gint32 *tokens;
  const float *logits;
  guint n, vocab, k = 0, per_image = vila_model_get_info (f->model)->tokens_per_image;
  gsize length;
  double error;

  /* Each image's rows stand for one -200 in the reference's ids. */
  tokens = vila_session_get_tokens (session, &n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (k, <, json_array_get_length (expected));
      if (tokens[i] < 0)
        {
          g_assert_cmpint (json_array_get_int_element (expected, k++), ==, -200);
          i += per_image - 1;
          continue;
        }
      g_assert_cmpint (tokens[i], ==, json_array_get_int_element (expected, k++));
    }
  g_assert_cmpuint (k, ==, json_array_get_length (expected));

  g_assert_true (g_file_get_contents (logits_path, (char **) &reference, &length, NULL));
  logits = vila_session_get_logits (session, &vocab);
  g_assert_cmpuint (length, ==, vocab * sizeof (float));
  error = vila_test_relative_error (logits, reference, vocab);
  g_test_message ("prompt logits: relative error %.2e", error);
  g_assert_cmpfloat (error, <=, vila_test_tolerance ());
}

static void
test_greedy (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GArray) answer = g_array_new (FALSE, FALSE, sizeof (gint32));
  VilaGenerateStats stats;
  g_autoptr(VilaSession) session = ask (f, 32, vila_test_collect_token, answer, &stats);

  assert_answer (answer, json_object_get_array_member (f->golden, "greedy"), &stats);
}

static const Case cases[] = {
  { "vila15-tiny", "one-image" },
  { "vila15-tiny", "interleaved" },
  { "vila15-tiny", "text-only" },
  { "vila15-tiny", "multi-turn" },
  { "vila7b-tiny", "one-image" },
  { "vila7b-tiny", "interleaved" },
};

typedef struct {
  Fixture    *fixture;
  const Case *c;
} Turn;

static gpointer
answer_in_thread (gpointer data)
{
  Turn *turn = data;

  test_greedy (turn->fixture, turn->c);
  return NULL;
}

/* Two sessions of one model answering at once on two threads (as the
 * app's worker and a caption export may): each still answers as the
 * reference, so nothing per call lives in the shared model. */
static void
test_sessions_in_parallel (void)
{
  Fixture one = { 0 }, two = { 0 };
  Turn turns[] = { { &one, &cases[1] }, { &two, &cases[3] } };
  GThread *threads[G_N_ELEMENTS (turns)];

  fixture_setup (&one, turns[0].c);
  fixture_setup (&two, turns[1].c);
  vila_model_unref (two.model);
  two.model = vila_model_ref (one.model);
  for (guint round = 0; round < 3; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (turns); i++)
        threads[i] = g_thread_new ("answer", answer_in_thread, &turns[i]);
      for (guint i = 0; i < G_N_ELEMENTS (turns); i++)
        g_thread_join (threads[i]);
    }
  fixture_teardown (&one, NULL);
  fixture_teardown (&two, NULL);
}

/* A conversation continued from stored text: the earlier answers written
 * in with append_answer(), as VILA rebuilds every prompt from text. The
 * prompt ids, its logits and the greedy answer match the reference's;
 * truncating to the first turn and asking again gives the same answer
 * from the cache. */
static void
ask_restored (Fixture      *f,
              VilaSession  *session,
              guint         max_tokens,
              GArray       *answer,
              VilaGenerateStats *stats)
{
  g_autoptr(GError) error = NULL;
  JsonArray *turns = json_object_get_array_member (f->golden, "turns");
  JsonArray *texts = json_object_get_array_member (f->golden, "answer_texts");
  VilaSamplingParams params;

  for (guint t = 0; t < json_array_get_length (turns); t++)
    {
      g_assert_true (vila_session_append_text (session, json_array_get_string_element (turns, t), &error));
      if (t < json_array_get_length (texts))
        g_assert_true (vila_session_append_answer (session, json_array_get_string_element (texts, t), &error));
    }
  vila_sampling_params_init (&params);
  params.max_new_tokens = max_tokens;
  g_assert_true (vila_session_generate (session, &params, vila_test_collect_token, answer, NULL, stats, &error));
  g_assert_no_error (error);
}

static void
test_restored (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) first = vila_session_new (f->model, NULL, &error);
  g_autoptr(VilaSession) session = vila_session_new (f->model, NULL, &error);
  g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GArray) answer = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GArray) again = g_array_new (FALSE, FALSE, sizeof (gint32));
  JsonArray *expected = json_object_get_array_member (f->golden, "prompt_ids");
  JsonArray *turns = json_object_get_array_member (f->golden, "turns");
  g_autofree char *logits_path = g_build_filename (f->root, "logits-restored.bin", NULL);
  g_autofree float *reference = NULL;
  VilaGenerateStats stats, stats_again;
  VilaSamplingParams params;
  const gint32 *tokens;
  const float *logits;
  guint n, vocab;
  gsize length;

  /* The prompt: its ids and the logits of its last position. */
  ask_restored (f, first, 1, one, &stats);
  tokens = vila_session_get_tokens (first, &n);
  g_assert_cmpuint (n, ==, json_array_get_length (expected));
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (tokens[i], ==, json_array_get_int_element (expected, i));
  g_assert_true (g_file_get_contents (logits_path, (char **) &reference, &length, NULL));
  logits = vila_session_get_logits (first, &vocab);
  g_assert_cmpuint (length, ==, vocab * sizeof (float));
  g_assert_cmpfloat (vila_test_relative_error (logits, reference, vocab), <=, vila_test_tolerance ());

  /* The answer, whole. */
  ask_restored (f, session, 32, answer, &stats);
  assert_answer (answer, json_object_get_array_member (f->golden, "greedy"), &stats);

  /* Back to the first turn (kept with its stored answer), asked again. */
  g_assert_true (vila_session_truncate (session, 1, &error));
  g_assert_true (vila_session_append_text (session, json_array_get_string_element (turns, 1), &error));
  vila_sampling_params_init (&params);
  params.max_new_tokens = 32;
  g_assert_true (vila_session_generate (session, &params, vila_test_collect_token, again, NULL, &stats_again,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats_again.n_prompt_tokens, <, stats.n_prompt_tokens);
  assert_answer (again, json_object_get_array_member (f->golden, "greedy"), &stats_again);

  /* An answer needs a question before it. */
  {
    g_autoptr(VilaSession) empty = vila_session_new (f->model, NULL, NULL);

    g_assert_false (vila_session_append_answer (empty, "Hello.", &error));
    g_assert_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT);
  }
}

typedef struct {
  guint seen;
  gint  cancel;
} Canceller;

static gboolean
cancel_after_three (const char *text,
                    gint32      token_id,
                    gpointer    user_data)
{
  Canceller *c = user_data;

  if (++c->seen == 3)
    g_atomic_int_set (&c->cancel, 1);
  return TRUE;
}

/* The flag set during decoding (here from the token callback, in the app
 * from the UI thread) ends the answer at the next step. */
static void
test_cancel_during_decode (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaSession) session = vila_session_new (f->model, NULL, &error);
  Canceller canceller = { 0, 0 };
  VilaSamplingParams params;
  VilaGenerateStats stats;

  vila_sampling_params_init (&params);
  params.max_new_tokens = 32;
  g_assert_true (vila_session_append_text (session, "Describe the bridge and the boats.", &error));
  g_assert_true (vila_session_generate (session, &params, cancel_after_three, &canceller, &canceller.cancel,
                                        &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.stop_reason, ==, VILA_STOP_CANCELLED);
  g_assert_cmpuint (stats.n_generated, >=, 3);
  g_assert_cmpuint (stats.n_generated, <=, 4);
}

/* A GPU with too little free memory: a clear error naming both figures,
 * before anything is uploaded. */
static void
test_out_of_memory (void)
{
  g_autofree char *root = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModel) model = NULL;
  VilaLoadOptions options;

  vila_test_load_options (&options);
  g_setenv ("VILA_CUDA_MEMORY_LIMIT_MB", "1", TRUE);
  model = vila_model_load (root, &options, &error);
  g_unsetenv ("VILA_CUDA_MEMORY_LIMIT_MB");
  g_assert_null (model);
  g_assert_error (error, VILA_ERROR, VILA_ERROR_OUT_OF_MEMORY);
  g_assert_nonnull (strstr (error->message, "GiB of GPU memory but only"));
}

int
main (int    argc,
      char **argv)
{
  gboolean exact;

  g_test_init (&argc, &argv, NULL);
  vila_test_require_backend ();
  if (argc < 2)
    g_error ("usage: %s TESTS-DATA-DIR", argv[0]);
  data_dir = argv[1];
  exact = vila_test_tolerance () <= 1e-4;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *logits = g_strdup_printf ("/vila/e2e/%s/%s/prompt-and-logits", cases[i].checkpoint, cases[i].name);
      g_autofree char *greedy = g_strdup_printf ("/vila/e2e/%s/%s/greedy", cases[i].checkpoint, cases[i].name);

      g_test_add (logits, Fixture, &cases[i], fixture_setup, test_prompt_and_logits, fixture_teardown);
      /* Identical tokens need float32 arithmetic: with half-precision
       * weights, near ties of the random tiny models may go either way
       * (test-llm's half-decode holds those to the CPU step by step). */
      if (exact)
        g_test_add (greedy, Fixture, &cases[i], fixture_setup, test_greedy, fixture_teardown);
    }
  if (exact)
    {
      static const Case restored = { "vila15-tiny", "restored" };

      g_test_add_func ("/vila/e2e/sessions-in-parallel", test_sessions_in_parallel);
      g_test_add ("/vila/e2e/vila15-tiny/restored", Fixture, &restored, fixture_setup, test_restored,
                  fixture_teardown);
    }
  g_test_add ("/vila/e2e/cancel-during-decode", Fixture, &cases[2], fixture_setup, test_cancel_during_decode,
              fixture_teardown);
  if (vila_test_backend_kind () == VILA_BACKEND_CUDA)
    g_test_add_func ("/vila/e2e/out-of-memory", test_out_of_memory);
  return g_test_run ();
}
