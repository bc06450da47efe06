/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer: a checkpoint's config.json from any bytes. Seeds: the configs
 * of the released families in seeds/model-config. */
#include "config.h"

#include "model-config.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VilaModelConfig) config =
    vila_model_config_parse ((const char *) data, size, "config.json", NULL, &error);

  g_assert ((config == NULL) == (error != NULL));
  if (config != NULL)
    {
      /* What later code sizes buffers from stays within the limits. */
      g_assert (config->llm.hidden > 0 && config->llm.n_layers > 0 && config->llm.vocab > 0);
      g_assert (config->llm.n_heads % config->llm.n_kv_heads == 0);
      g_assert (config->vision.patch_size <= config->vision.image_size);
      g_assert (config->tokens_per_image > 0);
    }
  return 0;
}
