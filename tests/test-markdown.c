/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Markdown of answers to blocks: inline markup (and escaping), headings,
 * nested and numbered lists, task items, quotes, code blocks kept byte
 * for byte, rules, tables, links, entities, raw HTML as text, and text cut
 * off mid-stream. Every markup string must also parse as Pango markup. */
#include "config.h"

#include <string.h>

#include "vc-markdown.h"

static GPtrArray *
blocks_of (const char *text)
{
  GPtrArray *blocks = vc_markdown_to_blocks (text, -1);

  /* What a GtkLabel will be given must be valid Pango markup. */
  for (guint i = 0; i < blocks->len; i++)
    {
      const VcBlock *block = blocks->pdata[i];
      g_autoptr(GError) error = NULL;

      if (block->markup != NULL)
        {
          g_autoptr(GMarkupParseContext) context = NULL;
          static const GMarkupParser nothing = { 0 };
          g_autofree char *wrapped = g_strconcat ("<markup>", block->markup, "</markup>", NULL);

          context = g_markup_parse_context_new (&nothing, 0, NULL, NULL);
          if (!g_markup_parse_context_parse (context, wrapped, -1, &error) ||
              !g_markup_parse_context_end_parse (context, &error))
            g_error ("block %u of %s: %s (%s)", i, text, error->message, block->markup);
        }
    }
  return blocks;
}

static const VcBlock *
block_at (GPtrArray *blocks,
          guint      i)
{
  g_assert_cmpuint (i, <, blocks->len);
  return blocks->pdata[i];
}

static void
test_inline (void)
{
  g_autoptr(GPtrArray) blocks = blocks_of ("Some *emphasis*, **strong**, `code <x>`, ~~gone~~ & a [link](https://example.org/?a=1&b=2).\n"
                                           "Next line <b>raw</b> &copy; &amp; &#233;");

  g_assert_cmpuint (blocks->len, ==, 1);
  g_assert_cmpint (block_at (blocks, 0)->kind, ==, VC_BLOCK_PARAGRAPH);
  g_assert_cmpstr (block_at (blocks, 0)->markup, ==,
                   "Some <i>emphasis</i>, <b>strong</b>, <tt>code &lt;x&gt;</tt>, <s>gone</s> &amp; a "
                   "<a href=\"https://example.org/?a=1&amp;b=2\">link</a>.\n"
                   "Next line &lt;b&gt;raw&lt;/b&gt; &amp;copy; &amp; &#233;");
}

static void
test_structure (void)
{
  g_autoptr(GPtrArray) blocks = blocks_of ("# Title\n\n"
                                           "Intro paragraph.\n\n"
                                           "1. first\n"
                                           "2. second\n"
                                           "   - nested *one*\n"
                                           "   - nested two\n"
                                           "3. third\n\n"
                                           "- [ ] open task\n"
                                           "- [x] done task\n\n"
                                           "> quoted\n> > deeper\n\n"
                                           "---\n\n"
                                           "## Sub\n");
  static const struct { VcBlockKind kind; guint level; const char *marker; const char *markup; } expected[] = {
    { VC_BLOCK_HEADING, 1, NULL, "Title" },
    { VC_BLOCK_PARAGRAPH, 0, NULL, "Intro paragraph." },
    { VC_BLOCK_LIST_ITEM, 1, "1.", "first" },
    { VC_BLOCK_LIST_ITEM, 1, "2.", "second" },
    { VC_BLOCK_LIST_ITEM, 2, "◦", "nested <i>one</i>" },
    { VC_BLOCK_LIST_ITEM, 2, "◦", "nested two" },
    { VC_BLOCK_LIST_ITEM, 1, "3.", "third" },
    { VC_BLOCK_LIST_ITEM, 1, "☐", "open task" },
    { VC_BLOCK_LIST_ITEM, 1, "☑", "done task" },
    { VC_BLOCK_QUOTE, 1, NULL, "quoted" },
    { VC_BLOCK_QUOTE, 2, NULL, "deeper" },
    { VC_BLOCK_RULE, 0, NULL, NULL },
    { VC_BLOCK_HEADING, 2, NULL, "Sub" },
  };

  g_assert_cmpuint (blocks->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < blocks->len; i++)
    {
      const VcBlock *block = block_at (blocks, i);

      g_assert_cmpint (block->kind, ==, expected[i].kind);
      g_assert_cmpuint (block->level, ==, expected[i].level);
      g_assert_cmpstr (block->marker, ==, expected[i].marker);
      g_assert_cmpstr (block->markup, ==, expected[i].markup);
    }
}

static void
test_code_and_tables (void)
{
  g_autoptr(GPtrArray) blocks = blocks_of ("Before:\n\n"
                                           "```python\n"
                                           "def f(x):\n"
                                           "    return x < 2 and \"<b>\"\n"
                                           "```\n\n"
                                           "| a | b |\n|---|---|\n| 1 | **2** |\n");

  g_assert_cmpuint (blocks->len, ==, 4);
  g_assert_cmpint (block_at (blocks, 1)->kind, ==, VC_BLOCK_CODE);
  g_assert_cmpstr (block_at (blocks, 1)->language, ==, "python");
  g_assert_cmpstr (block_at (blocks, 1)->code, ==, "def f(x):\n    return x < 2 and \"<b>\"");
  g_assert_null (block_at (blocks, 1)->markup);
  g_assert_cmpint (block_at (blocks, 2)->kind, ==, VC_BLOCK_TABLE_ROW);
  g_assert_cmpuint (block_at (blocks, 2)->level, ==, 1);
  g_assert_cmpstr (block_at (blocks, 2)->markup, ==, "a\tb");
  g_assert_cmpuint (block_at (blocks, 3)->level, ==, 0);
  g_assert_cmpstr (block_at (blocks, 3)->markup, ==, "1\t<b>2</b>");
}

/* Every prefix of an answer, as it streams in, converts (and to valid
 * markup): an open fence is a code block so far, an open emphasis text. */
static void
test_streaming (void)
{
  const char *answer = "Here is **the plan**:\n\n1. Read `config.json`\n2. Write\n\n```c\nint main (void)\n{\n  return 0;\n}\n```\nDone & *dusted*.";
  gsize length = strlen (answer);
  gsize inside = strstr (answer, "int main") - answer + 3;

  for (gsize cut = 0; cut <= length; cut++)
    {
      g_autofree char *prefix = g_strndup (answer, cut);
      g_autoptr(GPtrArray) blocks = blocks_of (prefix);

      if (cut == inside)
        {
          /* Inside the fence: the code so far. */
          gboolean has_code = FALSE;

          for (guint i = 0; i < blocks->len; i++)
            has_code |= block_at (blocks, i)->kind == VC_BLOCK_CODE;
          g_assert_true (has_code);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/markdown/inline", test_inline);
  g_test_add_func ("/markdown/structure", test_structure);
  g_test_add_func ("/markdown/code-and-tables", test_code_and_tables);
  g_test_add_func ("/markdown/streaming", test_streaming);
  return g_test_run ();
}
