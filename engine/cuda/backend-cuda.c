/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CUDA backend: the operations of backend.h on an NVIDIA GPU. Weights
 * are uploaded once, at bind, in the precision asked for (matrices) or in
 * float32 (norm weights, biases, the small embeddings); activations are
 * float32 device buffers from the stream-ordered allocator. Matrix products
 * are cuBLAS's (half or bfloat16 inputs, float32 accumulation and output);
 * everything else is ours (cuda-kernels.cu).
 *
 * Each thread computes on its own per-thread default stream with its own
 * cuBLAS handle, so sessions on two threads do not serialise on one queue;
 * download() is where a thread waits for its work.
 *
 * cuBLAS is opened with dlopen() rather than linked: the app then starts,
 * and explains itself, on a machine that has a driver but no cuBLAS.
 */
#define G_LOG_DOMAIN "vila-cuda"

#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <cublas_api.h>

#include "backend.h"
#include "cuda-kernels.h"
#include "vila.h"
#include "vila-private.h"

#define STREAM cudaStreamPerThread

typedef cublasStatus_t (*CreateFunc) (cublasHandle_t *handle);
typedef cublasStatus_t (*DestroyFunc) (cublasHandle_t handle);
typedef cublasStatus_t (*SetStreamFunc) (cublasHandle_t handle, cudaStream_t stream);
typedef cublasStatus_t (*SetWorkspaceFunc) (cublasHandle_t handle, void *workspace, size_t bytes);
typedef cublasStatus_t (*GemmStridedBatchedExFunc) (cublasHandle_t handle, cublasOperation_t transa,
                                                    cublasOperation_t transb, int m, int n, int k, const void *alpha,
                                                    const void *A, cudaDataType Atype, int lda, long long strideA,
                                                    const void *B, cudaDataType Btype, int ldb, long long strideB,
                                                    const void *beta, void *C, cudaDataType Ctype, int ldc,
                                                    long long strideC, int batchCount,
                                                    cublasComputeType_t computeType, cublasGemmAlgo_t algo);
typedef cublasStatus_t (*GemmExFunc) (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                      int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype,
                                      int lda, const void *B, cudaDataType Btype, int ldb, const void *beta,
                                      void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                                      cublasGemmAlgo_t algo);

static struct {
  CreateFunc    create;
  DestroyFunc   destroy;
  SetStreamFunc set_stream;
  SetWorkspaceFunc set_workspace;
  GemmExFunc    gemm_ex;
  GemmStridedBatchedExFunc gemm_batched;
  char         *error;    /* why cuBLAS could not be opened, or NULL */
} cublas;

/* cuBLAS's scratch: ours, so that a recorded step can own its own. */
#define CUBLAS_WORKSPACE_BYTES ((gsize) 32 << 20)

/* A decoding step recorded as a CUDA graph, with the memory it was
 * recorded with (so that it outlives the thread that recorded it) and the
 * position it reads when replayed. */
typedef struct {
  cudaGraphExec_t exec;
  int            *position;
  void           *workspace;
  void           *narrow;
  float          *partial;
} Step;

/* What one thread needs: its cuBLAS handle, a buffer for activations
 * narrowed to the weights' precision before a product (kept while the
 * same input feeds several products: q, k and v; gate and up), the split
 * attention's partial results, and the place a device argmax lands. */
typedef struct {
  cublasHandle_t handle;
  void          *narrow;
  gsize          narrow_floats;
  const float   *narrowed_from;   /* the activations @narrow holds, or NULL */
  gsize          narrowed_count;
  VilaTensorType narrowed_type;
  float         *partial;
  gsize          partial_floats;
  float         *scores;          /* attention as matrix products */
  gsize          scores_floats;
  int           *argmax;          /* device: a token chosen there */
  int           *argmax_host;     /* pinned */
  int           *history;         /* device: token ids for the repetition penalty */
  gsize          history_capacity;
  void          *sample_scratch;  /* device: vc_sample()'s */
  gsize          sample_scratch_bytes;
  void          *workspace;       /* cuBLAS's */
  Step          *recording;       /* the step being recorded, or NULL */
  gsize          recording_narrow_floats;
  gsize          recording_partial_floats;
} ThreadState;

static int n_multiprocessors = 1;

static void
thread_state_free (gpointer data)
{
  ThreadState *state = data;

  if (state->narrow != NULL)
    cudaFree (state->narrow);
  if (state->partial != NULL)
    cudaFree (state->partial);
  if (state->scores != NULL)
    cudaFree (state->scores);
  if (state->argmax != NULL)
    cudaFree (state->argmax);
  if (state->argmax_host != NULL)
    cudaFreeHost (state->argmax_host);
  if (state->history != NULL)
    cudaFree (state->history);
  if (state->sample_scratch != NULL)
    cudaFree (state->sample_scratch);
  if (state->workspace != NULL)
    cudaFree (state->workspace);
  if (state->handle != NULL)
    cublas.destroy (state->handle);
  g_free (state);
}

static GPrivate thread_state_key = G_PRIVATE_INIT (thread_state_free);

static const char *
cublas_status_string (cublasStatus_t status)
{
  switch (status)
    {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "out of memory";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid value";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "not supported by this GPU";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "execution failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "not supported";
    default: return "error";
    }
}

static gpointer
open_cublas (gpointer data)
{
  /* The soname of the toolkit we were built with, then the toolkit's own
   * folder (a plain /usr/local/cuda install is not on the loader's path). */
  const char *candidates[] = {
    g_getenv ("VILA_CUBLAS_LIBRARY"),
    "libcublas.so." G_STRINGIFY (VILA_CUDA_MAJOR),
    VILA_CUDA_LIBDIR "/libcublas.so." G_STRINGIFY (VILA_CUDA_MAJOR),
  };
  void *library = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && library == NULL; i++)
    if (candidates[i] != NULL)
      library = dlopen (candidates[i], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL)
    {
      cublas.error = g_strdup_printf ("cuBLAS (libcublas.so.%d) was not found", VILA_CUDA_MAJOR);
      return NULL;
    }
  cublas.create = (CreateFunc) dlsym (library, "cublasCreate_v2");
  cublas.destroy = (DestroyFunc) dlsym (library, "cublasDestroy_v2");
  cublas.set_stream = (SetStreamFunc) dlsym (library, "cublasSetStream_v2");
  cublas.set_workspace = (SetWorkspaceFunc) dlsym (library, "cublasSetWorkspace_v2");
  cublas.gemm_ex = (GemmExFunc) dlsym (library, "cublasGemmEx");
  cublas.gemm_batched = (GemmStridedBatchedExFunc) dlsym (library, "cublasGemmStridedBatchedEx");
  if (!cublas.create || !cublas.destroy || !cublas.set_stream || !cublas.set_workspace || !cublas.gemm_ex ||
      !cublas.gemm_batched)
    cublas.error = g_strdup ("the cuBLAS library lacks functions VILA Chat needs");
  return NULL;
}

static gboolean
cublas_ready (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, open_cublas, NULL);
  if (cublas.error == NULL)
    return TRUE;
  g_set_error_literal (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, cublas.error);
  return FALSE;
}

static ThreadState *
thread_state (void)
{
  ThreadState *state = g_private_get (&thread_state_key);
  cublasStatus_t status;

  if (state != NULL)
    return state;
  state = g_new0 (ThreadState, 1);
  if ((status = cublas.create (&state->handle)) != CUBLAS_STATUS_SUCCESS)
    g_error ("cuBLAS cannot start: %s", cublas_status_string (status));
  cublas.set_stream (state->handle, STREAM);
  if (cudaMalloc (&state->workspace, CUBLAS_WORKSPACE_BYTES) != cudaSuccess)
    g_error ("No GPU memory for cuBLAS");
  cublas.set_workspace (state->handle, state->workspace, CUBLAS_WORKSPACE_BYTES);
  g_private_set (&thread_state_key, state);
  return state;
}

/* While a step is recorded, positions come from its device memory. */
static const int *
recorded_position (ThreadState *state)
{
  return state->recording != NULL ? state->recording->position : NULL;
}

/* Every operation but a product may change memory a narrowed copy was
 * made from. */
static ThreadState *
thread_state_changed (void)
{
  ThreadState *state = thread_state ();

  state->narrowed_from = NULL;
  return state;
}

/* Launch errors are programming errors (bad sizes) or a GPU that fell
 * over; either way there is nothing sensible to compute further. */
static void
check (cudaError_t  err,
       const char  *what)
{
  if (err != cudaSuccess)
    g_error ("CUDA %s failed: %s", what, cudaGetErrorString (err));
}

/* @buffer grown (never shrunk) to @n_floats. */
static float *
grow (float **buffer,
      gsize  *size,
      gsize   n_floats)
{
  if (n_floats > *size)
    {
      /* The recording step made its buffers large enough beforehand. */
      g_assert (thread_state ()->recording == NULL);
      if (*buffer != NULL)
        check (cudaFreeAsync (*buffer, STREAM), "free");
      check (cudaMallocAsync ((void **) buffer, n_floats * sizeof (float), STREAM), "allocation");
      *size = n_floats;
    }
  return *buffer;
}

static void
check_cublas (cublasStatus_t  status,
              const char     *what)
{
  if (status != CUBLAS_STATUS_SUCCESS)
    g_error ("cuBLAS %s failed: %s", what, cublas_status_string (status));
}

static VcType
vc_type (VilaTensorType type)
{
  switch (type)
    {
    case VILA_TENSOR_F16: return VC_F16;
    case VILA_TENSOR_BF16: return VC_BF16;
    case VILA_TENSOR_F32: return VC_F32;
    default: g_assert_not_reached ();
    }
}

static gsize
type_size (VilaTensorType type)
{
  return type == VILA_TENSOR_F32 ? 4 : 2;
}

static float *
cuda_alloc (gsize n_floats)
{
  void *buffer = NULL;

  thread_state_changed ();
  if (cudaMallocAsync (&buffer, MAX (n_floats, 1) * sizeof (float), STREAM) != cudaSuccess)
    {
      cudaGetLastError ();
      return NULL;
    }
  return buffer;
}

static void
cuda_free (float *buffer)
{
  thread_state_changed ();
  check (cudaFreeAsync (buffer, STREAM), "free");
}

static void
cuda_upload (float       *dst,
             const float *host_src,
             gsize        n_floats)
{
  thread_state_changed ();
  check (cudaMemcpyAsync (dst, host_src, n_floats * sizeof (float), cudaMemcpyHostToDevice, STREAM), "upload");
}

static void
cuda_download (float       *host_dst,
               const float *src,
               gsize        n_floats)
{
  check (cudaMemcpyAsync (host_dst, src, n_floats * sizeof (float), cudaMemcpyDeviceToHost, STREAM), "download");
  check (cudaStreamSynchronize (STREAM), "computation");
}

static void
cuda_copy (float       *dst,
           const float *src,
           gsize        n_floats)
{
  thread_state_changed ();
  check (cudaMemcpyAsync (dst, src, n_floats * sizeof (float), cudaMemcpyDeviceToDevice, STREAM), "copy");
}

/* Uploads @m as @type: the checkpoint's bytes go up as they are and are
 * converted there, which is faster than converting gigabytes on the CPU. */
static gboolean
bind_as (VilaMatrix      *m,
         VilaTensorType   type,
         GError         **error)
{
  gsize n = m->rows * m->cols;
  void *device = NULL, *staging = NULL;
  cudaError_t err;

  if (m->type != VILA_TENSOR_F32 && m->type != VILA_TENSOR_F16 && m->type != VILA_TENSOR_BF16)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_UNSUPPORTED, "The CUDA backend cannot use %s weights",
                   vila_tensor_type_name (m->type));
      return FALSE;
    }
  err = cudaMalloc (&device, MAX (n, 1) * type_size (type));
  if (err == cudaSuccess && m->type != type)
    err = cudaMalloc (&staging, MAX (n, 1) * type_size (m->type));
  if (err == cudaSuccess)
    err = cudaMemcpy (staging ? staging : device, m->data, n * type_size (m->type), cudaMemcpyHostToDevice);
  if (err == cudaSuccess && staging != NULL)
    err = vc_convert (device, vc_type (type), staging, vc_type (m->type), n, 0);
  if (err == cudaSuccess)
    err = cudaDeviceSynchronize ();
  if (staging != NULL)
    cudaFree (staging);
  if (err != cudaSuccess)
    {
      if (device != NULL)
        cudaFree (device);
      g_set_error (error, VILA_ERROR, err == cudaErrorMemoryAllocation ? VILA_ERROR_OUT_OF_MEMORY : VILA_ERROR_FAILED,
                   "Cannot upload weights to the GPU: %s", cudaGetErrorString (err));
      cudaGetLastError ();
      return FALSE;
    }
  m->device = device;
  m->device_type = type;
  return TRUE;
}

/* Vectors (norms, biases) stay float32: they are small and the CPU uses
 * them in float32 too. */
#define DEFINE_BIND(suffix, matrix_type)                                           \
  static gboolean                                                                  \
  cuda_bind_##suffix (VilaMatrix *m, GError **error)                               \
  {                                                                                \
    return bind_as (m, m->rows == 1 ? VILA_TENSOR_F32 : (matrix_type), error);     \
  }
DEFINE_BIND (f16, VILA_TENSOR_F16)
DEFINE_BIND (bf16, VILA_TENSOR_BF16)
DEFINE_BIND (f32, VILA_TENSOR_F32)

static void
cuda_release (VilaMatrix *m)
{
  if (m->device != NULL)
    cudaFree (m->device);
  m->device = NULL;
}

static void
cuda_matmul (float            *out,
             const float      *x,
             gsize             n,
             const VilaMatrix *w,
             const VilaMatrix *bias)
{
  ThreadState *state = thread_state ();
  const float one = 1.0f, zero = 0.0f;
  const void *input = x;
  cudaDataType type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F_PEDANTIC;
  cublasStatus_t status;

  if (n == 0)
    return;
  g_assert (w->device != NULL && n <= G_MAXINT && w->rows <= G_MAXINT && w->cols <= G_MAXINT);
  /* One row (decoding): our matrix-vector kernel, which streams the
   * weights faster than cuBLAS does at batch 1 and reads the input in
   * float32 as it is. */
  if (n == 1 && w->device_type != VILA_TENSOR_F32 && vc_gemv_supports (w->cols) && (guintptr) x % 16 == 0)
    {
      check (vc_gemv (out, w->device, vc_type (w->device_type), x, bias ? bias->device : NULL, w->rows, w->cols,
                      STREAM), "matrix-vector product");
      if (state->narrowed_from != NULL && out < state->narrowed_from + state->narrowed_count &&
          state->narrowed_from < out + w->rows)
        state->narrowed_from = NULL;
      return;
    }
  if (w->device_type != VILA_TENSOR_F32)
    {
      /* Both inputs in the weights' precision, float32 accumulation. */
      if (state->narrowed_from != x || state->narrowed_count != n * w->cols || state->narrowed_type != w->device_type)
        {
          void *narrow;

          /* Halves: two per float of the buffer. */
          state->narrowed_from = NULL;
          narrow = grow ((float **) &state->narrow, &state->narrow_floats, (n * w->cols + 1) / 2);

          check (vc_convert (narrow, vc_type (w->device_type), x, VC_F32, n * w->cols, STREAM), "conversion");
          state->narrowed_from = x;
          state->narrowed_count = n * w->cols;
          state->narrowed_type = w->device_type;
        }
      input = state->narrow;
      type = w->device_type == VILA_TENSOR_F16 ? CUDA_R_16F : CUDA_R_16BF;
      compute = CUBLAS_COMPUTE_32F;
    }
  /* Row-major out[n][rows] = x[n][cols] · Wᵀ is, column-major,
   * out(rows × n) = W(cols × rows)ᵀ · x(cols × n). */
  status = cublas.gemm_ex (state->handle, CUBLAS_OP_T, CUBLAS_OP_N, w->rows, n, w->cols, &one,
                           w->device, type, w->cols, input, type, w->cols, &zero,
                           out, CUDA_R_32F, w->rows, compute, CUBLAS_GEMM_DEFAULT);
  if (status != CUBLAS_STATUS_SUCCESS)
    g_error ("cuBLAS matrix product (%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ") failed: %s",
             n, w->rows, w->cols, cublas_status_string (status));
  if (bias != NULL)
    check (vc_bias_add (out, bias->device, n, w->rows, STREAM), "bias");
  if (state->narrowed_from != NULL && out < state->narrowed_from + state->narrowed_count &&
      state->narrowed_from < out + n * w->rows)
    state->narrowed_from = NULL;
}

static void
cuda_rms_norm (float *out, const float *x, gsize n, gsize dim, const VilaMatrix *weight, float eps)
{
  thread_state_changed ();
  check (vc_rms_norm (out, x, n, dim, weight->device, eps, STREAM), "RMSNorm");
}

static void
cuda_layer_norm (float *out, const float *x, gsize n, gsize dim, const VilaMatrix *weight,
                 const VilaMatrix *bias, float eps)
{
  thread_state_changed ();
  check (vc_layer_norm (out, x, n, dim, weight->device, bias->device, eps, STREAM), "LayerNorm");
}

static void
cuda_rope (float *x, gsize n, gsize n_heads, gsize head_dim, gsize start, const float *inv_freq)
{
  ThreadState *state = thread_state_changed ();

  check (vc_rope (x, n, n_heads, head_dim, start, recorded_position (state), inv_freq, STREAM), "rotary embedding");
}

/* Many queries (prefill, the vision tower): per head, scores = Q·Kᵀ and
 * out = softmax(scores)·V as cuBLAS products in float32, as the CPU does
 * with BLAS; queries in chunks so that the scores stay within a fixed
 * budget whatever the length. Heads of a GQA group share their key/value
 * head: one strided batch per position in the group. */
static void
attention_products (ThreadState *state, float *out, const float *q, const float *k, const float *v, gsize n_q,
                    gsize n_kv, gsize q_start, gsize n_heads, gsize n_kv_heads, gsize head_dim, gboolean causal)
{
  const gsize budget = (gsize) 32 << 20;
  gsize group = n_heads / n_kv_heads, q_width = n_heads * head_dim, kv_width = n_kv_heads * head_dim;
  gsize chunk = MAX (1, MIN (n_q, budget / (n_kv * n_heads)));
  float scale = 1.0f / sqrtf ((float) head_dim), one = 1.0f, zero = 0.0f;
  float *scores = grow (&state->scores, &state->scores_floats, chunk * n_kv * n_heads);

  for (gsize first = 0; first < n_q; first += chunk)
    {
      gsize rows = MIN (chunk, n_q - first);
      gsize block = rows * n_kv;

      for (gsize r = 0; r < group; r++)
        check_cublas (cublas.gemm_batched (state->handle, CUBLAS_OP_T, CUBLAS_OP_N, n_kv, rows, head_dim, &scale,
                                           k, CUDA_R_32F, kv_width, head_dim,
                                           q + first * q_width + r * head_dim, CUDA_R_32F, q_width, group * head_dim,
                                           &zero, scores + r * block, CUDA_R_32F, n_kv, group * block,
                                           n_kv_heads, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT), "attention scores");
      check (vc_softmax_rows (scores, n_heads, rows, n_kv, q_start + first, causal, STREAM), "softmax");
      for (gsize r = 0; r < group; r++)
        check_cublas (cublas.gemm_batched (state->handle, CUBLAS_OP_N, CUBLAS_OP_N, head_dim, rows, n_kv, &one,
                                           v, CUDA_R_32F, kv_width, head_dim,
                                           scores + r * block, CUDA_R_32F, n_kv, group * block,
                                           &zero, out + first * q_width + r * head_dim, CUDA_R_32F, q_width,
                                           group * head_dim, n_kv_heads, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                      "attention output");
    }
}

static void
cuda_attention (float *out, const float *q, const float *k, const float *v, gsize n_q, gsize n_kv,
                gsize q_start, gsize n_heads, gsize n_kv_heads, gsize head_dim, gboolean causal)
{
  ThreadState *state = thread_state_changed ();
  gsize splits, partial;

  if (n_q >= 16)
    {
      attention_products (state, out, q, k, v, n_q, n_kv, q_start, n_heads, n_kv_heads, head_dim, causal);
      return;
    }
  /* Few queries (decoding): our kernel, the keys split across blocks; a
   * recorded step splits for the longest context it may meet. */
  splits = vc_attention_splits (n_q, state->recording ? G_MAXINT : n_kv, n_heads, n_multiprocessors);
  partial = splits > 1 ? n_q * n_heads * splits * (head_dim + 2) : 0;
  check (vc_attention (out, grow (&state->partial, &state->partial_floats, partial), splits, q, k, v, n_q, n_kv,
                       q_start, recorded_position (state), n_heads, n_kv_heads, head_dim, causal, STREAM),
         "attention");
}

static void
cuda_kv_store (float       *cache,
               const float *rows,
               gsize        start,
               gsize        n,
               gsize        width)
{
  ThreadState *state = thread_state_changed ();

  check (vc_kv_store (cache, rows, start, recorded_position (state), n, width, STREAM), "key/value store");
}

/* Recording: the step's own buffers replace the thread's (narrowed
 * inputs of up to @max_floats, the split attention's partial results,
 * cuBLAS's workspace), then the stream records instead of running. */
static gpointer
cuda_step_begin (gsize max_floats)
{
  ThreadState *state = thread_state_changed ();
  Step *step;
  gsize partial = (gsize) 4 << 20;

  /* VILA_CUDA_GRAPHS=0 launches every kernel as it comes: for comparing. */
  if (g_strcmp0 (g_getenv ("VILA_CUDA_GRAPHS"), "0") == 0)
    return NULL;
  step = g_new0 (Step, 1);
  check (cudaStreamSynchronize (STREAM), "computation");
  if (cudaMalloc ((void **) &step->position, sizeof (int)) != cudaSuccess ||
      cudaMalloc (&step->workspace, CUBLAS_WORKSPACE_BYTES) != cudaSuccess ||
      cudaMalloc (&step->narrow, max_floats * 2) != cudaSuccess ||
      cudaMalloc ((void **) &step->partial, partial * sizeof (float)) != cudaSuccess)
    {
      cudaGetLastError ();
      cudaFree (step->position);
      cudaFree (step->workspace);
      cudaFree (step->narrow);
      g_free (step);
      return NULL;
    }
  /* Swap the step's buffers in; the thread's come back at the end. */
  { void *t = state->narrow; state->narrow = step->narrow; step->narrow = t; }
  { gsize t = state->narrow_floats; state->narrow_floats = max_floats / 2; max_floats = t; }
  { float *t = state->partial; state->partial = step->partial; step->partial = t; }
  { gsize t = state->partial_floats; state->partial_floats = partial; partial = t; }
  cublas.set_workspace (state->handle, step->workspace, CUBLAS_WORKSPACE_BYTES);
  state->recording = step;
  check (cudaStreamBeginCapture (STREAM, cudaStreamCaptureModeThreadLocal), "recording");
  /* Kept for the swap back. */
  state->recording_narrow_floats = max_floats;
  state->recording_partial_floats = partial;
  return step;
}

static void
step_free (gpointer data)
{
  Step *step = data;

  if (step == NULL)
    return;
  if (step->exec != NULL)
    cudaGraphExecDestroy (step->exec);
  cudaFree (step->position);
  cudaFree (step->workspace);
  cudaFree (step->narrow);
  cudaFree (step->partial);
  g_free (step);
}

/* The recorded step, ready to replay; NULL (and nothing computed) when
 * recording failed. */
static gpointer
cuda_step_end (void)
{
  ThreadState *state = thread_state_changed ();
  Step *step = state->recording;
  cudaGraph_t graph = NULL;
  cudaError_t err;

  err = cudaStreamEndCapture (STREAM, &graph);
  if (err == cudaSuccess)
    err = cudaGraphInstantiate (&step->exec, graph, 0);
  if (graph != NULL)
    cudaGraphDestroy (graph);
  state->recording = NULL;
  { void *t = state->narrow; state->narrow = step->narrow; step->narrow = t; }
  state->narrow_floats = state->recording_narrow_floats;
  { float *t = state->partial; state->partial = step->partial; step->partial = t; }
  state->partial_floats = state->recording_partial_floats;
  cublas.set_workspace (state->handle, state->workspace, CUBLAS_WORKSPACE_BYTES);
  if (err != cudaSuccess)
    {
      g_warning ("A decoding step could not be recorded (%s); launching its kernels one by one",
                 cudaGetErrorString (err));
      cudaGetLastError ();
      step_free (step);
      return NULL;
    }
  return step;
}

static void
cuda_step_replay (gpointer step_data,
                  gsize    position)
{
  ThreadState *state = thread_state_changed ();
  Step *step = step_data;
  int value = (int) position;

  check (cudaMemcpyAsync (step->position, &value, sizeof value, cudaMemcpyHostToDevice, STREAM), "upload");
  check (cudaGraphLaunch (step->exec, STREAM), "replay");
  (void) state;
}

/* The fused products take one row of half or bfloat16 weights whose
 * columns come in eights, and 16-byte aligned inputs. */
static gboolean
fusable (gsize             n,
         const float      *x,
         const VilaMatrix *w)
{
  return n == 1 && w->device_type != VILA_TENSOR_F32 && vc_gemv_supports (w->cols) && (guintptr) x % 16 == 0 &&
         w->rows <= G_MAXINT;
}

static gboolean
cuda_matmuls (const float *x, gsize n, guint count, float * const *outs, const VilaMatrix * const *ws,
              const VilaMatrix * const *biases)
{
  VcGemvJobs jobs = { .n_jobs = count, .mode = VC_GEMV_PLAIN };

  g_assert (count <= VC_GEMV_MAX_JOBS);
  for (guint j = 0; j < count; j++)
    {
      if (!fusable (n, x, ws[j]) || ws[j]->device_type != ws[0]->device_type || ws[j]->cols != ws[0]->cols)
        return FALSE;
      jobs.w[j] = ws[j]->device;
      jobs.out[j] = outs[j];
      jobs.bias[j] = biases != NULL && biases[j] != NULL ? biases[j]->device : NULL;
      jobs.rows[j] = ws[j]->rows;
    }
  thread_state_changed ();
  check (vc_fused_gemv (&jobs, vc_type (ws[0]->device_type), x, ws[0]->cols, STREAM), "fused products");
  return TRUE;
}

static gboolean
cuda_gate_up (float *gate, const float *x, gsize n, const VilaMatrix *w_gate, const VilaMatrix *w_up)
{
  VcGemvJobs jobs = {
    .w = { w_gate->device, w_up->device }, .out = { gate }, .rows = { w_gate->rows, w_up->rows },
    .n_jobs = 2, .mode = VC_GEMV_SILU,
  };

  if (!fusable (n, x, w_gate) || !fusable (n, x, w_up) || w_gate->device_type != w_up->device_type ||
      w_gate->rows != w_up->rows || w_gate->cols != w_up->cols)
    return FALSE;
  thread_state_changed ();
  check (vc_fused_gemv (&jobs, vc_type (w_gate->device_type), x, w_gate->cols, STREAM),
         "fused products");
  return TRUE;
}

static gboolean
cuda_matmul_add (float *out, const float *x, gsize n, const VilaMatrix *w)
{
  VcGemvJobs jobs = { .w = { w->device }, .out = { out }, .rows = { w->rows }, .n_jobs = 1, .mode = VC_GEMV_ADD };

  if (!fusable (n, x, w))
    return FALSE;
  thread_state_changed ();
  check (vc_fused_gemv (&jobs, vc_type (w->device_type), x, w->cols, STREAM), "fused products");
  return TRUE;
}

static gboolean
cuda_rope_store (float *q, const float *k, const float *v, gsize n, gsize n_heads, gsize n_kv_heads,
                 gsize head_dim, gsize start, const float *inv_freq, float *cache_k, float *cache_v)
{
  ThreadState *state;

  if (n != 1)
    return FALSE;
  state = thread_state_changed ();
  check (vc_rope_store (q, k, v, n_heads, n_kv_heads, head_dim, start, recorded_position (state), inv_freq,
                        cache_k, cache_v, STREAM), "rotary embedding");
  return TRUE;
}

/* The token a kernel chose into state->argmax, brought back. */
static gint32
chosen_token (ThreadState *state)
{
  check (cudaMemcpyAsync (state->argmax_host, state->argmax, sizeof (int), cudaMemcpyDeviceToHost, STREAM), "download");
  check (cudaStreamSynchronize (STREAM), "computation");
  return *state->argmax_host;
}

static ThreadState *
choice_state (void)
{
  ThreadState *state = thread_state ();

  if (state->argmax == NULL)
    {
      check (cudaMalloc ((void **) &state->argmax, sizeof (int)), "allocation");
      check (cudaMallocHost ((void **) &state->argmax_host, sizeof (int)), "allocation");
    }
  return state;
}

static gint32
cuda_argmax (const float *x,
             gsize        n)
{
  ThreadState *state = choice_state ();

  check (vc_argmax (x, n, state->argmax, STREAM), "argmax");
  return chosen_token (state);
}

static gint32
cuda_sample (float                    *logits,
             gsize                     vocab,
             const VilaSamplingParams *params,
             const gint32             *history,
             gsize                     n_history,
             double                    uniform)
{
  ThreadState *state = choice_state ();
  gboolean penalised = params->repetition_penalty > 0 && params->repetition_penalty != 1.0f && n_history > 0;
  gsize scratch_bytes = vc_sample_scratch_bytes (vocab);

  thread_state_changed ();
  if (scratch_bytes == 0)
    g_error ("CUDA sampling cannot take a vocabulary of %" G_GSIZE_FORMAT " tokens", vocab);
  if (scratch_bytes > state->sample_scratch_bytes)
    {
      if (state->sample_scratch != NULL)
        check (cudaFree (state->sample_scratch), "free");
      check (cudaMalloc (&state->sample_scratch, scratch_bytes), "allocation");
      state->sample_scratch_bytes = scratch_bytes;
    }
  if (penalised)
    {
      if (n_history > state->history_capacity)
        {
          if (state->history != NULL)
            check (cudaFree (state->history), "free");
          /* Room to grow: the history gains a token a step. */
          state->history_capacity = MAX (n_history * 2, 4096);
          check (cudaMalloc ((void **) &state->history, state->history_capacity * sizeof (int)), "allocation");
        }
      check (cudaMemcpyAsync (state->history, history, n_history * sizeof (int), cudaMemcpyHostToDevice, STREAM),
             "upload");
    }
  check (vc_sample (logits, vocab, state->history, penalised ? n_history : 0, params->repetition_penalty,
                    params->temperature, params->top_k, params->top_p, uniform, state->sample_scratch,
                    state->sample_scratch_bytes, state->argmax, STREAM),
         "sampling");
  return chosen_token (state);
}

static void
cuda_silu_mul (float *gate, const float *up, gsize n)
{
  thread_state_changed ();
  check (vc_silu_mul (gate, up, n, STREAM), "SiLU");
}

static void
cuda_gelu_tanh (float *x, gsize n)
{
  thread_state_changed ();
  check (vc_gelu_tanh (x, n, STREAM), "GELU");
}

static void
cuda_gelu_erf (float *x, gsize n)
{
  thread_state_changed ();
  check (vc_gelu_erf (x, n, STREAM), "GELU");
}

static void
cuda_quick_gelu (float *x, gsize n)
{
  thread_state_changed ();
  check (vc_quick_gelu (x, n, STREAM), "quick GELU");
}

static void
cuda_add (float *x, const float *y, gsize n)
{
  thread_state_changed ();
  check (vc_add (x, y, n, STREAM), "addition");
}

static void
cuda_downsample (float *out, const float *features, gsize grid, gsize channels, gsize m, gboolean column_major)
{
  thread_state_changed ();
  check (vc_downsample (out, features, grid, channels, m, column_major, STREAM), "downsampling");
}

static void
cuda_embed (float *out, const VilaMatrix *table, const gint32 *ids, gsize n)
{
  int *device_ids = NULL;

  if (n == 0)
    return;
  thread_state_changed ();
  check (cudaMallocAsync ((void **) &device_ids, n * sizeof *device_ids, STREAM), "allocation");
  check (cudaMemcpyAsync (device_ids, ids, n * sizeof *device_ids, cudaMemcpyHostToDevice, STREAM), "upload");
  check (vc_embed (out, table->device, vc_type (table->device_type), table->cols, device_ids, n, STREAM), "embedding");
  check (cudaFreeAsync (device_ids, STREAM), "free");
}

#define CUDA_OPS(suffix)                 \
  {                                      \
    .name = "CUDA",                      \
    .reserve_whole_context = TRUE,       \
    .alloc = cuda_alloc,                 \
    .free = cuda_free,                   \
    .upload = cuda_upload,               \
    .download = cuda_download,           \
    .copy = cuda_copy,                   \
    .bind = cuda_bind_##suffix,          \
    .release = cuda_release,             \
    .matmul = cuda_matmul,               \
    .rms_norm = cuda_rms_norm,           \
    .layer_norm = cuda_layer_norm,       \
    .rope = cuda_rope,                   \
    .attention = cuda_attention,         \
    .silu_mul = cuda_silu_mul,           \
    .gelu_tanh = cuda_gelu_tanh,         \
    .gelu_erf = cuda_gelu_erf,           \
    .quick_gelu = cuda_quick_gelu,       \
    .add = cuda_add,                     \
    .embed = cuda_embed,                 \
    .downsample = cuda_downsample,       \
    .argmax = cuda_argmax,               \
    .sample = cuda_sample,               \
    .kv_store = cuda_kv_store,           \
    .matmuls = cuda_matmuls,             \
    .gate_up = cuda_gate_up,             \
    .matmul_add = cuda_matmul_add,       \
    .rope_store = cuda_rope_store,       \
    .step_begin = cuda_step_begin,       \
    .step_end = cuda_step_end,           \
    .step_replay = cuda_step_replay,     \
    .step_free = step_free,              \
  }

static const VilaBackendOps cuda_ops[] = {
  [VILA_DTYPE_F16] = CUDA_OPS (f16),
  [VILA_DTYPE_BF16] = CUDA_OPS (bf16),
  [VILA_DTYPE_F32] = CUDA_OPS (f32),
};

static gpointer
keep_freed_memory (gpointer data)
{
  cudaMemPool_t pool;
  guint64 keep = G_MAXUINT64;

  /* Activations come and go every step; the pool keeps what was freed
   * instead of returning it to the driver each time. */
  if (cudaDeviceGetDefaultMemPool (&pool, 0) == cudaSuccess)
    cudaMemPoolSetAttribute (pool, cudaMemPoolAttrReleaseThreshold, &keep);
  cudaDeviceGetAttribute (&n_multiprocessors, cudaDevAttrMultiProcessorCount, 0);
  return NULL;
}

const VilaBackendOps *
vila_cuda_backend_get (int      dtype,
                       GError **error)
{
  static GOnce once = G_ONCE_INIT;
  char reason[256] = "";

  g_return_val_if_fail (dtype >= 0 && dtype < (int) G_N_ELEMENTS (cuda_ops), NULL);

  if (!vila_cuda_probe (reason, sizeof reason))
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "The CUDA backend cannot run: %s", reason);
      return NULL;
    }
  if (!cublas_ready (error))
    return NULL;
  g_once (&once, keep_freed_memory, NULL);
  return &cuda_ops[dtype];
}

gboolean
vila_cuda_memory_info (guint64  *free_bytes,
                       guint64  *total_bytes,
                       GError  **error)
{
  size_t free_now = 0, total = 0;
  const char *limit = g_getenv ("VILA_CUDA_MEMORY_LIMIT_MB");
  cudaError_t err = cudaMemGetInfo (&free_now, &total);

  if (err != cudaSuccess)
    {
      g_set_error (error, VILA_ERROR, VILA_ERROR_NO_DEVICE, "Cannot read the GPU's memory: %s",
                   cudaGetErrorString (err));
      return FALSE;
    }
  if (limit != NULL && *limit != '\0')
    {
      guint64 cap = g_ascii_strtoull (limit, NULL, 10) << 20;

      total = MIN (total, cap);
      free_now = MIN (free_now, cap);
    }
  *free_bytes = free_now;
  *total_bytes = total;
  return TRUE;
}

double
vila_cuda_copy_bandwidth (void)
{
  const gsize bytes = (gsize) 1 << 30;
  void *a = NULL, *b = NULL;
  cudaEvent_t start, stop;
  float ms = 0.0f;
  const int rounds = 10;

  if (cudaMalloc (&a, bytes) != cudaSuccess || cudaMalloc (&b, bytes) != cudaSuccess)
    {
      cudaFree (a);
      cudaGetLastError ();
      return 0.0;
    }
  cudaEventCreate (&start);
  cudaEventCreate (&stop);
  cudaMemcpy (b, a, bytes, cudaMemcpyDeviceToDevice);
  cudaEventRecord (start, 0);
  for (int i = 0; i < rounds; i++)
    cudaMemcpyAsync (i % 2 ? a : b, i % 2 ? b : a, bytes, cudaMemcpyDeviceToDevice, 0);
  cudaEventRecord (stop, 0);
  cudaEventSynchronize (stop);
  cudaEventElapsedTime (&ms, start, stop);
  cudaEventDestroy (start);
  cudaEventDestroy (stop);
  cudaFree (a);
  cudaFree (b);
  /* Each copy reads and writes @bytes. */
  return ms > 0.0f ? 2.0 * bytes * rounds / (ms / 1000.0) : 0.0;
}

const char *
vila_cuda_device_name (void)
{
  static char name[256];
  struct cudaDeviceProp properties;

  if (name[0] == '\0' && cudaGetDeviceProperties (&properties, 0) == cudaSuccess)
    g_strlcpy (name, properties.name, sizeof name);
  return name;
}
