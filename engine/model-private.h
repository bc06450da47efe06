/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "backend.h"
#include "image-preprocess.h"
#include "llm.h"
#include "model-config.h"
#include "prompt.h"
#include "safetensors.h"
#include "vision.h"

G_BEGIN_DECLS

struct _VilaModel
{
  gatomicrefcount       ref_count;
  char                 *path;
  char                 *name;
  char                 *dtypes;
  char                 *backend_note;
  VilaModelConfig      *config;
  VilaTokenizer        *tokenizer;
  VilaWeights          *llm_weights;
  VilaWeights          *vision_weights;      /* the same as llm_weights in the flat layout */
  VilaWeights          *projector_weights;   /* likewise */
  const VilaBackendOps *ops;
  VilaLlm              *llm;
  VilaVision           *vision;
  VilaPreprocess        preprocess;
  const VilaTemplate   *template;
  VilaModelInfo         info;
};

G_END_DECLS
