/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The words an answer is writing right now. A GtkLabel whose text changes
 * lays it out again for every size GTK asks it about: its minimum and
 * natural width, its height for the list's width, then its own layout for
 * drawing; GTK 4.8 with Pango 1.50 shapes the whole text each time (no
 * cache of shaped runs across widths). While an answer streams that is
 * the last piece of its last paragraph, up to 1,500 bytes, every frame:
 * tools/ui-bench found Pango and HarfBuzz taking half of the main
 * thread's time while it streamed.
 *
 * This widget shapes its text once per change: it asks no width of its
 * own (the transcript gives every message its whole width), its height
 * for a width comes from the one layout it keeps, which is also the one
 * it draws. It cannot be selected: once the answer is complete,
 * VcMarkdownView shows selectable labels in its place.
 */
#define G_LOG_DOMAIN "vc-streaming-text"

#include "config.h"

#include "vc-streaming-text.h"

struct _VcStreamingText
{
  GtkWidget    parent_instance;
  char        *text;           /* as set: markup or plain */
  gboolean     markup;
  PangoLayout *layout;         /* the text, at layout_width; NULL until set */
  int          layout_width;   /* Pango units, -1 for none */
  guint        context_serial; /* of the widget's Pango context when made */
};

G_DEFINE_FINAL_TYPE (VcStreamingText, vc_streaming_text, GTK_TYPE_WIDGET)

/* The layout, made once; brought up to date when the theme changed the
 * font or scale of the widget's Pango context. */
static PangoLayout *
ensure_layout (VcStreamingText *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));

  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_wrap (self->layout, PANGO_WRAP_WORD_CHAR);
      self->context_serial = pango_context_get_serial (context);
      self->layout_width = -1;
    }
  else if (pango_context_get_serial (context) != self->context_serial)
    {
      pango_layout_context_changed (self->layout);
      self->context_serial = pango_context_get_serial (context);
    }
  return self->layout;
}

/* The width, in pixels, the text was last laid out at (-1: unwrapped). */
static int
laid_out_width (VcStreamingText *self)
{
  return self->layout_width >= 0 ? self->layout_width / PANGO_SCALE : -1;
}

/* The layout of the text at @width pixels (-1: unwrapped), laid out
 * again only when the text, the width or the font changed. */
static PangoLayout *
layout_at (VcStreamingText *self,
           int              width)
{
  int pango_width = width < 0 ? -1 : width * PANGO_SCALE;

  ensure_layout (self);
  if (pango_width != self->layout_width)
    {
      pango_layout_set_width (self->layout, pango_width);
      self->layout_width = pango_width;
    }
  return self->layout;
}

static void
vc_streaming_text_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  VcStreamingText *self = VC_STREAMING_TEXT (widget);
  int height;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      PangoRectangle logical;

      /* No minimum of its own: its parent's width decides, and wraps it.
       * As natural width, the widest line as it is laid out now (the
       * whole text unwrapped before it has a width), which costs no new
       * layout; it is not kept up to date as words come in, which only a
       * parent that shares out width by natural size would notice. */
      pango_layout_get_pixel_extents (layout_at (self, laid_out_width (self)), NULL, &logical);
      *minimum = 0;
      *natural = logical.width;
      return;
    }
  /* Asked for a height without a width: at the width it was last laid
   * out for (unwrapped the first time), rather than lay it out again. */
  if (for_size < 0)
    for_size = laid_out_width (self);
  pango_layout_get_pixel_size (layout_at (self, for_size), NULL, &height);
  *minimum = *natural = height;
}

static GtkSizeRequestMode
vc_streaming_text_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
vc_streaming_text_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  VcStreamingText *self = VC_STREAMING_TEXT (widget);
  GdkRGBA color;

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, &color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
#endif
  gtk_snapshot_append_layout (snapshot, layout_at (self, gtk_widget_get_width (widget)), &color);
}

static void
vc_streaming_text_finalize (GObject *object)
{
  VcStreamingText *self = VC_STREAMING_TEXT (object);

  g_clear_object (&self->layout);
  g_free (self->text);
  G_OBJECT_CLASS (vc_streaming_text_parent_class)->finalize (object);
}

static void
vc_streaming_text_class_init (VcStreamingTextClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = vc_streaming_text_finalize;
  widget_class->measure = vc_streaming_text_measure;
  widget_class->get_request_mode = vc_streaming_text_get_request_mode;
  widget_class->snapshot = vc_streaming_text_snapshot;
  /* Styled as the labels it stands in for (fonts of headings and all). */
  gtk_widget_class_set_css_name (widget_class, "label");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
vc_streaming_text_init (VcStreamingText *self)
{
  self->layout_width = -1;
}

GtkWidget *
vc_streaming_text_new (void)
{
  return g_object_new (VC_TYPE_STREAMING_TEXT, NULL);
}

void
vc_streaming_text_set (VcStreamingText *self,
                       const char      *text,
                       gboolean         markup)
{
  PangoLayout *layout;
  int before = -1, after = -2;

  g_return_if_fail (VC_IS_STREAMING_TEXT (self));

  if (markup == self->markup && g_strcmp0 (text, self->text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  self->markup = markup;

  /* The new words go into the same layout, at the width it has. Laid out
   * before, most frames' words end on the line they started, and then only
   * a redraw is needed: a resize would also lay out every ancestor up to
   * the window (GTK 4.8 asks the X server for the monitor's work area, and
   * libadwaita's leaflet restyles its shadow, each time). */
  layout = ensure_layout (self);
  if (self->layout_width >= 0)
    pango_layout_get_pixel_size (layout, NULL, &before);
  if (markup)
    pango_layout_set_markup (layout, text ? text : "", -1);
  else
    {
      pango_layout_set_attributes (layout, NULL);
      pango_layout_set_text (layout, text ? text : "", -1);
    }
  /* What a screen reader reads: the words, without the markup (parsed
   * once, by the layout). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, pango_layout_get_text (layout),
                                  -1);
  if (before >= 0)
    pango_layout_get_pixel_size (layout, NULL, &after);
  if (after == before)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  else
    gtk_widget_queue_resize (GTK_WIDGET (self));
}

const char *
vc_streaming_text_get_text (VcStreamingText *self)
{
  g_return_val_if_fail (VC_IS_STREAMING_TEXT (self), NULL);
  return self->text;
}
