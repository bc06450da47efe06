/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Streaming decode. Decoding a token alone is wrong in general (a "▁" that
 * starts the text is dropped, the bytes of one character arrive in several
 * tokens, transformers' clean-up removes a space when a "." follows), so
 * each push decodes a window of the latest tokens and emits what is new in
 * it, holding back a tail that a later token could still change. The window
 * moves on only at a point where nothing is held back, so the text before
 * it can no longer change.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <string.h>

#include "tokenizer-private.h"

#define REPLACEMENT "\xef\xbf\xbd"

struct _VilaDetokenizer
{
  VilaTokenizer *tokenizer;
  gboolean       skip_special;
  GArray        *ids;
  guint          window_start;   /* first id of the window */
  gsize          window_emitted; /* bytes of the window's text already emitted */
  gboolean       started;        /* some text was emitted */
  GString       *emitted;
};

VilaDetokenizer *
vila_detokenizer_new (VilaTokenizer *tokenizer,
                      gboolean       skip_special)
{
  VilaDetokenizer *self = g_new0 (VilaDetokenizer, 1);

  self->tokenizer = vila_tokenizer_ref (tokenizer);
  self->skip_special = skip_special;
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->emitted = g_string_new (NULL);
  return self;
}

void
vila_detokenizer_free (VilaDetokenizer *self)
{
  if (self == NULL)
    return;
  vila_tokenizer_unref (self->tokenizer);
  g_array_unref (self->ids);
  g_string_free (self->emitted, TRUE);
  g_free (self);
}

/* How many bytes at the end of @text a later token may still change: an
 * incomplete character (decoded as U+FFFD for now), or the start of one of
 * the clean-up patterns, which all begin with a space. */
static gsize
unstable_tail (VilaDetokenizer *self,
               const char      *text,
               gsize            length)
{
  static const char * const patterns[] = {
    " .", " ?", " !", " ,", " ' ", " n't", " 'm", " 's", " 've", " 're",
  };
  gsize held = 0;

  while (length - held >= 3 && memcmp (text + length - held - 3, REPLACEMENT, 3) == 0)
    held += 3;
  if (held > 0 || !self->tokenizer->clean_up_spaces)
    return held;

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      gsize n = strlen (patterns[i]);

      /* Proper prefixes only: a whole pattern was already cleaned up. */
      for (gsize k = MIN (n - 1, length); k > held; k--)
        if (memcmp (text + length - k, patterns[i], k) == 0)
          {
            held = k;
            break;
          }
    }
  return held;
}

static const char *
emit (VilaDetokenizer *self,
      gboolean         final)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gsize stable;

  g_string_truncate (self->emitted, 0);
  if (self->ids->len == self->window_start)
    return self->emitted->str;
  vila_tokenizer_decode_into (self->tokenizer,
                              &g_array_index (self->ids, gint32, 0) + self->window_start,
                              self->ids->len - self->window_start, self->skip_special,
                              self->window_start == 0, text);

  stable = final ? text->len : text->len - unstable_tail (self, text->str, text->len);
  if (stable > self->window_emitted)
    {
      g_string_append_len (self->emitted, text->str + self->window_emitted, stable - self->window_emitted);
      self->window_emitted = stable;
      self->started = TRUE;
    }

  /* Until some text has appeared (only skipped special tokens so far), the
   * window stays at the start, where the first "▁" is stripped. */
  if (self->started && stable == text->len)
    {
      self->window_start = self->ids->len;
      self->window_emitted = 0;
    }
  return self->emitted->str;
}

const char *
vila_detokenizer_push (VilaDetokenizer *self,
                       gint32           id)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_array_append_val (self->ids, id);
  return emit (self, FALSE);
}

const char *
vila_detokenizer_flush (VilaDetokenizer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return emit (self, TRUE);
}
