/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The question is written in a GtkTextView: images placed in the text sit
 * at child anchors (the buffer holds U+FFFC there), so they move with the
 * words around them and go when those are deleted; sending walks the
 * buffer once to turn it into text plus byte offsets.
 */
#define G_LOG_DOMAIN "vc-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-attachment-strip.h"
#include "vc-tooltip.h"
#include "vc-composer.h"
#include "vc-image-store.h"

struct _VcComposer
{
  GtkBox             parent_instance;

  /* Template children */
  GtkRevealer       *edit_bar;
  VcAttachmentStrip *attachment_strip;
  GtkTextView       *text_view;
  GtkStack          *send_stack;

  GCancellable      *edit_load;   /* reading the images of a question to edit */
};

G_DEFINE_FINAL_TYPE (VcComposer, vc_composer, GTK_TYPE_BOX)

enum {
  SIGNAL_SEND,
  SIGNAL_STOP,
  SIGNAL_ERROR,
  SIGNAL_CANCEL_EDIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Images placed in the text sit at a child anchor that holds their
 * attachment; the picture there is the same thumbnail the strip shows. */
#define ANCHOR_ATTACHMENT "vc-attachment"
#define INLINE_SIZE 48

static void
insert_inline_at (VcComposer         *self,
                  VcAttachment       *attachment,
                  GtkTextIter        *where)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextChildAnchor *anchor = gtk_text_buffer_create_child_anchor (buffer, where);
  GtkWidget *picture = gtk_image_new_from_paintable (GDK_PAINTABLE (vc_attachment_texture (attachment)));
  const char *name = vc_attachment_get_name (attachment);

  g_object_set_data_full (G_OBJECT (anchor), ANCHOR_ATTACHMENT, g_object_ref (attachment), g_object_unref);
  gtk_image_set_pixel_size (GTK_IMAGE (picture), INLINE_SIZE);
  gtk_widget_add_css_class (picture, "thumbnail");
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  vc_widget_set_tooltip (picture, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_text_view_add_child_at_anchor (self->text_view, picture, anchor);
}

/* "Insert at Cursor" from the strip: the image goes where the text cursor
 * is, between the words it stands between. */
static void
insert_inline (VcComposer         *self,
               VcAttachment       *attachment)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter cursor;

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  insert_inline_at (self, attachment, &cursor);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/* A thumbnail of the strip dragged into the text lands where it was
 * dropped. */
static gboolean
on_composer_drop (GtkDropTarget      *target,
                  const GValue       *value,
                  double              x,
                  double              y,
                  VcComposer         *self)
{
  VcAttachment *attachment = g_value_get_object (value);
  GtkTextIter where;
  int buffer_x, buffer_y;

  for (guint i = 0; i < vc_attachment_strip_get_n_items (self->attachment_strip); i++)
    if (vc_attachment_strip_get_item (self->attachment_strip, i) == attachment)
      {
        g_object_ref (attachment);
        vc_attachment_strip_remove (self->attachment_strip, i);
        gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &buffer_x,
                                               &buffer_y);
        gtk_text_view_get_iter_at_location (self->text_view, &where, buffer_x, buffer_y);
        insert_inline_at (self, attachment, &where);
        g_object_unref (attachment);
        return TRUE;
      }
  return FALSE;
}

static gboolean
is_anchor_char (gunichar ch,
                gpointer user_data)
{
  /* What a text buffer holds in place of a child widget. */
  return ch == 0xFFFC;
}

/* The composer's text, and the images placed in it with their byte
 * offsets into that text. Leading and trailing white space goes; the
 * offsets follow. */
static char *
composed_text (VcComposer         *self,
               GPtrArray          *images,
               GArray             *offsets)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GString *text = g_string_new (NULL);
  GtkTextIter iter, end;
  gsize lead, first_inline = offsets->len;

  gtk_text_buffer_get_bounds (buffer, &iter, &end);
  while (!gtk_text_iter_equal (&iter, &end))
    {
      GtkTextChildAnchor *anchor = gtk_text_iter_get_child_anchor (&iter);
      GtkTextIter next = iter;

      if (anchor != NULL)
        {
          VcAttachment *attachment = g_object_get_data (G_OBJECT (anchor), ANCHOR_ATTACHMENT);
          gint64 offset = text->len;

          if (attachment != NULL)
            {
              g_ptr_array_add (images, g_bytes_ref (vc_attachment_get_bytes (attachment)));
              g_array_append_val (offsets, offset);
            }
          gtk_text_iter_forward_char (&iter);
          continue;
        }
      /* Plain text up to the next anchor (or the end) in one piece. */
      if (!gtk_text_iter_forward_find_char (&next, is_anchor_char, NULL, &end))
        next = end;
      {
        g_autofree char *part = gtk_text_buffer_get_text (buffer, &iter, &next, FALSE);

        g_string_append (text, part);
      }
      iter = next;
    }
  for (lead = 0; lead < text->len && g_ascii_isspace (text->str[lead]); lead++)
    ;
  g_string_erase (text, 0, lead);
  while (text->len > 0 && g_ascii_isspace (text->str[text->len - 1]))
    g_string_truncate (text, text->len - 1);
  for (guint i = first_inline; i < offsets->len; i++)
    {
      gint64 *offset = &g_array_index (offsets, gint64, i);

      *offset = CLAMP (*offset - (gint64) lead, 0, (gint64) text->len);
    }
  return g_string_free (text, FALSE);
}

gboolean
vc_composer_attach_file (VcComposer  *self,
                         GFile       *file,
                         GError     **error)
{
  g_autoptr(VcAttachment) attachment = NULL;

  g_return_val_if_fail (VC_IS_COMPOSER (self), FALSE);

  if (!(attachment = vc_attachment_new_from_file (file, error)))
    return FALSE;
  vc_attachment_strip_add (self->attachment_strip, attachment);
  return TRUE;
}

gboolean
vc_composer_attach_texture (VcComposer          *self,
                            GdkTexture          *texture,
                            GError             **error)
{
  g_autoptr(VcAttachment) attachment = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (VC_IS_COMPOSER (self), FALSE);

  /* Through PNG like any file (lossless), so that the thumbnail of a
   * large picture is scaled as well as a file's is. */
  png = gdk_texture_save_to_png_bytes (texture);
  if (!(attachment = vc_attachment_new_from_bytes (png, _("Pasted image"), error)))
    return FALSE;
  vc_attachment_strip_add (self->attachment_strip, attachment);
  return TRUE;
}

guint
vc_composer_get_n_attachments (VcComposer         *self)
{
  g_autoptr(GPtrArray) inline_images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *text = NULL;

  g_return_val_if_fail (VC_IS_COMPOSER (self), 0);

  text = composed_text (self, inline_images, offsets);
  return vc_attachment_strip_get_n_items (self->attachment_strip) + inline_images->len;
}

/* A file read in a thread: its attachment, or why there is none. */
typedef struct {
  VcAttachment *attachment;
  char         *error;
} ReadFile;

static void
read_file_clear (ReadFile *read)
{
  g_clear_object (&read->attachment);
  g_free (read->error);
}

static void
read_files_in_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GPtrArray *files = task_data;
  GArray *read = g_array_sized_new (FALSE, TRUE, sizeof (ReadFile), files->len);

  g_array_set_clear_func (read, (GDestroyNotify) read_file_clear);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) error = NULL;
      ReadFile one = { vc_attachment_new_from_file (files->pdata[i], &error), NULL };

      if (one.attachment == NULL)
        one.error = g_strdup (error->message);
      g_array_append_val (read, one);
    }
  g_task_return_pointer (task, read, (GDestroyNotify) g_array_unref);
}

static void
on_files_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  VcComposer *self = VC_COMPOSER (source);
  g_autoptr(GArray) read = g_task_propagate_pointer (G_TASK (result), NULL);

  for (guint i = 0; read != NULL && i < read->len; i++)
    {
      ReadFile *one = &g_array_index (read, ReadFile, i);

      if (one->attachment != NULL)
        vc_attachment_strip_add (self->attachment_strip, one->attachment);
      else
        g_signal_emit (self, signals[SIGNAL_ERROR], 0, one->error);
    }
}

/* Dropped, pasted or chosen files: decoding photos takes long enough to
 * freeze the window, so it happens in a thread; they join the strip in
 * the order given. */
static void
attach_files (VcComposer *self,
              GSList     *files)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, on_files_read, NULL);
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (GSList *l = files; l != NULL; l = l->next)
    g_ptr_array_add (list, g_object_ref (l->data));
  g_task_set_task_data (task, list, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, read_files_in_thread);
}

static void
attach_texture (VcComposer         *self,
                GdkTexture         *texture)
{
  g_autoptr(GError) error = NULL;

  if (!vc_composer_attach_texture (self, texture, &error))
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

gboolean
vc_composer_add_dropped (VcComposer   *self,
                         const GValue *value)
{
  g_return_val_if_fail (VC_IS_COMPOSER (self), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    attach_files (self, gdk_file_list_get_files (g_value_get_boxed (value)));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    attach_texture (self, g_value_get_object (value));
  else
    return FALSE;
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog    *dialog,
                     int                 response,
                     VcComposer         *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *list = NULL;

      for (guint i = g_list_model_get_n_items (files); i > 0; i--)
        list = g_slist_prepend (list, g_list_model_get_item (files, i - 1));
      attach_files (self, list);
      g_slist_free_full (list, g_object_unref);
    }
  g_object_unref (dialog);
}

static void
on_attach_clicked (VcComposer         *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Attach Images"),
                                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"),
                                                               _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_pasted_files (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VcComposer) self = user_data;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, NULL);

  if (value != NULL && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    attach_files (self, gdk_file_list_get_files (g_value_get_boxed (value)));
}

static void
on_pasted_texture (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(VcComposer) self = user_data;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, NULL);

  if (texture != NULL)
    attach_texture (self, texture);
}

/* Ctrl+V with a picture or copied files attaches them; text pastes as
 * usual. */
static gboolean
paste_images (VcComposer         *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL, on_pasted_files,
                                    g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, on_pasted_texture, g_object_ref (self));
  else
    return FALSE;
  return TRUE;
}

/* While the images of a question to edit are read, its text stays as it
 * is (their places are offsets into it) and nothing can be sent. */
static void
set_loading (VcComposer *self,
             gboolean    loading)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->text_view), !loading);
  gtk_widget_set_sensitive (GTK_WIDGET (self->attachment_strip), !loading);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_stack), !loading);
}

static void
stop_edit_load (VcComposer *self)
{
  if (self->edit_load == NULL)
    return;
  g_cancellable_cancel (self->edit_load);
  g_clear_object (&self->edit_load);
  set_loading (self, FALSE);
}

char *
vc_composer_take_question (VcComposer  *self,
                           GPtrArray  **images,
                           GArray     **offsets)
{
  g_autoptr(GPtrArray) taken_images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) taken_offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *text = NULL;

  g_return_val_if_fail (VC_IS_COMPOSER (self), NULL);

  /* A question to edit whose images are not there yet is not whole. */
  if (self->edit_load != NULL)
    return NULL;

  /* The strip's images go before the text, then those placed in it. */
  for (guint i = 0; i < vc_attachment_strip_get_n_items (self->attachment_strip); i++)
    {
      VcAttachment *attachment = vc_attachment_strip_get_item (self->attachment_strip, i);
      gint64 before_text = -1;

      g_ptr_array_add (taken_images, g_bytes_ref (vc_attachment_get_bytes (attachment)));
      g_array_append_val (taken_offsets, before_text);
    }
  text = composed_text (self, taken_images, taken_offsets);
  if (*text == '\0' && taken_images->len == 0)
    return NULL;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  vc_attachment_strip_clear (self->attachment_strip);
  *images = g_steal_pointer (&taken_images);
  *offsets = g_steal_pointer (&taken_offsets);
  return g_steal_pointer (&text);
}

void
vc_composer_set_text (VcComposer *self,
                      const char *text)
{
  g_return_if_fail (VC_IS_COMPOSER (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
}

void
vc_composer_set_busy (VcComposer *self,
                      gboolean    busy)
{
  g_return_if_fail (VC_IS_COMPOSER (self));

  gtk_stack_set_visible_child_name (self->send_stack, busy ? "stop" : "send");
}

void
vc_composer_focus (VcComposer *self)
{
  g_return_if_fail (VC_IS_COMPOSER (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

void
vc_composer_clear (VcComposer *self)
{
  g_return_if_fail (VC_IS_COMPOSER (self));

  stop_edit_load (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  vc_attachment_strip_clear (self->attachment_strip);
}

/* The images of a question as it was sent, and where each went. */
typedef struct {
  char   *folder;
  char   *text;
  GArray *images;   /* VcMessageImage, sha256 owned */
} EditLoad;

static void
edit_load_free (EditLoad *load)
{
  for (guint i = 0; i < load->images->len; i++)
    g_free (g_array_index (load->images, VcMessageImage, i).sha256);
  g_array_unref (load->images);
  g_free (load->folder);
  g_free (load->text);
  g_free (load);
}

static void
read_stored_in_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  EditLoad *load = task_data;
  GArray *read = g_array_sized_new (FALSE, TRUE, sizeof (ReadFile), load->images->len);

  g_array_set_clear_func (read, (GDestroyNotify) read_file_clear);
  for (guint i = 0; i < load->images->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const VcMessageImage *image = &g_array_index (load->images, VcMessageImage, i);
      g_autofree char *name = g_strdup_printf (_("Image %u"), i + 1);
      g_autoptr(GError) error = NULL;
      ReadFile one = { vc_attachment_new_from_stored (load->folder, image->sha256, name, &error), NULL };

      if (one.attachment == NULL)
        one.error = g_strdup (error->message);
      g_array_append_val (read, one);
    }
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, g_steal_pointer (&read), (GDestroyNotify) g_array_unref);
  g_clear_pointer (&read, g_array_unref);
}

static void
on_stored_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  VcComposer *self = VC_COMPOSER (source);
  EditLoad *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GArray) read = g_task_propagate_pointer (G_TASK (result), NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  guint placed = 0;

  /* Cancelled: another edit, a cleared composer or a closed window. */
  if (read == NULL)
    return;
  g_clear_object (&self->edit_load);
  set_loading (self, FALSE);
  for (guint i = 0; i < read->len; i++)
    {
      const VcMessageImage *image = &g_array_index (load->images, VcMessageImage, i);
      ReadFile *one = &g_array_index (read, ReadFile, i);

      if (one->attachment == NULL)
        {
          g_signal_emit (self, signals[SIGNAL_ERROR], 0, one->error);
          continue;
        }
      if (image->text_offset < 0 || (gsize) image->text_offset > strlen (load->text))
        vc_attachment_strip_add (self->attachment_strip, one->attachment);
      else
        {
          /* Each image placed before this one is a character of the
           * buffer too. */
          GtkTextIter where;
          glong characters = g_utf8_pointer_to_offset (load->text, load->text + image->text_offset);

          gtk_text_buffer_get_iter_at_offset (buffer, &where, (int) (characters + placed));
          insert_inline_at (self, one->attachment, &where);
          placed++;
        }
    }
  vc_composer_focus (self);
}

/* The question's text at once; its images are read and decoded in a
 * thread (photos take long enough to freeze the window) and take their
 * places when they are there. */
void
vc_composer_begin_edit (VcComposer      *self,
                        const VcMessage *question,
                        const char      *folder)
{
  g_autoptr(GTask) task = NULL;
  EditLoad *load;

  g_return_if_fail (VC_IS_COMPOSER (self));
  g_return_if_fail (question != NULL);

  vc_composer_clear (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), question->text, -1);
  gtk_revealer_set_reveal_child (self->edit_bar, TRUE);
  if (question->images == NULL || question->images->len == 0)
    {
      vc_composer_focus (self);
      return;
    }

  load = g_new0 (EditLoad, 1);
  load->folder = g_strdup (folder);
  load->text = g_strdup (question->text);
  load->images = g_array_sized_new (FALSE, FALSE, sizeof (VcMessageImage), question->images->len);
  for (guint i = 0; i < question->images->len; i++)
    {
      VcMessageImage image = g_array_index (question->images, VcMessageImage, i);

      image.sha256 = g_strdup (image.sha256);
      g_array_append_val (load->images, image);
    }
  self->edit_load = g_cancellable_new ();
  set_loading (self, TRUE);
  task = g_task_new (self, self->edit_load, on_stored_read, NULL);
  g_task_set_task_data (task, load, (GDestroyNotify) edit_load_free);
  g_task_run_in_thread (task, read_stored_in_thread);
}

/* A question being edited whose images are still being read. */
gboolean
vc_composer_is_loading (VcComposer *self)
{
  g_return_val_if_fail (VC_IS_COMPOSER (self), FALSE);

  return self->edit_load != NULL;
}

void
vc_composer_end_edit (VcComposer *self)
{
  g_return_if_fail (VC_IS_COMPOSER (self));

  stop_edit_load (self);
  gtk_revealer_set_reveal_child (self->edit_bar, FALSE);
}

gboolean
vc_composer_is_editing (VcComposer *self)
{
  g_return_val_if_fail (VC_IS_COMPOSER (self), FALSE);

  return gtk_revealer_get_reveal_child (self->edit_bar);
}

static void
on_cancel_edit_clicked (VcComposer *self)
{
  g_signal_emit (self, signals[SIGNAL_CANCEL_EDIT], 0);
}

static void
on_send_clicked (VcComposer *self)
{
  g_signal_emit (self, signals[SIGNAL_SEND], 0);
}

static void
on_stop_clicked (VcComposer *self)
{
  g_signal_emit (self, signals[SIGNAL_STOP], 0);
}

/* Enter sends, Shift+Enter (or Ctrl+Enter) is a new line; Ctrl+V with a
 * picture or files on the clipboard attaches them. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                VcComposer            *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      !(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)))
    {
      g_signal_emit (self, signals[SIGNAL_SEND], 0);
      return TRUE;
    }
  if ((keyval == GDK_KEY_v || keyval == GDK_KEY_V) && (state & GDK_CONTROL_MASK))
    return paste_images (self);
  return FALSE;
}

static void
vc_composer_dispose (GObject *object)
{
  stop_edit_load (VC_COMPOSER (object));
  gtk_widget_dispose_template (GTK_WIDGET (object), VC_TYPE_COMPOSER);
  G_OBJECT_CLASS (vc_composer_parent_class)->dispose (object);
}

static void
vc_composer_class_init (VcComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vc_composer_dispose;
  signals[SIGNAL_SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 0);
  signals[SIGNAL_STOP] = g_signal_new ("stop", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 0);
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);

  signals[SIGNAL_CANCEL_EDIT] = g_signal_new ("cancel-edit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                             NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (VC_TYPE_ATTACHMENT_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, VcComposer, edit_bar);
  gtk_widget_class_bind_template_child (widget_class, VcComposer, attachment_strip);
  gtk_widget_class_bind_template_child (widget_class, VcComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, VcComposer, send_stack);
  gtk_widget_class_bind_template_callback (widget_class, on_attach_clicked);
  gtk_widget_class_bind_template_callback (widget_class, insert_inline);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_edit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_clicked);
}

static void
vc_composer_init (VcComposer *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();
  /* A thumbnail from the strip, to place in the text. */
  GtkDropTarget *drop = gtk_drop_target_new (VC_TYPE_ATTACHMENT, GDK_ACTION_MOVE);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (drop, "drop", G_CALLBACK (on_composer_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (drop));
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);
}
