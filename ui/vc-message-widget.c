/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-message"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-image-store.h"
#include "vc-markdown.h"
#include "vc-message-widget.h"

/* The side of a transcript thumbnail's bounding square, in logical
 * pixels; loaded at that size times the screen's scale, so it is shown
 * pixel for pixel. */
#define THUMBNAIL_SIZE 120

struct _VcMessageWidget
{
  GtkBox     parent_instance;
  GtkWidget *role;
  GtkWidget *images;     /* GtkFlowBox of thumbnails */
  GtkWidget *body;       /* GtkBox of blocks */
  GtkWidget *footer;
  GStrv      shown_images;
};

G_DEFINE_FINAL_TYPE (VcMessageWidget, vc_message_widget, GTK_TYPE_BOX)

static void
copy_code (GtkButton  *button,
           const char *code)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), code);
}

static GtkWidget *
label_for (const char *markup,
           gboolean    use_markup)
{
  GtkWidget *label = gtk_label_new (NULL);

  if (use_markup)
    gtk_label_set_markup (GTK_LABEL (label), markup);
  else
    gtk_label_set_text (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  return label;
}

/* A code block: monospace text as written, and a button that copies it. */
static GtkWidget *
code_block (const VcBlock *block)
{
  GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *language = gtk_label_new (block->language && *block->language ? block->language : NULL);
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *code = label_for (block->code, FALSE);

  gtk_widget_add_css_class (frame, "card");
  gtk_widget_set_hexpand (language, TRUE);
  gtk_label_set_xalign (GTK_LABEL (language), 0);
  gtk_widget_add_css_class (language, "dim-label");
  gtk_widget_add_css_class (copy, "flat");
  gtk_widget_set_tooltip_text (copy, _("Copy Code"));
  g_signal_connect_data (copy, "clicked", G_CALLBACK (copy_code), g_strdup (block->code),
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_widget_add_css_class (code, "monospace");
  gtk_label_set_wrap (GTK_LABEL (code), FALSE);
  gtk_widget_set_margin_start (code, 12);
  gtk_widget_set_margin_end (code, 12);
  gtk_widget_set_margin_bottom (code, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_box_append (GTK_BOX (header), language);
  gtk_box_append (GTK_BOX (header), copy);
  gtk_box_append (GTK_BOX (frame), header);
  gtk_box_append (GTK_BOX (frame), code);
  return frame;
}

static GtkWidget *
block_widget (const VcBlock *block)
{
  GtkWidget *widget;

  switch (block->kind)
    {
    case VC_BLOCK_CODE:
      return code_block (block);
    case VC_BLOCK_RULE:
      return gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
    case VC_BLOCK_LIST_ITEM:
      {
        g_autofree char *markup = g_strdup_printf ("%s  %s", block->marker ? block->marker : "", block->markup);

        widget = label_for (markup, TRUE);
        gtk_widget_set_margin_start (widget, 18 * block->level);
        return widget;
      }
    case VC_BLOCK_HEADING:
      widget = label_for (block->markup, TRUE);
      gtk_widget_add_css_class (widget, block->level <= 1 ? "title-2" : block->level == 2 ? "title-3" : "title-4");
      return widget;
    case VC_BLOCK_QUOTE:
      widget = label_for (block->markup, TRUE);
      gtk_widget_add_css_class (widget, "dim-label");
      gtk_widget_set_margin_start (widget, 18 * block->level);
      return widget;
    case VC_BLOCK_TABLE_ROW:
      widget = label_for (block->markup, TRUE);
      if (block->level > 0)
        gtk_widget_add_css_class (widget, "heading");
      return widget;
    default:
      return label_for (block->markup, TRUE);
    }
}

static void
open_image (GtkButton  *button,
            const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

/* A stored image as a button that opens it; a missing or unreadable file
 * shows as such, with the reason in its tooltip. */
static GtkWidget *
thumbnail_button (VcMessageWidget *self,
                  const char      *folder,
                  const char      *sha256)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = vc_image_store_thumbnail (folder, sha256, THUMBNAIL_SIZE * scale, &error);
  GtkWidget *button = gtk_button_new ();

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "thumbnail");
  gtk_widget_set_overflow (button, GTK_OVERFLOW_HIDDEN);
  if (pixbuf == NULL)
    {
      gtk_button_set_icon_name (GTK_BUTTON (button), "image-missing-symbolic");
      gtk_widget_set_tooltip_text (button, error->message);
      gtk_widget_set_sensitive (button, FALSE);
      return button;
    }
  {
    g_autoptr(GdkTexture) texture = gdk_texture_new_for_pixbuf (pixbuf);
    GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

    gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
    gtk_widget_set_size_request (picture, gdk_pixbuf_get_width (pixbuf) / scale,
                                 gdk_pixbuf_get_height (pixbuf) / scale);
    gtk_button_set_child (GTK_BUTTON (button), picture);
  }
  gtk_widget_set_tooltip_text (button, _("Open Image"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Open Image"), -1);
  g_signal_connect_data (button, "clicked", G_CALLBACK (open_image), vc_image_store_path (folder, sha256),
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  return button;
}

/* The images of a user's message, in order; rebuilt only when they are
 * other images than those shown (an answer's text changes every frame
 * while it streams; its images never do). */
static void
show_images (VcMessageWidget    *self,
             const char         *folder,
             const char * const *images)
{
  static const char * const none[] = { NULL };
  GtkWidget *child;

  if (images == NULL)
    images = none;
  if (self->shown_images != NULL && g_strv_equal ((const char * const *) self->shown_images, images))
    return;
  g_strfreev (self->shown_images);
  self->shown_images = g_strdupv ((char **) images);
  while ((child = gtk_widget_get_first_child (self->images)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->images), child);
  for (guint i = 0; images[i] != NULL; i++)
    gtk_flow_box_append (GTK_FLOW_BOX (self->images), thumbnail_button (self, folder, images[i]));
  gtk_widget_set_visible (self->images, images[0] != NULL);
}

void
vc_message_widget_set (VcMessageWidget *self,
                       VcRole              role,
                       const char         *text,
                       const char         *folder,
                       const char * const *images,
                       VcMessageState      state,
                       double           first_token_ms,
                       double           tokens_per_second)
{
  GtkWidget *child;
  g_autoptr(GString) footer = g_string_new (NULL);

  g_return_if_fail (VC_IS_MESSAGE_WIDGET (self));

  gtk_label_set_text (GTK_LABEL (self->role), role == VC_ROLE_USER ? _("You") : _("VILA"));
  show_images (self, folder, images);
  while ((child = gtk_widget_get_first_child (self->body)) != NULL)
    gtk_box_remove (GTK_BOX (self->body), child);

  if (role == VC_ROLE_USER)
    gtk_box_append (GTK_BOX (self->body), label_for (text, FALSE));
  else
    {
      g_autoptr(GPtrArray) blocks = vc_markdown_to_blocks (text, -1);

      for (guint i = 0; i < blocks->len; i++)
        gtk_box_append (GTK_BOX (self->body), block_widget (blocks->pdata[i]));
    }

  if (state == VC_MESSAGE_STOPPED)
    g_string_append (footer, _("Stopped"));
  else if (state == VC_MESSAGE_INTERRUPTED)
    g_string_append (footer, _("Interrupted"));
  else if (state == VC_MESSAGE_ERROR)
    g_string_append (footer, _("Failed"));
  if (role == VC_ROLE_ASSISTANT && tokens_per_second > 0)
    {
      /* Translators: an answer's speed and the wait for its first token */
      g_autofree char *speed = g_strdup_printf (_("%.1f tokens/s, first after %.0f ms"), tokens_per_second,
                                                first_token_ms);

      g_string_append_printf (footer, "%s%s", footer->len ? " · " : "", speed);
    }
  gtk_label_set_text (GTK_LABEL (self->footer), footer->str);
  gtk_widget_set_visible (self->footer, footer->len > 0);
}

static void
vc_message_widget_finalize (GObject *object)
{
  g_strfreev (VC_MESSAGE_WIDGET (object)->shown_images);
  G_OBJECT_CLASS (vc_message_widget_parent_class)->finalize (object);
}

static void
vc_message_widget_class_init (VcMessageWidgetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vc_message_widget_finalize;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
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
  self->body = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  self->footer = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->footer), 0);
  gtk_widget_add_css_class (self->footer, "dim-label");
  gtk_widget_add_css_class (self->footer, "caption");
  gtk_box_append (GTK_BOX (self), self->role);
  gtk_box_append (GTK_BOX (self), self->images);
  gtk_box_append (GTK_BOX (self), self->body);
  gtk_box_append (GTK_BOX (self), self->footer);
}

GtkWidget *
vc_message_widget_new (void)
{
  return g_object_new (VC_TYPE_MESSAGE_WIDGET, NULL);
}
