/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-message"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "vc-image-store.h"
#include "vc-markdown-view.h"
#include "vc-software-gl.h"
#include "vc-message-widget.h"
#include "vc-tooltip.h"

/* The side of a transcript thumbnail's bounding square, in logical
 * pixels; loaded at that size times the screen's scale, so it is shown
 * pixel for pixel. */
#define THUMBNAIL_SIZE 120

struct _VcMessageWidget
{
  GtkBox     parent_instance;
  GtkWidget *role;
  GtkWidget *images;     /* GtkFlowBox of thumbnails */
  GtkWidget *body;       /* VcMarkdownView */
  GtkWidget *footer;
  GtkWidget *edit;       /* the actions that take the message's id */
  GtkWidget *regenerate;
  GtkWidget *delete;
  GtkWidget *interleaved; /* GtkBox: a question's words and images in order */
  char      *shown_question;
  char      *text;
  GCancellable *thumbnails; /* the loads of the shown question's pictures */
};

G_DEFINE_FINAL_TYPE (VcMessageWidget, vc_message_widget, GTK_TYPE_BOX)

static void
open_image (GtkButton  *button,
            const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);

  /* The image viewer does not inherit the renderer this window chose. */
  vc_software_gl_show_uri (GTK_WIDGET (button), uri);
}

/* Thumbnails made this run, by "sha256@size": rows are recycled as a long
 * transcript scrolls, and a question shown again shows its pictures at
 * once. Emptied when it grows past a screenful of transcripts. */
#define THUMBNAIL_CACHE_MAX 256
static GHashTable *thumbnail_cache;

static GdkTexture *
cached_thumbnail (const char *key)
{
  return thumbnail_cache != NULL ? g_hash_table_lookup (thumbnail_cache, key) : NULL;
}

static void
cache_thumbnail (const char *key,
                 GdkTexture *texture)
{
  if (thumbnail_cache == NULL)
    thumbnail_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (g_hash_table_size (thumbnail_cache) >= THUMBNAIL_CACHE_MAX)
    g_hash_table_remove_all (thumbnail_cache);
  g_hash_table_replace (thumbnail_cache, g_strdup (key), g_object_ref (texture));
}

static void
show_thumbnail (GtkWidget  *button,
                GdkTexture *texture)
{
  GtkWidget *picture = gtk_button_get_child (GTK_BUTTON (button));
  int scale = gtk_widget_get_scale_factor (button);

  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (picture, gdk_texture_get_width (texture) / scale,
                               gdk_texture_get_height (texture) / scale);
}

typedef struct {
  GtkWidget *button;
  char      *key;
} ThumbnailLoad;

static void
thumbnail_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  ThumbnailLoad *load = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = vc_image_store_thumbnail_finish (result, &error);

  if (pixbuf != NULL)
    {
      g_autoptr(GdkTexture) texture = gdk_texture_new_for_pixbuf (pixbuf);

      cache_thumbnail (load->key, texture);
      show_thumbnail (load->button, texture);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gtk_button_set_icon_name (GTK_BUTTON (load->button), "image-missing-symbolic");
      vc_widget_set_tooltip (load->button, error->message);
      gtk_widget_set_sensitive (load->button, FALSE);
    }
  g_object_unref (load->button);
  g_free (load->key);
  g_free (load);
}

/* A stored image as a button that opens it. Its picture is decoded (or
 * read from the thumbnail cache file) in a thread and fills in when it
 * is there; a missing or unreadable file then shows as such, with the
 * reason in its tooltip. */
static GtkWidget *
thumbnail_button (VcMessageWidget *self,
                  const char      *folder,
                  const char      *sha256)
{
  int size = THUMBNAIL_SIZE * gtk_widget_get_scale_factor (GTK_WIDGET (self));
  g_autofree char *key = g_strdup_printf ("%s@%d", sha256, size);
  GtkWidget *button = gtk_button_new ();
  GtkWidget *picture = gtk_picture_new ();
  GdkTexture *texture = cached_thumbnail (key);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "thumbnail");
  gtk_widget_set_overflow (button, GTK_OVERFLOW_HIDDEN);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_button_set_child (GTK_BUTTON (button), picture);
  if (texture != NULL)
    show_thumbnail (button, texture);
  else
    {
      ThumbnailLoad *load = g_new0 (ThumbnailLoad, 1);

      /* The square it fits in, until the picture's own size is known. */
      gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
      load->button = g_object_ref (button);
      load->key = g_steal_pointer (&key);
      vc_image_store_thumbnail_async (folder, sha256, size, self->thumbnails, thumbnail_loaded, load);
    }
  vc_widget_set_tooltip (button, _("Open Image"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open Image"), -1);
  g_signal_connect_data (button, "clicked", G_CALLBACK (open_image), vc_image_store_path (folder, sha256),
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  return button;
}

static gboolean
is_inline (const VcMessageImage *image,
           gsize                 text_length)
{
  return image->text_offset > 0 && (gsize) image->text_offset < text_length;
}

static GtkWidget *
plain_label (const char *text,
             gssize      length)
{
  g_autofree char *part = g_strndup (text, length < 0 ? strlen (text) : (gsize) length);

  return vc_wrapping_label_new (g_strstrip (part));
}

/* A question: the images before its text in a row of thumbnails, then
 * its text with the images placed between its words where they were put
 * ("insert at cursor"), as the model saw them. Rebuilt only when it is
 * another question than the one shown (rows are recycled). */
static void
show_question (VcMessageWidget *self,
               const VcMessage *message,
               const char      *folder)
{
  GArray *images = message->images;
  gsize length = strlen (message->text);
  g_autoptr(GString) key = g_string_new (message->text);
  gboolean interleaved = FALSE;
  guint n_before = 0;
  GtkWidget *child;

  for (guint i = 0; images != NULL && i < images->len; i++)
    {
      const VcMessageImage *image = &g_array_index (images, VcMessageImage, i);

      g_string_append_printf (key, "\n%s@%" G_GINT64_FORMAT, image->sha256, image->text_offset);
      interleaved |= is_inline (image, length);
    }
  if (g_strcmp0 (self->shown_question, key->str) == 0)
    return;
  g_free (self->shown_question);
  self->shown_question = g_strdup (key->str);

  /* The pictures still loading for the question shown before. */
  g_cancellable_cancel (self->thumbnails);
  g_set_object (&self->thumbnails, g_cancellable_new ());
  while ((child = gtk_widget_get_first_child (self->images)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->images), child);
  while ((child = gtk_widget_get_first_child (self->interleaved)) != NULL)
    gtk_box_remove (GTK_BOX (self->interleaved), child);
  {
    gsize done = 0;

    for (guint i = 0; images != NULL && i < images->len; i++)
      {
        const VcMessageImage *image = &g_array_index (images, VcMessageImage, i);
        GtkWidget *thumbnail = thumbnail_button (self, folder, image->sha256);

        if (!is_inline (image, length))
          {
            gtk_flow_box_append (GTK_FLOW_BOX (self->images), thumbnail);
            n_before++;
            continue;
          }
        if ((gsize) image->text_offset > done)
          gtk_box_append (GTK_BOX (self->interleaved),
                          plain_label (message->text + done, (gssize) image->text_offset - (gssize) done));
        gtk_widget_set_halign (thumbnail, GTK_ALIGN_START);
        gtk_box_append (GTK_BOX (self->interleaved), thumbnail);
        done = MAX (done, (gsize) image->text_offset);
      }
    if (interleaved && done < length)
      gtk_box_append (GTK_BOX (self->interleaved), plain_label (message->text + done, -1));
  }
  gtk_widget_set_visible (self->images, n_before > 0);
  gtk_widget_set_visible (self->interleaved, interleaved);
  gtk_widget_set_visible (self->body, !interleaved);
  if (!interleaved)
    {
      vc_markdown_view_set_streaming (VC_MARKDOWN_VIEW (self->body), FALSE);
      vc_markdown_view_set_text (VC_MARKDOWN_VIEW (self->body), message->text, FALSE);
    }
}

/* A small flat button of the message's actions. */
static GtkWidget *
action_button (const char *icon_name,
               const char *label,
               const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "message-action");
  vc_widget_set_tooltip (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  /* The "message." actions take the message's id, set when bound. */
  if (g_str_has_prefix (action, "message."))
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (0));
  return button;
}

/* Copy for every message; edit (questions) or regenerate (answers), and
 * delete, go to the conversation view's "message." actions with the
 * message's id (the view knows whether an answer is being written). */
static void
show_actions (VcMessageWidget *self,
              const VcMessage *message)
{
  GVariant *id = g_variant_ref_sink (g_variant_new_int64 (message->id));

  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->edit), id);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->regenerate), id);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->delete), id);
  g_variant_unref (id);
  gtk_widget_set_visible (self->edit, message->role == VC_ROLE_USER);
  /* An answer being written can be stopped, not yet regenerated or deleted. */
  gtk_widget_set_visible (self->regenerate, message->role == VC_ROLE_ASSISTANT && message->state != VC_MESSAGE_STREAMING);
  gtk_widget_set_visible (self->delete, message->state != VC_MESSAGE_STREAMING);
}

void
vc_message_widget_set (VcMessageWidget *self,
                       const VcMessage *message,
                       const char      *folder)
{
  g_autoptr(GString) footer = g_string_new (NULL);
  VcRole role;
  const char *text;

  g_return_if_fail (VC_IS_MESSAGE_WIDGET (self));
  g_return_if_fail (message != NULL);

  role = message->role;
  text = message->text;
  g_free (self->text);
  self->text = g_strdup (text);
  gtk_label_set_text (GTK_LABEL (self->role), role == VC_ROLE_USER ? _("You") : _("VILA"));
  show_actions (self, message);
  /* A question as written, with its images; an answer from its Markdown. */
  if (role == VC_ROLE_USER)
    show_question (self, message, folder);
  else
    {
      g_clear_pointer (&self->shown_question, g_free);
      gtk_widget_set_visible (self->images, FALSE);
      gtk_widget_set_visible (self->interleaved, FALSE);
      gtk_widget_set_visible (self->body, TRUE);
      /* Set first: a streamed answer's last words become selectable as
       * it completes, in the same pass that shows its final text. */
      vc_markdown_view_set_streaming (VC_MARKDOWN_VIEW (self->body), message->state == VC_MESSAGE_STREAMING);
      vc_markdown_view_set_text (VC_MARKDOWN_VIEW (self->body), text, TRUE);
    }

  if (message->state == VC_MESSAGE_STOPPED)
    g_string_append (footer, _("Stopped"));
  else if (message->state == VC_MESSAGE_INTERRUPTED)
    g_string_append (footer, _("Interrupted"));
  else if (message->state == VC_MESSAGE_ERROR)
    g_string_append (footer, _("Failed"));
  if (role == VC_ROLE_ASSISTANT && message->tokens_per_second > 0)
    {
      /* Translators: an answer's speed and the wait for its first token */
      g_autofree char *speed = g_strdup_printf (_("%.1f tokens/s, first after %.0f ms"), message->tokens_per_second,
                                                message->first_token_ms);

      g_string_append_printf (footer, "%s%s", footer->len ? " · " : "", speed);
    }
  gtk_label_set_text (GTK_LABEL (self->footer), footer->str);
  gtk_widget_set_visible (self->footer, footer->len > 0);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VcMessageWidget *self = VC_MESSAGE_WIDGET (widget);

  if (self->text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->text);
}

static void
vc_message_widget_dispose (GObject *object)
{
  VcMessageWidget *self = VC_MESSAGE_WIDGET (object);

  if (self->thumbnails != NULL)
    g_cancellable_cancel (self->thumbnails);
  g_clear_object (&self->thumbnails);
  G_OBJECT_CLASS (vc_message_widget_parent_class)->dispose (object);
}

static void
vc_message_widget_finalize (GObject *object)
{
  g_free (VC_MESSAGE_WIDGET (object)->shown_question);
  g_free (VC_MESSAGE_WIDGET (object)->text);
  G_OBJECT_CLASS (vc_message_widget_parent_class)->finalize (object);
}

static void
vc_message_widget_class_init (VcMessageWidgetClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vc_message_widget_dispose;
  G_OBJECT_CLASS (klass)->finalize = vc_message_widget_finalize;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "bubble.copy", NULL, copy_action);
}

static void
vc_message_widget_init (VcMessageWidget *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 18);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 18);

  self->role = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->role), 0);
  gtk_widget_add_css_class (self->role, "heading");
  self->images = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->images), GTK_SELECTION_NONE);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->images), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->images), 6);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->images), 12);
  gtk_widget_set_visible (self->images, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->images), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Images"), -1);
  self->body = vc_markdown_view_new ();
  self->interleaved = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_visible (self->interleaved, FALSE);
  self->footer = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->footer, "dim-label");
  gtk_widget_add_css_class (self->footer, "caption");
  gtk_box_append (GTK_BOX (self), self->role);
  gtk_box_append (GTK_BOX (self), self->images);
  gtk_box_append (GTK_BOX (self), self->body);
  gtk_box_append (GTK_BOX (self), self->interleaved);
  {
    GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *actions = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

    /* Made once: rows are recycled as the transcript scrolls. */
    self->edit = action_button ("document-edit-symbolic", _("Edit and Resend"), "message.edit");
    self->regenerate = action_button ("view-refresh-symbolic", _("Regenerate"), "message.regenerate");
    self->delete = action_button ("user-trash-symbolic", _("Delete"), "message.delete");
    gtk_box_append (GTK_BOX (actions), action_button ("edit-copy-symbolic", _("Copy"), "bubble.copy"));
    gtk_box_append (GTK_BOX (actions), self->edit);
    gtk_box_append (GTK_BOX (actions), self->regenerate);
    gtk_box_append (GTK_BOX (actions), self->delete);

    /* The actions under the message, the footer's figures at its end. */
    gtk_widget_set_hexpand (self->footer, TRUE);
    gtk_widget_set_valign (self->footer, GTK_ALIGN_CENTER);
    gtk_label_set_xalign (GTK_LABEL (self->footer), 1);
    gtk_box_append (GTK_BOX (bottom), actions);
    gtk_box_append (GTK_BOX (bottom), self->footer);
    gtk_box_append (GTK_BOX (self), bottom);
  }
}

GtkWidget *
vc_message_widget_new (void)
{
  return g_object_new (VC_TYPE_MESSAGE_WIDGET, NULL);
}
