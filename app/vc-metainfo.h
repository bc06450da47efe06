/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The parts of an AppStream metainfo file that the About window shows. The
 * metainfo is the single source of these facts; libadwaita 1.2 cannot read it
 * itself (adw_about_window_new_from_appdata came in 1.4). */
typedef struct {
  char *id;
  char *name;
  char *summary;
  char *developer_name;
  char *project_license;
  char *homepage;
  char *bugtracker;
  char *version;         /* of the newest release */
  char *release_notes;   /* its description, as the p/ul/ol/li/em/code markup */
} VcMetainfo;

VcMetainfo *vc_metainfo_parse         (const char  *xml,
                                       gssize       length,
                                       GError     **error);
VcMetainfo *vc_metainfo_load_resource (const char  *resource_path,
                                       GError     **error);
void        vc_metainfo_free          (VcMetainfo  *metainfo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VcMetainfo, vc_metainfo_free)

G_END_DECLS
