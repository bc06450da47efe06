/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CUDA backend's own kernels (the matrix products are cuBLAS's). Each
 * one computes what its CPU counterpart in backend-cpu.c computes, with the
 * same float32 formulas (precise expf, tanhf, erff, cosf, sinf, 1/sqrtf),
 * so that differences stay at the level of summation order.
 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuda-kernels.h"

namespace {

constexpr int kThreads = 256;

unsigned
blocks_for (size_t n)
{
  size_t blocks = (n + kThreads - 1) / kThreads;

  /* A grid-stride loop covers the rest. */
  return (unsigned) (blocks < 65535 * 8 ? (blocks ? blocks : 1) : 65535 * 8);
}

__device__ float
load (const void *p, VcType type, size_t i)
{
  switch (type)
    {
    case VC_F16:
      return __half2float (static_cast<const __half *> (p)[i]);
    case VC_BF16:
      return __bfloat162float (static_cast<const __nv_bfloat16 *> (p)[i]);
    default:
      return static_cast<const float *> (p)[i];
    }
}

__device__ void
store (void *p, VcType type, size_t i, float value)
{
  switch (type)
    {
    case VC_F16:
      static_cast<__half *> (p)[i] = __float2half_rn (value);
      break;
    case VC_BF16:
      static_cast<__nv_bfloat16 *> (p)[i] = __float2bfloat16_rn (value);
      break;
    default:
      static_cast<float *> (p)[i] = value;
    }
}

/* Programmatic dependent launch (Hopper onwards; see launch()): a kernel
 * of the decoding step lets the next one start once all its own blocks
 * run, and waits for the one before it to finish (its memory then
 * visible) before it reads anything. The next kernel's blocks so take
 * their places while this one drains: on an H100 the 3B decoded 289
 * tokens/s chained against 272 not (the 8B 145 against 141). No-ops
 * before sm_90 and for launches without the attribute. */
__device__ __forceinline__ void
let_next_start (void)
{
#if __CUDA_ARCH__ >= 900
  asm volatile ("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ void
wait_for_previous (void)
{
#if __CUDA_ARCH__ >= 900
  asm volatile ("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void
chained_start (void)
{
  let_next_start ();
  wait_for_previous ();
}

#define GRID_STRIDE(i, n) \
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < (n); i += (size_t) gridDim.x * blockDim.x)

__global__ void
convert_kernel (void *dst, VcType dst_type, const void *src, VcType src_type, size_t n)
{
  GRID_STRIDE (i, n)
    store (dst, dst_type, i, load (src, src_type, i));
}

__global__ void
bias_add_kernel (float *out, const float *bias, size_t n, size_t cols)
{
  GRID_STRIDE (i, n * cols)
    out[i] += bias[i % cols];
}

/* Sum over the block (blockDim.x a multiple of 32, at most 1024). */
__device__ float
block_sum (float value)
{
  __shared__ float partial[32];
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;

  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync (0xffffffff, value, offset);
  __syncthreads ();
  if (lane == 0)
    partial[warp] = value;
  __syncthreads ();
  value = lane < (int) (blockDim.x / 32) ? partial[lane] : 0.0f;
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync (0xffffffff, value, offset);
  return value;
}

/* One block per row. */
__global__ void
rms_norm_kernel (float *out, const float *x, size_t dim, const float *weight, float eps)
{
  const float *xi = x + blockIdx.x * dim;
  float *oi = out + blockIdx.x * dim;
  float sum = 0.0f, scale;

  chained_start ();
  for (size_t k = threadIdx.x; k < dim; k += blockDim.x)
    sum += xi[k] * xi[k];
  sum = block_sum (sum);
  scale = 1.0f / sqrtf (sum / dim + eps);
  for (size_t k = threadIdx.x; k < dim; k += blockDim.x)
    oi[k] = weight[k] * (xi[k] * scale);
}

__global__ void
layer_norm_kernel (float *out, const float *x, size_t dim, const float *weight, const float *bias, float eps)
{
  const float *xi = x + blockIdx.x * dim;
  float *oi = out + blockIdx.x * dim;
  float mean = 0.0f, var = 0.0f, scale;

  for (size_t k = threadIdx.x; k < dim; k += blockDim.x)
    mean += xi[k];
  mean = block_sum (mean) / dim;
  for (size_t k = threadIdx.x; k < dim; k += blockDim.x)
    var += (xi[k] - mean) * (xi[k] - mean);
  var = block_sum (var);
  scale = 1.0f / sqrtf (var / dim + eps);
  for (size_t k = threadIdx.x; k < dim; k += blockDim.x)
    oi[k] = (xi[k] - mean) * scale * weight[k] + bias[k];
}

struct InvFreq {
  float value[VC_MAX_HEAD_DIM / 2];
};

/* One block per row; threads over (head, pair). */
__global__ void
rope_kernel (float *x, size_t n_heads, size_t head_dim, size_t start, const int *position, InvFreq inv_freq)
{
  size_t half = head_dim / 2;
  float *row = x + blockIdx.x * n_heads * head_dim;

  /* A recorded decoding step reads the position when it runs. */
  if (position != nullptr)
    start = *position;

  for (size_t t = threadIdx.x; t < n_heads * half; t += blockDim.x)
    {
      size_t h = t / half, j = t % half;
      float angle = (float) (int) (start + blockIdx.x) * inv_freq.value[j];
      float c = cosf (angle), s = sinf (angle);
      float *head = row + h * head_dim;
      float a = head[j], b = head[j + half];

      head[j] = a * c - b * s;
      head[j + half] = b * c + a * s;
    }
}

constexpr int kAttentionWarps = 4;

/* One block per (query, head, split), for few queries (decoding). Each
 * warp walks groups of 32 of the block's share of the visible keys with
 * an online softmax (running maximum, rescaled sum and output, lane d
 * holding dimensions d, d + 32, ...); the warps then merge. Memory stays linear in the length, whatever
 * the context. With one split the block writes the output; with several
 * (few queries over a long context: decoding) each writes its maximum,
 * sum and unnormalised output to @partial, and combine_kernel merges
 * them, so that a single query still spreads over the whole GPU. */
template <int PER_LANE>
__global__ void
attention_kernel (float *out, float *partial, const float *q, const float *k, const float *v, int n_kv,
                  int q_start, const int *position, int n_heads, int n_kv_heads, int head_dim, int causal)
{
  __shared__ float warp_max[kAttentionWarps], warp_sum[kAttentionWarps];
  __shared__ float warp_acc[kAttentionWarps][PER_LANE * 32];
  int i = blockIdx.x, h = blockIdx.y;
  int kv_head = h / (n_heads / n_kv_heads);
  size_t kv_width = (size_t) n_kv_heads * head_dim;
  int visible;

  chained_start ();
  if (position != nullptr)
    {
      /* A recorded decoding step: the queries follow the cache's keys. */
      q_start = *position;
      n_kv = q_start + gridDim.x;
    }
  visible = causal ? min (n_kv, q_start + i + 1) : n_kv;
  int n_splits = gridDim.z, chunk = (visible + n_splits - 1) / n_splits;
  int first = blockIdx.z * chunk, last = min (visible, first + chunk);
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const float *qi = q + ((size_t) i * n_heads + h) * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);
  __shared__ __align__ (16) float q_shared[VC_MAX_HEAD_DIM];
  float acc[PER_LANE];
  float m = -INFINITY, l = 0.0f;

  for (int d = threadIdx.x; d < head_dim; d += blockDim.x)
    q_shared[d] = qi[d];
#pragma unroll
  for (int p = 0; p < PER_LANE; p++)
    acc[p] = 0.0f;
  __syncthreads ();

  /* Thirty-two keys at a time per warp: lane j scores key j (its whole
   * dot product), then the warp adds their values, lanes over the
   * dimensions. */
  for (int t0 = first + warp * 32; t0 < last; t0 += kAttentionWarps * 32)
    {
      int t = t0 + lane, count = min (32, last - t0);
      float score = -INFINITY, m_group, m_new, correction, weight, total;

      if (t < last)
        {
          const float *kt = k + (size_t) t * kv_width + (size_t) kv_head * head_dim;
          float dot = 0.0f;

          /* Sixteen bytes a load where the rows allow, several loads in
           * flight; the sum in the same order either way. */
          if (head_dim % 4 == 0 && kv_width % 4 == 0 && (uintptr_t) k % 16 == 0)
            {
              const float4 *k4 = reinterpret_cast<const float4 *> (kt);
              const float4 *q4 = reinterpret_cast<const float4 *> (q_shared);

#pragma unroll 8
              for (int d = 0; d < head_dim / 4; d++)
                {
                  float4 kk = k4[d], qq = q4[d];

                  dot += qq.x * kk.x;
                  dot += qq.y * kk.y;
                  dot += qq.z * kk.z;
                  dot += qq.w * kk.w;
                }
            }
          else
            for (int d = 0; d < head_dim; d++)
              dot += q_shared[d] * kt[d];
          score = dot * scale;
        }
      m_group = score;
      for (int offset = 16; offset > 0; offset /= 2)
        m_group = fmaxf (m_group, __shfl_xor_sync (0xffffffff, m_group, offset));
      m_new = fmaxf (m, m_group);
      correction = expf (m - m_new);
      weight = t < last ? expf (score - m_new) : 0.0f;
      total = weight;
      for (int offset = 16; offset > 0; offset /= 2)
        total += __shfl_xor_sync (0xffffffff, total, offset);
      l = l * correction + total;
#pragma unroll
      for (int p = 0; p < PER_LANE; p++)
        acc[p] *= correction;
      /* The values eight keys at a time, loaded before they are used, so
       * that eight loads are in flight rather than one. */
      for (int j0 = 0; j0 < count; j0 += 8)
        {
          float values[8][PER_LANE];

#pragma unroll
          for (int jj = 0; jj < 8; jj++)
            {
              const float *vt = v + (size_t) (t0 + j0 + jj) * kv_width + (size_t) kv_head * head_dim;

#pragma unroll
              for (int p = 0; p < PER_LANE; p++)
                {
                  int d = lane + 32 * p;

                  values[jj][p] = j0 + jj < count && d < head_dim ? vt[d] : 0.0f;
                }
            }
#pragma unroll
          for (int jj = 0; jj < 8; jj++)
            {
              float pj = __shfl_sync (0xffffffff, weight, j0 + jj);

              if (j0 + jj < count)
#pragma unroll
                for (int p = 0; p < PER_LANE; p++)
                  acc[p] += pj * values[jj][p];
            }
        }
      m = m_new;
    }

  if (lane == 0)
    {
      warp_max[warp] = m;
      warp_sum[warp] = l;
    }
#pragma unroll
  for (int p = 0; p < PER_LANE; p++)
    warp_acc[warp][lane + 32 * p] = acc[p];
  __syncthreads ();

  if (warp == 0)
    {
      float total_max = -INFINITY, total = 0.0f;
      size_t row = (size_t) i * n_heads + h;
      /* A split's record: maximum, sum, then head_dim outputs. */
      float *record = n_splits > 1 ? partial + (row * n_splits + blockIdx.z) * (head_dim + 2) : nullptr;
      float *oi = record ? record + 2 : out + row * head_dim;

      for (int w = 0; w < kAttentionWarps; w++)
        total_max = fmaxf (total_max, warp_max[w]);
      for (int w = 0; w < kAttentionWarps; w++)
        if (warp_sum[w] > 0.0f)
          total += warp_sum[w] * expf (warp_max[w] - total_max);
#pragma unroll
      for (int p = 0; p < PER_LANE; p++)
        {
          int d = lane + 32 * p;
          float sum = 0.0f;

          for (int w = 0; w < kAttentionWarps; w++)
            if (warp_sum[w] > 0.0f)
              sum += warp_acc[w][d] * expf (warp_max[w] - total_max);
          if (d < head_dim)
            oi[d] = record ? sum : sum / total;
        }
      if (record && lane == 0)
        {
          record[0] = total_max;
          record[1] = total;
        }
    }
}

/* Merges the splits of one (query, head): each split's sum and output
 * rescaled to the common maximum. */
__global__ void
combine_kernel (float *out, const float *partial, int n_splits, int head_dim)
{
  size_t row = blockIdx.x;
  const float *records = partial + row * n_splits * (head_dim + 2);
  float total_max = -INFINITY, total = 0.0f;

  chained_start ();
  for (int s = 0; s < n_splits; s++)
    if (records[s * (head_dim + 2) + 1] > 0.0f)
      total_max = fmaxf (total_max, records[s * (head_dim + 2)]);
  for (int s = 0; s < n_splits; s++)
    {
      const float *r = records + s * (head_dim + 2);

      if (r[1] > 0.0f)
        total += r[1] * expf (r[0] - total_max);
    }
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x)
    {
      float sum = 0.0f;

      for (int s = 0; s < n_splits; s++)
        {
          const float *r = records + s * (head_dim + 2);

          if (r[1] > 0.0f)
            sum += r[2 + d] * expf (r[0] - total_max);
        }
      out[row * head_dim + d] = sum / total;
    }
}

/* Softmax of each row of @scores ([rows][n_kv], rows = heads × @n_rows
 * queries, head-major) over its visible keys, zeros after them: the
 * middle step of attention done as two matrix products. */
__global__ void
softmax_rows_kernel (float *scores, int n_rows, int n_kv, int first_query, int causal)
{
  __shared__ float shared_max;
  float *row = scores + (size_t) blockIdx.x * n_kv;
  int i = blockIdx.x % n_rows;
  int visible = causal ? min (n_kv, first_query + i + 1) : n_kv;
  float max = -INFINITY, total = 0.0f;

  for (int t = threadIdx.x; t < visible; t += blockDim.x)
    max = fmaxf (max, row[t]);
  for (int offset = 16; offset > 0; offset /= 2)
    max = fmaxf (max, __shfl_xor_sync (0xffffffff, max, offset));
  {
    __shared__ float partial[32];

    if (threadIdx.x % 32 == 0)
      partial[threadIdx.x / 32] = max;
    __syncthreads ();
    if (threadIdx.x == 0)
      {
        float m = partial[0];

        for (int w = 1; w < (int) (blockDim.x / 32); w++)
          m = fmaxf (m, partial[w]);
        shared_max = m;
      }
    __syncthreads ();
  }
  max = shared_max;
  for (int t = threadIdx.x; t < visible; t += blockDim.x)
    total += (row[t] = expf (row[t] - max));
  total = block_sum (total);
  for (int t = threadIdx.x; t < n_kv; t += blockDim.x)
    row[t] = t < visible ? row[t] / total : 0.0f;
}

/* The first index of the largest value, as the CPU's greedy choice. One
 * block of 1024 threads. */
__global__ void
argmax_kernel (const float *x, size_t n, int *result)
{
  __shared__ float best_value[32];
  __shared__ int best_index[32];
  float value = -INFINITY;
  int index = -1;
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;

  chained_start ();

  for (size_t i = threadIdx.x; i < n; i += blockDim.x)
    if (index < 0 || x[i] > value)
      {
        value = x[i];
        index = (int) i;
      }
  for (int offset = 16; offset > 0; offset /= 2)
    {
      float other_value = __shfl_xor_sync (0xffffffff, value, offset);
      int other_index = __shfl_xor_sync (0xffffffff, index, offset);

      if (other_index >= 0 && (index < 0 || other_value > value || (other_value == value && other_index < index)))
        {
          value = other_value;
          index = other_index;
        }
    }
  if (lane == 0)
    {
      best_value[warp] = value;
      best_index[warp] = index;
    }
  __syncthreads ();
  if (threadIdx.x == 0)
    {
      for (int w = 1; w < (int) (blockDim.x / 32); w++)
        if (best_index[w] >= 0 &&
            (best_index[0] < 0 || best_value[w] > best_value[0] ||
             (best_value[w] == best_value[0] && best_index[w] < best_index[0])))
          {
            best_value[0] = best_value[w];
            best_index[0] = best_index[w];
          }
      *result = best_index[0];
    }
}

__global__ void
kv_store_kernel (float *cache, const float *rows, size_t start, const int *position, size_t n, size_t width)
{
  if (position != nullptr)
    start = *position;
  GRID_STRIDE (i, n * width)
    cache[start * width + i] = rows[i];
}

/* Eight weights of one 16-byte load, widened, dotted with eight inputs. */
__device__ float
dot8 (uint4 packed, float4 a, float4 b, VcType type)
{
  float2 w[4];

  if (type == VC_F16)
    {
      const __half2 *h = reinterpret_cast<const __half2 *> (&packed);

      for (int j = 0; j < 4; j++)
        w[j] = __half22float2 (h[j]);
    }
  else
    {
      const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *> (&packed);

      for (int j = 0; j < 4; j++)
        w[j] = __bfloat1622float2 (h[j]);
    }
  return w[0].x * a.x + w[0].y * a.y + w[1].x * a.z + w[1].y * a.w +
         w[2].x * b.x + w[2].y * b.y + w[3].x * b.z + w[3].y * b.w;
}

/* Decoding's products, bound by how fast the weights stream: each warp
 * takes ROWS consecutive output rows of one job, each lane loading 16
 * bytes (eight weights) of every row at a time, UNROLL steps unrolled so
 * that ROWS x UNROLL loads are in flight, the float32 input read as it is
 * (no narrowing; each load of it serves ROWS rows), float32 sums. A row's
 * sum is made in the same order whatever ROWS and UNROLL are. A launch
 * serves several jobs:
 *   VC_GEMV_PLAIN:   out_j[row] = w_j[row] · x (+ bias_j[row]), j < n_jobs
 *                    (warps of the jobs numbered one after the other)
 *   VC_GEMV_ADD:     out_0[row] += w_0[row] · x (a residual)
 *   VC_GEMV_SILU:    out_0[row] = silu(w_0[row] · x) * (w_1[row] · x)
 * so that q, k and v (or gate and up) take one launch and the residual
 * and SiLU none of their own. (Folding RMSNorm in as well, each block
 * finding the scale first, measured slower on an H200: the loads then
 * start later.) */
/* field[job] with constant indices only: indexing a kernel parameter's
 * array at run time copies the whole parameter to local memory first. */
template <typename T>
__device__ T
job_field (const T (&field)[VC_GEMV_MAX_JOBS], int job)
{
  static_assert (VC_GEMV_MAX_JOBS == 3, "one branch per job");
  return job == 0 ? field[0] : job == 1 ? field[1] : field[2];
}

template <int ROWS, int UNROLL>
__global__ void __launch_bounds__ (256)
fused_gemv_kernel (VcGemvJobs jobs, VcType type, const float4 *x, int cols)
{
  int warp_index = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
  int n_vectors = cols / 8, job = 0, row0, n_rows;
  float sum[ROWS], other[ROWS];

  if (jobs.mode == VC_GEMV_PLAIN)
    job = warp_index >= jobs.first_row[2] && jobs.n_jobs > 2 ? 2 : warp_index >= jobs.first_row[1] && jobs.n_jobs > 1;
  row0 = (warp_index - job_field (jobs.first_row, job)) * ROWS;
  if (row0 >= job_field (jobs.rows, job))
    return;
  n_rows = min (ROWS, job_field (jobs.rows, job) - row0);

  {
    const uint4 *w = static_cast<const uint4 *> (job_field (jobs.w, job)) + (size_t) row0 * n_vectors;
    const uint4 *w_up = jobs.mode == VC_GEMV_SILU ? static_cast<const uint4 *> (jobs.w[1]) + (size_t) row0 * n_vectors
                                                  : nullptr;

    /* Chained, this block may start while the kernel before it drains;
     * its weights depend on nothing before it, but prefetching them into
     * the L2 here did not pay on an H100 (the first loads' lines: no
     * change, 287 against 289 tok/s on the 3B; whole rows: slower, the
     * 8B's LM head at 2.2 instead of 3.0 TB/s). */
    let_next_start ();
    wait_for_previous ();

#pragma unroll
    for (int r = 0; r < ROWS; r++)
      sum[r] = other[r] = 0.0f;
#pragma unroll UNROLL
    for (int i = lane; i < n_vectors; i += 32)
      {
        float4 a = x[2 * i], b = x[2 * i + 1];

#pragma unroll
        for (int r = 0; r < ROWS; r++)
          if (r < n_rows)
            {
              sum[r] += dot8 (__ldg (w + (size_t) r * n_vectors + i), a, b, type);
              if (w_up != nullptr)
                other[r] += dot8 (__ldg (w_up + (size_t) r * n_vectors + i), a, b, type);
            }
      }
  }
#pragma unroll
  for (int r = 0; r < ROWS; r++)
    for (int offset = 16; offset > 0; offset /= 2)
      {
        sum[r] += __shfl_xor_sync (0xffffffff, sum[r], offset);
        other[r] += __shfl_xor_sync (0xffffffff, other[r], offset);
      }
#pragma unroll
  for (int r = 0; r < ROWS; r++)
    {
      int row = row0 + r;

      /* Lane r writes row r. */
      if (lane != r || r >= n_rows)
        continue;
      switch (jobs.mode)
        {
        case VC_GEMV_ADD:
          jobs.out[0][row] += sum[r];
          break;
        case VC_GEMV_SILU:
          jobs.out[0][row] = sum[r] / (1.0f + expf (-sum[r])) * other[r];
          break;
        default:
          {
            const float *bias = job_field (jobs.bias, job);

            job_field (jobs.out, job)[row] = bias != nullptr ? sum[r] + bias[row] : sum[r];
          }
        }
    }
}

/* The shapes of the product kernel a launch may take (VILA_GEMV_VARIANT
 * picks one, for measuring them against each other: tools/gpu-check). */
struct GemvVariant {
  int rows, unroll, warps;
};

constexpr int kGemvDefault = 0;

/* Four rows a warp measured far slower on an H100 (a 3B step's products
 * 4.7 ms against 2.8), so the shapes left differ in loads in flight and
 * in warps a block (how evenly blocks fall on the multiprocessors); those
 * with one row a warp are within 1% of each other there (3B: 2,525-2,540
 * us a step's products, 286-287 tokens/s), so the first stays. */
constexpr GemvVariant kGemvVariants[] = {
  { 1, 4, 8 }, { 1, 8, 8 }, { 2, 4, 4 }, { 1, 4, 4 }, { 1, 4, 2 }, { 1, 8, 2 },
};

/* Decoding's rotary embedding and cache store in one, a block per head:
 * q rotated in place, k rotated into the key cache and v copied into the
 * value cache at the position. */
__global__ void
rope_store_kernel (float *q, const float *k, const float *v, int n_heads, int n_kv_heads, int head_dim,
                   size_t start, const int *position, InvFreq inv_freq, float *cache_k, float *cache_v)
{
  int half = head_dim / 2, h = blockIdx.x;
  size_t kv_width = (size_t) n_kv_heads * head_dim;
  const float *source;
  float *target;

  chained_start ();
  if (position != nullptr)
    start = *position;
  if (h < n_heads)
    source = target = q + (size_t) h * head_dim;
  else
    {
      source = k + (size_t) (h - n_heads) * head_dim;
      target = cache_k + start * kv_width + (size_t) (h - n_heads) * head_dim;
      for (int d = threadIdx.x; d < head_dim; d += blockDim.x)
        cache_v[start * kv_width + (size_t) (h - n_heads) * head_dim + d] = v[(size_t) (h - n_heads) * head_dim + d];
    }
  for (int j = threadIdx.x; j < half; j += blockDim.x)
    {
      float angle = (float) (int) start * inv_freq.value[j];
      float c = cosf (angle), s = sinf (angle);
      float a = source[j], b = source[j + half];

      target[j] = a * c - b * s;
      target[j + half] = b * c + a * s;
    }
}

__global__ void
downsample_kernel (float *out, const float *features, size_t grid, size_t channels, size_t m, int column_major)
{
  size_t blocks = (grid + m - 1) / m;

  GRID_STRIDE (index, blocks * blocks * m * m * channels)
    {
      size_t ch = index % channels, rest = index / channels;
      size_t within = rest % (m * m), token = rest / (m * m);
      size_t i = column_major ? token % blocks : token / blocks;
      size_t j = column_major ? token / blocks : token % blocks;
      size_t r = i * m + within / m, c = j * m + within % m;

      out[index] = r < grid && c < grid ? features[(r * grid + c) * channels + ch] : 0.0f;
    }
}

__global__ void
silu_mul_kernel (float *gate, const float *up, size_t n)
{
  GRID_STRIDE (i, n)
    gate[i] = gate[i] / (1.0f + expf (-gate[i])) * up[i];
}

__global__ void
gelu_tanh_kernel (float *x, size_t n)
{
  const float k = 0.7978845608028654f;

  GRID_STRIDE (i, n)
    x[i] = 0.5f * x[i] * (1.0f + tanhf (k * (x[i] + 0.044715f * x[i] * x[i] * x[i])));
}

__global__ void
gelu_erf_kernel (float *x, size_t n)
{
  GRID_STRIDE (i, n)
    x[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
}

__global__ void
quick_gelu_kernel (float *x, size_t n)
{
  GRID_STRIDE (i, n)
    x[i] = x[i] / (1.0f + expf (-1.702f * x[i]));
}

__global__ void
add_kernel (float *x, const float *y, size_t n)
{
  GRID_STRIDE (i, n)
    x[i] += y[i];
}

__global__ void
embed_kernel (float *out, const void *table, VcType type, size_t cols, const int *ids, size_t n)
{
  GRID_STRIDE (i, n * cols)
    out[i] = load (table, type, (size_t) ids[i / cols] * cols + i % cols);
}

cudaError_t
launched (void)
{
  return cudaGetLastError ();
}

/* Chaining (see let_next_start()) where the GPU has it (sm_90 on) and
 * VILA_CUDA_PDL is not 0. */
bool
chaining_enabled (void)
{
  static int enabled = -1;

  if (enabled < 0)
    {
      const char *setting = getenv ("VILA_CUDA_PDL");
      int device = 0, major = 0;

      if (cudaGetDevice (&device) != cudaSuccess ||
          cudaDeviceGetAttribute (&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess)
        major = 0;
      enabled = major >= 9 && !(setting != nullptr && strcmp (setting, "0") == 0);
    }
  return enabled != 0;
}

/* A kernel of the decoding step, launched so that it may start while the
 * one before it drains (it must call wait_for_previous() before reading
 * anything). */
template <typename... Parameters, typename... Arguments>
cudaError_t
launch_chained (void (*kernel) (Parameters...), dim3 grid, dim3 block, cudaStream_t stream, Arguments... arguments)
{
  cudaLaunchAttribute attribute = {};
  cudaLaunchConfig_t config = {};

  attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute.val.programmaticStreamSerializationAllowed = 1;
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = 0;
  config.stream = stream;
  config.attrs = &attribute;
  config.numAttrs = chaining_enabled () ? 1 : 0;
  return cudaLaunchKernelEx (&config, kernel, static_cast<Parameters> (arguments)...);
}

}  // namespace

extern "C" {

cudaError_t
vc_convert (void *dst, VcType dst_type, const void *src, VcType src_type, size_t n, cudaStream_t stream)
{
  convert_kernel<<<blocks_for (n), kThreads, 0, stream>>> (dst, dst_type, src, src_type, n);
  return launched ();
}

cudaError_t
vc_bias_add (float *out, const float *bias, size_t n, size_t cols, cudaStream_t stream)
{
  bias_add_kernel<<<blocks_for (n * cols), kThreads, 0, stream>>> (out, bias, n, cols);
  return launched ();
}

cudaError_t
vc_rms_norm (float *out, const float *x, size_t n, size_t dim, const float *weight, float eps, cudaStream_t stream)
{
  if (n == 0)
    return cudaSuccess;
  return launch_chained (rms_norm_kernel, dim3 ((unsigned) n), dim3 (kThreads), stream, out, x, dim, weight, eps);
}

cudaError_t
vc_layer_norm (float *out, const float *x, size_t n, size_t dim, const float *weight, const float *bias, float eps,
               cudaStream_t stream)
{
  if (n == 0)
    return cudaSuccess;
  layer_norm_kernel<<<n, kThreads, 0, stream>>> (out, x, dim, weight, bias, eps);
  return launched ();
}

cudaError_t
vc_rope (float *x, size_t n, size_t n_heads, size_t head_dim, size_t start, const int *position,
         const float *inv_freq, cudaStream_t stream)
{
  InvFreq frequencies = {};

  if (head_dim > VC_MAX_HEAD_DIM || head_dim % 2 != 0)
    return cudaErrorInvalidValue;
  if (n == 0)
    return cudaSuccess;
  for (size_t j = 0; j < head_dim / 2; j++)
    frequencies.value[j] = inv_freq[j];
  rope_kernel<<<n, kThreads, 0, stream>>> (x, n_heads, head_dim, start, position, frequencies);
  return launched ();
}

size_t
vc_attention_splits (size_t n_q, size_t n_kv, size_t n_heads, int n_multiprocessors)
{
  size_t blocks = n_q * n_heads, want = 2 * (size_t) n_multiprocessors;
  size_t splits;

  /* Enough blocks for every multiprocessor twice over, each with at least
   * 64 keys to walk (32 measured the same on an H100: 285.8 against 286.0
   * tokens/s on the 3B with 260 positions). */
  if (blocks >= want || n_kv < 128)
    return 1;
  splits = (want + blocks - 1) / blocks;
  return splits < n_kv / 64 ? splits : n_kv / 64;
}

cudaError_t
vc_attention (float *out, float *partial, size_t n_splits, const float *q, const float *k, const float *v,
              size_t n_q, size_t n_kv, size_t q_start, const int *position, size_t n_heads, size_t n_kv_heads,
              size_t head_dim, int causal, cudaStream_t stream)
{
  dim3 grid ((unsigned) n_q, (unsigned) n_heads, (unsigned) n_splits);
  int threads = kAttentionWarps * 32;

  if (head_dim > VC_MAX_HEAD_DIM || n_kv_heads == 0 || n_heads % n_kv_heads != 0 || n_q > 0x7fffffff ||
      n_splits == 0 || (n_splits > 1 && partial == nullptr))
    return cudaErrorInvalidValue;
  if (n_q == 0 || n_heads == 0)
    return cudaSuccess;
  {
    auto kernel = head_dim <= 64 ? attention_kernel<2> : head_dim <= 128 ? attention_kernel<4> : attention_kernel<8>;
    cudaError_t err = launch_chained (kernel, grid, dim3 (threads), stream, out, partial, q, k, v, n_kv, q_start,
                                      position, n_heads, n_kv_heads, head_dim, causal);

    if (err != cudaSuccess || n_splits == 1)
      return err;
  }
  return launch_chained (combine_kernel, dim3 ((unsigned) (n_q * n_heads)), dim3 (128), stream, out,
                         (const float *) partial, (int) n_splits, (int) head_dim);
}

cudaError_t
vc_softmax_rows (float *scores, size_t n_heads, size_t n_rows, size_t n_kv, size_t first_query, int causal,
                 cudaStream_t stream)
{
  if (n_heads * n_rows == 0)
    return cudaSuccess;
  softmax_rows_kernel<<<(unsigned) (n_heads * n_rows), kThreads, 0, stream>>> (scores, (int) n_rows, (int) n_kv,
                                                                               (int) first_query, causal);
  return launched ();
}

cudaError_t
vc_argmax (const float *x, size_t n, int *result, cudaStream_t stream)
{
  return launch_chained (argmax_kernel, dim3 (1), dim3 (1024), stream, x, n, result);
}

int
vc_gemv_supports (size_t cols)
{
  /* Eight weights a load. */
  return cols % 8 == 0 && cols <= 0x7fffffff;
}

cudaError_t
vc_gemv (float *out, const void *w, VcType type, const float *x, const float *bias, size_t rows, size_t cols,
         cudaStream_t stream)
{
  VcGemvJobs jobs = {};

  if (rows > 0x7fffffff)
    return cudaErrorInvalidValue;
  jobs.w[0] = w;
  jobs.out[0] = out;
  jobs.bias[0] = bias;
  jobs.rows[0] = (int) rows;
  jobs.n_jobs = 1;
  jobs.mode = VC_GEMV_PLAIN;
  return vc_fused_gemv (&jobs, type, x, cols, stream);
}

int
vc_gemv_variant_count (void)
{
  return (int) (sizeof kGemvVariants / sizeof kGemvVariants[0]);
}

static int gemv_variant = -1;

void
vc_gemv_set_variant (int variant)
{
  gemv_variant = variant >= 0 && variant < vc_gemv_variant_count () ? variant : -1;
}

/* The shape set last, or VILA_GEMV_VARIANT's, or the default. */
static int
current_gemv_variant (void)
{
  if (gemv_variant < 0)
    {
      const char *chosen = getenv ("VILA_GEMV_VARIANT");
      int variant = chosen != nullptr && *chosen != '\0' ? atoi (chosen) : kGemvDefault;

      gemv_variant = variant >= 0 && variant < vc_gemv_variant_count () ? variant : kGemvDefault;
    }
  return gemv_variant;
}

cudaError_t
vc_fused_gemv (const VcGemvJobs *jobs, VcType type, const float *x, size_t cols, cudaStream_t stream)
{
  VcGemvJobs j = *jobs;
  size_t total = 0;
  GemvVariant variant;
  unsigned blocks;

  int chosen = current_gemv_variant ();

  variant = kGemvVariants[chosen];
  if (type == VC_F32 || !vc_gemv_supports (cols) || (uintptr_t) x % 16 != 0 ||
      j.n_jobs < 1 || j.n_jobs > VC_GEMV_MAX_JOBS)
    return cudaErrorInvalidValue;
  /* first_row counts warps: each takes variant.rows rows of one job. */
  for (int i = 0; i < j.n_jobs; i++)
    {
      if ((uintptr_t) j.w[i] % 16 != 0)
        return cudaErrorInvalidValue;
      j.first_row[i] = (int) total;
      total += j.mode == VC_GEMV_PLAIN || i == 0 ? (j.rows[i] + variant.rows - 1) / variant.rows : 0;
    }
  if (total == 0)
    return cudaSuccess;
  blocks = (unsigned) ((total + variant.warps - 1) / variant.warps);
  {
    void (*kernels[]) (VcGemvJobs, VcType, const float4 *, int) = {
      fused_gemv_kernel<1, 4>, fused_gemv_kernel<1, 8>, fused_gemv_kernel<2, 4>,
      fused_gemv_kernel<1, 4>, fused_gemv_kernel<1, 4>, fused_gemv_kernel<1, 8>,
    };
    static_assert (sizeof kernels / sizeof kernels[0] == sizeof kGemvVariants / sizeof kGemvVariants[0],
                   "a kernel per shape");

    return launch_chained (kernels[chosen], dim3 (blocks), dim3 (variant.warps * 32), stream, j, type,
                           reinterpret_cast<const float4 *> (x), (int) cols);
  }
}

cudaError_t
vc_rope_store (float *q, const float *k, const float *v, size_t n_heads, size_t n_kv_heads, size_t head_dim,
               size_t start, const int *position, const float *inv_freq, float *cache_k, float *cache_v,
               cudaStream_t stream)
{
  InvFreq frequencies = {};

  if (head_dim > VC_MAX_HEAD_DIM || head_dim % 2 != 0)
    return cudaErrorInvalidValue;
  for (size_t j = 0; j < head_dim / 2; j++)
    frequencies.value[j] = inv_freq[j];
  return launch_chained (rope_store_kernel, dim3 ((unsigned) (n_heads + n_kv_heads)), dim3 (64), stream, q, k, v,
                         (int) n_heads, (int) n_kv_heads, (int) head_dim, start, position, frequencies, cache_k,
                         cache_v);
}

cudaError_t
vc_kv_store (float *cache, const float *rows, size_t start, const int *position, size_t n, size_t width,
             cudaStream_t stream)
{
  kv_store_kernel<<<blocks_for (n * width), kThreads, 0, stream>>> (cache, rows, start, position, n, width);
  return launched ();
}

cudaError_t
vc_downsample (float *out, const float *features, size_t grid, size_t channels, size_t m, int column_major,
               cudaStream_t stream)
{
  size_t blocks = (grid + m - 1) / m;

  downsample_kernel<<<blocks_for (blocks * blocks * m * m * channels), kThreads, 0, stream>>> (
    out, features, grid, channels, m, column_major);
  return launched ();
}

cudaError_t
vc_silu_mul (float *gate, const float *up, size_t n, cudaStream_t stream)
{
  silu_mul_kernel<<<blocks_for (n), kThreads, 0, stream>>> (gate, up, n);
  return launched ();
}

cudaError_t
vc_gelu_tanh (float *x, size_t n, cudaStream_t stream)
{
  gelu_tanh_kernel<<<blocks_for (n), kThreads, 0, stream>>> (x, n);
  return launched ();
}

cudaError_t
vc_gelu_erf (float *x, size_t n, cudaStream_t stream)
{
  gelu_erf_kernel<<<blocks_for (n), kThreads, 0, stream>>> (x, n);
  return launched ();
}

cudaError_t
vc_quick_gelu (float *x, size_t n, cudaStream_t stream)
{
  quick_gelu_kernel<<<blocks_for (n), kThreads, 0, stream>>> (x, n);
  return launched ();
}

cudaError_t
vc_add (float *x, const float *y, size_t n, cudaStream_t stream)
{
  add_kernel<<<blocks_for (n), kThreads, 0, stream>>> (x, y, n);
  return launched ();
}

cudaError_t
vc_embed (float *out, const void *table, VcType type, size_t cols, const int *ids, size_t n, cudaStream_t stream)
{
  embed_kernel<<<blocks_for (n * cols), kThreads, 0, stream>>> (out, table, type, cols, ids, n);
  return launched ();
}

}  // extern "C"
