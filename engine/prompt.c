/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The templates, written out from get_prompt() of llava/conversation.py:
 *
 *   vicuna_v1 (TWO):     system + " " + "USER: " + msg + " " + "ASSISTANT:" [+ " " + answer + "</s>"]
 *   llama_3 (LLAMA_3):   system + "<|eot_id|>" + user header + msg + "<|eot_id|>" + assistant header
 *   hermes-2 (MPT):      system + "<|im_end|>" + "<|im_start|>user\n" + msg + "<|im_end|>" + "<|im_start|>assistant\n"
 *   qwen2 (NVILA):       "<|im_start|>system\n" + system + "<|im_end|>\n" + "<|im_start|>user\n" + msg
 *                        + "<|im_end|>\n" + "<|im_start|>assistant\n"
 *   raw:                 no markup, for in-context continuation
 *
 * The assistant's answer follows the header as the model generated it; in
 * vicuna_v1 its first token carries the space after "ASSISTANT:".
 */
#define G_LOG_DOMAIN "vila-prompt"

#include "config.h"

#include <string.h>

#include "prompt.h"

static const VilaTemplate templates[] = {
  {
    .name = "vicuna_v1",
    .default_system = "A chat between a curious user and an artificial intelligence assistant. "
                      "The assistant gives helpful, detailed, and polite answers to the user's questions.",
    .system_header = "",
    .system_footer = " ",
    .user_prefix = "USER: ",
    .user_suffix = " ASSISTANT:",
    /* sep_style TWO writes role + ": " + message; the last, empty role
     * only role + ":" */
    .answer_prefix = " ",
    .answer_suffix = "</s>",
    .stop = "</s>",
  },
  {
    .name = "llama_3",
    .system_header = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n",
    .default_system = "You are a helpful language and vision assistant. You are able to understand the visual "
                      "content that the user provides, and assist the user with a variety of tasks using "
                      "natural language.",
    .system_footer = "<|eot_id|>",
    .user_prefix = "<|start_header_id|>user<|end_header_id|>\n\n",
    .user_suffix = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    .answer_prefix = "",
    .answer_suffix = "<|eot_id|>",
    .stop = "<|eot_id|>",
  },
  {
    .name = "hermes-2",
    .system_header = "<|im_start|>system\n",
    .default_system = "Answer the questions.",
    .system_footer = "<|im_end|>",
    .user_prefix = "<|im_start|>user\n",
    .user_suffix = "<|im_end|><|im_start|>assistant\n",
    .answer_prefix = "",
    .answer_suffix = "<|im_end|>",
    .stop = "<|im_end|>",
  },
  {
    .name = "qwen2",
    .system_header = "<|im_start|>system\n",
    .default_system = "You are a helpful assistant",
    .system_footer = "<|im_end|>\n",
    .user_prefix = "<|im_start|>user\n",
    .user_suffix = "<|im_end|>\n<|im_start|>assistant\n",
    .answer_prefix = "",
    .answer_suffix = "<|im_end|>\n",
    .stop = "<|im_end|>",
  },
  {
    .name = "raw",
    .system_header = "",
    .default_system = "",
    .system_footer = "",
    .user_prefix = "",
    .user_suffix = "",
    .answer_prefix = "",
    .answer_suffix = "",
    .stop = NULL,
  },
};

const VilaTemplate *
vila_template_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    if (g_strcmp0 (templates[i].name, name) == 0)
      return &templates[i];
  return NULL;
}

char *
vila_template_user_turn (const VilaTemplate *tmpl,
                         const char         *system,
                         gboolean            first,
                         const char         *message)
{
  GString *text = g_string_new (NULL);

  if (first)
    {
      g_string_append (text, tmpl->system_header);
      g_string_append (text, system ? system : tmpl->default_system);
      g_string_append (text, tmpl->system_footer);
    }
  g_string_append (text, tmpl->user_prefix);
  g_string_append (text, message);
  g_string_append (text, tmpl->user_suffix);
  return g_string_free (text, FALSE);
}
