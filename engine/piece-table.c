/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila-tokenizer"

#include "config.h"

#include <string.h>

#include "piece-table.h"

/* Keys up to eight bytes are compared in the slot itself, as one word:
 * no second cache miss to read the key (most pieces are that short).
 * Slots are 32 bytes in a 64-byte aligned array, so one never straddles
 * two cache lines. */
typedef struct {
  const char *key;      /* NULL: empty */
  guint64     head;     /* the first eight bytes of the key, zero-padded */
  guint32     length;
  guint32     hash;
  gint32      id;
  guint32     unused;
} Slot;

G_STATIC_ASSERT (sizeof (Slot) == 32);

static inline guint64
key_head (const char *key,
          gsize       length)
{
  guint64 head = 0;

  memcpy (&head, key, MIN (length, 8));
  return head;
}

struct _VilaPieceTable
{
  Slot  *slots;
  gsize  mask;          /* capacity - 1, a power of two */
  gsize  n_entries;
};

/* Eight bytes at a time, multiplied and folded (the mix of MurmurHash3's
 * finaliser), so that the low bits (the slot) depend on every byte. */
static guint32
hash_key (const char *key,
          gsize       length)
{
  guint64 h = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) ^ length;
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, key + i, 8);
      h = (h ^ word) * G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
      h ^= h >> 32;
    }
  if (i < length)
    {
      guint64 word = 0;

      memcpy (&word, key + i, length - i);
      h = (h ^ word) * G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
    }
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  return (guint32) h;
}

VilaPieceTable *
vila_piece_table_new (void)
{
  VilaPieceTable *table = g_new0 (VilaPieceTable, 1);

  table->mask = 15;
  table->slots = g_aligned_alloc0 (table->mask + 1, sizeof (Slot), 64);
  return table;
}

void
vila_piece_table_free (VilaPieceTable *table)
{
  if (table == NULL)
    return;
  g_aligned_free (table->slots);
  g_free (table);
}

static void
place (Slot       *slots,
       gsize       mask,
       const Slot *entry)
{
  gsize i = entry->hash & mask;

  while (slots[i].key != NULL)
    i = (i + 1) & mask;
  slots[i] = *entry;
}

void
vila_piece_table_reserve (VilaPieceTable *table,
                          gsize           n)
{
  gsize capacity = table->mask + 1;
  Slot *slots;

  /* At most three quarters full: linear probes stay short, and the table
   * small enough to miss the cache less. */
  if (n * 4 <= capacity * 3)
    return;
  while (n * 4 > capacity * 3)
    capacity *= 2;
  slots = g_aligned_alloc0 (capacity, sizeof (Slot), 64);
  for (gsize i = 0; i <= table->mask; i++)
    if (table->slots[i].key != NULL)
      place (slots, capacity - 1, &table->slots[i]);
  g_aligned_free (table->slots);
  table->slots = slots;
  table->mask = capacity - 1;
}

gboolean
vila_piece_table_insert (VilaPieceTable *table,
                         const char     *key,
                         gsize           length,
                         gint32          id)
{
  Slot entry = { key, key_head (key, length), (guint32) length, hash_key (key, length), id, 0 };

  g_return_val_if_fail (key != NULL && length <= G_MAXUINT32, FALSE);

  if (vila_piece_table_lookup (table, key, length) >= 0)
    return FALSE;
  vila_piece_table_reserve (table, table->n_entries + 1);
  place (table->slots, table->mask, &entry);
  table->n_entries++;
  return TRUE;
}

/* The slot that holds @key, or -1. */
static gssize
find (const VilaPieceTable *table,
      const char           *key,
      gsize                 length,
      guint32               hash)
{
  guint64 head = key_head (key, length);

  for (gsize i = hash & table->mask; table->slots[i].key != NULL; i = (i + 1) & table->mask)
    {
      const Slot *slot = &table->slots[i];

      if (slot->hash == hash && slot->length == length && slot->head == head &&
          (length <= 8 || memcmp (slot->key + 8, key + 8, length - 8) == 0))
        return i;
    }
  return -1;
}

gint32
vila_piece_table_lookup (const VilaPieceTable *table,
                         const char           *key,
                         gsize                 length)
{
  gssize i = find (table, key, length, hash_key (key, length));

  return i >= 0 ? table->slots[i].id : -1;
}

/* Keys a batch prefetches ahead. */
#define BATCH 32

void
vila_piece_table_insert_many (VilaPieceTable     *table,
                              const char * const *keys,
                              const guint32      *lengths,
                              const gint32       *ids,
                              gsize               n)
{
  vila_piece_table_reserve (table, table->n_entries + n);
  for (gsize start = 0; start < n; start += BATCH)
    {
      gsize count = MIN (BATCH, n - start);
      guint32 hashes[BATCH];

      for (gsize i = 0; i < count; i++)
        {
          hashes[i] = hash_key (keys[start + i], lengths[start + i]);
          __builtin_prefetch (&table->slots[hashes[i] & table->mask], 1);
        }
      for (gsize i = 0; i < count; i++)
        {
          const char *key = keys[start + i];
          gsize length = lengths[start + i];
          Slot entry = { key, key_head (key, length), length, hashes[i], ids[start + i], 0 };

          if (find (table, key, length, hashes[i]) >= 0)
            continue;
          place (table->slots, table->mask, &entry);
          table->n_entries++;
        }
    }
}

void
vila_piece_table_lookup_many (const VilaPieceTable *table,
                              const char * const   *keys,
                              const guint32        *lengths,
                              gsize                 n,
                              gint32               *ids)
{
  for (gsize start = 0; start < n; start += BATCH)
    {
      gsize count = MIN (BATCH, n - start);
      guint32 hashes[BATCH];
      gssize candidates[BATCH];

      /* Slots first, */
      for (gsize i = 0; i < count; i++)
        {
          hashes[i] = hash_key (keys[start + i], lengths[start + i]);
          __builtin_prefetch (&table->slots[hashes[i] & table->mask]);
        }
      /* then the stored keys past the eight bytes a slot holds, */
      for (gsize i = 0; i < count; i++)
        {
          gsize j = hashes[i] & table->mask;

          candidates[i] = -1;
          for (; table->slots[j].key != NULL; j = (j + 1) & table->mask)
            if (table->slots[j].hash == hashes[i] && table->slots[j].length == lengths[start + i])
              {
                candidates[i] = j;
                if (lengths[start + i] > 8)
                  __builtin_prefetch (table->slots[j].key + 8);
                break;
              }
        }
      /* then the comparisons (a rare second key of the same hash and
       * length takes the plain path). */
      for (gsize i = 0; i < count; i++)
        {
          const char *key = keys[start + i];
          gsize length = lengths[start + i];
          gssize c = candidates[i];
          const Slot *slot = c >= 0 ? &table->slots[c] : NULL;

          if (slot != NULL && slot->head == key_head (key, length) &&
              (length <= 8 || memcmp (slot->key + 8, key + 8, length - 8) == 0))
            ids[start + i] = slot->id;
          else
            ids[start + i] = c >= 0 ? vila_piece_table_lookup (table, key, length) : -1;
        }
    }
}
