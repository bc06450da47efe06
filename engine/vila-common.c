/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include "vila.h"
#include "vila-private.h"

G_DEFINE_QUARK (vila-error-quark, vila_error)

const char *
vila_version (void)
{
  return PACKAGE_VERSION;
}

const char *
vila_family_to_string (VilaFamily family)
{
  switch (family)
    {
    case VILA_FAMILY_VILA1_5:        return "VILA1.5";
    case VILA_FAMILY_VILA_LLAVA:     return "VILA";
    case VILA_FAMILY_LLAMA3_VILA1_5: return "Llama-3-VILA1.5";
    case VILA_FAMILY_NVILA:          return "NVILA";
    case VILA_FAMILY_VILA1_5_40B:    return "VILA1.5-40B";
    case VILA_FAMILY_UNKNOWN:
    default:                         return "unknown";
    }
}

void
vila_load_options_init (VilaLoadOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (VilaLoadOptions) {
    .backend = VILA_BACKEND_AUTO,
    .dtype = VILA_DTYPE_F16,
    .token_order = VILA_TOKEN_ORDER_AUTO,
  };
}

void
vila_session_options_init (VilaSessionOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (VilaSessionOptions) {
    .mode = VILA_PROMPT_CHAT,
  };
}

void
vila_sampling_params_init (VilaSamplingParams *params)
{
  g_return_if_fail (params != NULL);

  /* Greedy, as NVILA's generate_content and every fidelity comparison;
   * 512 new tokens as run_vila.py and the OpenAI-style server. */
  *params = (VilaSamplingParams) {
    .temperature = 0.0f,
    .top_p = 1.0f,
    .top_k = 0,
    .repetition_penalty = 1.0f,
    .seed = 0,
    .max_new_tokens = 512,
  };
}

gboolean
vila_file_error (GError    **error,
                 VilaError   code,
                 const char *file,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VILA_ERROR, code, "%s: %s", file, message);
  return FALSE;
}
