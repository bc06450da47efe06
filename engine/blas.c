/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * OpenBLAS for the matrix-matrix products of prefill and the vision tower,
 * opened with dlopen() rather than linked. Linked, its constructor starts
 * a thread per core before main() runs, and those threads poll with
 * sched_yield() for a while: on two cores that took CPU from the window's
 * first frame and from loading a tokenizer, for a library that every
 * program here uses from its own threads, one call per thread. Opened on
 * first use, after vila_init() has asked it for no threads of its own, it
 * costs nothing until a prompt needs it, and a system without it still
 * runs on the engine's own kernels.
 */
#define G_LOG_DOMAIN "vila-blas"

#include "config.h"

#include <dlfcn.h>

#include "blas.h"
#include "vila.h"

static VilaSgemmFunc sgemm;

static gpointer
open_openblas (gpointer data)
{
  const char *candidates[] = { g_getenv ("VILA_BLAS"), "libopenblas.so.0", "libopenblas.so" };
  void (*set_num_threads) (int) = NULL;
  void *library = NULL;

  if (g_strcmp0 (candidates[0], "none") == 0)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (candidates) && library == NULL; i++)
    if (candidates[i] != NULL)
      library = dlopen (candidates[i], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL)
    {
      g_debug ("No OpenBLAS (%s): products run on the engine's own kernels", dlerror ());
      return NULL;
    }
  set_num_threads = (void (*) (int)) dlsym (library, "openblas_set_num_threads");
  sgemm = (VilaSgemmFunc) dlsym (library, "cblas_sgemm");
  if (set_num_threads != NULL)
    set_num_threads (1);
  return NULL;
}

VilaSgemmFunc
vila_blas_sgemm (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, open_openblas, NULL);
  return sgemm;
}

void
vila_init (void)
{
  /* Read by OpenBLAS when it is opened; setenv() is only safe while no
   * other thread reads the environment, hence at the start of main(). */
  g_setenv ("OPENBLAS_NUM_THREADS", "1", FALSE);
}
