/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-conversation-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-conversation-settings.h"

struct _VcConversationSettings
{
  AdwPreferencesWindow parent_instance;
  VcStore             *store;
  gint64               conversation;
  gboolean             loading;     /* filling the rows in: nothing to save */

  /* Template children */
  AdwEntryRow         *title_row;
  AdwExpanderRow      *prompt_expander;
  AdwEntryRow         *prompt_row;
  AdwExpanderRow      *sampling_expander;
  GtkAdjustment       *temperature;
  GtkAdjustment       *top_p;
  GtkAdjustment       *max_new_tokens;
};

G_DEFINE_FINAL_TYPE (VcConversationSettings, vc_conversation_settings, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  SIGNAL_CHANGED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
saved (VcConversationSettings *self,
       gboolean                ok,
       GError                 *error)
{
  if (ok)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, self->conversation);
  else
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

static void
on_title_apply (VcConversationSettings *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row)));

  g_strstrip (title);
  /* A conversation always has a name to show in the list. */
  if (*title == '\0')
    return;
  saved (self, vc_store_rename_conversation (self->store, self->conversation, title, &error), error);
}

static void
save_prompt (VcConversationSettings *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;

  if (self->loading)
    return;
  /* Switched on but empty, it is the model's own prompt, as in the
   * preferences. */
  if (adw_expander_row_get_enable_expansion (self->prompt_expander))
    prompt = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->prompt_row))));
  saved (self, vc_store_set_system_prompt (self->store, self->conversation, prompt, &error), error);
}

static void
save_sampling (VcConversationSettings *self)
{
  g_autoptr(GError) error = NULL;
  gboolean own;

  if (self->loading)
    return;
  own = adw_expander_row_get_enable_expansion (self->sampling_expander);
  saved (self,
         vc_store_set_sampling (self->store, self->conversation, own ? gtk_adjustment_get_value (self->temperature) : -1,
                                own ? gtk_adjustment_get_value (self->top_p) : -1,
                                own ? (gint64) gtk_adjustment_get_value (self->max_new_tokens) : 0, &error),
         error);
}

static void
vc_conversation_settings_dispose (GObject *object)
{
  VcConversationSettings *self = VC_CONVERSATION_SETTINGS (object);

  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_CONVERSATION_SETTINGS);
  G_OBJECT_CLASS (vc_conversation_settings_parent_class)->dispose (object);
}

static void
vc_conversation_settings_class_init (VcConversationSettingsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = vc_conversation_settings_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-conversation-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, title_row);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, prompt_expander);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, prompt_row);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, sampling_expander);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, temperature);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, top_p);
  gtk_widget_class_bind_template_child (widget_class, VcConversationSettings, max_new_tokens);
  gtk_widget_class_bind_template_callback (widget_class, on_title_apply);
  gtk_widget_class_bind_template_callback (widget_class, save_prompt);
  gtk_widget_class_bind_template_callback (widget_class, save_sampling);
}

static void
vc_conversation_settings_init (VcConversationSettings *self)
{
  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
vc_conversation_settings_new (GtkWindow  *parent,
                              VcStore    *store,
                              gint64      conversation,
                              GError    **error)
{
  g_autoptr(VcConversation) c = NULL;
  g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);
  VcConversationSettings *self;
  g_autofree char *default_prompt = NULL;

  g_return_val_if_fail (VC_IS_STORE (store), NULL);

  if (!(c = vc_store_get_conversation (store, conversation, error)))
    return NULL;
  self = g_object_new (VC_TYPE_CONVERSATION_SETTINGS, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->conversation = conversation;

  /* Switched on, the rows start from what the preferences say. */
  default_prompt = g_settings_get_string (settings, "system-prompt");
  gtk_editable_set_text (GTK_EDITABLE (self->title_row), c->title);
  adw_expander_row_set_enable_expansion (self->prompt_expander, c->system_prompt != NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->prompt_row), c->system_prompt ? c->system_prompt : default_prompt);
  adw_expander_row_set_enable_expansion (self->sampling_expander,
                                         c->temperature >= 0 || c->top_p >= 0 || c->max_new_tokens > 0);
  gtk_adjustment_set_value (self->temperature,
                            c->temperature >= 0 ? c->temperature : g_settings_get_double (settings, "temperature"));
  gtk_adjustment_set_value (self->top_p, c->top_p >= 0 ? c->top_p : g_settings_get_double (settings, "top-p"));
  gtk_adjustment_set_value (self->max_new_tokens, c->max_new_tokens > 0 ? (double) c->max_new_tokens
                                                                        : g_settings_get_uint (settings, "max-new-tokens"));
  self->loading = FALSE;
  return GTK_WIDGET (self);
}
