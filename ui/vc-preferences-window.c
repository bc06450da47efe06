/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "vc-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "vc-preferences-window.h"

struct _VcPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
  GSettings           *settings;

  /* Template children */
  AdwActionRow        *model_row;
  AdwComboRow         *backend_row;
  GtkAdjustment       *temperature;
  GtkAdjustment       *top_p;
  GtkAdjustment       *max_new_tokens;
  AdwEntryRow         *system_prompt_row;
};

G_DEFINE_FINAL_TYPE (VcPreferencesWindow, vc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_model_path (VcPreferencesWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "model-path");

  adw_action_row_set_subtitle (self->model_row, *path != '\0' ? path : _("None chosen"));
}

static void
on_backend_selected (VcPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->backend_row);

  if (selected != GTK_INVALID_LIST_POSITION && (int) selected != g_settings_get_enum (self->settings, "backend"))
    g_settings_set_enum (self->settings, "backend", (int) selected);
}

static void
on_system_prompt_apply (VcPreferencesWindow *self)
{
  g_autofree char *prompt = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->system_prompt_row)));

  g_settings_set_string (self->settings, "system-prompt", g_strstrip (prompt));
}

/* The folder chooser is the main window's: choosing there loads the model
 * and keeps the folder only once it loaded. */
static void
choose_model (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.choose-model", NULL);
}

static void
vc_preferences_window_dispose (GObject *object)
{
  VcPreferencesWindow *self = VC_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), VC_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (vc_preferences_window_parent_class)->dispose (object);
}

static void
vc_preferences_window_class_init (VcPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = vc_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/vc-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, model_row);
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, temperature);
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, top_p);
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, max_new_tokens);
  gtk_widget_class_bind_template_child (widget_class, VcPreferencesWindow, system_prompt_row);
  gtk_widget_class_bind_template_callback (widget_class, on_system_prompt_apply);
  gtk_widget_class_install_action (widget_class, "prefs.choose-model", NULL, choose_model);
}

static void
vc_preferences_window_init (VcPreferencesWindow *self)
{
  g_autofree char *prompt = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (BASE_APP_ID);

  show_model_path (self);
  g_signal_connect_object (self->settings, "changed::model-path", G_CALLBACK (show_model_path), self,
                           G_CONNECT_SWAPPED);
  adw_combo_row_set_selected (self->backend_row, (guint) g_settings_get_enum (self->settings, "backend"));
  g_signal_connect_object (self->backend_row, "notify::selected", G_CALLBACK (on_backend_selected), self,
                           G_CONNECT_SWAPPED);
  g_settings_bind (self->settings, "temperature", self->temperature, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "top-p", self->top_p, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-new-tokens", self->max_new_tokens, "value", G_SETTINGS_BIND_DEFAULT);
  prompt = g_settings_get_string (self->settings, "system-prompt");
  gtk_editable_set_text (GTK_EDITABLE (self->system_prompt_row), prompt);
}

GtkWidget *
vc_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (VC_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
}
