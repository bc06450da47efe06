/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-conversation-list"

#include "config.h"

#include "vc-conversation-list.h"

struct _VcConversationItem
{
  GObject  parent_instance;
  gint64   id;
  char    *title;
  gint64   updated;
};

enum {
  ITEM_PROP_0,
  ITEM_PROP_TITLE,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (VcConversationItem, vc_conversation_item, G_TYPE_OBJECT)

static void
vc_conversation_item_finalize (GObject *object)
{
  g_free (VC_CONVERSATION_ITEM (object)->title);
  G_OBJECT_CLASS (vc_conversation_item_parent_class)->finalize (object);
}

static void
vc_conversation_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ITEM_PROP_TITLE:
      g_value_set_string (value, VC_CONVERSATION_ITEM (object)->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vc_conversation_item_class_init (VcConversationItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vc_conversation_item_finalize;
  object_class->get_property = vc_conversation_item_get_property;
  /* For expressions and bindings in list rows. */
  item_properties[ITEM_PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
vc_conversation_item_init (VcConversationItem *self)
{
}

gint64
vc_conversation_item_get_id (VcConversationItem *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_ITEM (self), 0);

  return self->id;
}

const char *
vc_conversation_item_get_title (VcConversationItem *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_ITEM (self), NULL);

  return self->title;
}

gint64
vc_conversation_item_get_updated (VcConversationItem *self)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_ITEM (self), 0);

  return self->updated;
}

struct _VcConversationList
{
  GObject     parent_instance;
  VcStore    *store;
  GPtrArray  *items;      /* VcConversationItem, shown */
  GPtrArray  *all;        /* VcConversationItem, as the store has them */
  GHashTable *hidden;     /* gint64 * */
};

static void list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VcConversationList, vc_conversation_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_init))

static GType
list_get_item_type (GListModel *model)
{
  return VC_TYPE_CONVERSATION_ITEM;
}

static guint
list_get_n_items (GListModel *model)
{
  return VC_CONVERSATION_LIST (model)->items->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  VcConversationList *self = VC_CONVERSATION_LIST (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

static void
vc_conversation_list_dispose (GObject *object)
{
  VcConversationList *self = VC_CONVERSATION_LIST (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (vc_conversation_list_parent_class)->dispose (object);
}

static void
vc_conversation_list_finalize (GObject *object)
{
  VcConversationList *self = VC_CONVERSATION_LIST (object);

  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->all);
  g_hash_table_unref (self->hidden);
  G_OBJECT_CLASS (vc_conversation_list_parent_class)->finalize (object);
}

static void
vc_conversation_list_class_init (VcConversationListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vc_conversation_list_dispose;
  object_class->finalize = vc_conversation_list_finalize;
}

static void
vc_conversation_list_init (VcConversationList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->all = g_ptr_array_new_with_free_func (g_object_unref);
  self->hidden = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

VcConversationList *
vc_conversation_list_new (VcStore *store)
{
  VcConversationList *self;

  g_return_val_if_fail (VC_IS_STORE (store), NULL);

  self = g_object_new (VC_TYPE_CONVERSATION_LIST, NULL);
  self->store = g_object_ref (store);
  return self;
}

static gboolean
same_item (VcConversationItem *a,
           VcConversationItem *b)
{
  return a->id == b->id && a->updated == b->updated && g_strcmp0 (a->title, b->title) == 0;
}

/* What is shown: every read conversation but the hidden ones. Only the
 * rows between the unchanged start and end of the list are reported
 * changed (a conversation that moved to the top changes the rows down to
 * where it was), so that a list of a thousand is not rebuilt whole. */
static void
refresh (VcConversationList *self)
{
  g_autoptr(GPtrArray) now = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *before = self->items;
  guint prefix = 0, suffix = 0;

  for (guint i = 0; i < self->all->len; i++)
    {
      VcConversationItem *item = self->all->pdata[i];

      if (!g_hash_table_contains (self->hidden, &item->id))
        g_ptr_array_add (now, g_object_ref (item));
    }
  while (prefix < before->len && prefix < now->len && same_item (before->pdata[prefix], now->pdata[prefix]))
    prefix++;
  while (suffix < before->len - prefix && suffix < now->len - prefix &&
         same_item (before->pdata[before->len - 1 - suffix], now->pdata[now->len - 1 - suffix]))
    suffix++;
  /* Unchanged rows keep their items, so nothing rebinds them. */
  for (guint i = 0; i < prefix; i++)
    {
      g_object_unref (now->pdata[i]);
      now->pdata[i] = g_object_ref (before->pdata[i]);
    }
  for (guint i = 0; i < suffix; i++)
    {
      g_object_unref (now->pdata[now->len - 1 - i]);
      now->pdata[now->len - 1 - i] = g_object_ref (before->pdata[before->len - 1 - i]);
    }
  self->items = g_steal_pointer (&now);
  if (before->len - prefix - suffix > 0 || self->items->len - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, before->len - prefix - suffix,
                                self->items->len - prefix - suffix);
  g_ptr_array_unref (before);
}

gboolean
vc_conversation_list_reload (VcConversationList  *self,
                             const char          *query,
                             GError             **error)
{
  g_autoptr(GPtrArray) conversations = NULL;

  g_return_val_if_fail (VC_IS_CONVERSATION_LIST (self), FALSE);

  if (!(conversations = vc_store_list_conversations (self->store, query && *query ? query : NULL, error)))
    return FALSE;
  g_ptr_array_set_size (self->all, 0);
  for (guint i = 0; i < conversations->len; i++)
    {
      const VcConversation *c = conversations->pdata[i];
      VcConversationItem *item = g_object_new (VC_TYPE_CONVERSATION_ITEM, NULL);

      item->id = c->id;
      item->title = g_strdup (c->title);
      item->updated = c->updated;
      g_ptr_array_add (self->all, item);
    }
  refresh (self);
  return TRUE;
}

void
vc_conversation_list_hide (VcConversationList *self,
                           gint64              conversation,
                           gboolean            hidden)
{
  g_return_if_fail (VC_IS_CONVERSATION_LIST (self));

  if (hidden)
    g_hash_table_add (self->hidden, g_memdup2 (&conversation, sizeof conversation));
  else
    g_hash_table_remove (self->hidden, &conversation);
  refresh (self);
}

int
vc_conversation_list_find (VcConversationList *self,
                           gint64              conversation)
{
  g_return_val_if_fail (VC_IS_CONVERSATION_LIST (self), -1);

  for (guint i = 0; i < self->items->len; i++)
    if (((VcConversationItem *) self->items->pdata[i])->id == conversation)
      return i;
  return -1;
}
