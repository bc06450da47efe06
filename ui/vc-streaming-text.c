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
 * This widget asks no width of its own (the transcript gives every
 * message its whole width) and keeps its text in layouts that it also
 * draws. Lines that are complete are frozen: moved, a few at a time, into
 * layouts of their own that no later word changes, so that a change lays
 * out only the tail, the last line or so. Wrapping is the same as one
 * layout's: Pango breaks lines greedily, so a line depends on the text
 * before it only, and each frozen run begins where a line began. A new
 * width lays everything out again, once. It cannot be selected: once the
 * answer is complete, VcMarkdownView shows selectable labels in its place.
 */
#define G_LOG_DOMAIN "vc-streaming-text"

#include "config.h"

#include <string.h>

#include "vc-streaming-text.h"

/* The tail's lines but the last are frozen once it holds this much. */
#define TAIL_BYTES 240

/* A taller text asks for its new height at most this often. GTK 4.8 takes
 * every resize up to the window, which lays itself out again (2-3 ms a
 * time on the 2-core VM), and the transcript following the answer then
 * scrolls, so the whole of it is drawn again (as long again, with cairo);
 * at 500 tokens/s of English that was some 20 times a second. Words that
 * start a new line wait up to this long to be shown, clipped meanwhile. */
#define RESIZE_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* Pixels of ink drawn above its top, as accents may reach. */
#define INK_MARGIN 32

/* Complete lines of the text, laid out once. */
typedef struct {
  PangoLayout   *layout;
  int            height;     /* Pango units: lines are placed as one layout would */
  gsize          start, end; /* the bytes of plain it shows */
  gsize          next;       /* where the next lines start (after a separator) */
  PangoAttrList *attributes; /* plain's over those bytes, as laid out */
} FrozenLines;

struct _VcStreamingText
{
  GtkWidget      parent_instance;

  char          *text;           /* as set: markup or plain */
  gboolean       markup;
  char          *plain;          /* the words, markup parsed */
  gsize          plain_length;
  PangoAttrList *attributes;     /* of the words, or NULL */

  GArray        *frozen;         /* FrozenLines, in order */
  gsize          frozen_bytes;   /* of plain, in them */
  PangoLayout   *tail;           /* plain after them; NULL until set */
  int            layout_width;   /* Pango units, -1 for none */
  guint          context_serial; /* of the widget's Pango context when made */

  gsize          bytes_laid_out; /* vc_streaming_text_get_bytes_laid_out() */
  gint64         last_resize;    /* when it last asked for a new height */
  guint          resize_id;      /* a height asked for later */
};

G_DEFINE_FINAL_TYPE (VcStreamingText, vc_streaming_text, GTK_TYPE_WIDGET)

static void
frozen_lines_clear (FrozenLines *lines)
{
  g_clear_object (&lines->layout);
  g_clear_pointer (&lines->attributes, pango_attr_list_unref);
}

static gboolean
is_empty (PangoAttribute *attribute,
          gpointer        user_data)
{
  return attribute->start_index >= attribute->end_index;
}

/* @attributes (may be NULL) over bytes @start to @end of a text of
 * @length bytes, moved to begin at 0. */
static PangoAttrList *
slice_attributes (PangoAttrList *attributes,
                  gsize          start,
                  gsize          end,
                  gsize          length)
{
  PangoAttrList *slice = attributes ? pango_attr_list_copy (attributes) : pango_attr_list_new ();
  PangoAttrList *empty;

  if (end < length)
    pango_attr_list_update (slice, end, length - end, 0);
  if (start > 0)
    pango_attr_list_update (slice, 0, start, 0);
  /* Pango 1.50 shortens an attribute that ends with the text and lies in
   * the bytes cut off to nothing, rather than remove it. */
  if ((empty = pango_attr_list_filter (slice, is_empty, NULL)) != NULL)
    pango_attr_list_unref (empty);
  return slice;
}

/* Bytes @start to @end of plain laid out; the attributes it got in
 * @attributes_out, where not NULL. */
static PangoLayout *
new_layout (VcStreamingText  *self,
            gsize             start,
            gsize             end,
            PangoAttrList   **attributes_out)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  g_autoptr(PangoAttrList) attributes = slice_attributes (self->attributes, start, end, self->plain_length);

  if (attributes_out != NULL)
    *attributes_out = pango_attr_list_ref (attributes);
  self->bytes_laid_out += end - start;
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (layout, self->layout_width);
  pango_layout_set_text (layout, self->plain + start, end - start);
  pango_layout_set_attributes (layout, attributes);
  return layout;
}

/* Everything in the tail again, to be laid out (at a new width or in a new
 * font, or because a frozen word changed). */
static void
thaw (VcStreamingText *self)
{
  g_array_set_size (self->frozen, 0);
  self->frozen_bytes = 0;
  g_clear_object (&self->tail);
}

/* The tail, laid out at the width; a long one's complete lines frozen. */
static PangoLayout *
ensure_tail (VcStreamingText *self)
{
  gsize length = self->plain_length;

  if (self->tail == NULL)
    self->tail = new_layout (self, self->frozen_bytes, length, NULL);
  if (length - self->frozen_bytes > TAIL_BYTES && pango_layout_get_line_count (self->tail) > 1)
    {
      g_autoptr(GPtrArray) all = g_ptr_array_new ();
      gsize base = self->frozen_bytes;

      for (GSList *l = pango_layout_get_lines_readonly (self->tail); l != NULL; l = l->next)
        g_ptr_array_add (all, l->data);
      /* The lines before the last are laid out again on their own (no
       * PangoLayout shows part of its lines), once, a few at a time (at
       * least TAIL_BYTES), so that a change far back thaws the lines from
       * there only; each run without the paragraph separator that may end
       * it, which would add an empty line. */
      for (guint first = 0; first + 1 < all->len;)
        {
          PangoLayoutLine *start = all->pdata[first], *last = start;
          guint n = first;
          FrozenLines lines;

          while (n + 2 < all->len && last->start_index + last->length - start->start_index < TAIL_BYTES)
            last = all->pdata[++n];
          lines.start = base + start->start_index;
          lines.end = base + last->start_index + last->length;
          lines.next = base + ((PangoLayoutLine *) all->pdata[n + 1])->start_index;
          lines.layout = new_layout (self, lines.start, lines.end, &lines.attributes);
          pango_layout_get_size (lines.layout, NULL, &lines.height);
          g_array_append_val (self->frozen, lines);
          self->frozen_bytes = lines.next;
          first = n + 1;
        }
      g_object_unref (self->tail);
      self->tail = new_layout (self, self->frozen_bytes, length, NULL);
    }
  return self->tail;
}

/* The text laid out at @width pixels (-1: unwrapped); laid out again only
 * where the text, the width or the font changed. */
static void
lay_out_at (VcStreamingText *self,
            int              width)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  int pango_width = width < 0 ? -1 : width * PANGO_SCALE;

  if (pango_width != self->layout_width || pango_context_get_serial (context) != self->context_serial)
    {
      thaw (self);
      self->layout_width = pango_width;
      self->context_serial = pango_context_get_serial (context);
    }
  ensure_tail (self);
}

/* The width, in pixels, the text was last laid out at (-1: unwrapped). */
static int
laid_out_width (VcStreamingText *self)
{
  return self->layout_width >= 0 ? self->layout_width / PANGO_SCALE : -1;
}

/* In pixels, rounded up as a layout of all the lines would be. */
static int
height_of (VcStreamingText *self)
{
  int height = 0, tail_height;

  for (guint i = 0; i < self->frozen->len; i++)
    height += g_array_index (self->frozen, FrozenLines, i).height;
  pango_layout_get_size (self->tail, NULL, &tail_height);
  return PANGO_PIXELS_CEIL (height + tail_height);
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

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int widest;

      /* No minimum of its own: its parent's width decides, and wraps it.
       * As natural width, the widest line as it is laid out now (the
       * whole text unwrapped before it has a width), which costs no new
       * layout; it is not kept up to date as words come in, which only a
       * parent that shares out width by natural size would notice. */
      lay_out_at (self, laid_out_width (self));
      pango_layout_get_pixel_size (self->tail, &widest, NULL);
      for (guint i = 0; i < self->frozen->len; i++)
        {
          int width;

          pango_layout_get_pixel_size (g_array_index (self->frozen, FrozenLines, i).layout, &width, NULL);
          widest = MAX (widest, width);
        }
      *minimum = 0;
      *natural = widest;
      return;
    }
  /* Asked for a height without a width: at the width it was last laid
   * out for (unwrapped the first time), rather than lay it out again. */
  lay_out_at (self, for_size < 0 ? laid_out_width (self) : for_size);
  *minimum = *natural = height_of (self);
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
  int y = 0;   /* Pango units */

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, &color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
#endif
  lay_out_at (self, gtk_widget_get_width (widget));
  /* Lines below the height it was given wait, unseen, for the next; the
   * ink of glyphs may still reach past its other edges, as a label's does. */
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (-gtk_widget_get_width (widget), -INK_MARGIN,
                                                          3 * gtk_widget_get_width (widget),
                                                          gtk_widget_get_height (widget) + INK_MARGIN));
  for (guint i = 0; i < self->frozen->len; i++)
    {
      FrozenLines *lines = &g_array_index (self->frozen, FrozenLines, i);

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (float) y / PANGO_SCALE));
      gtk_snapshot_append_layout (snapshot, lines->layout, &color);
      gtk_snapshot_restore (snapshot);
      y += lines->height;
    }
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (float) y / PANGO_SCALE));
  gtk_snapshot_append_layout (snapshot, self->tail, &color);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);
}

static void
ask_for_height (VcStreamingText *self)
{
  self->last_resize = g_get_monotonic_time ();
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static gboolean
ask_for_height_later (gpointer data)
{
  VcStreamingText *self = data;

  self->resize_id = 0;
  ask_for_height (self);
  return G_SOURCE_REMOVE;
}

static void
vc_streaming_text_dispose (GObject *object)
{
  VcStreamingText *self = VC_STREAMING_TEXT (object);

  g_clear_handle_id (&self->resize_id, g_source_remove);
  G_OBJECT_CLASS (vc_streaming_text_parent_class)->dispose (object);
}

static void
vc_streaming_text_finalize (GObject *object)
{
  VcStreamingText *self = VC_STREAMING_TEXT (object);

  thaw (self);
  g_array_unref (self->frozen);
  g_clear_pointer (&self->attributes, pango_attr_list_unref);
  g_free (self->plain);
  g_free (self->text);
  G_OBJECT_CLASS (vc_streaming_text_parent_class)->finalize (object);
}

static void
vc_streaming_text_class_init (VcStreamingTextClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = vc_streaming_text_dispose;
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
  self->frozen = g_array_new (FALSE, FALSE, sizeof (FrozenLines));
  g_array_set_clear_func (self->frozen, (GDestroyNotify) frozen_lines_clear);
  self->plain = g_strdup ("");
  self->layout_width = -1;
}

GtkWidget *
vc_streaming_text_new (void)
{
  return g_object_new (VC_TYPE_STREAMING_TEXT, NULL);
}

/* Frozen lines that no longer show @plain with @attributes go back to
 * the tail, from the first that changed on: words are only ever added to
 * an answer, but a closing mark can turn earlier words bold, or show as
 * text what was markup. (Random text of a tiny model did so every few
 * frames, far back in paragraphs of kilobytes: laying out all of it again
 * took 20-50 ms.) */
static void
thaw_changed (VcStreamingText *self,
              const char      *plain,
              gsize            length,
              PangoAttrList   *attributes)
{
  guint kept = 0;

  for (; kept < self->frozen->len; kept++)
    {
      FrozenLines *lines = &g_array_index (self->frozen, FrozenLines, kept);
      g_autoptr(PangoAttrList) now = NULL;

      if (length < lines->next || memcmp (plain + lines->start, self->plain + lines->start, lines->next - lines->start) != 0)
        break;
      now = slice_attributes (attributes, lines->start, lines->end, length);
      if (!pango_attr_list_equal (now, lines->attributes))
        break;
    }
  if (kept == self->frozen->len)
    return;
  g_array_set_size (self->frozen, kept);
  self->frozen_bytes = kept > 0 ? g_array_index (self->frozen, FrozenLines, kept - 1).next : 0;
}

void
vc_streaming_text_set (VcStreamingText *self,
                       const char      *text,
                       gboolean         markup)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  PangoAttrList *attributes = NULL;
  int before = -1, after = -2;
  gsize length;

  g_return_if_fail (VC_IS_STREAMING_TEXT (self));

  if (text == NULL)
    text = "";
  if (markup == self->markup && g_strcmp0 (text, self->text) == 0)
    return;
  if (!markup || !pango_parse_markup (text, -1, 0, &attributes, &plain, NULL, &error))
    {
      if (error != NULL)
        g_warning ("Shown as plain text, not markup: %s", error->message);
      plain = g_strdup (text);
    }
  /* Measured before, most frames' words end on the line they started,
   * and then only a redraw is needed: a resize would also lay out every
   * ancestor up to the window (GTK 4.8 asks the X server for the monitor's
   * work area, and libadwaita's leaflet restyles its shadow, each time). */
  if (self->tail != NULL)
    before = height_of (self);
  length = strlen (plain);
  thaw_changed (self, plain, length, attributes);
  g_clear_object (&self->tail);
  g_free (self->text);
  self->text = g_strdup (text);
  self->markup = markup;
  g_free (self->plain);
  self->plain = g_steal_pointer (&plain);
  self->plain_length = length;
  g_clear_pointer (&self->attributes, pango_attr_list_unref);
  self->attributes = attributes;
  /* What a screen reader reads: the words, without the markup. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->plain, -1);
  if (before >= 0)
    {
      lay_out_at (self, laid_out_width (self));
      after = height_of (self);
    }
  if (after == before)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  else if (after < before || g_get_monotonic_time () - self->last_resize >= RESIZE_INTERVAL_US)
    {
      g_clear_handle_id (&self->resize_id, g_source_remove);
      ask_for_height (self);
    }
  else
    {
      /* Taller again soon after: the words that fit are drawn now. */
      gtk_widget_queue_draw (GTK_WIDGET (self));
      if (self->resize_id == 0)
        self->resize_id = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                              (RESIZE_INTERVAL_US - (g_get_monotonic_time () - self->last_resize)) / 1000 + 1,
                                              ask_for_height_later, self, NULL);
    }
}

const char *
vc_streaming_text_get_text (VcStreamingText *self)
{
  g_return_val_if_fail (VC_IS_STREAMING_TEXT (self), NULL);

  return self->text;
}

gsize
vc_streaming_text_get_tail_bytes (VcStreamingText *self)
{
  g_return_val_if_fail (VC_IS_STREAMING_TEXT (self), 0);

  return self->plain_length - self->frozen_bytes;
}

gsize
vc_streaming_text_get_bytes_laid_out (VcStreamingText *self)
{
  g_return_val_if_fail (VC_IS_STREAMING_TEXT (self), 0);

  return self->bytes_laid_out;
}
