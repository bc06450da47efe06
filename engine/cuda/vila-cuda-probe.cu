/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Whether this machine can run the CUDA backend. The runtime is linked
 * statically and loads the driver (libcuda.so.1) itself, so a machine with
 * no NVIDIA driver still starts and gets an explanation here instead of a
 * loader error.
 */
#include <cstdio>
#include <cuda_runtime.h>

namespace {

__global__ void
write_marker (int *out)
{
  *out = 0x5a5a;
}

bool
fail (char *reason, size_t size, const char *what, cudaError_t err)
{
  snprintf (reason, size, "%s: %s", what, cudaGetErrorString (err));
  return false;
}

/* A launch proves the fat binary holds code for this GPU: a driver that
 * sees the device but gets no matching sm_XX or PTX fails here, not in the
 * middle of a model load. */
bool
run_marker_kernel (char *reason, size_t size)
{
  int *device_value = nullptr;
  int host_value = 0;
  cudaError_t err;

  if ((err = cudaMalloc (&device_value, sizeof *device_value)) != cudaSuccess)
    return fail (reason, size, "cannot allocate GPU memory", err);

  write_marker<<<1, 1>>> (device_value);
  err = cudaGetLastError ();
  if (err == cudaSuccess)
    err = cudaMemcpy (&host_value, device_value, sizeof host_value, cudaMemcpyDeviceToHost);
  cudaFree (device_value);

  if (err != cudaSuccess)
    return fail (reason, size, "the GPU cannot run VILA Chat's kernels", err);
  if (host_value != 0x5a5a)
    {
      snprintf (reason, size, "the GPU returned a wrong test value");
      return false;
    }
  return true;
}

}  // namespace

extern "C" int
vila_cuda_probe (char *reason, size_t reason_size)
{
  int driver_version = 0;
  int runtime_version = 0;
  int n_devices = 0;
  cudaError_t err;

  cudaDriverGetVersion (&driver_version);
  cudaRuntimeGetVersion (&runtime_version);

  if (driver_version == 0)
    {
      snprintf (reason, reason_size, "no NVIDIA driver found (libcuda.so.1 is missing)");
      return 0;
    }

  if (driver_version < runtime_version)
    {
      snprintf (reason, reason_size,
                "the NVIDIA driver supports CUDA %d.%d but VILA Chat needs %d.%d",
                driver_version / 1000, driver_version % 1000 / 10,
                runtime_version / 1000, runtime_version % 1000 / 10);
      return 0;
    }

  err = cudaGetDeviceCount (&n_devices);
  if (err != cudaSuccess)
    return fail (reason, reason_size, "no usable NVIDIA GPU", err);
  if (n_devices == 0)
    {
      snprintf (reason, reason_size, "no NVIDIA GPU found");
      return 0;
    }

  return run_marker_kernel (reason, reason_size);
}
