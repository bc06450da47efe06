/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * BPE merging in O(n log n): every adjacent pair that may merge waits in a
 * binary heap; the best one is merged, its neighbours' pairs are pushed, and
 * entries made stale by earlier merges are dropped when they surface. This
 * is how SentencePiece (bpe_model.cc) and tokenizers (Word::merge_all) do
 * it, so ties fall the same way: equal priority goes to the leftmost pair.
 */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include "tokenizer-private.h"

typedef struct {
  double priority;
  gint   left;
  gint   right;
  guint  left_length;    /* lengths when pushed, to spot stale entries */
  guint  right_length;
  gint32 merged_id;
} Candidate;

static gboolean
candidate_before (const Candidate *a,
                  const Candidate *b)
{
  if (a->priority != b->priority)
    return a->priority < b->priority;
  return a->left < b->left;
}

static void
heap_push (GArray    *heap,
           Candidate *candidate)
{
  guint i;

  g_array_append_val (heap, *candidate);
  for (i = heap->len - 1; i > 0;)
    {
      guint parent = (i - 1) / 2;
      Candidate *c = &g_array_index (heap, Candidate, i);
      Candidate *p = &g_array_index (heap, Candidate, parent);
      Candidate tmp;

      if (!candidate_before (c, p))
        break;
      tmp = *c, *c = *p, *p = tmp;
      i = parent;
    }
}

static Candidate
heap_pop (GArray *heap)
{
  Candidate top = g_array_index (heap, Candidate, 0);
  guint i = 0;

  g_array_index (heap, Candidate, 0) = g_array_index (heap, Candidate, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);

  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, best = i;
      Candidate tmp;

      if (left < heap->len &&
          candidate_before (&g_array_index (heap, Candidate, left), &g_array_index (heap, Candidate, best)))
        best = left;
      if (right < heap->len &&
          candidate_before (&g_array_index (heap, Candidate, right), &g_array_index (heap, Candidate, best)))
        best = right;
      if (best == i)
        break;
      tmp = g_array_index (heap, Candidate, i);
      g_array_index (heap, Candidate, i) = g_array_index (heap, Candidate, best);
      g_array_index (heap, Candidate, best) = tmp;
      i = best;
    }

  return top;
}

static void
maybe_push (GArray         *heap,
            GArray         *symbols,
            gint            left,
            gint            right,
            const char     *text,
            VilaPairLookup  lookup,
            gpointer        user_data)
{
  const VilaSymbol *l, *r;
  Candidate candidate;

  if (left < 0 || right < 0)
    return;
  l = &g_array_index (symbols, VilaSymbol, left);
  r = &g_array_index (symbols, VilaSymbol, right);
  if (l->frozen || r->frozen)
    return;
  if (!lookup (l, r, text, user_data, &candidate.priority, &candidate.merged_id))
    return;

  candidate.left = left;
  candidate.right = right;
  candidate.left_length = l->length;
  candidate.right_length = r->length;
  heap_push (heap, &candidate);
}

void
vila_merge_symbols (GArray         *symbols,
                    const char     *text,
                    VilaPairLookup  lookup,
                    gpointer        user_data)
{
  g_autoptr(GArray) heap = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), symbols->len);

  for (guint i = 1; i < symbols->len; i++)
    maybe_push (heap, symbols, i - 1, i, text, lookup, user_data);

  while (heap->len > 0)
    {
      Candidate top = heap_pop (heap);
      VilaSymbol *left = &g_array_index (symbols, VilaSymbol, top.left);
      VilaSymbol *right = &g_array_index (symbols, VilaSymbol, top.right);

      if (left->length != top.left_length || right->length != top.right_length ||
          left->next != top.right || left->length == 0 || right->length == 0)
        continue;

      left->length += right->length;
      left->id = top.merged_id;
      left->next = right->next;
      if (right->next >= 0)
        g_array_index (symbols, VilaSymbol, right->next).prev = top.left;
      right->length = 0;

      maybe_push (heap, symbols, left->prev, top.left, text, lookup, user_data);
      maybe_push (heap, symbols, top.left, left->next, text, lookup, user_data);
    }
}
