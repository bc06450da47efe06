/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A conversation and its KV cache. Appended text and images make the
 * current user turn; generate() turns it into positions the way the
 * reference builds prompts (vila-format.md section 5), prefills only those,
 * and decodes the answer token by token.
 *
 * Positions are built per family: VILA1.5-era models (Llama tokenizers)
 * tokenize the prompt in chunks split at each image, one BOS for the whole
 * conversation, image features spliced between the chunks; NVILA tokenizes
 * the whole turn and replaces each <image> token with the features and the
 * embedding of "\n".
 */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <string.h>

#include "model-private.h"
#include "sampler.h"
#include "vila.h"

typedef struct {
  GString *text;        /* NULL for an image */
  float   *rows;        /* an image's projected features [n_rows][hidden] */
  gsize    n_rows;
  gboolean answer;      /* @text is the stored answer to the turn before it */
} Segment;

struct _VilaSession
{
  VilaModel          *model;
  VilaPromptMode      mode;
  char               *system;
  const VilaTemplate *template;
  VilaKvCache        *cache;
  GArray             *history;      /* gint32 per cache position: the token, or -1 for an image row */
  GArray             *turn_starts;  /* guint: the cache length where each user turn began */
  GPtrArray          *pending;      /* Segment: the user turn being written */
  GArray             *owed;         /* gint32: tokens generated but not yet in the cache */
  gboolean            answer_open;  /* an answer was given and its suffix is still to come */
  float              *logits;
};

static void
segment_free (gpointer data)
{
  Segment *segment = data;

  if (segment->text)
    g_string_free (segment->text, TRUE);
  g_free (segment->rows);
  g_free (segment);
}

VilaSession *
vila_session_new (VilaModel                 *model,
                  const VilaSessionOptions  *options,
                  GError                   **error)
{
  VilaSession *self;
  VilaSessionOptions defaults;
  const VilaTemplate *template;

  g_return_val_if_fail (model != NULL, NULL);

  if (options == NULL)
    {
      vila_session_options_init (&defaults);
      options = &defaults;
    }

  if (options->mode == VILA_PROMPT_RAW)
    template = vila_template_lookup ("raw");
  else if (options->template_name != NULL)
    template = vila_template_lookup (options->template_name);
  else
    template = model->template;
  if (template == NULL)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT,
                   "Unknown conversation template “%s” (vicuna_v1, llama_3, hermes-2, qwen2, raw)",
                   options->template_name);
      return NULL;
    }

  self = g_new0 (VilaSession, 1);
  self->model = vila_model_ref (model);
  self->mode = options->mode;
  self->system = g_strdup (options->system_prompt);
  self->template = template;
  self->cache = vila_kv_cache_new (model->llm, model->config->llm.max_positions);
  self->history = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->turn_starts = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pending = g_ptr_array_new_with_free_func (segment_free);
  self->owed = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->logits = g_new (float, model->config->llm.vocab);
  return self;
}

void
vila_session_free (VilaSession *self)
{
  if (self == NULL)
    return;
  vila_kv_cache_free (self->cache);
  g_array_unref (self->history);
  g_array_unref (self->turn_starts);
  g_ptr_array_unref (self->pending);
  g_array_unref (self->owed);
  g_free (self->logits);
  g_free (self->system);
  vila_model_unref (self->model);
  g_free (self);
}

gboolean
vila_session_append_text (VilaSession  *self,
                          const char   *text,
                          GError      **error)
{
  Segment *last;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  last = self->pending->len ? g_ptr_array_index (self->pending, self->pending->len - 1) : NULL;
  if (last == NULL || last->text == NULL || last->answer)
    {
      last = g_new0 (Segment, 1);
      last->text = g_string_new (NULL);
      g_ptr_array_add (self->pending, last);
    }
  g_string_append (last->text, text);
  return TRUE;
}

gboolean
vila_session_append_answer (VilaSession  *self,
                            const char   *text,
                            GError      **error)
{
  Segment *segment;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  /* Without turns an answer is more text. */
  if (self->mode == VILA_PROMPT_RAW)
    return vila_session_append_text (self, text, error);
  if (self->pending->len == 0)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT, "An answer needs a question before it");
      return FALSE;
    }
  segment = g_new0 (Segment, 1);
  segment->text = g_string_new (text);
  segment->answer = TRUE;
  g_ptr_array_add (self->pending, segment);
  return TRUE;
}

gboolean
vila_session_append_image (VilaSession      *self,
                           const VilaImage  *image,
                           GError          **error)
{
  VilaModel *model;
  g_autofree float *pixels = NULL;
  g_autofree float *features = NULL;
  gsize n_features;
  Segment *segment;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (image != NULL, FALSE);

  if (image->width == 0 || image->height == 0 || image->pixels == NULL ||
      image->stride < (gsize) image->width * 3 || image->width > 65536 || image->height > 65536)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT, "The image is empty or malformed");
      return FALSE;
    }

  model = self->model;
  pixels = vila_preprocess_image (&model->preprocess, image);
  if (!(features = vila_vision_features (model->vision, pixels, &n_features, error)))
    return FALSE;
  segment = g_new0 (Segment, 1);
  segment->rows = vila_vision_project (model->vision, features, n_features, model->info.column_major,
                                       &segment->n_rows, error);
  if (segment->rows == NULL)
    {
      segment_free (segment);
      return FALSE;
    }
  g_ptr_array_add (self->pending, segment);
  return TRUE;
}

/* The turn as text parts, and where its images go. */
typedef struct {
  GString    *text;
  GByteArray *literal;    /* 1 where the text is the user's */
} Chunk;

static void
chunk_add (Chunk      *chunk,
           const char *text,
           gboolean    literal)
{
  guint8 flag = literal ? 1 : 0;
  gsize n = strlen (text);

  g_string_append (chunk->text, text);
  for (gsize i = 0; i < n; i++)
    g_byte_array_append (chunk->literal, &flag, 1);
}

/* Rows to prefill: token ids (embedded) and image rows, in order. */
typedef struct {
  GArray *ids;            /* gint32, -1 where an image row goes */
  GArray *images;         /* Segment *, in the order of their -1 runs */
  GArray *turn_breaks;    /* guint: index in @ids where each turn after a stored answer begins */
} Rows;

static void
add_ids (VilaSession *self,
         Rows        *rows,
         Chunk       *chunk,
         gboolean     keep_bos)
{
  VilaTokenizer *tokenizer = self->model->tokenizer;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gint32 bos = vila_tokenizer_get_bos (tokenizer);
  guint skip = 0;

  vila_tokenizer_encode_with_literals (tokenizer, chunk->text->str, chunk->text->len,
                                       VILA_ENCODE_ADD_SPECIAL | VILA_ENCODE_PARSE_SPECIAL,
                                       chunk->literal->data, ids);
  /* tokenizer_image_token(): one BOS, at the start of the conversation. */
  if (!keep_bos && ids->len > 0 && bos >= 0 && g_array_index (ids, gint32, 0) == bos)
    skip = 1;
  g_array_append_vals (rows->ids, &g_array_index (ids, gint32, 0) + skip, ids->len - skip);
  g_string_truncate (chunk->text, 0);
  g_byte_array_set_size (chunk->literal, 0);
}

/* The text owed before this turn: the rest of the last answer's suffix. */
static void
add_turn_text (VilaSession *self,
               Chunk       *chunk,
               gboolean     first)
{
  const VilaTemplate *t = self->template;

  if (self->answer_open)
    chunk_add (chunk, t->answer_suffix, FALSE);
  if (first)
    {
      chunk_add (chunk, t->system_header, FALSE);
      chunk_add (chunk, self->system ? self->system : t->default_system, FALSE);
      chunk_add (chunk, t->system_footer, FALSE);
    }
  chunk_add (chunk, t->user_prefix, FALSE);
}

static gint32 stop_token (VilaSession *self);

static void
drop_lead (Rows   *rows,
           guint   at,
           gint32 *lead)
{
  if (*lead >= 0 && rows->ids->len > at && g_array_index (rows->ids, gint32, at) == *lead)
    g_array_remove_index (rows->ids, at);
  *lead = -1;
}

static void
build_rows (VilaSession *self,
            Rows        *rows)
{
  VilaModel *model = self->model;
  gboolean nvila = model->config->family == VILA_FAMILY_NVILA;
  gboolean first = self->cache->length == 0 && self->owed->len == 0 && self->turn_starts->len == 0;
  gboolean bos_pending = first;
  Chunk chunk = { g_string_new (NULL), g_byte_array_new () };
  gint32 lead = -1;

  /* Tokens generated last time and not yet in the cache come first. */
  g_array_append_vals (rows->ids, self->owed->data, self->owed->len);
  /* When the stop token ended the last answer it is already there; the
   * suffix text is written again only so that what follows it tokenizes
   * as in the reference (no dummy "▁" after a special token), and the
   * token it gives is dropped. */
  if (self->answer_open)
    {
      gint32 last = self->owed->len ? g_array_index (self->owed, gint32, self->owed->len - 1)
                  : self->history->len ? g_array_index (self->history, gint32, self->history->len - 1) : -1;

      if (last >= 0 && (last == vila_tokenizer_get_eos (model->tokenizer) || last == stop_token (self)))
        lead = last;
    }

  add_turn_text (self, &chunk, first);
  for (guint i = 0; i < self->pending->len; i++)
    {
      Segment *segment = g_ptr_array_index (self->pending, i);

      if (segment->answer)
        {
          guint before;

          /* A stored answer, written as the reference's prompt has it;
           * the next turn begins after it (its suffix is a special token,
           * which the reference's tokenizer splits at too). */
          chunk_add (&chunk, self->template->user_suffix, FALSE);
          chunk_add (&chunk, self->template->answer_prefix, FALSE);
          chunk_add (&chunk, segment->text->str, TRUE);
          before = rows->ids->len;
          add_ids (self, rows, &chunk, bos_pending);
          drop_lead (rows, before, &lead);
          bos_pending = FALSE;
          g_array_append_val (rows->turn_breaks, rows->ids->len);
          chunk_add (&chunk, self->template->answer_suffix, FALSE);
          chunk_add (&chunk, self->template->user_prefix, FALSE);
          continue;
        }
      if (segment->text != NULL)
        {
          chunk_add (&chunk, segment->text->str, TRUE);
          continue;
        }
      if (nvila)
        {
          /* The special token stands in for the image; replaced below. */
          chunk_add (&chunk, "<image>", FALSE);
          g_array_append_val (rows->images, segment);
          continue;
        }
      {
        guint before = rows->ids->len;
        gint32 image = -1;

        add_ids (self, rows, &chunk, bos_pending);
        drop_lead (rows, before, &lead);
        bos_pending = FALSE;
        g_array_append_val (rows->ids, image);
        g_array_append_val (rows->images, segment);
      }
    }
  chunk_add (&chunk, self->template->user_suffix, FALSE);
  {
    guint before = rows->ids->len;

    add_ids (self, rows, &chunk, bos_pending);
    drop_lead (rows, before, &lead);
  }

  if (nvila)
    {
      /* NVILA: <image> becomes the features and the embedding of "\n". */
      VilaTokenizer *tokenizer = model->tokenizer;
      gint32 image_id = vila_tokenizer_piece_to_id (tokenizer, "<image>");
      g_autoptr(GArray) newline = g_array_new (FALSE, FALSE, sizeof (gint32));
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));

      vila_tokenizer_encode (tokenizer, "\n", 1, VILA_ENCODE_ADD_SPECIAL, newline);
      for (guint i = 0, next_break = 0; i < rows->ids->len; i++)
        {
          gint32 id = g_array_index (rows->ids, gint32, i);

          /* Turn breaks move with what is inserted before them. */
          for (; next_break < rows->turn_breaks->len && g_array_index (rows->turn_breaks, guint, next_break) == i;
               next_break++)
            g_array_index (rows->turn_breaks, guint, next_break) = ids->len;

          if (id == image_id && image_id >= 0)
            {
              gint32 marker = -1;

              g_array_append_val (ids, marker);
              g_array_append_vals (ids, newline->data, newline->len);
            }
          else
            g_array_append_val (ids, id);
        }
      g_array_set_size (rows->ids, 0);
      g_array_append_vals (rows->ids, ids->data, ids->len);
    }

  g_string_free (chunk.text, TRUE);
  g_byte_array_unref (chunk.literal);
}

/* Embeds @rows and runs them through the LLM; records them in the history. */
static gboolean
prefill (VilaSession  *self,
         Rows         *rows,
         GError      **error)
{
  VilaModel *model = self->model;
  gsize hidden = model->config->llm.hidden;
  gsize n = 0, image = 0;
  g_autofree float *embeddings = NULL;

  for (guint i = 0; i < rows->ids->len; i++)
    {
      if (g_array_index (rows->ids, gint32, i) >= 0)
        n++;
      else
        n += g_array_index (rows->images, Segment *, image++)->n_rows;
    }
  if (n == 0)
    return TRUE;

  embeddings = g_new (float, n * hidden);
  {
    gsize row = 0;
    image = 0;
    for (guint i = 0; i < rows->ids->len; i++)
      {
        gint32 id = g_array_index (rows->ids, gint32, i);

        if (id >= 0)
          {
            if ((guint) id >= model->config->llm.vocab)
              {
                g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT,
                             "The tokenizer gave id %d, outside the model's %u", id, model->config->llm.vocab);
                return FALSE;
              }
            vila_llm_embed (model->llm, &id, 1, embeddings + row * hidden);
            row++;
          }
        else
          {
            Segment *segment = g_array_index (rows->images, Segment *, image++);

            memcpy (embeddings + row * hidden, segment->rows, segment->n_rows * hidden * sizeof (float));
            row += segment->n_rows;
          }
      }
  }

  if (!vila_llm_forward (model->llm, self->cache, embeddings, n, FALSE, self->logits, error))
    return FALSE;

  image = 0;
  for (guint i = 0; i < rows->ids->len; i++)
    {
      gint32 id = g_array_index (rows->ids, gint32, i);

      if (id >= 0)
        g_array_append_val (self->history, id);
      else
        {
          Segment *segment = g_array_index (rows->images, Segment *, image++);
          gint32 marker = -1;

          for (gsize r = 0; r < segment->n_rows; r++)
            g_array_append_val (self->history, marker);
        }
    }
  return TRUE;
}

gboolean
vila_session_truncate (VilaSession  *self,
                       guint         n_turns,
                       GError      **error)
{
  guint length;

  g_return_val_if_fail (self != NULL, FALSE);

  if (n_turns > self->turn_starts->len)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_ARGUMENT,
                   "The session has %u turns, not %u", self->turn_starts->len, n_turns);
      return FALSE;
    }
  length = n_turns < self->turn_starts->len ? g_array_index (self->turn_starts, guint, n_turns)
                                            : self->cache->length;
  if (n_turns < self->turn_starts->len)
    {
      /* What the cache holds before that turn stays; the turn is redone. */
      self->cache->length = length;
      g_array_set_size (self->history, length);
      g_array_set_size (self->turn_starts, n_turns);
      g_array_set_size (self->owed, 0);
      /* The answer before the cut stays whole (turns start after what it
       * owed); the next turn writes its suffix. */
      self->answer_open = n_turns > 0;
    }
  g_ptr_array_set_size (self->pending, 0);
  return TRUE;
}

guint
vila_session_get_n_tokens (VilaSession *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->cache->length + self->owed->len;
}

/* The single token the template's stop string is, or -1. */
static gint32
stop_token (VilaSession *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  if (self->template->stop == NULL)
    return -1;
  vila_tokenizer_encode (self->model->tokenizer, self->template->stop, -1, VILA_ENCODE_PARSE_SPECIAL, ids);
  /* Llama's tokenizer puts a dummy "▁" before a lone special token. */
  if (ids->len == 2 && vila_tokenizer_is_special (self->model->tokenizer, g_array_index (ids, gint32, 1)))
    return g_array_index (ids, gint32, 1);
  return ids->len == 1 ? g_array_index (ids, gint32, 0) : -1;
}

gboolean
vila_session_generate (VilaSession               *self,
                       const VilaSamplingParams  *params,
                       VilaTokenFunc              on_token,
                       gpointer                   user_data,
                       const gint                *cancel,
                       VilaGenerateStats         *stats,
                       GError                   **error)
{
  VilaModel *model;
  VilaSamplingParams defaults;
  VilaGenerateStats local_stats;
  g_autoptr(VilaDetokenizer) detokenizer = NULL;
  g_autofree float *scratch = NULL;
  Rows rows;
  gint32 eos, stop, next = -1;
  gboolean sample_on_device;
  guint64 rng;
  gint64 start, first_token = 0;
  gsize vocab;
  guint turn_start, owed_before;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (params == NULL)
    {
      vila_sampling_params_init (&defaults);
      params = &defaults;
    }
  if (stats == NULL)
    stats = &local_stats;
  *stats = (VilaGenerateStats) { .stop_reason = VILA_STOP_NONE };

  model = self->model;
  vocab = model->config->llm.vocab;
  start = g_get_monotonic_time ();
  turn_start = self->cache->length;
  owed_before = self->owed->len;

  rows.ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  rows.images = g_array_new (FALSE, FALSE, sizeof (Segment *));
  rows.turn_breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  build_rows (self, &rows);
  stats->n_prompt_tokens = 0;
  for (guint i = 0, image = 0, next_break = 0; i < rows.ids->len; i++)
    {
      /* Turns after stored answers begin at these positions. */
      for (; next_break < rows.turn_breaks->len && g_array_index (rows.turn_breaks, guint, next_break) == i;
           next_break++)
        g_array_index (rows.turn_breaks, guint, next_break) = turn_start + stats->n_prompt_tokens;
      stats->n_prompt_tokens += g_array_index (rows.ids, gint32, i) >= 0
                                ? 1 : g_array_index (rows.images, Segment *, image++)->n_rows;
    }

  ok = prefill (self, &rows, error);
  g_array_unref (rows.ids);
  g_array_unref (rows.images);
  if (!ok)
    {
      g_array_unref (rows.turn_breaks);
      return FALSE;
    }

  /* The turn starts after what the last answer still owed, so that
   * truncating to it keeps that answer whole. */
  turn_start += owed_before;
  g_array_append_val (self->turn_starts, turn_start);
  g_array_append_vals (self->turn_starts, rows.turn_breaks->data, rows.turn_breaks->len);
  g_array_unref (rows.turn_breaks);
  g_ptr_array_set_size (self->pending, 0);
  g_array_set_size (self->owed, 0);
  self->answer_open = TRUE;

  scratch = g_new (float, vocab);
  eos = vila_tokenizer_get_eos (model->tokenizer);
  stop = stop_token (self);
  rng = params->seed ^ G_GUINT64_CONSTANT (0x5851f42d4c957f2d);
  detokenizer = vila_detokenizer_new (model->tokenizer, TRUE);
  /* Where the backend samples (a GPU) the token is chosen there and only
   * it comes back, not the logits. */
  sample_on_device = model->ops->sample != NULL;

  for (;;)
    {
      gint32 token;
      const char *text;

      if (cancel != NULL && g_atomic_int_get (cancel))
        {
          stats->stop_reason = VILA_STOP_CANCELLED;
          break;
        }
      if (stats->n_generated >= params->max_new_tokens)
        {
          stats->stop_reason = VILA_STOP_MAX_TOKENS;
          break;
        }

      /* The sampler changes what it is given; the raw logits stay for
       * vila_session_get_logits(). */
      if (next >= 0)
        token = next;
      else
        {
          memcpy (scratch, self->logits, vocab * sizeof (float));
          token = vila_sample (scratch, vocab, params,
                               self->history->len ? &g_array_index (self->history, gint32, 0) : NULL,
                               self->history->len, &rng);
        }
      stats->n_generated++;
      if (first_token == 0)
        {
          first_token = g_get_monotonic_time ();
          stats->time_to_first_token_us = first_token - start;
        }

      if (token == eos || token == stop)
        {
          /* The stop token closes the answer: it goes into the cache with
           * the next turn, which then continues after it. */
          g_array_append_val (self->owed, token);
          stats->stop_reason = VILA_STOP_EOS;
          break;
        }

      text = vila_detokenizer_push (detokenizer, token);
      if (on_token != NULL && !on_token (text, token, user_data))
        {
          g_array_append_val (self->owed, token);
          stats->stop_reason = VILA_STOP_CALLBACK;
          break;
        }
      /* The last token goes into the cache with the next turn, not now:
       * nothing would read the logits it gives. */
      if (stats->n_generated >= params->max_new_tokens)
        {
          g_array_append_val (self->owed, token);
          stats->stop_reason = VILA_STOP_MAX_TOKENS;
          break;
        }

      /* Feed the token to get the next logits. */
      {
        g_autofree float *row = g_new (float, model->config->llm.hidden);
        g_autoptr(GError) local_error = NULL;

        vila_llm_embed (model->llm, &token, 1, row);
        g_array_append_val (self->history, token);
        if (sample_on_device ? !vila_llm_forward_sample (model->llm, self->cache, row, 1, params,
                                                         &g_array_index (self->history, gint32, 0),
                                                         self->history->len, &rng, &next, &local_error)
                             : !vila_llm_forward (model->llm, self->cache, row, 1, FALSE, self->logits, &local_error))
          {
            /* The history follows the cache, which did not take it. */
            g_array_set_size (self->history, self->history->len - 1);
            if (g_error_matches (local_error, VILA_ERROR, VILA_ERROR_CONTEXT_FULL))
              {
                stats->stop_reason = VILA_STOP_CONTEXT_FULL;
                break;
              }
            g_propagate_error (error, g_steal_pointer (&local_error));
            return FALSE;
          }
      }
    }

  /* Whatever the detokenizer still holds belongs to the answer. */
  if (on_token != NULL)
    {
      const char *rest = vila_detokenizer_flush (detokenizer);

      if (*rest != '\0')
        on_token (rest, -1, user_data);
    }
  if (first_token != 0)
    stats->decode_us = g_get_monotonic_time () - first_token;
  return TRUE;
}

const gint32 *
vila_session_get_tokens (VilaSession *self,
                         guint       *n_tokens)
{
  g_return_val_if_fail (self != NULL, NULL);

  *n_tokens = self->history->len;
  return self->history->len ? &g_array_index (self->history, gint32, 0) : NULL;
}

const float *
vila_session_get_logits (VilaSession *self,
                         guint       *n_vocab)
{
  g_return_val_if_fail (self != NULL, NULL);

  *n_vocab = self->model->config->llm.vocab;
  return self->logits;
}
