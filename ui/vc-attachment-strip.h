/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "vc-attachment.h"

G_BEGIN_DECLS

/* The images that go before the text of the next question, as a row of
 * thumbnails in the order they will be sent. Each has a remove button
 * and a menu (move left, move right, insert at the cursor, remove); a
 * thumbnail dragged onto another takes its place. Hidden while empty.
 *
 * Signals:
 *   ::insert-requested (VcAttachment *attachment): the user asked for
 *     @attachment at the composer's cursor; the strip has let it go. */
#define VC_TYPE_ATTACHMENT_STRIP (vc_attachment_strip_get_type ())
G_DECLARE_FINAL_TYPE (VcAttachmentStrip, vc_attachment_strip, VC, ATTACHMENT_STRIP, AdwBin)

void          vc_attachment_strip_add         (VcAttachmentStrip *self,
                                               VcAttachment      *attachment);
guint         vc_attachment_strip_get_n_items (VcAttachmentStrip *self);
VcAttachment *vc_attachment_strip_get_item    (VcAttachmentStrip *self,
                                               guint              index);
/* Moves the attachment at @from to @to (both indices of the strip). */
void          vc_attachment_strip_move        (VcAttachmentStrip *self,
                                               guint              from,
                                               guint              to);
void          vc_attachment_strip_remove      (VcAttachmentStrip *self,
                                               guint              index);
void          vc_attachment_strip_clear       (VcAttachmentStrip *self);

/* @attachment's thumbnail as a texture to show, made once and kept with
 * it (the strip, the text and a drag all show the same one). */
GdkTexture   *vc_attachment_texture           (VcAttachment      *attachment);

G_END_DECLS
