/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transcript's Markdown rendering as an answer streams in: blocks
 * that did not change keep their widgets, a growing block is updated in
 * place, a long paragraph is cut into pieces of which only the last
 * changes, and nothing of the text is lost in the cutting. */
#include "config.h"

#include <string.h>

#include "vc-markdown-view.h"
#include "vc-streaming-text.h"

static GPtrArray *
children_of (GtkWidget *widget)
{
  GPtrArray *children = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    g_ptr_array_add (children, child);
  return children;
}

/* The words a label column shows, pieces joined by the spaces they were
 * cut at. */
static char *
column_text (GtkWidget *column)
{
  GString *text = g_string_new (NULL);

  for (GtkWidget *label = gtk_widget_get_first_child (column); label; label = gtk_widget_get_next_sibling (label))
    g_string_append_printf (text, "%s%s", text->len ? " " : "", gtk_label_get_text (GTK_LABEL (label)));
  return g_string_free (text, FALSE);
}

static void
test_streaming (void)
{
  GtkWidget *view = g_object_ref_sink (vc_markdown_view_new ());
  g_autoptr(GString) answer = g_string_new ("First paragraph, **bold** words.\n\n");
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  GtkWidget *first_piece;
  g_autofree char *shown = NULL;
  GString *long_words = g_string_new (NULL);

  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  before = children_of (view);
  g_assert_cmpuint (before->len, ==, 1);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (before->pdata[0])), ==, "First paragraph, bold words.");

  /* A second paragraph streams in word by word: the first keeps its
   * label, the second's label is the same one all along. */
  g_string_append (answer, "Second");
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&before, g_ptr_array_unref);
  before = children_of (view);
  g_assert_cmpuint (before->len, ==, 2);
  for (int i = 0; i < 700; i++)
    {
      g_string_append_printf (answer, " word%d", i);
      g_string_append_printf (long_words, " word%d", i);
      if (i == 20 || i == 699)
        vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
      if (i == 20)
        {
          after = children_of (view);
          g_assert_true (after->pdata[0] == before->pdata[0]);
          g_assert_true (after->pdata[1] == before->pdata[1]);
          g_clear_pointer (&after, g_ptr_array_unref);
        }
    }
  /* Past a piece's length the paragraph became a column of labels; every
   * word is in it, in order. */
  after = children_of (view);
  g_assert_cmpuint (after->len, ==, 2);
  g_assert_true (after->pdata[0] == before->pdata[0]);
  g_assert_true (GTK_IS_BOX (after->pdata[1]));
  {
    g_autofree char *expected = g_strconcat ("Second", long_words->str, NULL);

    shown = column_text (after->pdata[1]);
    g_assert_cmpstr (shown, ==, expected);
  }
  {
    g_autoptr(GPtrArray) pieces = children_of (after->pdata[1]);

    /* ~5.4 KB of words with no sentence end: cut at spaces every 3 KB. */
    g_assert_cmpuint (pieces->len, ==, 2);
  }
  first_piece = gtk_widget_get_first_child (after->pdata[1]);

  /* More words: the column and its first piece stay. */
  g_string_append (answer, " and the end.");
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&before, g_ptr_array_unref);
  before = children_of (view);
  g_assert_true (before->pdata[1] == after->pdata[1]);
  g_assert_true (gtk_widget_get_first_child (before->pdata[1]) == first_piece);

  /* A code block grows in place, and its copy button copies all of it. */
  g_string_append (answer, "\n\n```c\nint x;");
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&after, g_ptr_array_unref);
  after = children_of (view);
  g_assert_cmpuint (after->len, ==, 3);
  g_string_append (answer, "\nint y;\n```\n");
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&before, g_ptr_array_unref);
  before = children_of (view);
  g_assert_true (before->pdata[2] == after->pdata[2]);
  {
    GtkWidget *scroller = gtk_widget_get_last_child (before->pdata[2]);
    GtkWidget *viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller));

    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_viewport_get_child (GTK_VIEWPORT (viewport)))), ==,
                     "int x;\nint y;");
  }

  /* Plain text is shown as written, markup and all. */
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), "<b>not bold</b> *nor emphasis*", FALSE);
  g_clear_pointer (&after, g_ptr_array_unref);
  after = children_of (view);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (after->pdata[0])), ==, "<b>not bold</b> *nor emphasis*");
  g_string_free (long_words, TRUE);
  g_object_unref (view);
}

/* The text widgets of @view in order, pieces of columns included. */
static GPtrArray *
text_widgets (GtkWidget *view)
{
  GPtrArray *texts = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (view); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BOX (child))
      for (GtkWidget *piece = gtk_widget_get_first_child (child); piece; piece = gtk_widget_get_next_sibling (piece))
        g_ptr_array_add (texts, piece);
    else
      g_ptr_array_add (texts, child);
  return texts;
}

static const char *
text_of (GtkWidget *widget)
{
  return VC_IS_STREAMING_TEXT (widget) ? vc_streaming_text_get_text (VC_STREAMING_TEXT (widget))
                                       : gtk_label_get_label (GTK_LABEL (widget));
}

/* While an answer streams, its text is shown by VcStreamingTexts, cheap to
 * lay out every frame (the last one changes, the others stay as they
 * are); once it is complete they become selectable labels with the same
 * words and styles, one per idle. */
static void
test_streaming_text (void)
{
  GtkWidget *view = g_object_ref_sink (vc_markdown_view_new ());
  g_autoptr(GString) answer = g_string_new ("# Title\n\nSecond **bold**");
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new ("Second <b>bold</b>");
  GtkWidget *first_piece;
  gint64 deadline;

  vc_markdown_view_set_streaming (VC_MARKDOWN_VIEW (view), TRUE);
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  texts = text_widgets (view);
  g_assert_cmpuint (texts->len, ==, 2);
  g_assert_true (VC_IS_STREAMING_TEXT (texts->pdata[0]));
  g_assert_true (gtk_widget_has_css_class (texts->pdata[0], "title-2"));
  g_assert_cmpstr (text_of (texts->pdata[0]), ==, "Title");
  g_assert_true (VC_IS_STREAMING_TEXT (texts->pdata[1]));
  g_assert_cmpstr (text_of (texts->pdata[1]), ==, "Second <b>bold</b>");

  /* Long enough to be cut: the finished pieces stay as they were made,
   * only the last one changes. */
  for (int i = 0; i < 500; i++)
    {
      /* Sentences of twenty words, where the pieces are cut. */
      const char *end = i % 20 == 19 ? "." : "";

      g_string_append_printf (answer, " word%d%s", i, end);
      g_string_append_printf (expected, " word%d%s", i, end);
      if (i == 300)
        {
          vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
          g_clear_pointer (&texts, g_ptr_array_unref);
          texts = text_widgets (view);
          g_assert_cmpuint (texts->len, >=, 3);
        }
    }
  first_piece = texts->pdata[1];
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&texts, g_ptr_array_unref);
  texts = text_widgets (view);
  g_assert_true (texts->pdata[1] == first_piece);
  for (guint i = 1; i < texts->len; i++)
    {
      g_assert_true (VC_IS_STREAMING_TEXT (texts->pdata[i]));
      g_string_append_printf (joined, "%s%s", i > 1 ? " " : "", text_of (texts->pdata[i]));
    }
  g_assert_cmpstr (joined->str, ==, expected->str);
  g_string_append (answer, "\n\nThird");
  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), answer->str, TRUE);
  g_clear_pointer (&texts, g_ptr_array_unref);
  texts = text_widgets (view);
  g_assert_cmpstr (text_of (texts->pdata[texts->len - 1]), ==, "Third");

  /* Complete: labels, one per idle, with the same words and styles (the
   * widgets above are gone by then: only their count is kept). */
  vc_markdown_view_set_streaming (VC_MARKDOWN_VIEW (view), FALSE);
  g_assert_false (vc_markdown_view_is_settled (VC_MARKDOWN_VIEW (view)));
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!vc_markdown_view_is_settled (VC_MARKDOWN_VIEW (view)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  {
    g_autoptr(GPtrArray) done = text_widgets (view);

    g_assert_cmpuint (done->len, ==, texts->len);
    for (guint i = 0; i < done->len; i++)
      {
        g_assert_true (GTK_IS_LABEL (done->pdata[i]));
        g_assert_true (gtk_label_get_selectable (GTK_LABEL (done->pdata[i])));
      }
    g_assert_true (gtk_widget_has_css_class (done->pdata[0], "title-2"));
    g_assert_cmpstr (text_of (done->pdata[0]), ==, "Title");
    g_assert_cmpstr (text_of (done->pdata[done->len - 1]), ==, "Third");
    g_string_set_size (joined, 0);
    for (guint i = 1; i + 1 < done->len; i++)
      g_string_append_printf (joined, "%s%s", i > 1 ? " " : "", text_of (done->pdata[i]));
    g_assert_cmpstr (joined->str, ==, expected->str);
  }
  g_object_unref (view);
}

/* The main loop run for @ms milliseconds. */
static void
wait_ms (int ms)
{
  gint64 until = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static int
height_at (GtkWidget *widget,
           int        width)
{
  int height;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, width, &height, NULL, NULL, NULL);
  gtk_widget_allocate (widget, width, height, -1, NULL);
  return height;
}

/* What @snapshot holds, drawn into pixels of @width by @height. */
static cairo_surface_t *
draw_snapshot (GtkSnapshot *snapshot,
               int          width,
               int          height)
{
  g_autoptr(GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  if (node != NULL)
    gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  return surface;
}

/* @widget's drawing at @width, as pixels. */
static cairo_surface_t *
draw_widget (GtkWidget *widget,
             int        width)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int height;

  /* A taller text asks for its height within a tenth of a second. */
  wait_ms (150);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, width, &height, NULL, NULL, NULL);
  gtk_widget_allocate (widget, width, height, -1, NULL);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  return draw_snapshot (snapshot, width, height);
}

/* @markup in one layout at @width, drawn as a label draws it. */
static cairo_surface_t *
draw_layout_in (GtkWidget  *widget,
                const char *markup,
                int         width,
                int         height)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GdkRGBA color;

  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_set_markup (layout, markup, -1);
  if (height < 0)
    pango_layout_get_pixel_size (layout, NULL, &height);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_append_layout (snapshot, layout, &color);
  return draw_snapshot (snapshot, width, height);
}

/* The same, as tall as the layout. */
static cairo_surface_t *
draw_layout (GtkWidget  *widget,
             const char *markup,
             int         width)
{
  return draw_layout_in (widget, markup, width, -1);
}

static void
assert_same_pixels (cairo_surface_t *drawn,
                    cairo_surface_t *expected)
{
  int height = cairo_image_surface_get_height (expected);
  int stride = cairo_image_surface_get_stride (expected);

  cairo_surface_flush (drawn);
  cairo_surface_flush (expected);
  g_assert_cmpint (cairo_image_surface_get_height (drawn), ==, height);
  g_assert_cmpint (cairo_image_surface_get_width (drawn), ==, cairo_image_surface_get_width (expected));
  for (int y = 0; y < height; y++)
    if (memcmp (cairo_image_surface_get_data (drawn) + y * stride,
                cairo_image_surface_get_data (expected) + y * stride, stride) != 0)
      g_error ("the streaming text differs from one layout of its words in its row %d of %d", y, height);
}

/* A growing paragraph (emphasis, a paragraph break, words of several
 * scripts) freezes its complete lines, so that a new word lays out the
 * last few lines only, and still wraps and draws exactly as one layout of
 * all its words; a closing mark that changes frozen words lays it out
 * again from the first lines it changes, a new width all of it. */
static void
test_frozen_lines (void)
{
  static const char *words[] = {
    "The", "<b>harbour</b>", "at", "dawn,", "two", "fishing", "boats", "and", "a", "lighthouse;",
    "<i>the tide</i>", "is", "out.", "Гавань", "на", "рассвете", "港口", "的", "清晨", "—", "ανατολή.",
  };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *text = vc_streaming_text_new ();
  g_autoptr(GString) markup = g_string_new (NULL);
  gsize tail_before_mark;

  gtk_window_set_child (GTK_WINDOW (window), text);
  /* Its style looked up once, as a shown widget's is, before it counts. */
  cairo_surface_destroy (draw_layout (text, "x", 300));
  for (guint i = 0; i < 240; i++)
    {
      g_string_append_printf (markup, "%s%s", i ? " " : "", words[i % G_N_ELEMENTS (words)]);
      if (i == 120)
        g_string_append (markup, "\n");
      vc_streaming_text_set (VC_STREAMING_TEXT (text), markup->str, TRUE);
      if (i % 40 == 39)
        {
          cairo_surface_t *drawn = draw_widget (text, 300);
          cairo_surface_t *expected = draw_layout (text, markup->str, 300);

          assert_same_pixels (drawn, expected);
          cairo_surface_destroy (drawn);
          cairo_surface_destroy (expected);
          /* Most of it frozen: the tail is a few lines at most. */
          g_assert_cmpuint (vc_streaming_text_get_tail_bytes (VC_STREAMING_TEXT (text)), <, 600);
          g_assert_cmpuint (vc_streaming_text_get_tail_bytes (VC_STREAMING_TEXT (text)), <, markup->len / 3);
        }
    }
  tail_before_mark = vc_streaming_text_get_tail_bytes (VC_STREAMING_TEXT (text));

  /* A closing mark turns the first words bold: frozen lines change. */
  g_string_prepend (markup, "<b>");
  g_string_insert (markup, strlen ("<b>The <b>harbour</b> at"), "</b>");
  vc_streaming_text_set (VC_STREAMING_TEXT (text), markup->str, TRUE);
  for (int width = 300; width >= 200; width -= 100)
    {
      cairo_surface_t *drawn = draw_widget (text, width);
      cairo_surface_t *expected = draw_layout (text, markup->str, width);

      assert_same_pixels (drawn, expected);
      cairo_surface_destroy (drawn);
      cairo_surface_destroy (expected);
    }
  g_assert_cmpuint (tail_before_mark, <, 600);

  /* A mark three quarters in changes the lines from there only: those
   * before stay frozen, and it still draws as one layout. */
  {
    const char *space = strchr (markup->str + markup->len * 3 / 4, ' ');
    gsize word = space - markup->str + 1, word_end = strchr (markup->str + word, ' ') - markup->str;
    gsize before = vc_streaming_text_get_bytes_laid_out (VC_STREAMING_TEXT (text));
    cairo_surface_t *drawn, *expected;

    g_string_insert (markup, word_end, "</i>");
    g_string_insert (markup, word, "<i>");
    vc_streaming_text_set (VC_STREAMING_TEXT (text), markup->str, TRUE);
    /* The words from a few lines before the mark, twice as the tail
     * freezes again: not the whole paragraph twice, more than its markup. */
    g_assert_cmpuint (vc_streaming_text_get_bytes_laid_out (VC_STREAMING_TEXT (text)) - before, <, markup->len * 3 / 4);
    g_assert_cmpuint (vc_streaming_text_get_bytes_laid_out (VC_STREAMING_TEXT (text)) - before, >=, markup->len - word - 60);
    drawn = draw_widget (text, 200);
    expected = draw_layout (text, markup->str, 200);
    assert_same_pixels (drawn, expected);
    cairo_surface_destroy (drawn);
    cairo_surface_destroy (expected);
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Growing text asks for its new height at once, then at most ten times a
 * second: lines started in between wait for the next (GTK 4.8 lays the
 * whole window out again for each). */
static void
test_streaming_text_resizes (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *text = vc_streaming_text_new ();
  g_autoptr(GString) words = g_string_new ("The harbour at dawn.");
  int one_line, two_lines, three_lines;

  gtk_window_set_child (GTK_WINDOW (window), text);
  vc_streaming_text_set (VC_STREAMING_TEXT (text), words->str, FALSE);
  one_line = height_at (text, 300);
  wait_ms (150);

  /* A second line, a while after the first: asked for at once. */
  g_string_append (words, "\nTwo fishing boats.");
  vc_streaming_text_set (VC_STREAMING_TEXT (text), words->str, FALSE);
  two_lines = height_at (text, 300);
  g_assert_cmpint (two_lines, >, one_line);

  /* A third straight after: the height stays until the tenth of a second
   * is over, then grows. */
  {
    g_autofree char *two = g_strdup (words->str);
    GtkSnapshot *snapshot = gtk_snapshot_new ();
    cairo_surface_t *drawn, *expected;

    g_string_append (words, "\nA lighthouse.");
    vc_streaming_text_set (VC_STREAMING_TEXT (text), words->str, FALSE);
    g_assert_cmpint (height_at (text, 300), ==, two_lines);
    /* Meanwhile the third line is not drawn over what follows. */
    GTK_WIDGET_GET_CLASS (text)->snapshot (text, snapshot);
    drawn = draw_snapshot (snapshot, 300, 2 * two_lines);
    expected = draw_layout_in (text, two, 300, 2 * two_lines);
    assert_same_pixels (drawn, expected);
    cairo_surface_destroy (drawn);
    cairo_surface_destroy (expected);
  }
  wait_ms (150);
  three_lines = height_at (text, 300);
  g_assert_cmpint (three_lines, >, two_lines);

  /* Shorter: at once. */
  vc_streaming_text_set (VC_STREAMING_TEXT (text), "The harbour at dawn.", FALSE);
  g_assert_cmpint (height_at (text, 300), ==, one_line);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The pieces of @markdown's one long paragraph, as its column shows them. */
static GPtrArray *
paragraph_pieces (const char *markdown)
{
  GtkWidget *view = g_object_ref_sink (vc_markdown_view_new ());
  g_autoptr(GPtrArray) children = NULL;
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);

  vc_markdown_view_set_text (VC_MARKDOWN_VIEW (view), markdown, TRUE);
  children = children_of (view);
  g_assert_cmpuint (children->len, ==, 1);
  g_assert_true (GTK_IS_BOX (children->pdata[0]));
  for (GtkWidget *label = gtk_widget_get_first_child (children->pdata[0]); label;
       label = gtk_widget_get_next_sibling (label))
    g_ptr_array_add (pieces, g_strdup (gtk_label_get_text (GTK_LABEL (label))));
  g_object_unref (view);
  return pieces;
}

/* A long paragraph's cuts show as line breaks, so they come where its
 * sentences end (closing quotes and brackets kept with them, Chinese full
 * stops too), and a run-on text without any is still cut at spaces. */
static void
test_pieces_end_sentences (void)
{
  g_autoptr(GString) prose = g_string_new (NULL);
  g_autoptr(GString) chinese = g_string_new (NULL);
  g_autoptr(GString) run_on = g_string_new (NULL);
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);

  for (int i = 0; i < 80; i++)
    g_string_append_printf (prose, "%sThe picture number %d shows a %s with several small details in it%s", i ? " " : "",
                            i, i % 3 ? "cat" : "\"quoted\" dog", i % 4 == 1 ? " (a guess)." : i % 4 == 2 ? ".\"" : ".");
  pieces = paragraph_pieces (prose->str);
  g_assert_cmpuint (pieces->len, >=, 3);
  for (guint i = 0; i < pieces->len; i++)
    {
      const char *piece = pieces->pdata[i];

      g_string_append_printf (joined, "%s%s", i ? " " : "", piece);
      g_assert_true (g_str_has_suffix (piece, ".") || g_str_has_suffix (piece, ").") ||
                     g_str_has_suffix (piece, ".\""));
      g_assert_cmpuint (strlen (piece), <, 3000);
    }
  g_assert_cmpstr (joined->str, ==, prose->str);
  g_clear_pointer (&pieces, g_ptr_array_unref);

  for (int i = 0; i < 120; i++)
    g_string_append_printf (chinese, "\xe7\xac\xac%d\xe5\xbc\xa0\xe5\x9b\xbe\xe7\x89\x87\xe9\x87\x8c\xe6\x9c\x89\xe4\xb8\x80\xe5\x8f\xaa\xe7\x8c\xab\xe3\x80\x82", i);
  pieces = paragraph_pieces (chinese->str);
  g_assert_cmpuint (pieces->len, >=, 2);
  g_string_truncate (joined, 0);
  for (guint i = 0; i < pieces->len; i++)
    {
      g_string_append (joined, pieces->pdata[i]);
      g_assert_true (g_str_has_suffix (pieces->pdata[i], "\xe3\x80\x82"));
    }
  g_assert_cmpstr (joined->str, ==, chinese->str);
  g_clear_pointer (&pieces, g_ptr_array_unref);

  for (int i = 0; i < 1200; i++)
    g_string_append_printf (run_on, "%sword%d", i ? " " : "", i);
  pieces = paragraph_pieces (run_on->str);
  g_assert_cmpuint (pieces->len, >=, 3);
  g_string_truncate (joined, 0);
  for (guint i = 0; i < pieces->len; i++)
    {
      g_string_append_printf (joined, "%s%s", i ? " " : "", (char *) pieces->pdata[i]);
      g_assert_cmpuint (strlen (pieces->pdata[i]), <=, 3000);
    }
  g_assert_cmpstr (joined->str, ==, run_on->str);
  g_clear_pointer (&pieces, g_ptr_array_unref);

  /* No space at all (ä is two bytes; é here e and a combining accent,
   * which stay together): cut between characters. */
  g_string_assign (run_on, "xx");   /* so that byte 3,000 is an accent */
  for (int i = 0; i < 2500; i++)
    g_string_append (run_on, i % 3 == 0 ? "\xc3\xa4" : i % 3 == 1 ? "a" : "e\xcc\x81");
  pieces = paragraph_pieces (run_on->str);
  g_assert_cmpuint (pieces->len, >=, 2);
  g_string_truncate (joined, 0);
  for (guint i = 0; i < pieces->len; i++)
    {
      g_string_append (joined, pieces->pdata[i]);
      g_assert_cmpuint (strlen (pieces->pdata[i]), <=, 3003);
      g_assert_true (g_utf8_validate (pieces->pdata[i], -1, NULL));
      g_assert_false (g_unichar_ismark (g_utf8_get_char (pieces->pdata[i])));
    }
  g_assert_cmpstr (joined->str, ==, run_on->str);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/markdown-view/streaming", test_streaming);
  g_test_add_func ("/markdown-view/streaming-text", test_streaming_text);
  g_test_add_func ("/markdown-view/frozen-lines", test_frozen_lines);
  g_test_add_func ("/markdown-view/pieces-end-sentences", test_pieces_end_sentences);
  g_test_add_func ("/markdown-view/streaming-text-resizes", test_streaming_text_resizes);
  return g_test_run ();
}
