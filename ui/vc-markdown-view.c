/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-markdown-view"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "vc-markdown-view.h"
#include "vc-markdown.h"
#include "vc-streaming-text.h"
#include "vc-tooltip.h"

/* What a code block's copy button copies: kept on the button, so that a
 * block that grows while it streams is updated in place. */
#define CODE_KEY "vc-code"

struct _VcMarkdownView
{
  GtkBox     parent_instance;
  GPtrArray *shown;       /* VcBlock: what each child shows, in order */
  gboolean   markdown;
  gboolean   streaming;   /* the last words are still being written */
  guint      settle_id;   /* turns streaming text into labels, a piece per idle */
};

G_DEFINE_FINAL_TYPE (VcMarkdownView, vc_markdown_view, GTK_TYPE_BOX)

static void
copy_code (GtkButton *button)
{
  const char *code = g_object_get_data (G_OBJECT (button), CODE_KEY);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), code ? code : "");
}

GtkWidget *
vc_wrapping_label_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  /* A wrapping label's minimum width is its text laid out that narrow:
   * at the default (none) GTK 4.8 breaks it after every character, a line
   * each: 12 ms for 2 KB, where ten characters take 2.4 ms (and each row
   * of the transcript is measured when it is bound). */
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  return label;
}

/* The markup a label block shows. */
static char *
label_markup (const VcBlock *block)
{
  if (block->kind == VC_BLOCK_LIST_ITEM)
    return g_strdup_printf ("%s  %s", block->marker ? block->marker : "", block->markup ? block->markup : "");
  return g_strdup (block->markup ? block->markup : "");
}

/* A code block: monospace text as written, and a button that copies it. */
static GtkWidget *
code_block (const VcBlock *block)
{
  GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *language = gtk_label_new (block->language && *block->language ? block->language : NULL);
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *code = vc_wrapping_label_new (NULL);

  gtk_widget_add_css_class (frame, "card");
  gtk_widget_set_hexpand (language, TRUE);
  gtk_label_set_xalign (GTK_LABEL (language), 0);
  gtk_widget_add_css_class (language, "dim-label");
  gtk_widget_add_css_class (copy, "flat");
  vc_widget_set_tooltip (copy, _("Copy Code"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Copy Code"), -1);
  g_object_set_data_full (G_OBJECT (copy), CODE_KEY, g_strdup (block->code), g_free);
  g_signal_connect (copy, "clicked", G_CALLBACK (copy_code), NULL);
  gtk_label_set_text (GTK_LABEL (code), block->code);
  gtk_widget_add_css_class (code, "monospace");
  gtk_label_set_wrap (GTK_LABEL (code), FALSE);
  gtk_widget_set_margin_start (code, 12);
  gtk_widget_set_margin_end (code, 12);
  gtk_widget_set_margin_bottom (code, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_box_append (GTK_BOX (header), language);
  gtk_box_append (GTK_BOX (header), copy);
  gtk_box_append (GTK_BOX (frame), header);
  {
    /* Long lines scroll across rather than widen the transcript. */
    GtkWidget *scroller = gtk_scrolled_window_new ();

    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
    gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), code);
    gtk_box_append (GTK_BOX (frame), scroller);
  }
  return frame;
}

/* Longer label blocks are shown as several labels of about this many
 * bytes. Pango lays a label out whole whenever its text changes (and GTK
 * measures it more than once a frame), so a paragraph growing while it
 * streams would cost more every frame, tens of milliseconds past a few
 * kilobytes (tools/ui-bench); cut, only its last piece changes. The cut
 * shows as a line break, so it is made where a sentence ends: the first
 * end of a sentence past PIECE_BYTES, or, in a run-on text with none by
 * twice that, the last space, or in a text without spaces there (random
 * tokens of a test model: 9 KB came in one piece), between characters. */
#define PIECE_BYTES 1500

/* Whether the space at @p ends a sentence: after ".", "!", "?" or "…",
 * closing quotes and brackets aside (as Pango markup writes them). */
static gboolean
ends_sentence (const char *start,
               const char *p)
{
  static const char *const closers[] = { "&quot;", "&apos;", "&#39;", "\xe2\x80\x9d", "\xe2\x80\x99", ")", "]" };

  for (gboolean again = TRUE; again;)
    {
      again = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (closers); i++)
        {
          gsize length = strlen (closers[i]);

          if ((gsize) (p - start) > length && strncmp (p - length, closers[i], length) == 0)
            {
              p -= length;
              again = TRUE;
            }
        }
    }
  if (p - start >= 3 && strncmp (p - 3, "\xe2\x80\xa6", 3) == 0)
    return TRUE;
  return p > start && strchr (".!?", p[-1]) != NULL;
}

/* The three bytes of each full stop, exclamation or question mark of
 * Chinese or Japanese text, which no space follows ("。", "！", "？"). */
#define WIDE_MARK_BYTES 3

/* Whether @p starts one of those. */
static gboolean
starts_wide_sentence_end (const char *p)
{
  static const char *const marks[] = { "\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f" };

  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    if (strncmp (p, marks[i], WIDE_MARK_BYTES) == 0)
      return TRUE;
  return FALSE;
}

/* Whether a character starts at @p that does not join the one before it
 * (a combining mark, a variation selector, or anything after a zero-width
 * joiner would be torn from its base by a cut there). */
static gboolean
starts_cluster (const char *start,
                const char *p)
{
  gunichar c, before;

  if (((guchar) *p & 0xc0) == 0x80 || p == start)
    return FALSE;
  c = g_utf8_get_char (p);
  before = g_utf8_get_char (g_utf8_prev_char (p));
  return !g_unichar_ismark (c) && c != 0x200d && !(c >= 0xfe00 && c <= 0xfe0f) && before != 0x200d;
}

/* @markup in pieces (char *): each ends where a sentence does (its space
 * left out), or failing that before a space, outside any markup element. */
static GPtrArray *
split_markup (const char *markup)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *start = markup, *space = NULL;
  gboolean in_tag = FALSE, in_entity = FALSE;
  int depth = 0;

  for (const char *p = markup; *p != '\0'; p++)
    {
      const char *end = NULL, *next = NULL;

      if (in_tag)
        {
          if (*p == '>')
            {
              in_tag = FALSE;
              /* "</b>" closes, "<b>" opens, "<br/>" does neither. */
              if (p[-1] == '/')
                depth--;
            }
          continue;
        }
      if (in_entity)
        {
          in_entity = *p != ';';
          continue;
        }
      if (*p == '<')
        {
          in_tag = TRUE;
          depth += p[1] == '/' ? -1 : 1;
          continue;
        }
      if (*p == '&')
        {
          in_entity = TRUE;
          continue;
        }
      if (depth != 0)
        continue;
      if (*p == ' ')
        space = p;
      if (p - start >= PIECE_BYTES)
        {
          if (*p == ' ' && ends_sentence (start, p))
            end = p, next = p + 1;
          else if (starts_wide_sentence_end (p))
            end = next = p + WIDE_MARK_BYTES;
          else if (p - start >= 2 * PIECE_BYTES && space != NULL && space > start)
            end = space, next = space + 1;
          else if (p - start >= 2 * PIECE_BYTES && starts_cluster (start, p))
            end = next = p;
        }
      if (end != NULL)
        {
          g_ptr_array_add (pieces, g_strndup (start, end - start));
          start = next;
          space = NULL;
          p = next - 1;
        }
    }
  g_ptr_array_add (pieces, g_strdup (start));
  return pieces;
}

static void
set_label_text (GtkWidget  *label,
                const char *text,
                gboolean    markdown)
{
  if (VC_IS_STREAMING_TEXT (label))
    {
      vc_streaming_text_set (VC_STREAMING_TEXT (label), text, markdown);
      return;
    }
  if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), text) == 0)
    return;
  if (markdown)
    gtk_label_set_markup (GTK_LABEL (label), text);
  else
    gtk_label_set_text (GTK_LABEL (label), text);
}

/* The style a label block's kind gives each of its labels. */
static void
style_label (GtkWidget     *label,
             const VcBlock *block)
{
  if (block->kind == VC_BLOCK_HEADING)
    gtk_widget_add_css_class (label, block->level <= 1 ? "title-2" : block->level == 2 ? "title-3" : "title-4");
  else if (block->kind == VC_BLOCK_QUOTE)
    gtk_widget_add_css_class (label, "dim-label");
  else if (block->kind == VC_BLOCK_TABLE_ROW && block->level > 0)
    gtk_widget_add_css_class (label, "heading");
}

/* A label block: one label, or a column of them for a long one. */
static GtkWidget *
label_block (const VcBlock *block,
             gboolean       markdown)
{
  g_autofree char *markup = label_markup (block);
  g_autoptr(GPtrArray) pieces = markdown ? split_markup (markup) : NULL;
  GtkWidget *widget;

  if (pieces == NULL || pieces->len == 1)
    {
      widget = vc_wrapping_label_new (NULL);
      set_label_text (widget, markup, markdown);
      style_label (widget, block);
    }
  else
    {
      widget = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      for (guint i = 0; i < pieces->len; i++)
        {
          GtkWidget *label = vc_wrapping_label_new (NULL);

          set_label_text (label, pieces->pdata[i], TRUE);
          style_label (label, block);
          gtk_box_append (GTK_BOX (widget), label);
        }
    }
  if (block->kind == VC_BLOCK_LIST_ITEM || block->kind == VC_BLOCK_QUOTE)
    gtk_widget_set_margin_start (widget, 18 * block->level);
  return widget;
}

/* A long label block's column made to show @markup's pieces: the pieces
 * that did not change keep their labels. */
static gboolean
update_pieces (GtkWidget     *column,
               const VcBlock *block,
               const char    *markup)
{
  g_autoptr(GPtrArray) pieces = split_markup (markup);
  GtkWidget *child = gtk_widget_get_first_child (column);

  for (guint i = 0; i < pieces->len; i++)
    {
      if (child == NULL)
        {
          child = vc_wrapping_label_new (NULL);
          style_label (child, block);
          gtk_box_append (GTK_BOX (column), child);
        }
      set_label_text (child, pieces->pdata[i], TRUE);
      child = gtk_widget_get_next_sibling (child);
    }
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      gtk_box_remove (GTK_BOX (column), child);
      child = next;
    }
  return TRUE;
}

static GtkWidget *
block_widget (const VcBlock *block,
              gboolean       markdown)
{
  if (block->kind == VC_BLOCK_CODE)
    return code_block (block);
  if (block->kind == VC_BLOCK_RULE)
    return gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
  return label_block (block, markdown);
}

static gboolean
same_block (const VcBlock *a,
            const VcBlock *b)
{
  return a->kind == b->kind && a->level == b->level && g_strcmp0 (a->marker, b->marker) == 0 &&
         g_strcmp0 (a->markup, b->markup) == 0 && g_strcmp0 (a->code, b->code) == 0 &&
         g_strcmp0 (a->language, b->language) == 0;
}

/* The label of a code block's frame (inside its scroller and viewport). */
static GtkWidget *
code_label (GtkWidget *frame)
{
  GtkWidget *scroller = gtk_widget_get_last_child (frame);

  return gtk_viewport_get_child (GTK_VIEWPORT (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller))));
}

/* @widget shows @old; made to show @now if only its words differ. */
static gboolean
update_in_place (GtkWidget     *widget,
                 const VcBlock *old,
                 const VcBlock *now,
                 gboolean       markdown)
{
  if (old->kind != now->kind || old->level != now->level || g_strcmp0 (old->marker, now->marker) != 0 ||
      now->kind == VC_BLOCK_RULE)
    return FALSE;
  if (now->kind == VC_BLOCK_CODE)
    {
      GtkWidget *header = gtk_widget_get_first_child (widget);
      GtkWidget *copy = gtk_widget_get_last_child (header);

      if (g_strcmp0 (old->language, now->language) != 0)
        return FALSE;
      g_object_set_data_full (G_OBJECT (copy), CODE_KEY, g_strdup (now->code), g_free);
      gtk_label_set_text (GTK_LABEL (code_label (widget)), now->code);
      return TRUE;
    }
  {
    g_autofree char *markup = label_markup (now);

    if (GTK_IS_BOX (widget))
      return markdown && update_pieces (widget, now, markup);
    /* Grown past one piece: made again, as a column. */
    if (markdown && strlen (markup) > PIECE_BYTES)
      {
        g_autoptr(GPtrArray) pieces = split_markup (markup);

        if (pieces->len > 1)
          return FALSE;
      }
    set_label_text (widget, markup, markdown);
  }
  return TRUE;
}

/* @text (a label or a VcStreamingText in @box) replaced by the other
 * kind, showing the same words with the same style. */
static void
swap_text_widget (GtkWidget     *box,
                  GtkWidget     *text,
                  const VcBlock *block,
                  gboolean       markdown)
{
  gboolean to_streaming = GTK_IS_LABEL (text);
  GtkWidget *other = to_streaming ? vc_streaming_text_new () : vc_wrapping_label_new (NULL);
  const char *words = to_streaming ? gtk_label_get_label (GTK_LABEL (text))
                                   : vc_streaming_text_get_text (VC_STREAMING_TEXT (text));

  set_label_text (other, words, markdown);
  style_label (other, block);
  gtk_widget_set_margin_start (other, gtk_widget_get_margin_start (text));
  gtk_box_insert_child_after (GTK_BOX (box), other, text);
  gtk_box_remove (GTK_BOX (box), text);
}

/* Swaps text widgets of the wrong kind: while an answer streams, its
 * new pieces of text are VcStreamingTexts, cheap to lay out every frame,
 * and they stay so until it is complete (making a label of a finished
 * 1,500-byte piece cost ~10 ms of measuring in the middle of a frame);
 * then, and in every answer shown complete, selectable labels. With
 * @max_labels, at most that many become labels (the rest wait for the
 * next idle). Returns whether any is left to become one. */
static gboolean
settle_streaming_text (VcMarkdownView *self,
                       guint           max_labels)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));
  guint made = 0;

  for (guint i = 0; child != NULL && i < self->shown->len; i++)
    {
      const VcBlock *block = self->shown->pdata[i];
      GtkWidget *next = gtk_widget_get_next_sibling (child);
      gboolean column = GTK_IS_BOX (child);

      if (block->kind == VC_BLOCK_CODE || block->kind == VC_BLOCK_RULE)
        {
          child = next;
          continue;
        }
      /* A long block is a column of pieces; a short one, its text. */
      for (GtkWidget *piece = column ? gtk_widget_get_first_child (child) : child, *after; piece != NULL; piece = after)
        {
          after = column ? gtk_widget_get_next_sibling (piece) : NULL;
          if (GTK_IS_LABEL (piece) && self->streaming)
            swap_text_widget (column ? child : GTK_WIDGET (self), piece, block, self->markdown);
          else if (VC_IS_STREAMING_TEXT (piece) && !self->streaming)
            {
              if (made == max_labels)
                return TRUE;
              swap_text_widget (column ? child : GTK_WIDGET (self), piece, block, self->markdown);
              made++;
            }
        }
      child = next;
    }
  return FALSE;
}

static gboolean
settle_in_idle (gpointer data)
{
  VcMarkdownView *self = data;

  if (settle_streaming_text (self, 1))
    return G_SOURCE_CONTINUE;
  self->settle_id = 0;
  return G_SOURCE_REMOVE;
}

void
vc_markdown_view_set_streaming (VcMarkdownView *self,
                                gboolean        streaming)
{
  g_return_if_fail (VC_IS_MARKDOWN_VIEW (self));

  self->streaming = streaming;
  /* A completed answer's pieces become labels one per idle, after the
   * frames that show it complete. */
  if (!streaming && self->settle_id == 0 && settle_streaming_text (self, 0))
    self->settle_id = g_idle_add_full (G_PRIORITY_LOW, settle_in_idle, self, NULL);
  if (streaming)
    settle_streaming_text (self, G_MAXUINT);
}

gboolean
vc_markdown_view_is_settled (VcMarkdownView *self)
{
  g_return_val_if_fail (VC_IS_MARKDOWN_VIEW (self), TRUE);
  return self->settle_id == 0;
}

void
vc_markdown_view_set_text (VcMarkdownView *self,
                           const char     *text,
                           gboolean        markdown)
{
  g_autoptr(GPtrArray) blocks = NULL;
  GtkWidget *child;
  guint same = 0;

  g_return_if_fail (VC_IS_MARKDOWN_VIEW (self));

  if (markdown)
    blocks = vc_markdown_to_blocks (text ? text : "", -1);
  else
    {
      /* Plain text as one block, so that it follows the same path. */
      VcBlock *block = g_new0 (VcBlock, 1);

      block->kind = VC_BLOCK_PARAGRAPH;
      block->markup = g_strdup (text ? text : "");
      blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_block_free);
      g_ptr_array_add (blocks, block);
    }
  if (markdown != self->markdown)
    g_ptr_array_set_size (self->shown, 0);
  self->markdown = markdown;
  if (self->shown->len == 0)
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
      gtk_box_remove (GTK_BOX (self), child);

  /* The blocks that did not change keep their widgets. */
  child = gtk_widget_get_first_child (GTK_WIDGET (self));
  while (same < self->shown->len && same < blocks->len && same_block (self->shown->pdata[same], blocks->pdata[same]))
    {
      same++;
      child = gtk_widget_get_next_sibling (child);
    }
  /* The first that did may only have grown. */
  if (same < self->shown->len && same < blocks->len &&
      update_in_place (child, self->shown->pdata[same], blocks->pdata[same], markdown))
    {
      same++;
      child = gtk_widget_get_next_sibling (child);
    }
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      gtk_box_remove (GTK_BOX (self), child);
      child = next;
    }
  for (guint i = same; i < blocks->len; i++)
    gtk_box_append (GTK_BOX (self), block_widget (blocks->pdata[i], markdown));
  g_ptr_array_unref (self->shown);
  self->shown = g_steal_pointer (&blocks);
  /* New blocks are labels: while streaming they become streaming text at
   * once, before anything measures them. */
  if (self->streaming)
    settle_streaming_text (self, G_MAXUINT);
}

static void
vc_markdown_view_dispose (GObject *object)
{
  /* Nothing left to settle once the children are going. */
  g_clear_handle_id (&VC_MARKDOWN_VIEW (object)->settle_id, g_source_remove);
  G_OBJECT_CLASS (vc_markdown_view_parent_class)->dispose (object);
}

static void
vc_markdown_view_finalize (GObject *object)
{
  g_ptr_array_unref (VC_MARKDOWN_VIEW (object)->shown);
  G_OBJECT_CLASS (vc_markdown_view_parent_class)->finalize (object);
}

static void
vc_markdown_view_class_init (VcMarkdownViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vc_markdown_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = vc_markdown_view_finalize;
}

static void
vc_markdown_view_init (VcMarkdownView *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 8);
  self->shown = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_block_free);
}

GtkWidget *
vc_markdown_view_new (void)
{
  return g_object_new (VC_TYPE_MARKDOWN_VIEW, NULL);
}
