/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A conversation template of llava/conversation.py (vila-format.md
 * section 5), cut into the pieces a session appends as the conversation
 * grows: what comes before a user message (with the system part on the
 * first turn), after it (the assistant's header), and after an answer. */
typedef struct {
  const char *name;
  const char *system_header;    /* before the system text */
  const char *default_system;
  const char *system_footer;    /* after it */
  const char *user_prefix;
  const char *user_suffix;      /* ends with the assistant header */
  const char *answer_prefix;    /* between the header and an answer's text */
  const char *answer_suffix;
  const char *stop;             /* the text that ends an answer, or NULL */
} VilaTemplate;

/* "vicuna_v1", "llama_3", "hermes-2", "qwen2" (NVILA) or "raw". */
const VilaTemplate *vila_template_lookup (const char         *name);

/* The text of a user turn around @message: with the system part when
 * @first, and @system (NULL: the template's own). */
char               *vila_template_user_turn (const VilaTemplate *tmpl,
                                             const char         *system,
                                             gboolean            first,
                                             const char         *message);

G_END_DECLS
