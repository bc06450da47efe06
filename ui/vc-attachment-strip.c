/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The row is rebuilt from the array whenever it changes: a question has a
 * handful of images, and each tile's menu and buttons then simply carry
 * their index as the action target.
 */
#define G_LOG_DOMAIN "vc-attachment-strip"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-attachment-strip.h"
#include "vc-tooltip.h"

/* The thumbnails' side on screen, in logical pixels. */
#define TILE_SIZE 64

struct _VcAttachmentStrip
{
  AdwBin     parent_instance;
  GPtrArray *attachments;   /* VcAttachment, in the order they are sent */

  /* Template children */
  GtkWidget *row;
};

G_DEFINE_FINAL_TYPE (VcAttachmentStrip, vc_attachment_strip, ADW_TYPE_BIN)

enum {
  SIGNAL_INSERT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rebuild (VcAttachmentStrip *self);

static void
append_item (GMenu      *menu,
             const char *label,
             const char *action,
             guint       index)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_uint32 (index));
  g_menu_append_item (menu, item);
}

static GMenuModel *
tile_menu (guint index,
           guint n_items)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) moves = g_menu_new ();
  g_autoptr(GMenu) removal = g_menu_new ();

  if (index > 0)
    append_item (moves, _("Move _Left"), "attachment.move-left", index);
  if (index + 1 < n_items)
    append_item (moves, _("Move _Right"), "attachment.move-right", index);
  append_item (moves, _("_Insert at Cursor"), "attachment.insert", index);
  append_item (removal, _("_Remove"), "attachment.remove", index);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (moves));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (removal));
  return G_MENU_MODEL (menu);
}

static GdkContentProvider *
on_drag_prepare (GtkDragSource *source,
                 double         x,
                 double         y,
                 VcAttachment  *attachment)
{
  return gdk_content_provider_new_typed (VC_TYPE_ATTACHMENT, attachment);
}

static void
on_drag_begin (GtkDragSource *source,
               GdkDrag       *drag,
               VcAttachment  *attachment)
{
  gtk_drag_source_set_icon (source, GDK_PAINTABLE (vc_attachment_texture (attachment)), 0, 0);
}

/* A thumbnail of this strip dropped on another: it takes that place. */
static gboolean
on_tile_drop (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              gpointer       user_data)
{
  GtkWidget *tile = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  VcAttachmentStrip *self = VC_ATTACHMENT_STRIP (gtk_widget_get_ancestor (tile, VC_TYPE_ATTACHMENT_STRIP));
  guint from, to = GPOINTER_TO_UINT (user_data);

  if (!g_ptr_array_find (self->attachments, g_value_get_object (value), &from))
    return FALSE;
  vc_attachment_strip_move (self, from, to);
  return TRUE;
}

static GtkWidget *
tile_new (VcAttachmentStrip *self,
          guint              index)
{
  VcAttachment *attachment = self->attachments->pdata[index];
  const char *name = vc_attachment_get_name (attachment);
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), name);
  g_autoptr(GMenuModel) menu = tile_menu (index, self->attachments->len);
  GtkWidget *tile = gtk_overlay_new ();
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *picture = gtk_image_new_from_paintable (GDK_PAINTABLE (vc_attachment_texture (attachment)));
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  GtkDragSource *drag = gtk_drag_source_new ();
  GtkDropTarget *drop = gtk_drop_target_new (VC_TYPE_ATTACHMENT, GDK_ACTION_MOVE);

  /* The square thumbnail at TILE_SIZE logical pixels: its device pixels
   * on a screen of scale 2, so it stays sharp. */
  gtk_image_set_pixel_size (GTK_IMAGE (picture), TILE_SIZE);
  gtk_menu_button_set_child (GTK_MENU_BUTTON (button), picture);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
  gtk_menu_button_set_has_frame (GTK_MENU_BUTTON (button), FALSE);
  gtk_widget_set_overflow (button, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_halign (button, GTK_ALIGN_START);
  gtk_widget_set_valign (button, GTK_ALIGN_START);
  gtk_widget_add_css_class (button, "thumbnail");
  vc_widget_set_tooltip (button, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);

  gtk_widget_set_halign (remove, GTK_ALIGN_END);
  gtk_widget_set_valign (remove, GTK_ALIGN_START);
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_add_css_class (remove, "osd");
  gtk_widget_add_css_class (remove, "thumbnail-remove");
  vc_widget_set_tooltip (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "attachment.remove");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_uint32 (index));

  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
  g_signal_connect_object (drag, "prepare", G_CALLBACK (on_drag_prepare), attachment, 0);
  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (on_drag_begin), attachment, 0);
  gtk_widget_add_controller (tile, GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (drop, "drop", G_CALLBACK (on_tile_drop), GUINT_TO_POINTER (index));
  gtk_widget_add_controller (tile, GTK_EVENT_CONTROLLER (drop));

  gtk_overlay_set_child (GTK_OVERLAY (tile), button);
  gtk_overlay_add_overlay (GTK_OVERLAY (tile), remove);
  return tile;
}

static void
rebuild (VcAttachmentStrip *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->row)) != NULL)
    gtk_box_remove (GTK_BOX (self->row), child);
  for (guint i = 0; i < self->attachments->len; i++)
    gtk_box_append (GTK_BOX (self->row), tile_new (self, i));
  gtk_widget_set_visible (GTK_WIDGET (self), self->attachments->len > 0);
}

void
vc_attachment_strip_add (VcAttachmentStrip *self,
                         VcAttachment      *attachment)
{
  g_return_if_fail (VC_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (VC_IS_ATTACHMENT (attachment));

  g_ptr_array_add (self->attachments, g_object_ref (attachment));
  rebuild (self);
}

guint
vc_attachment_strip_get_n_items (VcAttachmentStrip *self)
{
  g_return_val_if_fail (VC_IS_ATTACHMENT_STRIP (self), 0);
  return self->attachments->len;
}

VcAttachment *
vc_attachment_strip_get_item (VcAttachmentStrip *self,
                              guint              index)
{
  g_return_val_if_fail (VC_IS_ATTACHMENT_STRIP (self), NULL);
  g_return_val_if_fail (index < self->attachments->len, NULL);
  return self->attachments->pdata[index];
}

void
vc_attachment_strip_move (VcAttachmentStrip *self,
                          guint              from,
                          guint              to)
{
  gpointer moved;

  g_return_if_fail (VC_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (from < self->attachments->len && to < self->attachments->len);

  if (from == to)
    return;
  moved = g_ptr_array_steal_index (self->attachments, from);
  g_ptr_array_insert (self->attachments, (int) to, moved);
  rebuild (self);
}

void
vc_attachment_strip_remove (VcAttachmentStrip *self,
                            guint              index)
{
  g_return_if_fail (VC_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (index < self->attachments->len);

  g_ptr_array_remove_index (self->attachments, index);
  rebuild (self);
}

void
vc_attachment_strip_clear (VcAttachmentStrip *self)
{
  g_return_if_fail (VC_IS_ATTACHMENT_STRIP (self));

  g_ptr_array_set_size (self->attachments, 0);
  rebuild (self);
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VcAttachmentStrip *self = VC_ATTACHMENT_STRIP (widget);
  guint index = g_variant_get_uint32 (parameter);
  gboolean left = g_str_equal (action_name, "attachment.move-left");

  if (index >= self->attachments->len || (left && index == 0) || (!left && index + 1 >= self->attachments->len))
    return;
  vc_attachment_strip_move (self, index, left ? index - 1 : index + 1);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VcAttachmentStrip *self = VC_ATTACHMENT_STRIP (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index < self->attachments->len)
    vc_attachment_strip_remove (self, index);
}

static void
insert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  VcAttachmentStrip *self = VC_ATTACHMENT_STRIP (widget);
  guint index = g_variant_get_uint32 (parameter);
  g_autoptr(VcAttachment) attachment = NULL;

  if (index >= self->attachments->len)
    return;
  attachment = g_object_ref (self->attachments->pdata[index]);
  vc_attachment_strip_remove (self, index);
  g_signal_emit (self, signals[SIGNAL_INSERT_REQUESTED], 0, attachment);
}

static void
vc_attachment_strip_dispose (GObject *object)
{
  VcAttachmentStrip *self = VC_ATTACHMENT_STRIP (object);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_ATTACHMENT_STRIP);
  G_OBJECT_CLASS (vc_attachment_strip_parent_class)->dispose (object);
}

static void
vc_attachment_strip_class_init (VcAttachmentStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vc_attachment_strip_dispose;
  signals[SIGNAL_INSERT_REQUESTED] =
    g_signal_new ("insert-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, VC_TYPE_ATTACHMENT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-attachment-strip.ui");
  gtk_widget_class_bind_template_child (widget_class, VcAttachmentStrip, row);
  gtk_widget_class_install_action (widget_class, "attachment.move-left", "u", move_action);
  gtk_widget_class_install_action (widget_class, "attachment.move-right", "u", move_action);
  gtk_widget_class_install_action (widget_class, "attachment.remove", "u", remove_action);
  gtk_widget_class_install_action (widget_class, "attachment.insert", "u", insert_action);
}

static void
vc_attachment_strip_init (VcAttachmentStrip *self)
{
  self->attachments = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GdkTexture *
vc_attachment_texture (VcAttachment *attachment)
{
  GdkTexture *texture;

  g_return_val_if_fail (VC_IS_ATTACHMENT (attachment), NULL);

  texture = g_object_get_data (G_OBJECT (attachment), "vc-texture");
  if (texture == NULL)
    {
      texture = gdk_texture_new_for_pixbuf (vc_attachment_get_thumbnail (attachment));
      g_object_set_data_full (G_OBJECT (attachment), "vc-texture", texture, g_object_unref);
    }
  return texture;
}
