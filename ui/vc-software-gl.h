/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Where OpenGL is rasterised by the processor (Mesa's llvmpipe, as in a
 * virtual machine or a session without GPU drivers), GTK draws VILA
 * Chat's windows with its cairo renderer, unless GSK_RENDERER says
 * otherwise (vc-software-gl.c says why). */

/* What the last run found, applied where the machine shows the same
 * graphics: call at the start of main(), before any thread runs (it may
 * set GSK_RENDERER and GDK_DEBUG). */
void vc_software_gl_apply_remembered (void);
/* After gtk_init(), before a window is shown: with nothing remembered,
 * finds out now (and applies it); otherwise checks again once the window
 * is drawn, for the next run. */
void vc_software_gl_check            (void);
/* Programs started with @context get the environment VILA Chat was given:
 * the renderer it chose is its own affair. */
void vc_software_gl_clean_launch_context (GAppLaunchContext *context);
/* As gtk_show_uri(), with such a context: for images and links. */
void vc_software_gl_show_uri             (GtkWidget         *widget,
                                          const char        *uri);

G_END_DECLS
