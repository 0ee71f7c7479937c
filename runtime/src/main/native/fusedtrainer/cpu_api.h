// The flat C surface that JavaCPP binds (dev.fusedtrainer.runtime.cpu.CpuKernels). Each function
// forwards to a kernel family header; arguments are raw pointers with explicit dimensions.
// Validation happens on the Java side before any of these is called.
#pragma once
#include "blas.h"
#include "optim.h"
#include "activation.h"
#include "loss.h"
#include "dense.h"
#include "conv2d.h"
#include "pool.h"
#include "dropout.h"
#include "norm.h"
#include "embedding.h"
#include "layerwise.h"
#include "denormals.h"


static inline void ft_set_blas_threads(int n) { openblas_set_num_threads(n); }

// 1: the kernels flush subnormal floats to zero (the default, see denormals.h); 0: IEEE subnormals.
static inline void ft_set_flush_denormals(int on) { ft::flush_denormals_mode() = on != 0; }
static inline int ft_flush_denormals() { return ft::flush_denormals_mode(); }


static inline void ft_dense_forward(const float* X, const float* P, float* Z, float* Y, int B, int in, int out,
                                    int act, float slope, int threads) {
    FT_KERNEL_ENTRY;
    ft::dense_forward(X, P, Z, Y, B, in, out, act, slope, threads);
}

static inline void ft_activation_backward(int act, float slope, const float* Z, const float* Y, float* dY, long n) {
    FT_KERNEL_ENTRY;
    ft::activation_backward(act, slope, Z, Y, dY, n);
}

static inline void ft_dense_backward(const float* dZ, const float* X, const float* P, float* G, float* dX,
                                     int B, int in, int out, int threads) {
    FT_KERNEL_ENTRY;
    ft::dense_backward(dZ, X, P, G, dX, B, in, out, threads);
}

// Returns 0, or 1 when the kernel's scratch memory could not be allocated (nothing was changed).
static inline int ft_dense_backward_fused(const double* hp, long step, const float* dZ, const float* X, float* dX,
                                           float* P, float* S0, float* S1, float* S2, int B, int in, int out,
                                           int threads) {
    FT_KERNEL_ENTRY;
    return ft::dense_backward_fused(hp, step, dZ, X, dX, P, S0, S1, S2, B, in, out, threads);
}

static inline void ft_dense_backward_then_update(const double* hp, long step, const float* dZ, const float* X,
                                                 float* dX, float* P, float* G, float* S0, float* S1, float* S2,
                                                 int B, int in, int out, int threads) {
    FT_KERNEL_ENTRY;
    ft::dense_backward_then_update(hp, step, dZ, X, dX, P, G, S0, S1, S2, B, in, out, threads);
}

static inline void ft_dense_forward_fused(const double* hp, long step, const float* X, float* P, const float* G,
                                          float* S0, float* S1, float* S2, float* Z, float* Y, int B, int in,
                                          int out, int act, float slope, int threads) {
    FT_KERNEL_ENTRY;
    ft::dense_forward_fused(hp, step, X, P, G, S0, S1, S2, Z, Y, B, in, out, act, slope, threads);
}

// The unfused pass over n contiguous parameters; under a layer-wise rule (LAMB, LARS) they are one tensor.
static inline void ft_optim_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                   float* S2, long n, int threads) {
    FT_KERNEL_ENTRY;
    if (ft::layerwise_kind(hp)) ft::layerwise_update(hp, step, P, G, S0, S1, n, threads);
    else ft::optim_update(hp, step, P, G, S0, S1, S2, n, threads);
}

// One layer's block: weights [0, weights) then biases [weights, n), separate tensors for a layer-wise rule; the
// biases decay by their own rate where the layer excludes them (HP_BIAS_WEIGHT_DECAY). A slice of a block (ZeRO)
// passes its own weights boundary, which may fall outside it.
static inline void ft_optim_update_layer(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                         float* S2, long weights, long n, int threads) {
    FT_KERNEL_ENTRY;
    if (!ft::layerwise_kind(hp)) {
        ft::optim_update_layer_block(hp, step, P, G, S0, S1, S2, weights, n, threads);
        return;
    }
    ft::layerwise_update(hp, step, P, G, S0, S1, weights, threads);
    if (n > weights) {
        const ft::HyperBlock bias = ft::bias_hyper(hp);
        ft::layerwise_update(bias.v, step, P + weights, G + weights, S0 ? S0 + weights : nullptr,
                             S1 ? S1 + weights : nullptr, n - weights, threads);
    }
}

// Global gradient-norm clipping: the squared norm in double (as the double-precision reference does, so
// that no float rounding decides whether a step is clipped), then the scale.
static inline double ft_sum_of_squares(const float* x, long n, int threads) {
    FT_KERNEL_ENTRY;
    double sum = 0;
#pragma omp parallel for simd reduction(+ : sum) num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) sum += (double) x[i] * x[i];
    return sum;
}

static inline void ft_scale(float* x, long n, float factor, int threads) {
    FT_KERNEL_ENTRY;
#pragma omp parallel for simd num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) x[i] *= factor;
}

// Gradient accumulation: y = a x + b y; b == 0 overwrites y without reading it (a fresh buffer may hold NaN).
static inline void ft_axpby(const float* x, float a, float* y, float b, long n, int threads) {
    FT_KERNEL_ENTRY;
    if (b == 0) {
#pragma omp parallel for simd num_threads(threads) if (n > 65536 && threads > 1)
        for (long i = 0; i < n; i++) y[i] = a * x[i];
    } else {
#pragma omp parallel for simd num_threads(threads) if (n > 65536 && threads > 1)
        for (long i = 0; i < n; i++) y[i] = a * x[i] + b * y[i];
    }
}

static inline double ft_softmax_cross_entropy(const float* logits, const int* labels, float* dlogits, long B,
                                              long C, long* correct) {
    FT_KERNEL_ENTRY;
    return ft::softmax_cross_entropy(logits, labels, dlogits, B, C, correct);
}

static inline double ft_mean_squared_error(const float* y, const float* t, float* dy, long n) {
    FT_KERNEL_ENTRY;
    return ft::mean_squared_error(y, t, dy, n);
}

static inline double ft_bce_with_logits(const float* z, const float* t, float* dz, long n, long* correct) {
    FT_KERNEL_ENTRY;
    return ft::binary_cross_entropy_with_logits(z, t, dz, n, correct);
}

// A triad-like loop a[i] = b[i] + s * c[i] for measuring memory bandwidth (benchmarks).
static inline void ft_triad(float* a, const float* b, const float* c, float s, long n, int threads) {
    FT_KERNEL_ENTRY;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

// ---- conv2d and pooling (conv2d.h, pool.h) ----

static inline int ft_conv2d_forward(const float* X, const float* P, float* Z, float* Y, int B, int C, int H, int W,
                                    int F, int K, int S, int pad, int act, float slope, int threads) {
    FT_KERNEL_ENTRY;
    return ft::conv2d_forward(X, P, Z, Y, B, C, H, W, F, K, S, pad, act, slope, threads);
}

static inline int ft_conv2d_backward(const float* dZ, const float* X, const float* P, float* G, float* dX, int B,
                                     int C, int H, int W, int F, int K, int S, int pad, int threads) {
    FT_KERNEL_ENTRY;
    return ft::conv2d_backward(dZ, X, P, G, dX, B, C, H, W, F, K, S, pad, threads);
}

static inline void ft_pool2d_forward(int max, const float* X, float* Y, int B, int C, int H, int W, int K, int S,
                                     int pad, int threads) {
    FT_KERNEL_ENTRY;
    ft::pool2d_forward(max, X, Y, B, C, H, W, K, S, pad, threads);
}

static inline void ft_pool2d_backward(int max, const float* dY, const float* X, float* dX, int B, int C, int H, int W,
                                      int K, int S, int pad, int threads) {
    FT_KERNEL_ENTRY;
    ft::pool2d_backward(max, dY, X, dX, B, C, H, W, K, S, pad, threads);
}


// ---- dropout and normalisation (dropout.h, norm.h) ----

static inline void ft_dropout_forward(const float* X, float* M, float* Y, long n, float rate, long seed, long counter,
                                      int layer, long first, int training, int threads) {
    FT_KERNEL_ENTRY;
    ft::dropout_forward(X, M, Y, n, rate, (uint64_t) seed, (uint64_t) counter, layer, (uint64_t) first, training,
                        threads);
}

static inline void ft_dropout_backward(const float* dY, const float* M, float* dX, long n, int threads) {
    FT_KERNEL_ENTRY;
    ft::dropout_backward(dY, M, dX, n, threads);
}


static inline void ft_layer_norm_forward(const float* X, const float* P, float* stats, float* Z, float* Y, int B,
                                         int F, float eps, int act, float slope, int threads) {
    FT_KERNEL_ENTRY;
    ft::layer_norm_forward(X, P, stats, Z, Y, B, F, eps, act, slope, threads);
}

static inline void ft_layer_norm_backward(const float* dZ, const float* X, const float* P, const float* stats,
                                          float* G, float* dX, int B, int F, int threads) {
    FT_KERNEL_ENTRY;
    ft::layer_norm_backward(dZ, X, P, stats, G, dX, B, F, threads);
}

static inline void ft_batch_norm_forward(const float* X, const float* P, float* stats, float* R, float* Z, float* Y,
                                         int B, int C, int S, float eps, float momentum, int training, int act,
                                         float slope, int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_forward(X, P, stats, R, Z, Y, B, C, S, eps, momentum, training, act, slope, threads);
}

static inline void ft_batch_norm_sums(const float* X, const float* sums, long n_total, float* out, int B, int C,
                                      int S, int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_sums(X, sums, n_total, out, B, C, S, threads);
}

static inline void ft_batch_norm_apply(const float* X, const float* P, const float* sums, const float* squares,
                                       long n_total, float* stats, float* R, float* Z, float* Y, int B, int C, int S,
                                       float eps, float momentum, int act, float slope, int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_apply(X, P, sums, squares, n_total, stats, R, Z, Y, B, C, S, eps, momentum, act, slope, threads);
}

static inline void ft_batch_norm_grad_sums(const float* dZ, const float* X, const float* stats, float* G, int B,
                                           int C, int S, int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_grad_sums(dZ, X, stats, G, B, C, S, threads);
}

static inline void ft_batch_norm_input_grad(const float* dZ, const float* X, const float* P, const float* stats,
                                            const float* sums, long n_total, float* dX, int B, int C, int S,
                                            int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_input_grad(dZ, X, P, stats, sums, n_total, dX, B, C, S, threads);
}

static inline void ft_embedding_forward(const float* X, const float* P, float* Y, int B, int fields, int D,
                                        int threads) {
    FT_KERNEL_ENTRY;
    ft::embedding_forward(X, P, Y, B, fields, D, threads);
}

static inline long ft_embedding_backward(const float* X, const float* dY, float* G, int* rows, int* mark, long listed,
                                         int B, int fields, int D, float weight) {
    FT_KERNEL_ENTRY;
    return ft::embedding_backward(X, dY, G, rows, mark, listed, B, fields, D, weight);
}

static inline void ft_embedding_update(const double* hp, long step, float* P, float* G, float* S0, float* S1,
                                       float* S2, const int* rows, int* mark, long n, int D, int threads) {
    FT_KERNEL_ENTRY;
    ft::embedding_update(hp, step, P, G, S0, S1, S2, rows, mark, n, D, threads);
}

static inline void ft_batch_norm_backward(const float* dZ, const float* X, const float* P, const float* stats,
                                          float* G, float* dX, int B, int C, int S, int threads) {
    FT_KERNEL_ENTRY;
    ft::batch_norm_backward(dZ, X, P, stats, G, dX, B, C, S, threads);
}

