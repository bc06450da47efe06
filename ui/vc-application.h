/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VC_TYPE_APPLICATION (vc_application_get_type ())

G_DECLARE_FINAL_TYPE (VcApplication, vc_application, VC, APPLICATION, AdwApplication)

VcApplication *vc_application_new (void);

G_END_DECLS
