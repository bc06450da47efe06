/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"
#include "model-config.h"

G_BEGIN_DECLS

/* The vision tower (SigLIP or CLIP) and the projector that maps its
 * features into the language model's embedding space. */
typedef struct _VilaVision VilaVision;

/* @flat: the weights are under the prefixes of the flat LLaVA layout. */
VilaVision *vila_vision_new          (const VilaModelConfig *config,
                                      VilaWeights           *tower_weights,
                                      VilaWeights           *projector_weights,
                                      const VilaBackendOps  *ops,
                                      VilaBindProgress      *progress,
                                      GError               **error);
void        vila_vision_free         (VilaVision            *vision);

/* Selected features of one image: [n_features][hidden] where n_features is
 * the patch grid (plus CLIP's class token when "cls_patch" keeps it).
 * @pixels: [3][size][size]. Returns a new array and sets @n_features. */
float      *vila_vision_features     (VilaVision            *vision,
                                      const float           *pixels,
                                      gsize                 *n_features,
                                      GError               **error);

/* The projector: [tokens][llm hidden] from the features; @column_major
 * picks the 2x2 token order VILA1.5 was trained with (see vila-format.md
 * section 3). Sets @n_tokens. Both return NULL and set @error when the
 * backend runs out of memory. */
float      *vila_vision_project      (VilaVision            *vision,
                                      const float           *features,
                                      gsize                  n_features,
                                      gboolean               column_major,
                                      gsize                 *n_tokens,
                                      GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VilaVision, vila_vision_free)

G_END_DECLS
