/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Markdown to blocks (see vc-markdown.h) with md4c's callbacks: inline
 * text gathers as Pango markup until a block boundary, where it becomes a
 * block of the kind its containers say (heading, list item, quote,
 * paragraph); code blocks keep their text as it is.
 */
#define G_LOG_DOMAIN "vc-markdown"

#include "config.h"

#include <md4c.h>
#include <string.h>

#include "vc-markdown.h"

typedef struct {
  MD_BLOCKTYPE type;
  guint        number;     /* OL: the next item's; LI: its marker used */
  gboolean     ordered;
  gboolean     task, checked;
  char        *marker;     /* LI: its marker until a block takes it */
} Container;

typedef struct {
  GPtrArray *blocks;
  GArray    *containers;   /* Container, outermost first */
  GString   *inline_text;  /* markup of the block being read */
  GString   *code;
  char      *language;
  gboolean   in_code;
  guint      heading;      /* level while in a heading */
  gboolean   in_header_row;
} Converter;

void
vc_block_free (VcBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->marker);
  g_free (block->markup);
  g_free (block->code);
  g_free (block->language);
  g_free (block);
}

static void
clear_container (gpointer data)
{
  g_free (((Container *) data)->marker);
}

static VcBlock *
add_block (Converter   *c,
           VcBlockKind  kind,
           guint        level)
{
  VcBlock *block = g_new0 (VcBlock, 1);

  block->kind = kind;
  block->level = level;
  g_ptr_array_add (c->blocks, block);
  return block;
}

static guint
depth_of (Converter    *c,
          MD_BLOCKTYPE  type)
{
  guint depth = 0;

  for (guint i = 0; i < c->containers->len; i++)
    {
      MD_BLOCKTYPE t = g_array_index (c->containers, Container, i).type;

      if (t == type || (type == MD_BLOCK_UL && t == MD_BLOCK_OL))
        depth++;
    }
  return depth;
}

/* The innermost container of @type, or NULL. */
static Container *
innermost (Converter    *c,
           MD_BLOCKTYPE  type)
{
  for (guint i = c->containers->len; i > 0; i--)
    {
      Container *container = &g_array_index (c->containers, Container, i - 1);

      if (container->type == type)
        return container;
    }
  return NULL;
}

/* What was gathered becomes a block of the kind its place gives it. */
static void
flush (Converter *c)
{
  Container *item;
  VcBlock *block;
  const char *text = c->inline_text->str;
  gsize length = c->inline_text->len;

  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
    length--;
  if (length == 0)
    {
      g_string_truncate (c->inline_text, 0);
      return;
    }

  item = c->containers->len ? &g_array_index (c->containers, Container, c->containers->len - 1) : NULL;
  if (c->heading > 0)
    block = add_block (c, VC_BLOCK_HEADING, c->heading);
  else if (item != NULL && item->type == MD_BLOCK_LI)
    {
      block = add_block (c, VC_BLOCK_LIST_ITEM, depth_of (c, MD_BLOCK_UL));
      /* The item's first block shows its marker; later ones continue it. */
      block->marker = item->marker ? g_steal_pointer (&item->marker) : g_strdup ("");
    }
  else if (innermost (c, MD_BLOCK_QUOTE) != NULL)
    block = add_block (c, VC_BLOCK_QUOTE, depth_of (c, MD_BLOCK_QUOTE));
  else
    block = add_block (c, VC_BLOCK_PARAGRAPH, 0);
  block->markup = g_strndup (text, length);
  g_string_truncate (c->inline_text, 0);
}

static char *
attribute_text (const MD_ATTRIBUTE *attribute)
{
  return attribute->text ? g_strndup (attribute->text, attribute->size) : g_strdup ("");
}

static int
enter_block (MD_BLOCKTYPE  type,
             void         *detail,
             void         *user_data)
{
  Converter *c = user_data;
  Container container = { type, 0, FALSE, FALSE, FALSE, NULL };

  if (type != MD_BLOCK_DOC && type != MD_BLOCK_TD && type != MD_BLOCK_TH)
    flush (c);
  switch (type)
    {
    case MD_BLOCK_H:
      c->heading = ((MD_BLOCK_H_DETAIL *) detail)->level;
      return 0;
    case MD_BLOCK_CODE:
      c->in_code = TRUE;
      g_string_truncate (c->code, 0);
      g_free (c->language);
      c->language = attribute_text (&((MD_BLOCK_CODE_DETAIL *) detail)->lang);
      return 0;
    case MD_BLOCK_HR:
      add_block (c, VC_BLOCK_RULE, 0);
      return 0;
    case MD_BLOCK_THEAD:
      c->in_header_row = TRUE;
      return 0;
    case MD_BLOCK_TBODY:
      c->in_header_row = FALSE;
      return 0;
    case MD_BLOCK_OL:
      container.ordered = TRUE;
      container.number = ((MD_BLOCK_OL_DETAIL *) detail)->start;
      break;
    case MD_BLOCK_LI:
      {
        MD_BLOCK_LI_DETAIL *li = detail;
        Container *list = c->containers->len ? &g_array_index (c->containers, Container, c->containers->len - 1) : NULL;
        guint depth = depth_of (c, MD_BLOCK_UL);
        static const char * const bullets[] = { "•", "◦", "▪" };

        if (li->is_task)
          container.marker = g_strdup (li->task_mark == ' ' ? "☐" : "☑");
        else if (list != NULL && list->ordered)
          container.marker = g_strdup_printf ("%u.", list->number++);
        else
          container.marker = g_strdup (bullets[MIN (MAX (depth, 1), 3) - 1]);
      }
      break;
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_UL:
      break;
    default:
      return 0;
    }
  g_array_append_val (c->containers, container);
  return 0;
}

static int
leave_block (MD_BLOCKTYPE  type,
             void         *detail,
             void         *user_data)
{
  Converter *c = user_data;

  switch (type)
    {
    case MD_BLOCK_CODE:
      {
        VcBlock *block = add_block (c, VC_BLOCK_CODE, 0);
        gsize length = c->code->len;

        if (length > 0 && c->code->str[length - 1] == '\n')
          length--;
        block->code = g_strndup (c->code->str, length);
        block->language = g_steal_pointer (&c->language);
        c->in_code = FALSE;
      }
      return 0;
    case MD_BLOCK_TD:
    case MD_BLOCK_TH:
      g_string_append_c (c->inline_text, '\t');
      return 0;
    case MD_BLOCK_TR:
      {
        VcBlock *block;

        /* The cells, tab-separated, without the last tab. */
        if (c->inline_text->len > 0)
          g_string_truncate (c->inline_text, c->inline_text->len - 1);
        block = add_block (c, VC_BLOCK_TABLE_ROW, c->in_header_row ? 1 : 0);
        block->markup = g_strdup (c->inline_text->str);
        g_string_truncate (c->inline_text, 0);
      }
      return 0;
    default:
      break;
    }

  flush (c);
  if (type == MD_BLOCK_H)
    c->heading = 0;
  else if (type == MD_BLOCK_QUOTE || type == MD_BLOCK_UL || type == MD_BLOCK_OL || type == MD_BLOCK_LI)
    g_array_set_size (c->containers, c->containers->len - 1);
  return 0;
}

static int
enter_span (MD_SPANTYPE  type,
            void        *detail,
            void        *user_data)
{
  Converter *c = user_data;

  switch (type)
    {
    case MD_SPAN_EM: g_string_append (c->inline_text, "<i>"); break;
    case MD_SPAN_STRONG: g_string_append (c->inline_text, "<b>"); break;
    case MD_SPAN_CODE: g_string_append (c->inline_text, "<tt>"); break;
    case MD_SPAN_DEL: g_string_append (c->inline_text, "<s>"); break;
    case MD_SPAN_U: g_string_append (c->inline_text, "<u>"); break;
    case MD_SPAN_A:
      {
        g_autofree char *href = attribute_text (&((MD_SPAN_A_DETAIL *) detail)->href);
        g_autofree char *escaped = g_markup_escape_text (href, -1);

        g_string_append_printf (c->inline_text, "<a href=\"%s\">", escaped);
      }
      break;
    default:
      break;
    }
  return 0;
}

static int
leave_span (MD_SPANTYPE  type,
            void        *detail,
            void        *user_data)
{
  Converter *c = user_data;

  switch (type)
    {
    case MD_SPAN_EM: g_string_append (c->inline_text, "</i>"); break;
    case MD_SPAN_STRONG: g_string_append (c->inline_text, "</b>"); break;
    case MD_SPAN_CODE: g_string_append (c->inline_text, "</tt>"); break;
    case MD_SPAN_DEL: g_string_append (c->inline_text, "</s>"); break;
    case MD_SPAN_U: g_string_append (c->inline_text, "</u>"); break;
    case MD_SPAN_A: g_string_append (c->inline_text, "</a>"); break;
    default: break;
    }
  return 0;
}

/* An entity stays one only where Pango's markup knows it: the five of
 * XML and numeric ones; others are shown as written. */
static gboolean
markup_knows_entity (const char *text,
                     gsize       size)
{
  static const char * const xml[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

  if (size >= 4 && text[1] == '#')
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (xml); i++)
    if (size == strlen (xml[i]) && memcmp (text, xml[i], size) == 0)
      return TRUE;
  return FALSE;
}

static int
on_text (MD_TEXTTYPE    type,
         const MD_CHAR *text,
         MD_SIZE        size,
         void          *user_data)
{
  Converter *c = user_data;
  g_autofree char *escaped = NULL;

  if (c->in_code)
    {
      g_string_append_len (c->code, text, size);
      return 0;
    }
  switch (type)
    {
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
      /* A chat's line breaks are meant: kept, not folded into spaces. */
      g_string_append_c (c->inline_text, '\n');
      return 0;
    case MD_TEXT_NULLCHAR:
      g_string_append (c->inline_text, "\xef\xbf\xbd");
      return 0;
    case MD_TEXT_ENTITY:
      if (markup_knows_entity (text, size))
        {
          g_string_append_len (c->inline_text, text, size);
          return 0;
        }
      break;
    default:
      break;
    }
  escaped = g_markup_escape_text (text, size);
  g_string_append (c->inline_text, escaped);
  return 0;
}

GPtrArray *
vc_markdown_to_blocks (const char *text,
                       gssize      length)
{
  Converter c = { 0 };
  MD_PARSER parser = {
    .abi_version = 0,
    /* GitHub's dialect; raw HTML is text (a model's "<b>" is shown, not
     * obeyed). */
    .flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
    .enter_block = enter_block,
    .leave_block = leave_block,
    .enter_span = enter_span,
    .leave_span = leave_span,
    .text = on_text,
  };

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = strlen (text);
  c.blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) vc_block_free);
  c.containers = g_array_new (FALSE, FALSE, sizeof (Container));
  g_array_set_clear_func (c.containers, clear_container);
  c.inline_text = g_string_new (NULL);
  c.code = g_string_new (NULL);
  md_parse (text, (MD_SIZE) MIN ((gsize) length, G_MAXUINT32), &parser, &c);
  flush (&c);
  g_array_unref (c.containers);
  g_string_free (c.inline_text, TRUE);
  g_string_free (c.code, TRUE);
  g_free (c.language);
  return c.blocks;
}
