/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Wrapped text that changes every frame while an answer streams, laid
 * out once per change rather than once per size request as a GtkLabel
 * is; not selectable (vc-streaming-text.c says why and when it is used). */
#define VC_TYPE_STREAMING_TEXT (vc_streaming_text_get_type ())
G_DECLARE_FINAL_TYPE (VcStreamingText, vc_streaming_text, VC, STREAMING_TEXT, GtkWidget)

GtkWidget  *vc_streaming_text_new      (void);
/* Shows @text, Pango markup when @markup is TRUE. */
void        vc_streaming_text_set      (VcStreamingText *self,
                                        const char      *text,
                                        gboolean         markup);
const char *vc_streaming_text_get_text (VcStreamingText *self);
/* How many bytes of its words the next change lays out again: the tail
 * after the lines it froze (for tests). */
gsize       vc_streaming_text_get_tail_bytes (VcStreamingText *self);
/* How many bytes of words it has laid out since it was made, frozen lines
 * and tails: what its changes cost (for tests). */
gsize       vc_streaming_text_get_bytes_laid_out (VcStreamingText *self);

G_END_DECLS
