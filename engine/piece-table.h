/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Piece (bytes) -> id, for vocabularies of up to a few hundred thousand
 * pieces that load in milliseconds: open addressing over (hash, length,
 * pointer) slots, no copy of the keys (they must outlive the table), no
 * allocation per entry and no NUL-terminated copy per lookup. */
typedef struct _VilaPieceTable VilaPieceTable;

VilaPieceTable *vila_piece_table_new    (void);
void            vila_piece_table_free   (VilaPieceTable *table);
/* Space for @n entries without growing. */
void            vila_piece_table_reserve (VilaPieceTable *table,
                                          gsize           n);
/* Adds @key -> @id unless @key is there already (the first id wins, as
 * in SentencePiece and tokenizers); FALSE then. */
gboolean        vila_piece_table_insert (VilaPieceTable *table,
                                         const char     *key,
                                         gsize           length,
                                         gint32          id);
/* The id of @key, or -1. */
gint32          vila_piece_table_lookup (const VilaPieceTable *table,
                                         const char           *key,
                                         gsize                 length);

/* Many at once (a vocabulary, its merges): in a table of megabytes each
 * access misses the cache, so every key of a batch is hashed and its slot
 * (then its stored key) prefetched before any is compared. The same
 * results as one call per key, in order. */
void            vila_piece_table_insert_many (VilaPieceTable       *table,
                                              const char * const   *keys,
                                              const guint32        *lengths,
                                              const gint32         *ids,
                                              gsize                 n);
void            vila_piece_table_lookup_many (const VilaPieceTable *table,
                                              const char * const   *keys,
                                              const guint32        *lengths,
                                              gsize                 n,
                                              gint32               *ids);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaPieceTable, vila_piece_table_free)

G_END_DECLS
