/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <json-glib/json-glib.h>

#include "vila.h"

struct _VilaModel
{
  gatomicrefcount ref_count;
  char           *path;
  char           *name;
  VilaModelInfo   info;
};

/* Every released layout, flat or three-part, has a top-level config.json
 * (vila-format.md section 1). Checking it first turns "wrong folder" into a
 * precise message before anything heavy happens. */
static JsonObject *
read_top_config (const char  *path,
                 GError     **error)
{
  g_autofree char *config_path = g_build_filename (path, "config.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND,
                   "%s is not a folder", path);
      return NULL;
    }

  if (!g_file_test (config_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_FOUND,
                   "%s has no config.json; choose the folder of a VILA checkpoint",
                   path);
      return NULL;
    }

  if (!json_parser_load_from_mapped_file (parser, config_path, &local_error))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT,
                   "%s: %s", config_path, local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_INVALID_CHECKPOINT,
                   "%s: expected a JSON object", config_path);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

VilaModel *
vila_model_load (const char             *path,
                 const VilaLoadOptions  *options,
                 GError                **error)
{
  g_autoptr(JsonObject) config = NULL;
  VilaLoadOptions defaults;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      vila_load_options_init (&defaults);
      options = &defaults;
    }

  if (options->backend == VILA_BACKEND_CUDA)
    {
      g_autofree char *reason = NULL;

      if (!vila_backend_is_available (VILA_BACKEND_CUDA, &reason))
        {
          g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE,
                       "The CUDA backend cannot run: %s", reason);
          return NULL;
        }
    }

  if (!(config = read_top_config (path, error)))
    return NULL;

  g_set_error (error, VILA_ERROR, VILA_ERROR_NOT_IMPLEMENTED,
               "Loading VILA checkpoints is not implemented yet");
  return NULL;
}

VilaModel *
vila_model_ref (VilaModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
vila_model_unref (VilaModel *model)
{
  g_return_if_fail (model != NULL);

  if (g_atomic_ref_count_dec (&model->ref_count))
    {
      g_free (model->path);
      g_free (model->name);
      g_free (model);
    }
}

const VilaModelInfo *
vila_model_get_info (VilaModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  return &model->info;
}
