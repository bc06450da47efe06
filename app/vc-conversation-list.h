/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vc-store.h"

G_BEGIN_DECLS

/* One conversation in a list model: what the sidebar shows of it. */
#define VC_TYPE_CONVERSATION_ITEM (vc_conversation_item_get_type ())
G_DECLARE_FINAL_TYPE (VcConversationItem, vc_conversation_item, VC, CONVERSATION_ITEM, GObject)

gint64      vc_conversation_item_get_id      (VcConversationItem *self);
const char *vc_conversation_item_get_title   (VcConversationItem *self);
gint64      vc_conversation_item_get_updated (VcConversationItem *self);

/* The store's conversations as a GListModel of VcConversationItem, newest
 * first, optionally those a search matches. A conversation can be hidden
 * while its deletion can still be undone. */
#define VC_TYPE_CONVERSATION_LIST (vc_conversation_list_get_type ())
G_DECLARE_FINAL_TYPE (VcConversationList, vc_conversation_list, VC, CONVERSATION_LIST, GObject)

VcConversationList *vc_conversation_list_new    (VcStore            *store);
/* Reads the store again (after a change, or for another @query: FTS5
 * words, NULL or "" for every conversation). */
gboolean            vc_conversation_list_reload (VcConversationList *self,
                                                 const char         *query,
                                                 GError            **error);
void                vc_conversation_list_hide   (VcConversationList *self,
                                                 gint64              conversation,
                                                 gboolean            hidden);
/* The position of @conversation, or -1. */
int                 vc_conversation_list_find   (VcConversationList *self,
                                                 gint64              conversation);

G_END_DECLS
