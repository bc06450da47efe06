/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-store.h"

G_BEGIN_DECLS

/* One message of the transcript: the user's text as written with sharp
 * thumbnails of its images (a click opens one), or an
 * answer rendered from its Markdown (paragraphs, lists, headings as
 * labels; code blocks in monospace with a copy button), with a subtle
 * footer (stopped, error, tokens/s and time to first token). */
#define VC_TYPE_MESSAGE_WIDGET (vc_message_widget_get_type ())
G_DECLARE_FINAL_TYPE (VcMessageWidget, vc_message_widget, VC, MESSAGE_WIDGET, GtkBox)

GtkWidget *vc_message_widget_new      (void);
/* Shows a message: its role, text, images (sha256 names in the image
 * store of @folder, in order; NULL for none), state and timings. */
void       vc_message_widget_set      (VcMessageWidget    *self,
                                       VcRole              role,
                                       const char         *text,
                                       const char         *folder,
                                       const char * const *images,
                                       VcMessageState      state,
                                       double              first_token_ms,
                                       double              tokens_per_second);

G_END_DECLS
