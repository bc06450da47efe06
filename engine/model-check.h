/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "model-config.h"
#include "safetensors.h"

G_BEGIN_DECLS

/* Each checks that @weights hold the component's tensors with the shapes
 * the config implies; the error names the file and the tensor. @folder
 * names the component in messages about missing tensors. */
gboolean vila_check_llm       (VilaWeights            *weights,
                               const char             *folder,
                               const VilaLlmConfig    *llm,
                               GError                **error);
gboolean vila_check_vision    (VilaWeights            *weights,
                               const char             *folder,
                               const VilaVisionConfig *vision,
                               gboolean                flat,
                               GError                **error);
gboolean vila_check_projector (VilaWeights            *weights,
                               const char             *folder,
                               const VilaModelConfig  *config,
                               GError                **error);

guint    vila_vision_layers_used (const VilaVisionConfig *vision);

G_END_DECLS
