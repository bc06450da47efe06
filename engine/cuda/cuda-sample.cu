/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sampling on the GPU: what vila_sample_penalize() and vila_sample_draw()
 * (engine/sampler.c) do with the logits, done where the logits are, so
 * that a decoding step sends back one token id instead of 128-600 KB of
 * logits, and the host no longer sorts the vocabulary every token.
 *
 * The same steps as the host: every token keyed by logit / temperature
 * and sorted, most likely first and ties by id (CUB's radix sort, which
 * is stable, over keys that order like the floats); exp(value - max) over
 * the top-k and its running sum (CUB's scan); the top-p cut and the draw
 * found in that running sum. Sums are made in another order than the
 * host's, so a draw within ~1e-16 of a boundary could fall the other
 * side; nothing else differs.
 */
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "cuda-kernels.h"

namespace {

constexpr int kThreads = 256;

/* RepetitionPenaltyLogitsProcessor over @ids, each token once: the
 * first of its repeats to set its bit in @seen applies it. */
__global__ void
penalty_kernel (float *logits, int vocab, const int *ids, int n, float penalty, unsigned *seen)
{
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    {
      int id = ids[i];
      unsigned bit;
      float logit;

      if (id < 0 || id >= vocab)
        continue;
      bit = 1u << (id % 32);
      if (atomicOr (&seen[id / 32], bit) & bit)
        continue;
      logit = logits[id];
      logits[id] = logit < 0 ? logit * penalty : logit / penalty;
    }
}

/* Floats as unsigned keys in the same order (-0 taken as +0, which the
 * host's comparison does not tell apart either). */
__device__ unsigned
order_key (float value)
{
  unsigned bits = __float_as_uint (value == 0.0f ? 0.0f : value);

  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

__device__ float
key_value (unsigned key)
{
  return __uint_as_float (key & 0x80000000u ? key & 0x7fffffffu : ~key);
}

/* The host's sort key, logit / temperature (a true division, as there),
 * and the token id each key belongs to. */
__global__ void
keys_kernel (const float *logits, int vocab, float temperature, unsigned *keys, int *ids)
{
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < vocab; i += gridDim.x * blockDim.x)
    {
      keys[i] = order_key (logits[i] / temperature);
      ids[i] = i;
    }
}

/* exp(value - max) of the first @n sorted keys, in double as the host. */
__global__ void
mass_kernel (const unsigned *sorted_keys, int n, double *mass)
{
  float max = key_value (sorted_keys[0]);

  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    mass[i] = exp ((double) key_value (sorted_keys[i]) - max);
}

/* The first i < n with running[i] >= target, or n. */
__device__ int
first_reaching (const double *running, int n, double target)
{
  int low = 0, high = n;

  while (low < high)
    {
      int middle = low + (high - low) / 2;

      if (running[middle] >= target)
        high = middle;
      else
        low = middle + 1;
    }
  return low;
}

/* One thread: top-p's cut (the first place whose share of the top-k's
 * mass reaches top_p), then the token whose running mass reaches the
 * draw. The share is running / total, as the host sums shares. */
__global__ void
pick_kernel (const double *running, const int *sorted_ids, int n, float top_p, double uniform, int *result)
{
  double total = running[n - 1];
  int keep = n, chosen;

  if (top_p > 0.0f && top_p < 1.0f)
    {
      int low = 0, high = n;

      while (low < high)
        {
          int middle = low + (high - low) / 2;

          if (running[middle] / total >= (double) top_p)
            high = middle;
          else
            low = middle + 1;
        }
      keep = low < n ? low + 1 : n;
    }
  chosen = first_reaching (running, keep, uniform * running[keep - 1]);
  *result = sorted_ids[chosen < keep ? chosen : keep - 1];
}

/* The scratch's parts, each on a 256-byte boundary. */
struct Layout {
  size_t seen, keys, sorted_keys, ids, sorted_ids, running, mass, temp, temp_bytes, total;
};

size_t
align_up (size_t bytes)
{
  return (bytes + 255) & ~(size_t) 255;
}

cudaError_t
layout_for (size_t vocab, Layout *layout)
{
  /* Asked every token with the same vocabulary: CUB's sizes once a thread. */
  thread_local size_t known_vocab = 0;
  thread_local Layout known;
  size_t sort_bytes = 0, scan_bytes = 0, at = 0;
  cudaError_t err;

  if (vocab == known_vocab)
    {
      *layout = known;
      return cudaSuccess;
    }

  err = cub::DeviceRadixSort::SortPairsDescending (nullptr, sort_bytes, (const unsigned *) nullptr,
                                                   (unsigned *) nullptr, (const int *) nullptr, (int *) nullptr,
                                                   (int) vocab, 0, 32, (cudaStream_t) 0);
  if (err != cudaSuccess)
    return err;
  err = cub::DeviceScan::InclusiveSum (nullptr, scan_bytes, (const double *) nullptr, (double *) nullptr, (int) vocab,
                                       (cudaStream_t) 0);
  if (err != cudaSuccess)
    return err;
  layout->seen = at;
  at += align_up ((vocab + 31) / 32 * sizeof (unsigned));
  layout->keys = at;
  at += align_up (vocab * sizeof (unsigned));
  layout->sorted_keys = at;
  at += align_up (vocab * sizeof (unsigned));
  layout->ids = at;
  at += align_up (vocab * sizeof (int));
  layout->sorted_ids = at;
  at += align_up (vocab * sizeof (int));
  layout->mass = at;
  at += align_up (vocab * sizeof (double));
  layout->running = at;
  at += align_up (vocab * sizeof (double));
  layout->temp = at;
  layout->temp_bytes = sort_bytes > scan_bytes ? sort_bytes : scan_bytes;
  layout->total = at + align_up (layout->temp_bytes);
  known = *layout;
  known_vocab = vocab;
  return cudaSuccess;
}

unsigned
blocks_for (size_t n)
{
  size_t blocks = (n + kThreads - 1) / kThreads;

  return (unsigned) (blocks < 1024 ? (blocks ? blocks : 1) : 1024);
}

}  // namespace

extern "C" {

size_t
vc_sample_scratch_bytes (size_t vocab)
{
  Layout layout;

  if (vocab == 0 || vocab > INT_MAX || layout_for (vocab, &layout) != cudaSuccess)
    return 0;
  return layout.total;
}

cudaError_t
vc_sample (float *logits, size_t vocab, const int *history, size_t n_history, float penalty, float temperature,
           unsigned top_k, float top_p, double uniform, void *scratch, size_t scratch_bytes, int *result,
           cudaStream_t stream)
{
  char *base = static_cast<char *> (scratch);
  Layout layout;
  cudaError_t err;
  int n;

  if (vocab == 0 || vocab > INT_MAX || n_history > INT_MAX)
    return cudaErrorInvalidValue;
  if ((err = layout_for (vocab, &layout)) != cudaSuccess)
    return err;
  if (scratch == nullptr || scratch_bytes < layout.total)
    return cudaErrorInvalidValue;

  if (n_history > 0 && penalty > 0.0f && penalty != 1.0f)
    {
      unsigned *seen = reinterpret_cast<unsigned *> (base + layout.seen);

      if ((err = cudaMemsetAsync (seen, 0, (vocab + 31) / 32 * sizeof (unsigned), stream)) != cudaSuccess)
        return err;
      penalty_kernel<<<blocks_for (n_history), kThreads, 0, stream>>> (logits, (int) vocab, history, (int) n_history,
                                                                       penalty, seen);
    }
  if (temperature <= 0.0f)
    return vc_argmax (logits, vocab, result, stream);

  {
    unsigned *keys = reinterpret_cast<unsigned *> (base + layout.keys);
    unsigned *sorted_keys = reinterpret_cast<unsigned *> (base + layout.sorted_keys);
    int *ids = reinterpret_cast<int *> (base + layout.ids);
    int *sorted_ids = reinterpret_cast<int *> (base + layout.sorted_ids);
    double *mass = reinterpret_cast<double *> (base + layout.mass);
    double *running = reinterpret_cast<double *> (base + layout.running);
    size_t temp_bytes = layout.temp_bytes;

    n = top_k > 0 && top_k < vocab ? (int) top_k : (int) vocab;
    keys_kernel<<<blocks_for (vocab), kThreads, 0, stream>>> (logits, (int) vocab, temperature, keys, ids);
    err = cub::DeviceRadixSort::SortPairsDescending (base + layout.temp, temp_bytes, keys, sorted_keys, ids,
                                                     sorted_ids, (int) vocab, 0, 32, stream);
    if (err != cudaSuccess)
      return err;
    mass_kernel<<<blocks_for (n), kThreads, 0, stream>>> (sorted_keys, n, mass);
    temp_bytes = layout.temp_bytes;
    err = cub::DeviceScan::InclusiveSum (base + layout.temp, temp_bytes, mass, running, n, stream);
    if (err != cudaSuccess)
      return err;
    pick_kernel<<<1, 1, 0, stream>>> (running, sorted_ids, n, top_p, uniform, result);
  }
  return cudaGetLastError ();
}

}
