/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "vc-store.h"

G_BEGIN_DECLS

/* Where the next question is written: a multi-line text box (Enter sends,
 * Shift+Enter starts a new line), a strip of attached images that go
 * before the text, images placed between the words ("Insert at Cursor"
 * or a thumbnail dragged into the text), an attach button with a file
 * chooser, Ctrl+V of a picture or of copied files, and Send, which
 * becomes Stop while an answer is written.
 *
 * Signals:
 *   ::send (): the user asked to send (Enter or the Send button)
 *   ::stop (): the user asked to stop the answer
 *   ::error (const char *message): an image could not be attached
 *   ::cancel-edit (): the user gave up editing a question */
#define VC_TYPE_COMPOSER (vc_composer_get_type ())
G_DECLARE_FINAL_TYPE (VcComposer, vc_composer, VC, COMPOSER, GtkBox)

/* The question as text and images (GBytes, encoded as the user gave them)
 * with their byte offsets into the text (-1: before it); the composer is
 * emptied. NULL, and nothing taken, when there is nothing to send. */
char     *vc_composer_take_question    (VcComposer    *self,
                                        GPtrArray    **images,
                                        GArray       **offsets);
void      vc_composer_set_text         (VcComposer    *self,
                                        const char    *text);
void      vc_composer_clear            (VcComposer    *self);
/* Puts @question (its text, and its images from the image store of
 * @folder where they were) back into the composer, with a bar that says a
 * question is being edited; the caller ends that with
 * vc_composer_end_edit() once it is sent or given up. */
void      vc_composer_begin_edit       (VcComposer       *self,
                                        const VcMessage  *question,
                                        const char       *folder);
void      vc_composer_end_edit         (VcComposer    *self);
gboolean  vc_composer_is_editing       (VcComposer    *self);
/* Editing, and the question's images are still being read (nothing can
 * be sent until they are in). */
gboolean  vc_composer_is_loading       (VcComposer    *self);
void      vc_composer_set_busy         (VcComposer    *self,
                                        gboolean       busy);
void      vc_composer_focus            (VcComposer    *self);
/* Attaches the image in @file (checked now: an error names the file). */
gboolean  vc_composer_attach_file      (VcComposer    *self,
                                        GFile         *file,
                                        GError       **error);
/* Attaches an image that came as pixels (dragged from a browser, pasted). */
gboolean  vc_composer_attach_texture   (VcComposer    *self,
                                        GdkTexture    *texture,
                                        GError       **error);
/* What was dropped (a GdkFileList or a GdkTexture): attached, each file
 * that is no image said through ::error. FALSE for other values. */
gboolean  vc_composer_add_dropped      (VcComposer    *self,
                                        const GValue  *value);
/* The images of the next question: in the strip and placed in the text. */
guint     vc_composer_get_n_attachments (VcComposer   *self);

G_END_DECLS
