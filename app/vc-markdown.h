/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An answer's Markdown as blocks the conversation view turns into
 * widgets: a label per paragraph, heading, list item or quote (Pango
 * markup, links as <a href>), a monospace view with a copy button per
 * code block. Parsed by md4c (CommonMark with GitHub's tables,
 * strikethrough, task lists and autolinks; raw HTML shown as text), so
 * text that is still streaming in (an open code fence, a half-written
 * list) renders sensibly at every step. */
typedef enum {
  VC_BLOCK_PARAGRAPH,
  VC_BLOCK_HEADING,       /* @level 1-6 */
  VC_BLOCK_LIST_ITEM,     /* @level: nesting depth from 1; @marker "•", "3." or a box */
  VC_BLOCK_QUOTE,         /* @level: nesting depth from 1 */
  VC_BLOCK_CODE,          /* @code and @language, no markup */
  VC_BLOCK_RULE,
  VC_BLOCK_TABLE_ROW,     /* cells separated by tabs in @markup; @level 1 for the header */
} VcBlockKind;

typedef struct {
  VcBlockKind  kind;
  guint        level;
  char        *marker;
  char        *markup;
  char        *code;
  char        *language;
} VcBlock;

void       vc_block_free         (VcBlock    *block);
/* The blocks of @text (UTF-8, @length bytes or -1), in order. */
GPtrArray *vc_markdown_to_blocks (const char *text,
                                  gssize      length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VcBlock, vc_block_free)

G_END_DECLS
