/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Each time a scrolled window is allocated it asks its child for its
 * height at the window's width, to guess whether a vertical scrollbar is
 * needed. GTK 4.8's GtkGridView of one column answers by measuring its
 * rows at another width than the one it then gives them (296 pixels
 * instead of 649 in tools/ui-bench, as if for two columns): the answer
 * being written was laid out twice a frame, at both widths (main-loop
 * stalls of 17-21 ms, where the list view had none).
 *
 * This bin is the scrolled window's child instead. It hands the scrolled
 * window's adjustments and policies to the list, which scrolls as before;
 * asked for its height once the list has been laid out, it answers with
 * the extent the list gave the vertical adjustment then, which is what the
 * scrolled window's guess needs, and asks the list nothing.
 *
 * It also keeps the list at its end, while asked to, within the frame's
 * own allocation: the list knows the heights of the rows it has made only,
 * so the end it was sent to moves once the last rows are made and
 * measured. Sent there again before anything is drawn (a few times at
 * most), an opened conversation's first frame shows its end; from the
 * frame clock's tick, its first frame showed its first message and the end
 * came two frames later. Scrolled up in between (wheel, scroll bar, keys),
 * it stops: the user reads something above, and it stays where they put it.
 */
#define G_LOG_DOMAIN "vc-scrollable-bin"

#include "config.h"

#include <math.h>

#include "vc-scrollable-bin.h"

struct _VcScrollableBin
{
  GtkWidget            parent_instance;

  GtkWidget           *child;
  GtkAdjustment       *adjustments[2];   /* horizontal, vertical */
  GtkScrollablePolicy  policies[2];
  gboolean             at_end;
  double               left_at;          /* the position it left, or -1 */
};

/* How many times an allocation sends the list to its end again. */
#define MAX_END_ALLOCATIONS 4

static gboolean
at_end (GtkAdjustment *adjustment)
{
  return gtk_adjustment_get_value (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 0.5;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (VcScrollableBin, vc_scrollable_bin, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

enum {
  PROP_0,
  PROP_CHILD,
  PROP_HADJUSTMENT,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
  N_PROPS
};

static GParamSpec *child_property;

/* What the scrolled window set on the bin, set on the list. */
static void
pass_scrolling_on (VcScrollableBin *self)
{
  if (!GTK_IS_SCROLLABLE (self->child))
    return;
  g_object_set (self->child,
                "hadjustment", self->adjustments[GTK_ORIENTATION_HORIZONTAL],
                "vadjustment", self->adjustments[GTK_ORIENTATION_VERTICAL],
                "hscroll-policy", self->policies[GTK_ORIENTATION_HORIZONTAL],
                "vscroll-policy", self->policies[GTK_ORIENTATION_VERTICAL],
                NULL);
}

void
vc_scrollable_bin_set_child (VcScrollableBin *self,
                             GtkWidget       *child)
{
  g_return_if_fail (VC_IS_SCROLLABLE_BIN (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  if (child == self->child)
    return;
  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
      pass_scrolling_on (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), child_property);
}

GtkWidget *
vc_scrollable_bin_get_child (VcScrollableBin *self)
{
  g_return_val_if_fail (VC_IS_SCROLLABLE_BIN (self), NULL);

  return self->child;
}

static void
vc_scrollable_bin_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  VcScrollableBin *self = VC_SCROLLABLE_BIN (widget);
  GtkAdjustment *vertical = self->adjustments[GTK_ORIENTATION_VERTICAL];

  *minimum = *natural = 0;
  if (self->child == NULL || !gtk_widget_get_visible (self->child))
    return;
  /* The height: what the list made of its rows when it was last laid out
   * (the adjustment's extent), once it has been. */
  if (orientation == GTK_ORIENTATION_VERTICAL && vertical != NULL && gtk_adjustment_get_upper (vertical) > 0)
    {
      *minimum = *natural = (int) ceil (gtk_adjustment_get_upper (vertical) - gtk_adjustment_get_lower (vertical));
      return;
    }
  gtk_widget_measure (self->child, orientation, for_size, minimum, natural, NULL, NULL);
}

static GtkSizeRequestMode
vc_scrollable_bin_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
vc_scrollable_bin_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  VcScrollableBin *self = VC_SCROLLABLE_BIN (widget);
  GtkAdjustment *vertical = self->adjustments[GTK_ORIENTATION_VERTICAL];

  if (self->child == NULL || !gtk_widget_get_visible (self->child))
    return;
  gtk_widget_allocate (self->child, width, height, baseline, NULL);
  if (!self->at_end || vertical == NULL)
    return;
  /* Above where it was left, and not at the end (rows measured anew move
   * the end and the position with it): scrolled up by the user. */
  if (self->left_at >= 0 && gtk_adjustment_get_value (vertical) < self->left_at - 0.5 && !at_end (vertical))
    {
      self->at_end = FALSE;
      return;
    }
  for (guint i = 0; i < MAX_END_ALLOCATIONS && gtk_adjustment_get_upper (vertical) > 0 && !at_end (vertical); i++)
    {
      gtk_adjustment_set_value (vertical, gtk_adjustment_get_upper (vertical) - gtk_adjustment_get_page_size (vertical));
      gtk_widget_allocate (self->child, width, height, baseline, NULL);
    }
  self->left_at = gtk_adjustment_get_value (vertical);
}

void
vc_scrollable_bin_set_at_end (VcScrollableBin *self,
                              gboolean         keep_at_end)
{
  g_return_if_fail (VC_IS_SCROLLABLE_BIN (self));

  /* Asked again while the answer streams: nothing to lay out for that. */
  if (self->at_end == keep_at_end)
    return;
  self->at_end = keep_at_end;
  self->left_at = -1;
  if (keep_at_end && self->child != NULL)
    gtk_widget_queue_allocate (GTK_WIDGET (self));
}

gboolean
vc_scrollable_bin_get_at_end (VcScrollableBin *self)
{
  g_return_val_if_fail (VC_IS_SCROLLABLE_BIN (self), FALSE);
  return self->at_end;
}

static void
vc_scrollable_bin_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  VcScrollableBin *self = VC_SCROLLABLE_BIN (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      g_value_set_object (value, self->child);
      break;
    case PROP_HADJUSTMENT:
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->adjustments[prop_id - PROP_HADJUSTMENT]);
      break;
    case PROP_HSCROLL_POLICY:
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->policies[prop_id - PROP_HSCROLL_POLICY]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_scrollable_bin_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  VcScrollableBin *self = VC_SCROLLABLE_BIN (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      vc_scrollable_bin_set_child (self, g_value_get_object (value));
      break;
    case PROP_HADJUSTMENT:
    case PROP_VADJUSTMENT:
      g_set_object (&self->adjustments[prop_id - PROP_HADJUSTMENT], g_value_get_object (value));
      pass_scrolling_on (self);
      break;
    case PROP_HSCROLL_POLICY:
    case PROP_VSCROLL_POLICY:
      self->policies[prop_id - PROP_HSCROLL_POLICY] = g_value_get_enum (value);
      pass_scrolling_on (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_scrollable_bin_dispose (GObject *object)
{
  VcScrollableBin *self = VC_SCROLLABLE_BIN (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);
  g_clear_object (&self->adjustments[GTK_ORIENTATION_HORIZONTAL]);
  g_clear_object (&self->adjustments[GTK_ORIENTATION_VERTICAL]);
  G_OBJECT_CLASS (vc_scrollable_bin_parent_class)->dispose (object);
}

static void
vc_scrollable_bin_class_init (VcScrollableBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = vc_scrollable_bin_get_property;
  object_class->set_property = vc_scrollable_bin_set_property;
  object_class->dispose = vc_scrollable_bin_dispose;
  widget_class->measure = vc_scrollable_bin_measure;
  widget_class->get_request_mode = vc_scrollable_bin_get_request_mode;
  widget_class->size_allocate = vc_scrollable_bin_size_allocate;

  child_property = g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (object_class, PROP_CHILD, child_property);
  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GENERIC);
}

static void
vc_scrollable_bin_init (VcScrollableBin *self)
{
}

GtkWidget *
vc_scrollable_bin_new (void)
{
  return g_object_new (VC_TYPE_SCROLLABLE_BIN, NULL);
}
