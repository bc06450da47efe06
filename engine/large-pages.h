/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Asks the kernel to back [@data, @data + @size) with 2 MB pages where it
 * can (madvise MADV_HUGEPAGE); a hint, silently ignored where unknown. */
void vila_large_pages_advise (gconstpointer data,
                              gsize         size);

/* @size bytes, 2 MB aligned and advised as above before the first touch
 * (plain memory under 2 MB); freed with g_free() (GLib's allocator is the
 * system's since 2.46). */
gpointer vila_large_pages_alloc (gsize size);

G_END_DECLS
