/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes small checkpoints in the real layouts for tests: every tensor the
 * released checkpoints have, with tiny dimensions and a fixed pattern for
 * data. The names are written here from vila-format.md, independently of
 * the engine's own list, so that each checks the other. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VILA_TEST_VILA15,   /* three-part: Llama (GQA) + SigLIP (odd grid) + mlp_downsample, sharded llm/ */
  VILA_TEST_FLAT,     /* VILA-7B style: Llama + CLIP + mlp2x_gelu in one folder */
} VilaTestLayout;

/* Called for each tensor before it is written: may change its shape
 * (shape[0] and shape[1]) or return FALSE to leave it out. */
typedef gboolean (*VilaTestTensorEdit) (const char *name,
                                        gint64     *shape,
                                        guint       n_dims,
                                        gpointer    user_data);

/* Writes a checkpoint into a new folder under the temporary directory,
 * with the tokenizer files of @tokenizer_dir, and returns its path. */
char *vila_test_write_checkpoint (VilaTestLayout      layout,
                                  const char         *tokenizer_dir,
                                  VilaTestTensorEdit  edit,
                                  gpointer            user_data);

/* Removes what vila_test_write_checkpoint() wrote. */
void  vila_test_remove_checkpoint (const char *path);

G_END_DECLS
