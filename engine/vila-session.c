/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include "vila.h"

struct _VilaSession
{
  VilaModel         *model;
  VilaSessionOptions options;
  guint              n_tokens;
};

static gboolean
not_implemented (GError **error)
{
  g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_IMPLEMENTED,
               "Inference sessions are not implemented yet");
  return FALSE;
}

VilaSession *
vila_session_new (VilaModel                 *model,
                  const VilaSessionOptions  *options,
                  GError                   **error)
{
  g_return_val_if_fail (model != NULL, NULL);

  not_implemented (error);
  return NULL;
}

void
vila_session_free (VilaSession *session)
{
  if (session == NULL)
    return;

  vila_model_unref (session->model);
  g_free (session);
}

gboolean
vila_session_append_text (VilaSession  *session,
                          const char   *text,
                          GError      **error)
{
  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  return not_implemented (error);
}

gboolean
vila_session_append_image (VilaSession      *session,
                           const VilaImage  *image,
                           GError          **error)
{
  g_return_val_if_fail (session != NULL, FALSE);
  g_return_val_if_fail (image != NULL, FALSE);

  return not_implemented (error);
}

gboolean
vila_session_truncate (VilaSession  *session,
                       guint         n_turns,
                       GError      **error)
{
  g_return_val_if_fail (session != NULL, FALSE);

  return not_implemented (error);
}

guint
vila_session_get_n_tokens (VilaSession *session)
{
  g_return_val_if_fail (session != NULL, 0);

  return session->n_tokens;
}

gboolean
vila_session_generate (VilaSession               *session,
                       const VilaSamplingParams  *params,
                       VilaTokenFunc              on_token,
                       gpointer                   user_data,
                       const gint                *cancel,
                       VilaGenerateStats         *stats,
                       GError                   **error)
{
  g_return_val_if_fail (session != NULL, FALSE);

  if (stats != NULL)
    *stats = (VilaGenerateStats) { .stop_reason = VILA_STOP_NONE };

  return not_implemented (error);
}
