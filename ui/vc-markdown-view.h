/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Text shown as Markdown blocks (vc-markdown.h): a selectable label per
 * paragraph, heading, list item, quote or table row; code blocks in
 * monospace with a copy button. Set again as an answer streams in, only
 * the blocks that changed are touched (usually the last one, updated in
 * place), so a frame costs what the new words cost, not the whole
 * answer. */
#define VC_TYPE_MARKDOWN_VIEW (vc_markdown_view_get_type ())
G_DECLARE_FINAL_TYPE (VcMarkdownView, vc_markdown_view, VC, MARKDOWN_VIEW, GtkBox)

GtkWidget *vc_markdown_view_new          (void);
/* Whether the text is an answer still being written: its words are then
 * shown by widgets that are cheap to lay out every frame (VcStreamingText),
 * which become selectable labels, one per idle, once this is set back to
 * FALSE. */
void       vc_markdown_view_set_streaming (VcMarkdownView *self,
                                           gboolean        streaming);
/* Whether the text of a completed answer is all in selectable labels
 * (after set_streaming (FALSE) they are made one per idle). */
gboolean   vc_markdown_view_is_settled    (VcMarkdownView *self);
/* Shows @text as Markdown, or as written when @markdown is FALSE. */
void       vc_markdown_view_set_text     (VcMarkdownView *self,
                                          const char     *text,
                                          gboolean        markdown);

/* A selectable label that wraps, as the transcript shows text. */
GtkWidget *vc_wrapping_label_new          (const char     *text);

G_END_DECLS
