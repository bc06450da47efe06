/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-message"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-markdown.h"
#include "vc-message-widget.h"

struct _VcMessageWidget
{
  GtkBox     parent_instance;
  GtkWidget *role;
  GtkWidget *body;       /* GtkBox of blocks */
  GtkWidget *footer;
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

void
vc_message_widget_set (VcMessageWidget *self,
                       VcRole           role,
                       const char      *text,
                       VcMessageState   state,
                       double           first_token_ms,
                       double           tokens_per_second)
{
  GtkWidget *child;
  g_autoptr(GString) footer = g_string_new (NULL);

  g_return_if_fail (VC_IS_MESSAGE_WIDGET (self));

  gtk_label_set_text (GTK_LABEL (self->role), role == VC_ROLE_USER ? _("You") : _("VILA"));
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
vc_message_widget_class_init (VcMessageWidgetClass *klass)
{
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
  self->body = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  self->footer = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->footer), 0);
  gtk_widget_add_css_class (self->footer, "dim-label");
  gtk_widget_add_css_class (self->footer, "caption");
  gtk_box_append (GTK_BOX (self), self->role);
  gtk_box_append (GTK_BOX (self), self->body);
  gtk_box_append (GTK_BOX (self), self->footer);
}

GtkWidget *
vc_message_widget_new (void)
{
  return g_object_new (VC_TYPE_MESSAGE_WIDGET, NULL);
}
