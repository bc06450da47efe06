/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-store.h"

G_BEGIN_DECLS

/* One message of the transcript: the user's text as written with sharp
 * thumbnails of its images (a click opens one), or an
 * answer rendered from its Markdown (paragraphs, lists, headings as
 * labels; code blocks in monospace with a copy button), with a subtle
 * footer (stopped, error, tokens/s and time to first token) beside the
 * message's action buttons. */
#define VC_TYPE_MESSAGE_WIDGET (vc_message_widget_get_type ())
G_DECLARE_FINAL_TYPE (VcMessageWidget, vc_message_widget, VC, MESSAGE_WIDGET, GtkBox)

GtkWidget *vc_message_widget_new      (void);
/* Shows @message (its role, text, images from the image store of
 * @folder, state and timings) with its actions: copy, edit and resend or
 * regenerate, delete (the last three as "message.edit",
 * "message.regenerate" and "message.delete" with the message's id). */
void       vc_message_widget_set      (VcMessageWidget *self,
                                       const VcMessage *message,
                                       const char      *folder);

G_END_DECLS
