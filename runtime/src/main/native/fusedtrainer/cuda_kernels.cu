// CUDA kernels of FusedTrainer (the flat API is cuda_api.h).
//
// Matrix products go through cuBLAS, which is not linked: it is opened at run time with dlopen
// (libcublas.so.13, then .12) and the four entry points used are declared here, so the library
// builds with a toolkit that has no cuBLAS and loads on machines with none. Everything else is
// element-wise and shares its definition with the CPU: the optimizer rules of optim.h (dispatched
// by with_rule, launched by update_kernel) and the activations of activation.h.
//
// Schedules on the GPU:
//  - BACKWARD, one stream: per layer dx = dz·W (old W), dW = dzᵀ·x, db = Σdz, then the update
//    kernel right behind the dW product, while the gradient block is still in L2.
//  - BACKWARD, two streams (ft_cuda_set_overlap(1)): the same products on the main stream, then an
//    event; the update waits for it on the side stream and overlaps the rest of backward. Work that
//    reads parameters next (forward, updates, downloads) waits for the side stream first.
//  - FORWARD: the pending update of a layer right before its forward product.
// Weights, gradients and optimizer state stay in device memory across steps; batches arrive with
// ft_cuda_upload_async from pinned host memory.
#include "cuda_api.h"
#include "optim.h"
#include "activation.h"
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// ---- cuBLAS, resolved at run time (prototypes from cublas_api.h, CUDA 12/13) ----
typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
typedef cublasStatus_t (*cublasCreate_t)(cublasHandle_t*);
typedef cublasStatus_t (*cublasDestroy_t)(cublasHandle_t);
typedef cublasStatus_t (*cublasSetStream_t)(cublasHandle_t, cudaStream_t);
typedef cublasStatus_t (*cublasSgemm_t)(cublasHandle_t, int transa, int transb, int m, int n, int k,
                                        const float* alpha, const float* A, int lda, const float* B, int ldb,
                                        const float* beta, float* C, int ldc);

// ---- NCCL, resolved at run time (libnccl.so.2) as cuBLAS is: the library loads where NCCL is not
// installed, and data-parallel GPU training says what is missing. Prototypes from nccl.h (NCCL 2.x, whose
// ABI is stable within the major version); the enum values below were checked against the constants of
// NCCL 2.29 as org.bytedeco:cuda 13.1-9.19-1.5.13 binds them (ncclFloat32 = 7, ncclSum = 0, 128-byte id).
typedef struct ncclComm* ncclComm_t;
struct ncclUniqueId { char internal[128]; };
typedef int ncclResult_t;
enum { kNcclSum = 0, kNcclFloat32 = 7 };
typedef ncclResult_t (*ncclGetVersion_t)(int*);
typedef ncclResult_t (*ncclGetUniqueId_t)(ncclUniqueId*);
typedef ncclResult_t (*ncclCommInitRank_t)(ncclComm_t*, int nranks, ncclUniqueId id, int rank);
typedef ncclResult_t (*ncclAllReduce_t)(const void* send, void* recv, size_t count, int type, int op, ncclComm_t,
                                        cudaStream_t);
typedef ncclResult_t (*ncclBroadcast_t)(const void* send, void* recv, size_t count, int type, int root, ncclComm_t,
                                        cudaStream_t);
typedef ncclResult_t (*ncclCommDestroy_t)(ncclComm_t);
typedef ncclResult_t (*ncclCommAbort_t)(ncclComm_t);
typedef ncclResult_t (*ncclCommGetAsyncError_t)(ncclComm_t, ncclResult_t*);
typedef const char* (*ncclGetErrorString_t)(ncclResult_t);

struct Nccl {
    void* lib = nullptr;
    ncclGetVersion_t get_version = nullptr;
    ncclGetUniqueId_t get_unique_id = nullptr;
    ncclCommInitRank_t init_rank = nullptr;
    ncclAllReduce_t all_reduce = nullptr;
    ncclBroadcast_t broadcast = nullptr;
    ncclCommDestroy_t destroy = nullptr;
    ncclCommAbort_t abort = nullptr;
    ncclCommGetAsyncError_t async_error = nullptr;
    ncclGetErrorString_t error_string = nullptr;
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;     // the collectives' stream: they overlap the main stream's work
    cudaEvent_t queued = nullptr;      // the main stream's work so far, which a collective waits for
    cudaEvent_t* done = nullptr;       // per slot (bucket): its last collective has completed
    int slots = 0;
    std::string message;
};
Nccl nc;

struct State {
    bool open = false;
    int device = -1;
    cudaStream_t main = nullptr, side = nullptr;
    cudaEvent_t grads_ready = nullptr, side_done = nullptr;
    bool overlap = false;
    bool side_pending = false;   // side-stream updates queued that parameter readers must wait for
    int error = 0;               // first error since open (sticky)
    void* cublas_lib = nullptr;
    cublasHandle_t blas = nullptr;
    cublasSgemm_t sgemm = nullptr;
    cublasDestroy_t destroy = nullptr;
    double* loss_dev = nullptr;  // [0] loss sum, [1] correct count (as unsigned long long)
    double* loss_host = nullptr; // pinned copy of loss_dev
    char name[256] = {0};
    std::string message;
};
State st;

const int kFtNoCublas = -1;

inline void note(cudaError_t e) {
    if (e != cudaSuccess && st.error == 0) st.error = (int) e;
}

inline void check_launch() { note(cudaGetLastError()); }

// Parameter readers on the main stream wait for side-stream updates.
inline void join_side() {
    if (st.side_pending) {
        note(cudaStreamWaitEvent(st.main, st.side_done, 0));
        st.side_pending = false;
    }
}

inline int blocks_for(long n, int threads) {
    long b = (n + threads - 1) / threads;
    return (int) (b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

// Row-major C[M,N] = op(A)·op(B) expressed for column-major cuBLAS as Cᵀ = op(B)ᵀ·op(A)ᵀ; the
// callers below spell out each product in column-major terms.
inline void gemm(int ta, int tb, int m, int n, int k, const float* A, int lda, const float* B, int ldb,
                 float beta, float* C, int ldc) {
    const float one = 1.0f;
    const cublasStatus_t s = st.sgemm(st.blas, ta, tb, m, n, k, &one, A, lda, B, ldb, &beta, C, ldc);
    if (s != 0 && st.error == 0) st.error = 1000 + s;  // cuBLAS status, offset to tell it from cudaError_t
}

// ---- kernels ----

template <class Rule>
__global__ void update_kernel(Rule rule, float* P, const float* G, float* S0, float* S1, float* S2, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x)
        rule(i, P, G[i], S0, S1, S2);
}

__global__ void bias_activation_kernel(int act, float slope, const float* bias, float* Z, float* Y, long rows,
                                       int cols) {
    const long n = rows * cols;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        const float v = Z[i] + bias[i % cols];
        Z[i] = v;
        Y[i] = ft::act_apply(act, v, slope);
    }
}

__global__ void activation_backward_kernel(int act, float slope, const float* Z, const float* Y, float* dY, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        if (act == ft::ACT_RELU) dY[i] = Z[i] > 0.0f ? dY[i] : 0.0f;  // a select, as on the CPU
        else dY[i] *= ft::act_derivative(act, Z[i], Y[i], slope);
    }
}

// gb[j] = Σ_b dZ[b, j]: one thread per output column, batch rows summed in order as on the CPU.
__global__ void bias_grad_kernel(const float* dZ, float* gb, int B, int out) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= out) return;
    float s = 0.0f;
    for (int b = 0; b < B; b++) s += dZ[(long) b * out + j];
    gb[j] = s;
}

__device__ inline void add_block_sum(double v, unsigned long long hits, double* acc) {
    __shared__ double sums[256];
    __shared__ unsigned long long counts[256];
    sums[threadIdx.x] = v;
    counts[threadIdx.x] = hits;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if ((int) threadIdx.x < s) {
            sums[threadIdx.x] += sums[threadIdx.x + s];
            counts[threadIdx.x] += counts[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        atomicAdd(acc, sums[0]);
        atomicAdd((unsigned long long*) (acc + 1), counts[0]);
    }
}

// One thread per sample; the row's arithmetic is loss.h's softmax_cross_entropy, in double.
__global__ void softmax_ce_kernel(const float* logits, const int* labels, float* dlogits, long B, long C,
                                  double* acc) {
    const long b = blockIdx.x * (long) blockDim.x + threadIdx.x;
    double loss = 0.0;
    unsigned long long hit = 0;
    if (b < B) {
        const float* z = logits + b * C;
        long arg = 0;
        float mx = z[0];
        for (long c = 1; c < C; c++) if (z[c] > mx) { mx = z[c]; arg = c; }
        double sum = 0.0;
        for (long c = 0; c < C; c++) sum += exp((double) (z[c] - mx));
        const double log_sum = log(sum);
        const int y = labels[b];
        loss = log_sum - (double) (z[y] - mx);
        hit = arg == y;
        if (dlogits) {
            const float inv_b = 1.0f / (float) B;
            float* d = dlogits + b * C;
            for (long c = 0; c < C; c++) d[c] = (float) (exp((double) (z[c] - mx) - log_sum)) * inv_b;
            d[y] -= inv_b;
        }
    }
    add_block_sum(loss, hit, acc);
}

__global__ void mse_kernel(const float* y, const float* t, float* dy, long n, double* acc) {
    const float scale = 2.0f / (float) n;
    double total = 0.0;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        const float d = y[i] - t[i];
        total += (double) d * d;
        if (dy) dy[i] = scale * d;
    }
    add_block_sum(total, 0, acc);
}

__global__ void bce_kernel(const float* z, const float* t, float* dz, long n, double* acc) {
    const float inv_n = 1.0f / (float) n;
    double total = 0.0;
    unsigned long long hits = 0;
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        const double zi = z[i], ti = t[i];
        total += fmax(zi, 0.0) - zi * ti + log1p(exp(-fabs(zi)));
        hits += (zi > 0.0) == (ti > 0.5);
        if (dz) dz[i] = (float) ((1.0 / (1.0 + exp(-zi)) - ti)) * inv_n;
    }
    add_block_sum(total, hits, acc);
}

template <class Rule>
void launch_update(const Rule& rule, cudaStream_t stream, float* P, const float* G, float* S0, float* S1, float* S2,
                   long n) {
    update_kernel<<<blocks_for(n, 256), 256, 0, stream>>>(rule, P, G, S0, S1, S2, n);
    check_launch();
}

// One layer's block on `stream`: the weights [0, weights) by hp, the biases by their own decay where the layer
// excludes them (optim.h's bias_hyper); one launch when it does not.
static void launch_layer_update(const double* hp, long step, cudaStream_t stream, float* P, const float* G, float* S0,
                                float* S1, float* S2, long weights, long n) {
    if (!ft::bias_decay_differs(hp)) {
        ft::with_rule(hp, step, [&](const auto& rule) { launch_update(rule, stream, P, G, S0, S1, S2, n); });
        return;
    }
    const long w = weights < 0 ? 0 : (weights > n ? n : weights);
    if (w > 0) ft::with_rule(hp, step, [&](const auto& rule) { launch_update(rule, stream, P, G, S0, S1, S2, w); });
    if (n > w) {
        const ft::HyperBlock bias = ft::bias_hyper(hp);
        ft::with_rule(bias.v, step, [&](const auto& rule) {
            launch_update(rule, stream, P + w, G + w, S0 ? S0 + w : nullptr, S1 ? S1 + w : nullptr,
                          S2 ? S2 + w : nullptr, n - w);
        });
    }
}

// dX[B,in] = dZ[B,out]·W[out,in]; G = [dZᵀ·X | Σ_b dZ]. Column-major: dXᵀ(in×B) = W_cm(in×out)·dZᵀ_cm(out×B);
// dWᵀ(in×out) = Xᵀ_cm(in×B)·dZ_cm(B×out).
void gradients(const float* dZ, const float* X, const float* P, float* G, float* dX, int B, int in, int out) {
    if (dX) gemm(CUBLAS_OP_N, CUBLAS_OP_N, in, B, out, P, in, dZ, out, 0.0f, dX, in);
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, in, out, B, X, in, dZ, out, 0.0f, G, in);
    bias_grad_kernel<<<(out + 255) / 256, 256, 0, st.main>>>(dZ, G + (long) out * in, B, out);
    check_launch();
}

double finish_loss(long* correct) {
    note(cudaMemcpyAsync(st.loss_host, st.loss_dev, 2 * sizeof(double), cudaMemcpyDeviceToHost, st.main));
    note(cudaStreamSynchronize(st.main));
    unsigned long long hits;
    std::memcpy(&hits, st.loss_host + 1, sizeof hits);
    if (correct) *correct = (long) hits;
    return st.loss_host[0];
}

void start_loss() {
    note(cudaMemsetAsync(st.loss_dev, 0, 2 * sizeof(double), st.main));
}

}  // namespace

extern "C" {

int ft_cuda_device_count(int* count) {
    *count = 0;
    const cudaError_t e = cudaGetDeviceCount(count);
    if (e != cudaSuccess) *count = 0;
    return (int) e;
}

int ft_cuda_driver_version() {
    int v = 0;
    if (cudaDriverGetVersion(&v) != cudaSuccess) v = 0;
    return v;
}

int ft_cuda_runtime_version() { return CUDART_VERSION; }

const char* ft_cuda_error_name(int code) { return cudaGetErrorName((cudaError_t) code); }

const char* ft_cuda_error_string(int code) { return cudaGetErrorString((cudaError_t) code); }

const char* ft_cuda_message() { return st.message.c_str(); }

const char* ft_cuda_device_name() { return st.name; }

int ft_cuda_last_error() { return st.error; }

void ft_cuda_set_overlap(int on) { st.overlap = on != 0; }

int ft_cuda_open(int device) {
    if (st.open) {
        if (device == st.device) return 0;
        st.message = "this process already uses CUDA device " + std::to_string(st.device)
                + "; FusedTrainer drives one GPU per process";
        return (int) cudaErrorInvalidDevice;
    }
    cudaError_t e = cudaSetDevice(device);
    if (e == cudaSuccess) e = cudaFree(nullptr);  // creates the context now, so failures show here
    if (e != cudaSuccess) {
        st.message = cudaGetErrorString(e);
        return (int) e;
    }
    if (!st.cublas_lib) {
        std::string tried;
        for (const char* lib : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
            st.cublas_lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
            if (st.cublas_lib) break;
            const char* why = dlerror();
            tried += std::string(tried.empty() ? "" : "; ") + (why ? why : lib);
        }
        if (!st.cublas_lib) {
            st.message = tried;
            return kFtNoCublas;
        }
    }
    auto create = (cublasCreate_t) dlsym(st.cublas_lib, "cublasCreate_v2");
    auto set_stream = (cublasSetStream_t) dlsym(st.cublas_lib, "cublasSetStream_v2");
    st.sgemm = (cublasSgemm_t) dlsym(st.cublas_lib, "cublasSgemm_v2");
    st.destroy = (cublasDestroy_t) dlsym(st.cublas_lib, "cublasDestroy_v2");
    if (!create || !set_stream || !st.sgemm || !st.destroy) {
        st.message = "the cuBLAS library lacks cublasCreate_v2/cublasSetStream_v2/cublasSgemm_v2/cublasDestroy_v2";
        return kFtNoCublas;
    }
    note(cudaStreamCreateWithFlags(&st.main, cudaStreamNonBlocking));
    note(cudaStreamCreateWithFlags(&st.side, cudaStreamNonBlocking));
    note(cudaEventCreateWithFlags(&st.grads_ready, cudaEventDisableTiming));
    note(cudaEventCreateWithFlags(&st.side_done, cudaEventDisableTiming));
    note(cudaMalloc(&st.loss_dev, 2 * sizeof(double)));
    note(cudaMallocHost(&st.loss_host, 2 * sizeof(double)));
    if (st.error) {
        st.message = cudaGetErrorString((cudaError_t) st.error);
        return st.error;
    }
    const cublasStatus_t s = create(&st.blas);
    if (s != 0) {
        st.message = "cublasCreate_v2 failed with status " + std::to_string(s);
        return kFtNoCublas;
    }
    set_stream(st.blas, st.main);
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, device) == cudaSuccess) {
        std::snprintf(st.name, sizeof st.name, "%s (sm_%d%d, %.0f GiB)", prop.name, prop.major, prop.minor,
                      prop.totalGlobalMem / 1073741824.0);
    }
    st.device = device;
    st.open = true;
    return 0;
}

void* ft_cuda_malloc(long bytes) {
    void* p = nullptr;
    if (cudaMalloc(&p, (size_t) bytes) != cudaSuccess) return nullptr;
    // cudaMemset may return before it completes and the library's streams do not synchronise with
    // the legacy default stream: wait, so that no later copy or kernel races the zeroing.
    if (cudaMemset(p, 0, (size_t) bytes) != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess) {
        cudaFree(p);
        return nullptr;
    }
    return p;
}

void ft_cuda_free(void* p) {
    cudaDeviceSynchronize();  // nothing queued may still use it
    cudaFree(p);
}

void* ft_cuda_malloc_host(long bytes) {
    void* p = nullptr;
    return cudaMallocHost(&p, (size_t) bytes) == cudaSuccess ? p : nullptr;
}

void ft_cuda_free_host(void* p) {
    cudaDeviceSynchronize();
    cudaFreeHost(p);
}

void ft_cuda_upload_async(void* dst, const void* pinned_src, long bytes) {
    note(cudaMemcpyAsync(dst, pinned_src, (size_t) bytes, cudaMemcpyHostToDevice, st.main));
}

int ft_cuda_upload(void* dst, const void* host_src, long bytes) {
    join_side();
    note(cudaMemcpyAsync(dst, host_src, (size_t) bytes, cudaMemcpyHostToDevice, st.main));
    note(cudaStreamSynchronize(st.main));
    return st.error;
}

int ft_cuda_download(void* host_dst, const void* src, long bytes) {
    join_side();
    note(cudaMemcpyAsync(host_dst, src, (size_t) bytes, cudaMemcpyDeviceToHost, st.main));
    note(cudaStreamSynchronize(st.main));
    return st.error;
}

int ft_cuda_synchronize() {
    join_side();
    note(cudaStreamSynchronize(st.main));
    return st.error;
}

// Z[B,out] = X[B,in]·Wᵀ: column-major Zᵀ(out×B) = Wᵀ(out×in, W_cm is in×out)·Xᵀ_cm(in×B).
void ft_cuda_dense_forward(const float* X, const float* P, float* Z, float* Y, int B, int in, int out, int act,
                           float slope) {
    join_side();
    gemm(CUBLAS_OP_T, CUBLAS_OP_N, out, B, in, P, in, X, in, 0.0f, Z, out);
    const long n = (long) B * out;
    bias_activation_kernel<<<blocks_for(n, 256), 256, 0, st.main>>>(act, slope, P + (long) out * in, Z, Y, B, out);
    check_launch();
}

void ft_cuda_activation_backward(int act, float slope, const float* Z, const float* Y, float* dY, long n) {
    if (act == ft::ACT_IDENTITY) return;
    activation_backward_kernel<<<blocks_for(n, 256), 256, 0, st.main>>>(act, slope, Z, Y, dY, n);
    check_launch();
}

void ft_cuda_dense_backward(const float* dZ, const float* X, const float* P, float* G, float* dX, int B, int in,
                            int out) {
    join_side();
    gradients(dZ, X, P, G, dX, B, in, out);
}

void ft_cuda_dense_backward_fused(const double* hp, long step, const float* dZ, const float* X, float* dX, float* P,
                                  float* G, float* S0, float* S1, float* S2, int B, int in, int out) {
    // No join_side() here: the side stream updates layers that backward has finished with, and
    // this layer's W is updated only after its own products below. Joining would serialise the
    // overlap away; the next step's forward joins instead.
    gradients(dZ, X, P, G, dX, B, in, out);  // dX first: it needs the old W
    const long n = (long) out * in + out;
    if (st.overlap) {
        note(cudaEventRecord(st.grads_ready, st.main));
        note(cudaStreamWaitEvent(st.side, st.grads_ready, 0));
        launch_layer_update(hp, step, st.side, P, G, S0, S1, S2, (long) out * in, n);
        note(cudaEventRecord(st.side_done, st.side));
        st.side_pending = true;
    } else {
        launch_layer_update(hp, step, st.main, P, G, S0, S1, S2, (long) out * in, n);
    }
}

void ft_cuda_dense_forward_fused(const double* hp, long step, const float* X, float* P, const float* G, float* S0,
                                 float* S1, float* S2, float* Z, float* Y, int B, int in, int out, int act,
                                 float slope) {
    join_side();
    launch_layer_update(hp, step, st.main, P, G, S0, S1, S2, (long) out * in, (long) out * in + out);
    ft_cuda_dense_forward(X, P, Z, Y, B, in, out, act, slope);
}

void ft_cuda_optim_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1, float* S2,
                          long n) {
    join_side();
    ft::with_rule(hp, step, [&](const auto& rule) { launch_update(rule, st.main, P, G, S0, S1, S2, n); });
}

void ft_cuda_optim_update_layer(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                float* S2, long weights, long n) {
    join_side();
    launch_layer_update(hp, step, st.main, P, G, S0, S1, S2, weights, n);
}

double ft_cuda_softmax_cross_entropy(const float* logits, const int* labels, float* dlogits, long B, long C,
                                     long* correct) {
    start_loss();
    softmax_ce_kernel<<<blocks_for(B, 256), 256, 0, st.main>>>(logits, labels, dlogits, B, C, st.loss_dev);
    check_launch();
    return finish_loss(correct) / (double) B;
}

double ft_cuda_mean_squared_error(const float* y, const float* t, float* dy, long n) {
    start_loss();
    mse_kernel<<<blocks_for(n, 256) > 1024 ? 1024 : blocks_for(n, 256), 256, 0, st.main>>>(y, t, dy, n, st.loss_dev);
    check_launch();
    return finish_loss(nullptr) / (double) n;
}

double ft_cuda_bce_with_logits(const float* z, const float* t, float* dz, long n, long* correct) {
    start_loss();
    bce_kernel<<<blocks_for(n, 256) > 1024 ? 1024 : blocks_for(n, 256), 256, 0, st.main>>>(z, t, dz, n, st.loss_dev);
    check_launch();
    return finish_loss(correct) / (double) n;
}

// ---- NCCL: collectives over device memory, ordered against the main stream by events ----

int ft_nccl_load() {
    if (nc.lib) return 0;
    void* lib = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = dlerror();
        nc.message = why ? why : "dlopen(libnccl.so.2) failed";
        return -1;
    }
    nc.get_version = (ncclGetVersion_t) dlsym(lib, "ncclGetVersion");
    nc.get_unique_id = (ncclGetUniqueId_t) dlsym(lib, "ncclGetUniqueId");
    nc.init_rank = (ncclCommInitRank_t) dlsym(lib, "ncclCommInitRank");
    nc.all_reduce = (ncclAllReduce_t) dlsym(lib, "ncclAllReduce");
    nc.broadcast = (ncclBroadcast_t) dlsym(lib, "ncclBroadcast");
    nc.destroy = (ncclCommDestroy_t) dlsym(lib, "ncclCommDestroy");
    nc.abort = (ncclCommAbort_t) dlsym(lib, "ncclCommAbort");
    nc.async_error = (ncclCommGetAsyncError_t) dlsym(lib, "ncclCommGetAsyncError");
    nc.error_string = (ncclGetErrorString_t) dlsym(lib, "ncclGetErrorString");
    if (!nc.get_version || !nc.get_unique_id || !nc.init_rank || !nc.all_reduce || !nc.broadcast || !nc.destroy
        || !nc.abort || !nc.async_error || !nc.error_string) {
        nc.message = "libnccl.so.2 lacks one of ncclGetVersion, ncclGetUniqueId, ncclCommInitRank, ncclAllReduce, "
                     "ncclBroadcast, ncclCommDestroy, ncclCommAbort, ncclCommGetAsyncError, ncclGetErrorString "
                     "(NCCL older than 2.4?)";
        dlclose(lib);
        return -1;
    }
    nc.lib = lib;
    return 0;
}

const char* ft_nccl_message() { return nc.message.c_str(); }

int ft_nccl_version() {
    int v = 0;
    return nc.lib && nc.get_version(&v) == 0 ? v : 0;
}

const char* ft_nccl_error_string(int result) {
    return nc.lib ? nc.error_string(result) : "NCCL is not loaded";
}

int ft_nccl_unique_id(void* id128) {
    ncclUniqueId id;
    const ncclResult_t r = nc.get_unique_id(&id);
    if (r == 0) std::memcpy(id128, id.internal, sizeof id.internal);
    return r;
}

int ft_nccl_init(int ranks, int rank, const void* id128, int slots) {
    if (!st.open) {
        nc.message = "ft_nccl_init before ft_cuda_open: the communicator binds to the opened device";
        return -1;
    }
    ncclUniqueId id;
    std::memcpy(id.internal, id128, sizeof id.internal);
    const ncclResult_t r = nc.init_rank(&nc.comm, ranks, id, rank);
    if (r != 0) return r;
    note(cudaStreamCreateWithFlags(&nc.stream, cudaStreamNonBlocking));
    note(cudaEventCreateWithFlags(&nc.queued, cudaEventDisableTiming));
    nc.slots = slots < 1 ? 1 : slots;
    nc.done = new cudaEvent_t[nc.slots];
    for (int i = 0; i < nc.slots; i++) note(cudaEventCreateWithFlags(&nc.done[i], cudaEventDisableTiming));
    return st.error ? -2 : 0;  // -2: a CUDA error, in ft_cuda_last_error
}

int ft_nccl_all_reduce_sum(float* buf, long n, int slot) {
    join_side();  // side-stream updates may still write gradients' neighbours; none may race the reduction
    note(cudaEventRecord(nc.queued, st.main));
    note(cudaStreamWaitEvent(nc.stream, nc.queued, 0));
    const ncclResult_t r = nc.all_reduce(buf, buf, (size_t) n, kNcclFloat32, kNcclSum, nc.comm, nc.stream);
    note(cudaEventRecord(nc.done[slot], nc.stream));
    return r;
}

void ft_nccl_wait(int slot) { note(cudaStreamWaitEvent(st.main, nc.done[slot], 0)); }

int ft_nccl_query(int slot) {
    cudaSetDevice(st.device);  // the watchdog's thread: events are queried on the trainer's device
    const cudaError_t e = cudaEventQuery(nc.done[slot]);
    return e == cudaSuccess ? 1 : (e == cudaErrorNotReady ? 0 : -(int) e);
}

int ft_nccl_broadcast(float* buf, long n, int root) {
    join_side();
    note(cudaEventRecord(nc.queued, st.main));
    note(cudaStreamWaitEvent(nc.stream, nc.queued, 0));
    const ncclResult_t r = nc.broadcast(buf, buf, (size_t) n, kNcclFloat32, root, nc.comm, nc.stream);
    if (r != 0) return r;
    note(cudaStreamSynchronize(nc.stream));
    return st.error ? -2 : 0;
}

int ft_nccl_async_error() {
    ncclResult_t r = 0;
    if (!nc.comm) return 0;
    const ncclResult_t q = nc.async_error(nc.comm, &r);
    return q != 0 ? q : r;
}

void ft_nccl_abort() {
    if (nc.comm) nc.abort(nc.comm);
    nc.comm = nullptr;
}

void ft_nccl_destroy() {
    if (!nc.comm) return;
    cudaStreamSynchronize(nc.stream);
    nc.destroy(nc.comm);
    nc.comm = nullptr;
    for (int i = 0; i < nc.slots; i++) cudaEventDestroy(nc.done[i]);
    delete[] nc.done;
    nc.done = nullptr;
    nc.slots = 0;
    cudaEventDestroy(nc.queued);
    cudaStreamDestroy(nc.stream);
}

}  // extern "C"
