/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "model-config.h"

G_BEGIN_DECLS

/* How a tower wants its pixels (preprocessor_config.json, or the known
 * processor of a tower a checkpoint only names). */
typedef struct {
  guint    size;          /* the square side the tower takes */
  gboolean pad;           /* expand to a square of the mean colour first */
  float    mean[3];
  float    std[3];
  double   rescale;       /* usually 1/255 */
} VilaPreprocess;

/* Reads the vision tower's preprocessor_config.json where there is one and
 * checks it against the config; @error names the file. */
gboolean vila_preprocess_init (VilaPreprocess         *preprocess,
                               const VilaModelConfig  *config,
                               GError                **error);

/* The pixel tensor of @image: float32, channels first [3][size][size],
 * computed as transformers' image processors do. Free with g_free(). */
float   *vila_preprocess_image (const VilaPreprocess   *preprocess,
                                const VilaImage        *image);

G_END_DECLS
