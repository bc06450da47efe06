/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @text is well-formed UTF-8 (NUL bytes allowed), as fast as runs
 * of ASCII allow; on failure *@bad points at the first byte that is not. */
gboolean vila_utf8_validate (const char  *text,
                             gsize        length,
                             const char **bad);

/* Called for each member of the object; return FALSE to stop (with @error
 * set). @key is decoded UTF-8, valid until the next call. */
typedef gboolean (*VilaJsonFlatFunc) (const char  *key,
                                      gsize        key_length,
                                      gint64       value,
                                      gpointer     user_data,
                                      GError     **error);

/* Reads a JSON object whose values are all integers ({"token": id, ...},
 * as vocab.json is) without building a tree: a 150k-entry vocabulary in a
 * few milliseconds instead of a quarter second. Errors give the offset. */
gboolean vila_json_flat_parse (const char        *json,
                               gsize              length,
                               VilaJsonFlatFunc   func,
                               gpointer           user_data,
                               GError           **error);

/* Called for each merge of an array of "left right" strings (@right
 * NULL: the caller splits @left) or ["left", "right"] pairs; the strings
 * are decoded and valid until the next call. */
typedef gboolean (*VilaJsonMergeFunc) (const char  *left,
                                       gsize        left_length,
                                       const char  *right,
                                       gsize        right_length,
                                       gpointer     user_data,
                                       GError     **error);

gboolean vila_json_flat_parse_merges (const char         *json,
                                      gsize               length,
                                      VilaJsonMergeFunc   func,
                                      gpointer            user_data,
                                      GError            **error);

/* The byte span [@start, @end) of the value of member @inner of the
 * object that is member @outer of the object @json: how a tokenizer.json
 * of megabytes hands its vocabulary and merges to the readers above and
 * only the rest to a tree parser. FALSE when there is no such member (or
 * the text is not well-formed enough to tell). */
gboolean vila_json_flat_find (const char  *json,
                              gsize        length,
                              const char  *outer,
                              const char  *inner,
                              gsize       *start,
                              gsize       *end);

G_END_DECLS
