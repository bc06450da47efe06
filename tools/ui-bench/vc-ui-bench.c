/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The window's responsiveness, measured (a benchmark: it prints figures and
 * asserts nothing). It makes a chat database with 1,000 conversations, one
 * of them 300 messages long with Markdown answers, then starts the
 * application the way `vila-chat --model DIR` does and measures:
 *
 *  - cold start: from the process's start (and from main()) to the first
 *    frame the window paints, beside the same for a bare libadwaita window
 *    (vc-ui-floor.c: what the display and GTK cost by themselves);
 *  - opening the 300-message conversation: from the click to the frame
 *    that shows it;
 *  - a floor for the stalls below: the window idle for four seconds after
 *    the question is sent, while the engine works on it on its threads
 *    (what this machine's scheduling does to the main loop by itself);
 *  - while an answer streams into that conversation, twice: first 500
 *    tokens/s of synthetic Markdown for six seconds (English words, as a
 *    real model writes them), handed over once a frame through the
 *    worker's "tokens" signal while the engine still works on its
 *    threads (what it reports is held back until then, however fast it
 *    is: vc_worker_hold_reports()); then the tiny test model's own answer (its context
 *    widened so the long conversation fits; up to 3,000 random tokens of
 *    many scripts, the hardest text to shape and draw). For each: the
 *    longest stall of the main loop (gaps between the dispatches of a 1 ms
 *    timer that runs above the redraw priority, so layout and painting
 *    count), how many gaps pass 16 ms, the frames and their phases.
 *
 * Run under a display: xvfb-run -a _build/tools/ui-bench/vila-chat-ui-bench tests/data
 * With "--starts N" after the folder, it measures cold starts only: N of
 * ours, each beside one of the bare window, and their medians (this
 * machine's timings wander; alternating puts both under the same moods).
 * With VC_UI_BENCH_TRACE set, it prints when each stall happened (set to
 * a number of ms: every gap longer, and the frames that took half that).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vc-application.h"
#include "vila.h"
#include "vc-conversation-list.h"
#include "vc-conversation-view.h"
#include "vc-sidebar.h"
#include "vc-software-gl.h"
#include "vc-window.h"

#define N_CONVERSATIONS 1000
#define N_MESSAGES 300
#define STALL_US 16000
/* How long the window waits, idle, before the synthetic answer begins. */
#define WAITING_SECONDS 4

/* What one answer's streaming did to the main loop. */
typedef struct {
  gint64         start, end;
  guint          tokens;
  gint64         longest_stall;
  guint          stalls;
  /* Of the stalls over 16 ms: their time, how much of it the main thread
   * ran, and how much it was ready but others had the processors (the
   * engine's threads, the display server, the kernel's); the rest it
   * was blocked, waiting for the display server's replies or a lock. */
  gint64         stall_wall, stall_cpu, stall_waiting;
  gboolean       waiting_known;      /* schedstat could be read */
  /* Stalls in which the main thread itself ran over 16 ms: the work the
   * application does in one go, whatever else the machine does. */
  guint          stalls_own;
  /* Of those stalls, how many the hypervisor took a processor away during
   * (steal time in /proc/stat grew): the virtual machine's, not ours. */
  guint          stalls_with_steal;
  gint64         longest_frame;
  guint          frames;
  gint64         layout_total, layout_longest;
  gint64         paint_total, paint_longest;
} Stream;

typedef struct {
  VcApplication *app;
  VcWindow      *window;
  VcConversationView *view;         /* found once: the tree is large */
  gint64         long_conversation;
  double         exec_to_main_ms;    /* negative where unknown */
  gint64         main_start;

  gint64         first_frame;
  gint64         open_clicked;
  gint64         open_painted;
  gint64         open_settled;       /* at its end, the page shown */
  gint64         stream_started;

  /* The synthetic answer: a frame's share of 500 tokens/s of Markdown,
   * handed over as the worker hands over the engine's (its "tokens"
   * signal), while the engine works. */
  guint          synthetic_tick;
  guint          synthetic_tokens;
  gboolean       emitting;           /* our own "tokens", not the engine's */
  gboolean       held_handed_over;   /* the engine's held tokens, given at once */

  /* The window idle while the engine works (a floor: what this
   * machine's scheduling does to the main loop by itself), then the two
   * answers. */
  Stream         waiting, synthetic, model;
  Stream        *current;            /* being measured, or NULL */
  gint64         last_tick;
  gint64         last_tick_cpu;      /* the main thread's CPU time then */
  gint64         last_tick_waiting;  /* its time ready but not running, or -1 */
  int            schedstat;          /* open on the main thread's schedstat, or -1 */
  gint64         trace_us;           /* gaps longer are printed; 0: none */
  gint64         last_tick_steal;    /* the machine's steal time then, 1/100 s */
  int            proc_stat;          /* open on /proc/stat, or -1 */
  gint64         last_frame;
  /* Where a frame's time goes: from before-paint to the end of GTK's
   * layout phase (animations, measure, allocate), then to the end of its
   * paint phase (snapshot, render). */
  gint64         frame_start;
  gint64         layout_end;
  double         tokens_per_second;  /* the engine's */
} Bench;

static double
boottime_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_BOOTTIME, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

/* When the kernel started this process (field 22 of /proc/self/stat, in
 * clock ticks since boot), or a negative number where that is unknown. */
static double
process_start_ms (void)
{
  g_autofree char *stat = NULL;
  const char *after_name;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) || !(after_name = strrchr (stat, ')')))
    return -1;
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 20)
    return -1;
  /* Fields after the name start at 3 ("state"); starttime is 22. */
  return g_ascii_strtod (fields[22 - 3], NULL) * 1e3 / sysconf (_SC_CLK_TCK);
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The checkpoint of the tests with room for a long conversation: the same
 * weights, a context of 32,768 positions. */
static char *
widened_checkpoint (const char *data_dir,
                    const char *into)
{
  g_autofree char *from = g_build_filename (data_dir, "checkpoints", "vila15-tiny", NULL);
  char *to = g_build_filename (into, "vila15-tiny-long", NULL);
  const char *parts[] = { "", "llm", "vision_tower", "mm_projector" };

  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      g_autofree char *source = g_build_filename (from, parts[p], NULL);
      g_autofree char *target = g_build_filename (to, parts[p], NULL);
      g_autoptr(GDir) dir = g_dir_open (source, 0, NULL);
      const char *name;

      g_mkdir_with_parents (target, 0700);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (source, name, NULL);
          g_autofree char *copy = g_build_filename (target, name, NULL);
          g_autofree char *contents = NULL;
          gsize length;

          if (g_file_test (file, G_FILE_TEST_IS_DIR) || !g_file_get_contents (file, &contents, &length, NULL))
            continue;
          if (g_str_equal (name, "config.json"))
            {
              g_autoptr(GRegex) limit = g_regex_new ("\"max_position_embeddings\": *512", 0, 0, NULL);
              g_autofree char *widened = g_regex_replace_literal (limit, contents, -1, 0,
                                                                  "\"max_position_embeddings\": 32768", 0, NULL);

              g_file_set_contents (copy, widened, -1, NULL);
            }
          else
            g_file_set_contents (copy, contents, length, NULL);
        }
    }
  return to;
}

static const char *answer_markdown =
  "Here is what the photos show:\n\n"
  "1. **The harbour** at dawn, with two fishing boats.\n"
  "2. The *same* harbour at noon; the tide is out.\n"
  "3. A lighthouse seen from the pier.\n\n"
  "```python\nfor photo in photos:\n    print(photo.name)\n```\n\n"
  "The second one was taken last.";

/* The synthetic answer's words, cut as a tokenizer cuts English (a word
 * with its leading space, long words in two), repeated as needed. */
#define SYNTHETIC_TOKENS_PER_SECOND 500
#define SYNTHETIC_SECONDS 6
static const char *synthetic_markdown =
  "## What the three photos show\n\n"
  "The first photo was taken at dawn from the end of the pier. Two fishing boats lie against the "
  "harbour wall, their masts leaning a little, and the water is *flat and grey* under a pale sky. "
  "A man in a yellow coat is carrying a crate along the quay.\n\n"
  "The second photo shows the **same harbour at noon**. The tide has gone out, so the boats rest "
  "on the mud and the green weed on the lower stones is visible. The shadows are short and the "
  "light is hard, which washes out the colours of the houses behind.\n\n"
  "- The lighthouse appears in the third photo only.\n"
  "- The crate from the first photo is still on the quay in the second.\n"
  "- A gull sits on the same bollard in all three.\n\n"
  "To sort photos like these by the time they were taken, read their timestamps:\n\n"
  "```python\nfor photo in sorted(photos, key=lambda p: p.taken):\n    print(photo.name, photo.taken)\n```\n\n"
  "Judging by the light and the tide, the order is dawn, noon, then evening, when the lamp of the "
  "lighthouse is already lit and the boats are afloat again.\n\n";

/* The next synthetic token: its text goes into @out. */
static void
next_synthetic_token (guint    index,
                      GString *out)
{
  static GPtrArray *tokens;

  if (tokens == NULL)
    {
      const char *p = synthetic_markdown;

      tokens = g_ptr_array_new ();
      while (*p != '\0')
        {
          const char *end = p + 1;

          while (*end != '\0' && *end != ' ' && *end != '\n' && end - p < 6)
            end++;
          g_ptr_array_add (tokens, g_strndup (p, end - p));
          p = end;
        }
    }
  g_string_append (out, tokens->pdata[index % tokens->len]);
}

static gint64
fill_store (const char *data_home)
{
  g_autofree char *path = g_build_filename (data_home, "vila-chat", "chats.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VcStore) store = vc_store_open (path, &error);
  gint64 long_one = 0;

  if (store == NULL)
    g_error ("%s", error->message);
  for (int i = 0; i < N_CONVERSATIONS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Conversation %d about a harbour", i + 1);
      gint64 id = vc_store_add_conversation (store, title, &error);

      if (i == N_CONVERSATIONS / 2)
        long_one = id;
    }
  for (int m = 0; m < N_MESSAGES; m++)
    {
      g_autofree char *question = g_strdup_printf ("Question %d: what changed in the harbour?", m / 2 + 1);
      VcMessage message = {
        .conversation_id = long_one, .role = m % 2 ? VC_ROLE_ASSISTANT : VC_ROLE_USER,
        .text = (char *) (m % 2 ? answer_markdown : question), .state = VC_MESSAGE_COMPLETE,
        .temperature = -1, .top_p = -1, .first_token_ms = m % 2 ? 12 : -1, .tokens_per_second = m % 2 ? 80 : -1,
      };

      if (!vc_store_add_message (store, &message, &error))
        g_error ("%s", error->message);
    }
  vc_store_rename_conversation (store, long_one, "The long conversation", NULL);
  return long_one;
}

/* Each frame, the tokens due since the last: as the worker does, at most
 * one handover a frame. */
static gboolean
emit_synthetic (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  Bench *bench = data;
  gint64 now = g_get_monotonic_time ();
  guint due = MIN ((now - bench->synthetic.start) * SYNTHETIC_TOKENS_PER_SECOND / G_USEC_PER_SEC,
                   SYNTHETIC_TOKENS_PER_SECOND * SYNTHETIC_SECONDS);
  g_autoptr(GString) chunk = g_string_new (NULL);

  for (; bench->synthetic.tokens < due; bench->synthetic.tokens++)
    next_synthetic_token (bench->synthetic.tokens, chunk);
  if (chunk->len > 0)
    {
      bench->emitting = TRUE;
      g_signal_emit_by_name (vc_application_get_worker (bench->app), "tokens", bench->long_conversation, chunk->str);
      bench->emitting = FALSE;
    }
  if (due == SYNTHETIC_TOKENS_PER_SECOND * SYNTHETIC_SECONDS)
    {
      bench->synthetic_tick = 0;
      bench->synthetic.end = now;
      bench->current = NULL;
      vc_worker_hold_reports (vc_application_get_worker (bench->app), FALSE);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_tokens (VcWorker   *worker,
           gint64      conversation,
           const char *text,
           Bench      *bench)
{
  if (bench->emitting)
    return;
  /* Its reports were held while the window idled and the synthetic
   * answer streamed: the first hand-over is all it wrote meanwhile, at
   * once. From the next on the engine's stream is what is measured. */
  if (!bench->held_handed_over)
    bench->held_handed_over = TRUE;
  else if (bench->model.start == 0)
    {
      bench->current = &bench->model;
      bench->model.start = g_get_monotonic_time ();
      bench->last_frame = 0;
    }
}

/* The main thread's time ready to run but not running (the second
 * field of /proc/thread-self/schedstat, in ns), in µs; -1 where unknown. */
static gint64
waiting_us (Bench *bench)
{
  char line[128];
  ssize_t length;
  char *field;

  if (bench->schedstat < 0 || (length = pread (bench->schedstat, line, sizeof line - 1, 0)) <= 0)
    return -1;
  line[length] = '\0';
  field = strchr (line, ' ');
  return field != NULL ? g_ascii_strtoll (field + 1, NULL, 10) / 1000 : -1;
}

static gint64
thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * G_GINT64_CONSTANT (1000000) + now.tv_nsec / 1000;
}

/* The time the hypervisor ran other guests instead of this machine's
 * processors, in 1/100 s ("steal" of /proc/stat's first line); -1 where
 * unknown. */
static gint64
steal_time (Bench *bench)
{
  char line[512];
  ssize_t length;
  char **fields;
  gint64 steal = -1;

  if (bench->proc_stat < 0 || (length = pread (bench->proc_stat, line, sizeof line - 1, 0)) <= 0)
    return -1;
  line[length] = '\0';
  line[strcspn (line, "\n")] = '\0';
  fields = g_strsplit_set (line, " ", -1);
  /* "cpu", "", user, nice, system, idle, iowait, irq, softirq, steal */
  if (g_strv_length (fields) > 9)
    steal = g_ascii_strtoll (fields[9], NULL, 10);
  g_strfreev (fields);
  return steal;
}

static gboolean
measure_tick (gpointer data)
{
  Bench *bench = data;
  gint64 now = g_get_monotonic_time (), cpu = thread_cpu_us ();
  gint64 steal = bench->current != NULL ? steal_time (bench) : -1;
  gint64 waiting = bench->current != NULL ? waiting_us (bench) : -1;

  if (bench->current != NULL && bench->last_tick != 0)
    {
      Stream *stream = bench->current;
      gint64 gap = now - bench->last_tick;

      stream->longest_stall = MAX (stream->longest_stall, gap);
      /* With VC_UI_BENCH_TRACE set, when: to find them in a profile
       * (perf record -k CLOCK_MONOTONIC has the same clock); its value,
       * where a number, is the gap in ms worth printing (else 16). */
      if (bench->trace_us > 0 && gap > bench->trace_us)
        g_printerr ("gap of %.1f ms from %.6f s (%.3f s into the phase; ran %.1f ms, ready %.1f ms)\n",
                    gap / 1e3, bench->last_tick / 1e6, (bench->last_tick - stream->start) / 1e6,
                    (cpu - bench->last_tick_cpu) / 1e3,
                    waiting >= 0 && bench->last_tick_waiting >= 0 ? (waiting - bench->last_tick_waiting) / 1e3 : -1.0);
      if (gap > STALL_US)
        {
          stream->stalls++;
          stream->stall_wall += gap;
          stream->stall_cpu += cpu - bench->last_tick_cpu;
          if (cpu - bench->last_tick_cpu > STALL_US)
            stream->stalls_own++;
          if (waiting >= 0 && bench->last_tick_waiting >= 0)
            {
              stream->stall_waiting += waiting - bench->last_tick_waiting;
              stream->waiting_known = TRUE;
            }
          if (steal >= 0 && bench->last_tick_steal >= 0 && steal > bench->last_tick_steal)
            stream->stalls_with_steal++;
        }
    }
  bench->last_tick = now;
  bench->last_tick_cpu = cpu;
  bench->last_tick_waiting = waiting;
  bench->last_tick_steal = steal;
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();

  if (bench->first_frame == 0)
    {
      bench->first_frame = now;
      /* Started by --starts: the start is all it measures. */
      if (g_getenv ("VC_UI_BENCH_START_ONLY") != NULL)
        {
          /* And the main thread's processor time, steadier to compare. */
          g_print ("%.1f %.1f\n", (now - bench->main_start) / 1e3, thread_cpu_us () / 1e3);
          g_application_quit (G_APPLICATION (bench->app));
        }
    }
  if (bench->open_clicked != 0 && bench->open_painted == 0 &&
      vc_conversation_view_get_n_messages (bench->view) == N_MESSAGES)
    bench->open_painted = now;
  if (bench->current != NULL)
    {
      if (bench->last_frame != 0)
        bench->current->longest_frame = MAX (bench->current->longest_frame, now - bench->last_frame);
      bench->current->frames++;
    }
  bench->last_frame = now;
}

static void
on_before_paint (GdkFrameClock *clock,
                 Bench         *bench)
{
  bench->frame_start = g_get_monotonic_time ();
  bench->layout_end = 0;
}

/* Connected after GTK's own handlers (the window connects them when it
 * is realized, before this), so these see the ends of its phases. */
static void
on_layout (GdkFrameClock *clock,
           Bench         *bench)
{
  bench->layout_end = g_get_monotonic_time ();
  if (bench->current != NULL && bench->frame_start != 0)
    {
      gint64 layout = bench->layout_end - bench->frame_start;

      bench->current->layout_total += layout;
      bench->current->layout_longest = MAX (bench->current->layout_longest, layout);
    }
}

static void
on_paint (GdkFrameClock *clock,
          Bench         *bench)
{
  if (bench->current != NULL && bench->layout_end != 0)
    {
      gint64 paint = g_get_monotonic_time () - bench->layout_end;

      bench->current->paint_total += paint;
      bench->current->paint_longest = MAX (bench->current->paint_longest, paint);
      /* And the frames that took half such a gap. */
      if (bench->trace_us > 0 && bench->layout_end - bench->frame_start + paint > bench->trace_us / 2)
        g_printerr ("frame at %.3f s into the phase: layout %.1f ms, paint %.1f ms\n",
                    (bench->frame_start - bench->current->start) / 1e6,
                    (bench->layout_end - bench->frame_start) / 1e3, paint / 1e3);
    }
}

static void
on_realize (GtkWidget *widget,
            Bench     *bench)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), bench);
  g_signal_connect_after (clock, "layout", G_CALLBACK (on_layout), bench);
  g_signal_connect_after (clock, "paint", G_CALLBACK (on_paint), bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), bench);
}

static gboolean step (gpointer data);

static void
report_stream (const Stream *stream,
               const char   *name,
               double        tokens_per_second)
{
  g_print ("%s\n", name);
  g_print ("%-46s %7.1f s\n", tokens_per_second >= 0 ? "  streamed for" : "  for", (stream->end - stream->start) / 1e6);
  if (tokens_per_second >= 0)
    g_print ("%-46s %7.1f tokens/s\n", "  stream rate", tokens_per_second);
  g_print ("%-46s %7.1f ms\n", "  longest main-loop stall", stream->longest_stall / 1e3);
  g_print ("%-46s %7u\n", "  main-loop stalls over 16 ms", stream->stalls);
  if (stream->stalls > 0)
    {
      g_print ("%-46s %7.0f %%\n", "    of their time, the main thread running", 100.0 * stream->stall_cpu / stream->stall_wall);
      if (stream->waiting_known)
        {
          g_print ("%-46s %7.0f %%\n", "      ready, while others had the processors", 100.0 * stream->stall_waiting / stream->stall_wall);
          g_print ("%-46s %7.0f %%\n", "      blocked (display server's replies, locks)",
                   100.0 * MAX (stream->stall_wall - stream->stall_cpu - stream->stall_waiting, 0) / stream->stall_wall);
        }
      g_print ("%-46s %7u\n", "    with the hypervisor's steal time growing", stream->stalls_with_steal);
      g_print ("%-46s %7u\n", "    with over 16 ms of the main thread's work", stream->stalls_own);
    }
  g_print ("%-46s %7.1f ms\n", "  longest interval between frames", stream->longest_frame / 1e3);
  g_print ("%-46s %7u\n", "  frames painted", stream->frames);
  if (stream->frames > 0)
    {
      g_print ("%-46s %7.1f ms\n", "  mean interval between frames", (stream->end - stream->start) / 1e3 / stream->frames);
      g_print ("%-46s %7.1f ms (longest %.1f)\n", "  of a frame: layout phase, mean",
               stream->layout_total / 1e3 / stream->frames, stream->layout_longest / 1e3);
      g_print ("%-46s %7.1f ms (longest %.1f)\n", "  of a frame: paint phase, mean",
               stream->paint_total / 1e3 / stream->frames, stream->paint_longest / 1e3);
    }
}

static void
report (Bench *bench)
{
  g_print ("\nVILA Chat responsiveness (%d conversations, one of %d messages open)\n", N_CONVERSATIONS, N_MESSAGES);
  g_print ("%-46s %10s\n", "measure", "value");
  /* Under Xvfb GL is Mesa's llvmpipe, where the application chooses cairo
   * (vc-software-gl.c) unless GSK_RENDERER says otherwise. */
  if (bench->window != NULL && gtk_native_get_renderer (GTK_NATIVE (bench->window)) != NULL)
    g_print ("%-46s %s\n", "renderer", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (bench->window))));
  if (bench->exec_to_main_ms >= 0)
    g_print ("%-46s %7.1f ms\n", "cold start, exec to first frame",
             bench->exec_to_main_ms + (bench->first_frame - bench->main_start) / 1e3);
  g_print ("%-46s %7.1f ms\n", "cold start, main() to first frame", (bench->first_frame - bench->main_start) / 1e3);
  if (g_getenv ("VC_UI_BENCH_FLOOR_MS") != NULL)
    g_print ("%-46s %7.1f ms\n", "  floor: a bare libadwaita window, the same",
             g_ascii_strtod (g_getenv ("VC_UI_BENCH_FLOOR_MS"), NULL));
  g_print ("%-46s %7.1f ms\n", "open the 300-message conversation", (bench->open_painted - bench->open_clicked) / 1e3);
  g_print ("%-46s %7.1f ms\n", "  until it shows its end, settled", (bench->open_settled - bench->open_clicked) / 1e3);
  report_stream (&bench->waiting, "waiting, the window idle while the engine works", -1);
  report_stream (&bench->synthetic, "synthetic Markdown answer",
                 bench->synthetic.tokens * 1e6 / MAX (1, bench->synthetic.end - bench->synthetic.start));
  /* A short answer may be written whole while held: nothing streamed. */
  if (bench->model.start != 0)
    report_stream (&bench->model, "the tiny model's answer (tokens of many scripts), after what it wrote while held",
                   bench->tokens_per_second);
  else
    g_print ("the tiny model's answer: all written while held, nothing streamed to measure\n");
}

static void
open_long_conversation (Bench *bench)
{
  GtkWidget *sidebar = find_widget (GTK_WIDGET (bench->window), VC_TYPE_SIDEBAR);
  GtkGridView *list = GTK_GRID_VIEW (find_widget (sidebar, GTK_TYPE_GRID_VIEW));
  GListModel *rows = G_LIST_MODEL (gtk_grid_view_get_model (list));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(VcConversationItem) item = g_list_model_get_item (rows, i);

      if (vc_conversation_item_get_id (item) == bench->long_conversation)
        {
          bench->view = VC_CONVERSATION_VIEW (find_widget (GTK_WIDGET (bench->window), VC_TYPE_CONVERSATION_VIEW));
          bench->open_clicked = g_get_monotonic_time ();
          g_signal_emit_by_name (list, "activate", i);
          return;
        }
    }
  g_error ("the long conversation is not in the list");
}

static gboolean
step (gpointer data)
{
  Bench *bench = data;
  VcConversationView *view = bench->view;

  if (bench->window == NULL || bench->first_frame == 0 ||
      g_strcmp0 (vc_window_get_page (bench->window), "loading") == 0)
    return G_SOURCE_CONTINUE;
  if (bench->open_clicked == 0)
    {
      if (g_strcmp0 (vc_window_get_page (bench->window), "ready") != 0)
        g_error ("the model did not load (page %s)", vc_window_get_page (bench->window));
      open_long_conversation (bench);
      return G_SOURCE_CONTINUE;
    }
  if (bench->open_painted == 0)
    return G_SOURCE_CONTINUE;
  /* Someone opening a conversation reads before they type: the question
   * goes once the transcript is at its end and the page has faded in. */
  if (bench->open_settled == 0)
    {
      GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_STACK));

      if (vc_conversation_view_is_following (view) || gtk_stack_get_transition_running (stack))
        return G_SOURCE_CONTINUE;
      bench->open_settled = g_get_monotonic_time ();
    }
  if (bench->stream_started == 0)
    {
      vc_composer_set_text (vc_conversation_view_get_composer (view), "Tell me a long story about this harbour.");
      g_signal_connect (vc_application_get_worker (bench->app), "tokens", G_CALLBACK (on_tokens), bench);
      bench->stream_started = g_get_monotonic_time ();
      /* The engine's answer waits until the window has been measured idle
       * and under the synthetic stream, both while the engine works,
       * however fast it prefills. */
      vc_worker_hold_reports (vc_application_get_worker (bench->app), TRUE);
      vc_conversation_view_send (view);
      bench->waiting.start = g_get_monotonic_time ();
      bench->current = &bench->waiting;
      bench->last_frame = 0;
      return G_SOURCE_CONTINUE;
    }
  if (bench->current == &bench->waiting)
    {
      if (g_get_monotonic_time () - bench->waiting.start < WAITING_SECONDS * G_USEC_PER_SEC)
        return G_SOURCE_CONTINUE;
      bench->waiting.end = g_get_monotonic_time ();
      /* The answer is begun (its row made) at once for words alone. */
      bench->synthetic.start = g_get_monotonic_time ();
      bench->current = &bench->synthetic;
      bench->last_frame = 0;
      bench->synthetic_tick = gtk_widget_add_tick_callback (GTK_WIDGET (bench->window), emit_synthetic, bench, NULL);
      return G_SOURCE_CONTINUE;
    }
  if (vc_conversation_view_is_busy (view))
    return G_SOURCE_CONTINUE;

  bench->model.end = g_get_monotonic_time ();
  bench->current = NULL;
  {
    VcStore *store = vc_application_get_store (bench->app, NULL);
    g_autoptr(GPtrArray) messages = vc_store_list_messages (store, bench->long_conversation, NULL);
    const VcMessage *answer = messages->pdata[messages->len - 1];

    if (answer->state != VC_MESSAGE_COMPLETE)
      g_error ("the answer did not complete: %s", answer->text);
    bench->tokens_per_second = answer->tokens_per_second;
  }
  report (bench);
  g_application_quit (G_APPLICATION (bench->app));
  return G_SOURCE_REMOVE;
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 Bench          *bench)
{
  if (!VC_IS_WINDOW (window) || bench->window != NULL)
    return;
  bench->window = VC_WINDOW (window);
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), bench);
}

/* Runs @argv; the milliseconds it printed, or -1. */
static double
run_for_ms (char **argv)
{
  g_autofree char *out = NULL;
  int status;
  double ms;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) || out == NULL || (ms = g_ascii_strtod (out, NULL)) <= 0)
    return -1;
  return ms;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return values->len ? g_array_index (values, double, values->len / 2) : -1;
}

/* --starts N: N cold starts of ours, each after one of the bare window,
 * alternating so that the machine's moods fall on both alike; medians. */
static int
compare_starts (char   **argv,
                char    *floor_program,
                guint    n)
{
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
  char *floor_argv[] = { floor_program, NULL };
  char *our_argv[] = { argv[0], argv[1], NULL };

  g_setenv ("VC_UI_BENCH_START_ONLY", "1", TRUE);
  for (guint i = 0; i < n; i++)
    {
      double floor_ms = run_for_ms (floor_argv), our_ms = run_for_ms (our_argv);

      if (floor_ms < 0 || our_ms < 0)
        {
          g_printerr ("a start failed\n");
          return 1;
        }
      g_print ("start %2u: ours %6.1f ms, bare window %6.1f ms\n", i + 1, our_ms, floor_ms);
      g_array_append_val (ours, our_ms);
      g_array_append_val (bare, floor_ms);
    }
  g_print ("%-46s %7.1f ms\n", "cold start, main() to first frame, median", median (ours));
  g_print ("%-46s %7.1f ms\n", "  floor: a bare libadwaita window, median", median (bare));
  return 0;
}

/* First run: the database and checkpoint are made, then the program
 * starts itself again as a new process, so that the second run measures
 * a cold start (exec, linking, GTK) with a user's data already there. */
static int
prepare_and_restart (char **argv)
{
  g_autoptr(GError) error = NULL;
  int status = 1;
  g_autofree char *data_home = g_dir_make_tmp ("vila-ui-bench-XXXXXX", NULL);
  g_autofree char *model = widened_checkpoint (argv[1], data_home);
  g_autofree char *long_one = g_strdup_printf ("%" G_GINT64_FORMAT, fill_store (data_home));

  g_autofree char *folder = g_path_get_dirname (argv[0]);
  g_autofree char *floor_program = g_build_filename (folder, "vila-chat-ui-floor", NULL);
  char *floor_argv[] = { floor_program, NULL };
  double floor_ms;

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("VC_UI_BENCH_MODEL", model, TRUE);
  g_setenv ("VC_UI_BENCH_CONVERSATION", long_one, TRUE);
  /* One start first, as a user has started the application before: what
   * it remembers (vc-software-gl.c, in the user's cache folder, as Mesa's
   * compiled shaders are) and the files it reads are there. */
  {
    char *warm_argv[] = { argv[0], argv[1], NULL };

    g_setenv ("VC_UI_BENCH_START_ONLY", "1", TRUE);
    run_for_ms (warm_argv);
    g_unsetenv ("VC_UI_BENCH_START_ONLY");
  }
  if (argv[2] != NULL && g_str_equal (argv[2], "--starts"))
    return compare_starts (argv, floor_program, argv[3] ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 10);
  /* What a bare window's start costs here (vc-ui-floor.c), beside ours. */
  if ((floor_ms = run_for_ms (floor_argv)) > 0)
    {
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      g_setenv ("VC_UI_BENCH_FLOOR_MS", g_ascii_dtostr (value, sizeof value, floor_ms), TRUE);
    }
  /* Its output goes where ours does. */
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0 };
  double started = process_start_ms ();
  g_autoptr(GSettings) settings = NULL;
  char *app_argv[4];
  int status;

  vila_init ();
  bench.main_start = g_get_monotonic_time ();
  bench.exec_to_main_ms = started >= 0 ? boottime_ms () - started : -1;
  if (argc < 2)
    {
      g_printerr ("usage: %s TESTS-DATA-DIR [--starts N] (run under a display, e.g. xvfb-run -a)\n", argv[0]);
      return 1;
    }
  /* The benchmark's database and settings, not the user's. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", BUILD_SCHEMA_DIR, FALSE);
  if (g_getenv ("VC_UI_BENCH_MODEL") == NULL)
    return prepare_and_restart (argv);
  /* As main() does in the application (it is part of the start). */
  vc_software_gl_apply_remembered ();
  bench.long_conversation = g_ascii_strtoll (g_getenv ("VC_UI_BENCH_CONVERSATION"), NULL, 10);

  settings = g_settings_new (BASE_APP_ID);
  g_settings_set_uint (settings, "max-new-tokens", 3000);
  g_settings_set_double (settings, "temperature", 0.7);

  bench.app = vc_application_new ();
  g_application_set_flags (G_APPLICATION (bench.app),
                           g_application_get_flags (G_APPLICATION (bench.app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (bench.app, "window-added", G_CALLBACK (on_window_added), &bench);
  bench.proc_stat = open ("/proc/stat", O_RDONLY | O_CLOEXEC);
  bench.last_tick_steal = -1;
  /* Opened here, on the main thread: thread-self is the opener. */
  bench.schedstat = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  bench.last_tick_waiting = -1;
  if (g_getenv ("VC_UI_BENCH_TRACE") != NULL)
    {
      double ms = g_ascii_strtod (g_getenv ("VC_UI_BENCH_TRACE"), NULL);

      bench.trace_us = (gint64) ((ms >= 2 ? ms : STALL_US / 1e3) * 1e3);
    }
  g_timeout_add_full (G_PRIORITY_DEFAULT, 1, measure_tick, &bench, NULL);
  g_timeout_add (5, step, &bench);
  app_argv[0] = argv[0];
  app_argv[1] = (char *) "--model";
  app_argv[2] = (char *) g_getenv ("VC_UI_BENCH_MODEL");
  app_argv[3] = NULL;
  status = g_application_run (G_APPLICATION (bench.app), 3, app_argv);
  g_object_unref (bench.app);
  g_print ("(the benchmark's data is in %s)\n", g_getenv ("XDG_DATA_HOME"));
  return status;
}
