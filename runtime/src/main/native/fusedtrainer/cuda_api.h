// The flat C surface of the CUDA kernels that JavaCPP binds (dev.fusedtrainer.runtime.cuda.CudaKernels).
// Implemented in cuda_kernels.cu, which nvcc compiles to an object that the g++ JavaCPP build links
// together with the static CUDA runtime (-lcudart_static): loading the library needs neither
// libcuda nor libcudart, so it loads on machines without a GPU and reports why through
// ft_cuda_device_count / ft_cuda_open instead of failing to load.
//
// Buffers (float*, int*) are device memory unless named "host"; hp (hyper-parameters) and
// correct are host memory. Kernels are queued on the library's main stream and return at once;
// the loss functions and ft_cuda_download wait for the queued work. Errors are sticky:
// ft_cuda_last_error returns the first one since ft_cuda_open.
#pragma once

extern "C" {

// ---- probing and set-up ----
int ft_cuda_device_count(int* count);     // cudaGetDeviceCount's error code (0 = success)
int ft_cuda_driver_version();             // cudaDriverGetVersion, 0 where no driver is installed
int ft_cuda_runtime_version();            // the CUDA runtime this library was built with (e.g. 13000)
const char* ft_cuda_error_name(int code); // cudaGetErrorName
const char* ft_cuda_error_string(int code);
// Selects the device, creates the streams and loads cuBLAS. 0, a cudaError_t, or FT_CUDA_NO_CUBLAS (-1).
int ft_cuda_open(int device);
const char* ft_cuda_message();            // details of the last failure of ft_cuda_open (dlerror text)
const char* ft_cuda_device_name();        // the opened device's name
int ft_cuda_last_error();
void ft_cuda_set_overlap(int on);         // BACKWARD: update on a second stream, overlapping backward

// ---- memory ----
void* ft_cuda_malloc(long bytes);         // zeroed device memory, or null
void ft_cuda_free(void* p);
void* ft_cuda_malloc_host(long bytes);    // pinned host memory, or null
void ft_cuda_free_host(void* p);
void ft_cuda_upload_async(void* dst, const void* pinned_src, long bytes);
int ft_cuda_upload(void* dst, const void* host_src, long bytes);        // synchronous, any host memory
int ft_cuda_download(void* host_dst, const void* src, long bytes);      // waits for all queued work
int ft_cuda_synchronize();

// ---- kernels: the same signatures as cpu_api.h, plus the gradient scratch G of the fused backward ----
void ft_cuda_dense_forward(const float* X, const float* P, float* Z, float* Y, int B, int in, int out, int act,
                           float slope);
void ft_cuda_activation_backward(int act, float slope, const float* Z, const float* Y, float* dY, long n);
void ft_cuda_dense_backward(const float* dZ, const float* X, const float* P, float* G, float* dX, int B, int in,
                            int out);
void ft_cuda_dense_backward_fused(const double* hp, long step, const float* dZ, const float* X, float* dX, float* P,
                                  float* G, float* S0, float* S1, float* S2, int B, int in, int out);
void ft_cuda_dense_forward_fused(const double* hp, long step, const float* X, float* P, const float* G, float* S0,
                                 float* S1, float* S2, float* Z, float* Y, int B, int in, int out, int act,
                                 float slope);
void ft_cuda_optim_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1, float* S2,
                          long n);
// One layer's block: weights [0, weights) then biases, which decay by their own rate where the layer excludes them.
void ft_cuda_optim_update_layer(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                float* S2, long weights, long n);
double ft_cuda_softmax_cross_entropy(const float* logits, const int* labels, float* dlogits, long B, long C,
                                     long* correct);
double ft_cuda_mean_squared_error(const float* y, const float* t, float* dy, long n);
double ft_cuda_bce_with_logits(const float* z, const float* t, float* dz, long n, long* correct);

// ---- NCCL (data-parallel training on GPUs): libnccl.so.2 is opened at run time ----
// Results are ncclResult_t (0 = success; ft_nccl_error_string names them), -1 with ft_nccl_message, or
// -2 for a CUDA error (ft_cuda_last_error). One communicator per process, bound to the opened device.
int ft_nccl_load();                        // dlopen libnccl.so.2; -1 with the reason in ft_nccl_message
const char* ft_nccl_message();
int ft_nccl_version();                     // e.g. 22903 for 2.29.3; 0 before ft_nccl_load
const char* ft_nccl_error_string(int result);
int ft_nccl_unique_id(void* host_id128);   // rank 0's id (128 bytes), which the other ranks receive over MPI
int ft_nccl_init(int ranks, int rank, const void* host_id128, int slots);  // after ft_cuda_open; slots: events
// In place, on the collectives' stream, after all work queued on the main stream so far; returns at once.
// Event `slot` marks its completion: ft_nccl_wait makes the main stream wait for it (the host does not).
int ft_nccl_all_reduce_sum(float* buf, long n, int slot);
void ft_nccl_wait(int slot);
int ft_nccl_query(int slot);               // 1 completed, 0 pending, < 0 a CUDA error (the watchdog polls it)
int ft_nccl_broadcast(float* buf, long n, int root);  // waits for its completion
int ft_nccl_async_error();                 // ncclCommGetAsyncError: a failure of queued collectives
void ft_nccl_abort();                      // ncclCommAbort: ends queued collectives (a peer is gone)
void ft_nccl_destroy();

}  // extern "C"
