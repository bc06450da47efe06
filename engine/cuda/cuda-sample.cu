/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Sampling on the GPU: what vila_sample_penalize() and vila_sample_draw()
 * (engine/sampler.c) do with the logits, done where the logits are, so
 * that a decoding step sends back one token id instead of 128-600 KB of
 * logits (and the host no longer sorts the whole vocabulary per token).
 *
 * The host sorts every token by (value descending, id ascending) and walks
 * that order; here only the head of the order is made: a radix select
 * finds the key of the n-th most likely token (n = min(top_k, 2048)), the
 * tokens at or above it are gathered (ties by id, as the host's order
 * has them) and sorted in shared memory, and the top-p cut and the draw
 * walk their prefix sums. The few sums that reach past the head (the
 * normaliser of top-k or of the whole vocabulary) are taken over the
 * selected keys without sorting. When the kept tokens reach past the head
 * (top-p's mass not reached within 2,048 tokens, or a draw that lands
 * after them with top-p off) the result is -1 and the caller draws on the
 * host from the penalised logits with the same random number: the same
 * token, only slower.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "cuda-kernels.h"

namespace {

constexpr int kSampleThreads = 1024;
constexpr int kHead = VC_SAMPLE_HEAD;
static_assert (2 * kSampleThreads >= kHead, "the prefix sum takes two candidates a thread");

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
 * host's comparison does not tell apart). */
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

/* The value the host sorts by: the logit over the temperature (a true
 * division, as the host does it). */
__device__ unsigned
scaled_key (const float *logits, int i, float temperature)
{
  return order_key (logits[i] / temperature);
}

struct Selection {
  unsigned key;        /* the key of the wanted rank */
  int      remaining;  /* the rank among the keys matching so far */
  int      above;      /* keys larger than @key */
};

/* The key of rank @rank (0: the largest) among all @vocab, eight bits a
 * pass from the top. Lanes of a warp that fall into the same bin add
 * once (most logits share their top bits, and one shared counter hit by
 * every thread would serialise). Every thread of the block calls it. */
__device__ void
select_rank (const float *logits, int vocab, float temperature, int rank, unsigned *histogram,
             Selection *selection)
{
  int lane = threadIdx.x % 32;

  if (threadIdx.x == 0)
    *selection = Selection { 0u, rank, 0 };
  for (int shift = 24; shift >= 0; shift -= 8)
    {
      unsigned mask = shift == 24 ? 0u : 0xffffffffu << (shift + 8);
      unsigned prefix;

      for (int b = threadIdx.x; b < 256; b += blockDim.x)
        histogram[b] = 0;
      __syncthreads ();
      prefix = selection->key;
      for (int base = 0; base < vocab; base += blockDim.x)
        {
          int i = base + threadIdx.x;
          unsigned key = i < vocab ? scaled_key (logits, i, temperature) : 0u;
          bool counted = i < vocab && (key & mask) == prefix;
          unsigned active = __ballot_sync (0xffffffffu, counted);

          if (counted)
            {
              unsigned digit = (key >> shift) & 255u;
              unsigned peers = __match_any_sync (active, digit);

              if (__ffs (peers) - 1 == lane)
                atomicAdd (&histogram[digit], (unsigned) __popc (peers));
            }
        }
      __syncthreads ();
      if (threadIdx.x == 0)
        {
          int larger = 0;

          for (int b = 255; b >= 0; b--)
            {
              int count = (int) histogram[b];

              if (selection->remaining < larger + count)
                {
                  selection->key |= (unsigned) b << shift;
                  selection->remaining -= larger;
                  selection->above += larger;
                  break;
                }
              larger += count;
            }
        }
      __syncthreads ();
    }
}

/* A block-wide sum; every thread gets it. @scratch: 32 doubles. */
__device__ double
block_sum (double value, double *scratch)
{
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  double total = 0;

  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync (0xffffffffu, value, offset);
  __syncthreads ();
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads ();
  for (int w = 0; w < (int) (blockDim.x / 32); w++)
    total += scratch[w];
  return total;
}

/* Candidate a comes before b in the host's order. */
__device__ bool
before (const unsigned *keys, const int *ids, int a, int b)
{
  return keys[a] > keys[b] || (keys[a] == keys[b] && ids[a] < ids[b]);
}

__global__ void __launch_bounds__ (kSampleThreads)
sample_kernel (const float *logits, int vocab, float temperature, int top_k, float top_p, double uniform,
               int *result)
{
  __shared__ unsigned keys[kHead];
  __shared__ int ids[kHead];
  __shared__ double sums[kHead];
  __shared__ unsigned histogram[256];
  __shared__ double scratch[32];
  __shared__ int tie_counts[32];
  __shared__ int placed_above, ties_before, first;
  __shared__ Selection selection;
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  int limit = top_k > 0 && top_k < vocab ? top_k : vocab;
  int n = min (limit, kHead), padded = 1, keep = limit;
  unsigned threshold;
  int above, ties_wanted;
  float max;
  double total, kept_total, draw;

  /* 1. The head: the key of the n-th most likely token, then every token
   * above it and the ties at it with the lowest ids. */
  select_rank (logits, vocab, temperature, n - 1, histogram, &selection);
  threshold = selection.key;
  above = selection.above;
  ties_wanted = n - above;
  if (threadIdx.x == 0)
    placed_above = ties_before = 0;
  __syncthreads ();
  for (int base = 0; base < vocab; base += blockDim.x)
    {
      int i = base + threadIdx.x;
      unsigned key = i < vocab ? scaled_key (logits, i, temperature) : 0u;
      bool tie = i < vocab && key == threshold;
      unsigned ties = __ballot_sync (0xffffffffu, tie);

      if (i < vocab && key > threshold)
        {
          int slot = atomicAdd (&placed_above, 1);

          keys[slot] = key;
          ids[slot] = i;
        }
      if (lane == 0)
        tie_counts[warp] = __popc (ties);
      __syncthreads ();
      if (tie)
        {
          int rank = ties_before + __popc (ties & ((1u << lane) - 1u));

          for (int w = 0; w < warp; w++)
            rank += tie_counts[w];
          if (rank < ties_wanted)
            {
              keys[above + rank] = key;
              ids[above + rank] = i;
            }
        }
      __syncthreads ();
      if (threadIdx.x == 0)
        for (int w = 0; w < n_warps; w++)
          ties_before += tie_counts[w];
      __syncthreads ();
    }

  /* 2. Sorted in the host's order (bitonic, padded to a power of two
   * with entries that sort last). */
  while (padded < n)
    padded *= 2;
  for (int i = n + threadIdx.x; i < padded; i += blockDim.x)
    {
      keys[i] = 0u;
      ids[i] = INT_MAX;
    }
  __syncthreads ();
  for (int size = 2; size <= padded; size *= 2)
    for (int stride = size / 2; stride > 0; stride /= 2)
      {
        for (int i = threadIdx.x; i < padded; i += blockDim.x)
          {
            int partner = i ^ stride;

            if (partner > i && ((i & size) == 0 ? before (keys, ids, partner, i) : before (keys, ids, i, partner)))
              {
                unsigned key = keys[i];
                int id = ids[i];

                keys[i] = keys[partner];
                ids[i] = ids[partner];
                keys[partner] = key;
                ids[partner] = id;
              }
          }
        __syncthreads ();
      }

  /* 3. Prefix sums of exp(value - max) over the head, in its order: two
   * candidates a thread, a scan within each warp, then over the warps. */
  max = key_value (keys[0]);
  {
    int i0 = 2 * threadIdx.x;
    double a = i0 < n ? exp ((double) key_value (keys[i0]) - max) : 0.0;
    double b = i0 + 1 < n ? exp ((double) key_value (keys[i0 + 1]) - max) : 0.0;
    double local = a + b, scan = local, offset_sum;

    for (int offset = 1; offset < 32; offset *= 2)
      {
        double up = __shfl_up_sync (0xffffffffu, scan, offset);

        if (lane >= offset)
          scan += up;
      }
    if (lane == 31)
      scratch[warp] = scan;
    __syncthreads ();
    if (warp == 0)
      {
        double t = lane < n_warps ? scratch[lane] : 0.0;

        for (int offset = 1; offset < 32; offset *= 2)
          {
            double up = __shfl_up_sync (0xffffffffu, t, offset);

            if (lane >= offset)
              t += up;
          }
        scratch[lane] = t;
      }
    __syncthreads ();
    offset_sum = (warp > 0 ? scratch[warp - 1] : 0.0) + scan - local;
    if (i0 < n)
      sums[i0] = offset_sum + a;
    if (i0 + 1 < n)
      sums[i0 + 1] = offset_sum + a + b;
    __syncthreads ();
  }

  /* 4. The normaliser over the top-k (or every token), which may reach
   * past the head: the keys above the limit's, plus its ties. */
  if (limit == n)
    total = sums[n - 1];
  else
    {
      double part = 0.0;
      unsigned limit_key = 0u;
      int ties_in = 0;

      if (limit < vocab)
        {
          select_rank (logits, vocab, temperature, limit - 1, histogram, &selection);
          limit_key = selection.key;
          ties_in = limit - selection.above;
        }
      for (int i = threadIdx.x; i < vocab; i += blockDim.x)
        {
          unsigned key = scaled_key (logits, i, temperature);

          if (limit == vocab || key > limit_key)
            part += exp ((double) key_value (key) - max);
        }
      total = block_sum (part, scratch);
      if (limit < vocab)
        total += ties_in * exp ((double) key_value (limit_key) - max);
    }

  /* 5. Top-p: the first place where the mass reaches top_p. */
  if (threadIdx.x == 0)
    first = INT_MAX;
  __syncthreads ();
  if (top_p > 0.0f && top_p < 1.0f)
    {
      for (int i = threadIdx.x; i < n; i += blockDim.x)
        if (sums[i] / total >= (double) top_p)
          atomicMin (&first, i);
      __syncthreads ();
      if (first != INT_MAX)
        keep = first + 1;
      else if (limit > n)
        {
          /* The mass is not reached within the head. */
          if (threadIdx.x == 0)
            *result = -1;
          return;
        }
      __syncthreads ();
      if (threadIdx.x == 0)
        first = INT_MAX;
      __syncthreads ();
    }

  /* 6. The draw: the first token whose prefix sum reaches it. */
  kept_total = keep <= n ? sums[keep - 1] : total;
  draw = uniform * kept_total;
  for (int i = threadIdx.x; i < min (keep, n); i += blockDim.x)
    if (sums[i] >= draw)
      atomicMin (&first, i);
  __syncthreads ();
  if (threadIdx.x == 0)
    *result = first != INT_MAX ? ids[first] : keep <= n ? ids[keep - 1] : -1;
}

}  // namespace

extern "C" {

cudaError_t
vc_sample (float *logits, size_t vocab, const int *history, size_t n_history, float penalty, unsigned *seen,
           float temperature, unsigned top_k, float top_p, double uniform, int *result, cudaStream_t stream)
{
  if (vocab == 0 || vocab > INT_MAX || n_history > INT_MAX)
    return cudaErrorInvalidValue;
  if (n_history > 0 && penalty > 0.0f && penalty != 1.0f)
    {
      cudaError_t err = cudaMemsetAsync (seen, 0, (vocab + 31) / 32 * sizeof (unsigned), stream);
      unsigned blocks = (unsigned) ((n_history + 255) / 256);

      if (err != cudaSuccess)
        return err;
      penalty_kernel<<<blocks < 1024 ? blocks : 1024, 256, 0, stream>>> (logits, (int) vocab, history, (int) n_history,
                                                                        penalty, seen);
    }
  if (temperature <= 0.0f)
    return vc_argmax (logits, vocab, result, stream);
  sample_kernel<<<1, kSampleThreads, 0, stream>>> (logits, (int) vocab, temperature,
                                                   top_k > INT_MAX ? 0 : (int) top_k, top_p, uniform, result);
  return cudaGetLastError ();
}

}
