/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * GTK 4.8 draws with OpenGL wherever a GL context can be made, even when
 * that GL is Mesa's software rasteriser. There every frame is rasterised
 * on the processor's cores, beside the engine's threads, and the window
 * waits for it: tools/ui-bench under Xvfb measured 38-50 main-loop stalls
 * of up to 82 ms while an answer streamed, and a cold start of 535 ms,
 * against none over 16 ms and ~300 ms with the cairo renderer, which
 * draws only what changed. People who run VILA Chat on the processor
 * alone are the ones likely to have no GPU driver, so the window uses
 * cairo where GL is software. Newer GTK chooses its renderers differently
 * and is left to do so.
 *
 * Finding out takes a GL context of our own (some 6-8 ms at start-up with
 * llvmpipe), so the answer is kept in the user's cache folder: the next
 * start applies it before GTK starts, and checks it again after its first
 * frame.
 */
#define G_LOG_DOMAIN "vc-software-gl"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "vc-software-gl.h"

typedef enum {
  GL_UNKNOWN,
  GL_HARDWARE,
  GL_SOFTWARE,
} GlKind;

static const char * const kind_names[] = { "unknown", "hardware", "software" };
static GlKind remembered = GL_UNKNOWN;
static gboolean chosen_outside;   /* GSK_RENDERER was set when we started */

static char *
memory_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "vila-chat", "gl-renderer", NULL);
}

static GlKind
read_memory (void)
{
  g_autofree char *path = memory_path ();
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return GL_UNKNOWN;
  if (g_str_has_prefix (contents, "software\n"))
    return GL_SOFTWARE;
  if (g_str_has_prefix (contents, "hardware\n"))
    return GL_HARDWARE;
  return GL_UNKNOWN;
}

static void
write_memory (GlKind      kind,
              const char *renderer)
{
  g_autofree char *path = memory_path ();
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *contents = g_strdup_printf ("%s\n%s\n", kind_names[kind], renderer ? renderer : "");
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (folder, 0700) != 0 || !g_file_set_contents (path, contents, -1, &error))
    g_debug ("Cannot remember the GL renderer in %s: %s", path, error ? error->message : g_strerror (errno));
}

/* Renderer strings of Mesa's processor rasterisers. */
static gboolean
is_software_renderer (const char *renderer)
{
  static const char * const software[] = { "llvmpipe", "softpipe", "Software Rasterizer", "SWR" };

  for (guint i = 0; renderer != NULL && i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* What GL is here, with a context of our own; remembered. */
static GlKind
find_out (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *renderer = NULL;
  GlKind kind;

  if (display == NULL)
    return GL_UNKNOWN;
  /* No GL at all: GTK picks cairo by itself. */
  if (!(context = gdk_display_create_gl_context (display, &error)) || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No GL context: %s", error ? error->message : "");
      return GL_UNKNOWN;
    }
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  kind = is_software_renderer (renderer) ? GL_SOFTWARE : GL_HARDWARE;
  if (kind != remembered)
    write_memory (kind, renderer);
  return kind;
}

void
vc_software_gl_apply_remembered (void)
{
#if !GTK_CHECK_VERSION (4, 14, 0)
  chosen_outside = g_getenv ("GSK_RENDERER") != NULL;
  if (chosen_outside)
    return;
  remembered = read_memory ();
  if (remembered == GL_SOFTWARE)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
#endif
}

static gboolean
check_again (gpointer data)
{
  find_out ();
  return G_SOURCE_REMOVE;
}

void
vc_software_gl_check (void)
{
#if !GTK_CHECK_VERSION (4, 14, 0)
  if (chosen_outside)
    return;
  if (remembered != GL_UNKNOWN)
    {
      /* For the next start: after the first frames, at low priority. */
      g_timeout_add_seconds_full (G_PRIORITY_LOW, 2, check_again, NULL, NULL);
      return;
    }
  /* GTK reads GSK_RENDERER when it makes its first renderer, for the
   * first window: there is none yet. */
  if (find_out () == GL_SOFTWARE && g_getenv ("GSK_RENDERER") == NULL)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
#endif
}
