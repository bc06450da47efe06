/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The templates give the worked prompts of vila-format.md section 5. */
#include "config.h"

#include "prompt.h"

static void
assert_turn (const char *name,
             const char *message,
             const char *expected)
{
  const VilaTemplate *tmpl = vila_template_lookup (name);
  g_autofree char *text = NULL;

  g_assert_nonnull (tmpl);
  text = vila_template_user_turn (tmpl, NULL, TRUE, message);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_worked_prompts (void)
{
  assert_turn ("vicuna_v1", "<image>\nq",
               "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
               "helpful, detailed, and polite answers to the user's questions. USER: <image>\nq ASSISTANT:");
  assert_turn ("llama_3", "<image>\nq",
               "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful language and "
               "vision assistant. You are able to understand the visual content that the user provides, and "
               "assist the user with a variety of tasks using natural language.<|eot_id|><|start_header_id|>"
               "user<|end_header_id|>\n\n<image>\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  assert_turn ("hermes-2", "<image>\nq",
               "<|im_start|>system\nAnswer the questions.<|im_end|><|im_start|>user\n<image>\nq<|im_end|>"
               "<|im_start|>assistant\n");
  assert_turn ("qwen2", "<image>q",
               "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\n<image>q<|im_end|>\n"
               "<|im_start|>assistant\n");
  assert_turn ("raw", "<image>The company is famous for", "<image>The company is famous for");
  g_assert_null (vila_template_lookup ("llava_v0"));
}

static void
test_follow_up (void)
{
  const VilaTemplate *vicuna = vila_template_lookup ("vicuna_v1");
  g_autofree char *first = vila_template_user_turn (vicuna, "Be brief.", TRUE, "q1");
  g_autofree char *second = vila_template_user_turn (vicuna, "Be brief.", FALSE, "q2");
  g_autofree char *whole = g_strconcat (first, " a1", vicuna->answer_suffix, second, NULL);

  /* get_prompt() of [USER q1, ASSISTANT a1, USER q2, ASSISTANT None]. */
  g_assert_cmpstr (whole, ==, "Be brief. USER: q1 ASSISTANT: a1</s>USER: q2 ASSISTANT:");
  g_assert_cmpstr (vicuna->stop, ==, "</s>");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/prompt/worked", test_worked_prompts);
  g_test_add_func ("/prompt/follow-up", test_follow_up);

  return g_test_run ();
}
