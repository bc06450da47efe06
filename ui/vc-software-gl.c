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
 * llvmpipe), so the answer is kept in the user's cache folder
 * (app/vc-gl-memory.c), beside what the machine showed of its graphics
 * then (its DRM and NVIDIA device nodes and the kind of session). A start
 * that finds the same applies it before GTK starts, and where GL is
 * software it also keeps GDK from preparing GL at all
 * (GDK_DEBUG=gl-disable): loading Mesa and making its context is
 * ~75 ms of a ~280 ms start here, for nothing once cairo draws. A start
 * that finds something else (a driver installed, another session) finds
 * out again; one with hardware GL checks again after its first frame.
 */
#define G_LOG_DOMAIN "vc-software-gl"

#include "config.h"

#include <string.h>

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "vc-gl-memory.h"
#include "vc-software-gl.h"

static VcGlKind remembered = VC_GL_UNKNOWN;
static gboolean chosen_outside;   /* GSK_RENDERER was set when we started */
static gboolean gl_disabled;      /* by us, for this run */
static char *given_gdk_debug;     /* GDK_DEBUG as we were given it, or NULL */

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
static VcGlKind
find_out (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *renderer = NULL;
  VcGlKind kind;

  if (display == NULL)
    return VC_GL_UNKNOWN;
  /* No GL at all: GTK picks cairo by itself. */
  if (!(context = gdk_display_create_gl_context (display, &error)) || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No GL context: %s", error ? error->message : "");
      return VC_GL_UNKNOWN;
    }
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  kind = is_software_renderer (renderer) ? VC_GL_SOFTWARE : VC_GL_HARDWARE;
  if (kind != remembered)
    vc_gl_memory_write (kind, renderer);
  return kind;
}

void
vc_software_gl_apply_remembered (void)
{
#if !GTK_CHECK_VERSION (4, 14, 0)
  chosen_outside = g_getenv ("GSK_RENDERER") != NULL;
  if (chosen_outside)
    return;
  remembered = vc_gl_memory_read ();
  if (remembered == VC_GL_SOFTWARE)
    {
      const char *debug = g_getenv ("GDK_DEBUG");
      g_autofree char *with_gl_disabled = debug && *debug ? g_strconcat (debug, ":gl-disable", NULL)
                                                            : g_strdup ("gl-disable");

      given_gdk_debug = g_strdup (debug);
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
      g_setenv ("GDK_DEBUG", with_gl_disabled, TRUE);
      gl_disabled = TRUE;
    }
#endif
}

void
vc_software_gl_clean_launch_context (GAppLaunchContext *context)
{
  g_return_if_fail (G_IS_APP_LAUNCH_CONTEXT (context));

  if (chosen_outside || g_getenv ("GSK_RENDERER") == NULL)
    return;
  g_app_launch_context_unsetenv (context, "GSK_RENDERER");
  if (!gl_disabled)
    return;
  if (given_gdk_debug != NULL)
    g_app_launch_context_setenv (context, "GDK_DEBUG", given_gdk_debug);
  else
    g_app_launch_context_unsetenv (context, "GDK_DEBUG");
}

static void
on_uri_shown (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Cannot open %s: %s", (char *) user_data, error->message);
  g_free (user_data);
}

void
vc_software_gl_show_uri (GtkWidget  *widget,
                         const char *uri)
{
  g_autoptr(GdkAppLaunchContext) context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));

  g_return_if_fail (uri != NULL);
  vc_software_gl_clean_launch_context (G_APP_LAUNCH_CONTEXT (context));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL, on_uri_shown, g_strdup (uri));
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
  /* GL is off for this run: what was found holds while the machine shows
   * the same graphics. */
  if (chosen_outside || gl_disabled)
    return;
  if (remembered != VC_GL_UNKNOWN)
    {
      /* For the next start: after the first frames, at low priority. */
      g_timeout_add_seconds_full (G_PRIORITY_LOW, 2, check_again, NULL, NULL);
      return;
    }
  /* GTK reads GSK_RENDERER when it makes its first renderer, for the
   * first window: there is none yet. */
  if (find_out () == VC_GL_SOFTWARE && g_getenv ("GSK_RENDERER") == NULL)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
#endif
}
