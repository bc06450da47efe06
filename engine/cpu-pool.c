/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CPU backend's threads: one pool for the process, whose jobs the
 * calling thread shares, and a scratch buffer per thread.
 */
#define G_LOG_DOMAIN "vila-cpu"

#include "config.h"

#include "cpu-pool.h"

typedef struct {
  gsize  n_floats;
  float *data;
} Scratch;

static void
scratch_free (gpointer data)
{
  Scratch *scratch = data;

  g_free (scratch->data);
  g_free (scratch);
}

float *
vila_cpu_scratch (VilaCpuScratch slot,
                  gsize          n_floats)
{
  static GPrivate keys[] = { G_PRIVATE_INIT (scratch_free), G_PRIVATE_INIT (scratch_free) };
  Scratch *scratch;

  g_return_val_if_fail (slot < G_N_ELEMENTS (keys), NULL);
  scratch = g_private_get (&keys[slot]);
  if (scratch == NULL)
    {
      scratch = g_new0 (Scratch, 1);
      g_private_set (&keys[slot], scratch);
    }
  if (scratch->n_floats < n_floats)
    {
      g_free (scratch->data);
      scratch->data = g_new (float, n_floats);
      scratch->n_floats = n_floats;
    }
  return scratch->data;
}

/* A fixed pool. A job is cut into chunks that the caller and the workers
 * take in turn from a shared counter, so a thread that a busy machine slows
 * down does not hold the others up (the caller starts at once, the others
 * as they wake). Idle threads sleep: polling for the next job (tried, ~50
 * µs per job) gained nothing measurable in decoding and took CPU from the
 * window that streams the answer. */
typedef struct {
  GMutex        lock;
  GCond         work;
  GCond         done;
  guint         n_threads;
  guint         generation;   /* atomic; changes when a job is posted */
  gint          pending;      /* atomic; workers still in the job */
  VilaRangeFunc func;
  gpointer      data;
  gsize         n;
  gsize         chunk;
  gsize         next;         /* atomic; the first item nobody has taken */
} Pool;

static Pool pool;

static void
run_chunks (void)
{
  for (;;)
    {
      gsize first = __atomic_fetch_add (&pool.next, pool.chunk, __ATOMIC_RELAXED);

      if (first >= pool.n)
        return;
      pool.func (pool.data, first, MIN (pool.n, first + pool.chunk));
    }
}

static gpointer
worker (gpointer data)
{
  guint seen = 0;

  for (;;)
    {
      g_mutex_lock (&pool.lock);
      while (g_atomic_int_get (&pool.generation) == seen)
        g_cond_wait (&pool.work, &pool.lock);
      g_mutex_unlock (&pool.lock);
      seen = g_atomic_int_get (&pool.generation);

      run_chunks ();

      if (g_atomic_int_dec_and_test (&pool.pending))
        {
          g_mutex_lock (&pool.lock);
          g_cond_signal (&pool.done);
          g_mutex_unlock (&pool.lock);
        }
    }
  return NULL;
}

guint
vila_cpu_n_threads (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("VILA_THREADS");
      guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : g_get_num_processors ();

      g_mutex_init (&pool.lock);
      g_cond_init (&pool.work);
      g_cond_init (&pool.done);
      pool.n_threads = CLAMP (n, 1, 256);
      for (guint i = 1; i < pool.n_threads; i++)
        g_thread_unref (g_thread_new ("vila-cpu", worker, NULL));
      g_once_init_leave (&once, 1);
    }
  return pool.n_threads;
}

void
vila_cpu_parallel_for (gsize          n,
                       gsize          min_chunk,
                       VilaRangeFunc  func,
                       gpointer       data)
{
  static GMutex callers;
  guint threads = vila_cpu_n_threads ();

  /* Small jobs are not worth waking anyone. */
  if (threads == 1 || n < 2 * min_chunk)
    {
      func (data, 0, n);
      return;
    }

  /* One job at a time: sessions on several threads take turns. A few
   * heavy items (blocks of a product, heads) are taken one by one, so the
   * threads end together; many light ones (weight rows) in sixteen chunks
   * per thread, each still a long stretch of memory. */
  g_mutex_lock (&callers);
  pool.func = func;
  pool.data = data;
  pool.n = n;
  pool.chunk = n / min_chunk <= 64 * threads ? min_chunk : MAX (min_chunk, n / (16 * threads));
  __atomic_store_n (&pool.next, 0, __ATOMIC_RELAXED);
  g_atomic_int_set (&pool.pending, threads - 1);
  g_mutex_lock (&pool.lock);
  g_atomic_int_inc (&pool.generation);
  g_cond_broadcast (&pool.work);
  g_mutex_unlock (&pool.lock);

  run_chunks ();

  g_mutex_lock (&pool.lock);
  while (g_atomic_int_get (&pool.pending) > 0)
    g_cond_wait (&pool.done, &pool.lock);
  g_mutex_unlock (&pool.lock);
  g_mutex_unlock (&callers);
}
