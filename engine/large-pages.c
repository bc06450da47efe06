/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Weights on 2 MB pages. Decoding streams every weight once per token;
 * on 4 KB pages that is a new page, and a page walk, every 4 KB of each
 * stream. On this project's 2-core VM, `vila-cli bench --synthetic
 * vila1.5-3b` with everything on 2 MB pages against 4 KB pages (four
 * alternating runs each): the read sweep 22.2 against 20.5 GB/s, decoding
 * 3.38 against 3.26 tokens/s.
 *
 * The checkpoints are mapped files, and a file mapping gets 2 MB pages
 * where the file system keeps large folios in the page cache (ext4 and
 * XFS on recent kernels): a 1 GB file read cold through a mapping marked
 * MADV_HUGEPAGE was mapped entirely with 2 MB pages (FilePmdMapped in
 * /proc/PID/smaps_rollup, Linux 6.18). Debian's transparent huge pages
 * are in "madvise" mode, so anonymous memory (the benchmark's synthetic
 * weights and its read sweep) needs the same hint.
 */
#define G_LOG_DOMAIN "vila"

#include "config.h"

#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "large-pages.h"

#define LARGE_PAGE ((gsize) 2 << 20)

void
vila_large_pages_advise (gconstpointer data,
                         gsize         size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = (guintptr) data & ~(page - 1);

  /* Only a hint: an old kernel, or one without transparent huge pages,
   * answers EINVAL and the memory stays as it was. */
  if (size > 0)
    (void) madvise ((void *) start, (guintptr) data + size - start, MADV_HUGEPAGE);
#endif
}

gpointer
vila_large_pages_alloc (gsize size)
{
  void *data = NULL;

  /* Smaller than a page of its own: not worth aligning. */
  if (size < LARGE_PAGE)
    return g_malloc (MAX (size, 1));
  if (posix_memalign (&data, LARGE_PAGE, MAX (size, 1)) != 0)
    g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
  vila_large_pages_advise (data, size);
  return data;
}
