/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What kind of OpenGL an earlier start found here (ui/vc-software-gl.c
 * says why it matters), kept in the user's cache folder with what the
 * machine showed of its graphics then. */
typedef enum {
  VC_GL_UNKNOWN,
  VC_GL_HARDWARE,
  VC_GL_SOFTWARE,
} VcGlKind;

/* The kind found last, where the machine still shows the same graphics
 * (session kind, DRM and NVIDIA device nodes); VC_GL_UNKNOWN otherwise. */
VcGlKind vc_gl_memory_read  (void);
/* Keeps @kind, found with the GL renderer named @renderer (may be NULL). */
void     vc_gl_memory_write (VcGlKind    kind,
                             const char *renderer);

G_END_DECLS
