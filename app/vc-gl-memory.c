/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-gl-memory"

#include "config.h"

#include <errno.h>

#include "vc-gl-memory.h"

static const char * const kind_names[] = { "unknown", "hardware", "software" };

/* What the machine shows of its graphics without loading any of it: the
 * kind of session and the device nodes of GPU drivers. A driver installed
 * or another session changes it, and the kind is found out again. */
static char *
graphics_fingerprint (void)
{
  GString *print = g_string_new (g_getenv ("WAYLAND_DISPLAY") ? "wayland" : "x11");
  g_autoptr(GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (print, " %s", (char *) names->pdata[i]);
  if (g_file_test ("/dev/nvidiactl", G_FILE_TEST_EXISTS))
    g_string_append (print, " nvidiactl");
  return g_string_free (print, FALSE);
}

static char *
memory_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "vila-chat", "gl-renderer", NULL);
}

VcGlKind
vc_gl_memory_read (void)
{
  g_autofree char *path = memory_path ();
  g_autofree char *contents = NULL;
  g_autofree char *fingerprint = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return VC_GL_UNKNOWN;
  fingerprint = graphics_fingerprint ();
  lines = g_strsplit (contents, "\n", 4);
  if (g_strv_length (lines) < 3 || g_strcmp0 (lines[2], fingerprint) != 0)
    return VC_GL_UNKNOWN;
  for (guint kind = VC_GL_HARDWARE; kind <= VC_GL_SOFTWARE; kind++)
    if (g_str_equal (lines[0], kind_names[kind]))
      return kind;
  return VC_GL_UNKNOWN;
}

void
vc_gl_memory_write (VcGlKind    kind,
                    const char *renderer)
{
  g_autofree char *path = memory_path ();
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *fingerprint = graphics_fingerprint ();
  g_autofree char *contents = g_strdup_printf ("%s\n%s\n%s\n", kind_names[kind], renderer ? renderer : "", fingerprint);
  g_autoptr(GError) error = NULL;

  g_return_if_fail (kind <= VC_GL_SOFTWARE);

  if (g_mkdir_with_parents (folder, 0700) != 0 || !g_file_set_contents (path, contents, -1, &error))
    g_debug ("Cannot remember the GL renderer in %s: %s", path, error ? error->message : g_strerror (errno));
}
