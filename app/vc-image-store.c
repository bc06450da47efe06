/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "vc-image-store.h"

char *
vc_image_store_path (const char *folder,
                     const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[0] ? sha256[1] : '\0', '\0' };

  g_return_val_if_fail (folder != NULL && sha256 != NULL, NULL);

  /* Two hex digits of subfolder: no folder of hundreds of thousands. */
  return g_build_filename (folder, "images", prefix, sha256, NULL);
}

char *
vc_image_store_add (const char  *folder,
                    GBytes      *bytes,
                    GError     **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *path = vc_image_store_path (folder, sha256);
  g_autofree char *parent = g_path_get_dirname (path);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&sha256);
  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot create %s: %s"), parent,
                   g_strerror (saved));
      return NULL;
    }
  /* Written to a temporary file and renamed: a crash leaves no half image
   * under the final name. */
  if (!g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&sha256);
}
