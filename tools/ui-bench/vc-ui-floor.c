/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The floor under the window's cold start: a bare libadwaita window (a
 * header bar and a label), timed from main() to its first painted frame
 * and printed in milliseconds. vila-chat-ui-bench runs it beside the real
 * start, so that what the display, GTK's renderer and the machine cost by
 * themselves can be told from what VILA Chat adds.
 */
#include "config.h"

#include <time.h>

#include <adwaita.h>

static gint64 main_start;

static void
on_after_paint (GdkFrameClock *clock,
                GtkWindow     *window)
{
  struct timespec cpu;

  /* Milliseconds from main(), and of the main thread's processor time. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  g_print ("%.1f %.1f\n", (g_get_monotonic_time () - main_start) / 1e3, cpu.tv_sec * 1e3 + cpu.tv_nsec / 1e6);
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, window);
  gtk_window_destroy (window);
}

static void
on_map (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (on_after_paint), window);
}

static void
on_activate (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), gtk_label_new ("VILA Chat"));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  g_signal_connect (window, "map", G_CALLBACK (on_map), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(AdwApplication) app = NULL;

  main_start = g_get_monotonic_time ();
  app = adw_application_new ("io.github.vilachat.UiFloor", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
