// Fully connected layer y = act(x · Wᵀ + b), W[out][in] (PyTorch's nn.Linear layout).
//
// A layer's parameters are one contiguous block P = [W (out*in) | b (out)]; its gradient and
// optimizer state blocks (G, S0..S2) use the same offsets, so one index addresses a parameter,
// its gradient and its state alike.
//
// dense_backward_fused is the BACKWARD schedule's kernel. It walks W in tiles of R rows × 8
// columns; for each tile it streams the batch once, accumulating the weight gradient of the tile
// in registers while adding the tile's contribution to the input gradient with the *old* weights,
// then applies the optimizer rule to the tile while W, its state and the gradient are still in
// registers or L1. The full weight gradient is never written to memory and each weight is read
// once in backward. Row groups are streamed sequentially while x and dx stay in L2; threads
// split the columns, so their tiles and dx slices are disjoint and need no reduction.
#pragma once
#include <cstring>
#include <cstdlib>
#include <immintrin.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "blas.h"
#include <algorithm>
#include "optim.h"
#include "activation.h"

namespace ft {

// 8 floats in an AVX register. Explicit unaligned load/store intrinsics: memcpy into a vector type
// made GCC 12 split every access into 128-bit halves through the stack (3-5x slower tiles).
typedef __m256 v8f;

static inline v8f load8(const float* p) { return _mm256_loadu_ps(p); }
static inline void store8(float* p, v8f v) { _mm256_storeu_ps(p, v); }

// Z[B,out] = X[B,in] · Wᵀ; then Z += b and Y = act(Z). Y may equal Z (identity).
static inline void dense_forward(const float* X, const float* P, float* Z, float* Y, int B, int in, int out,
                                 int act, float slope, int threads) {
    sgemm(false, true, B, out, in, 1.0f, X, in, P, in, 0.0f, Z, out, threads);
    bias_activation_forward(act, slope, P + (long) out * in, Z, Y, B, out);
}

// Unfused gradient: G[W] = dZᵀ · X, G[b] = Σ_batch dZ, dX = dZ · W (dX may be null: first layer).
// dZ: [B,out]; X: [B,in]; dX: [B,in].
static inline void dense_backward(const float* dZ, const float* X, const float* P, float* G, float* dX,
                                  int B, int in, int out, int threads) {
    if (dX) sgemm(false, false, B, in, out, 1.0f, dZ, out, P, in, 0.0f, dX, in, threads);
    sgemm(true, false, out, in, B, 1.0f, dZ, out, X, in, 0.0f, G, in, threads);
    float* gb = G + (long) out * in;
    for (int j = 0; j < out; j++) gb[j] = 0.0f;
    for (int b = 0; b < B; b++) {
        const float* d = dZ + (long) b * out;
        for (int j = 0; j < out; j++) gb[j] += d[j];
    }
}

// The rule applied to n elements starting at index `at` of the layer block, with the gradient
// taken from g[0..n).
// `omp simd` forces loop vectorisation of the inlined rule. With only `ivdep`, GCC fully unrolled
// the 8-element tile updates and SLP-vectorised some rules (SGD) into 128-bit code with scalar
// inserts, 2.4x slower than the unfused pass at 256x256 (docs/kernels.md).
template <class Rule>
static inline void apply_rule_at(const Rule& rule, float* P, const float* g, float* S0, float* S1, float* S2,
                                 long at, long n) {
#pragma omp simd
    for (long i = 0; i < n; i++) rule(at + i, P, g[i], S0, S1, S2);
}

// The rule over n contiguous parameters (any number of layers sharing one config), split across
// threads: the unfused pass, and the block updates of the blocked variants.
template <class Rule>
static inline void optim_update_with(const Rule& rule, float* P, const float* G, float* S0, float* S1, float* S2,
                                     long n, int threads) {
    const int nt = (int) std::max(1L, std::min<long>(threads, n / 16384));
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (long c = 0; c < nt; c++) {
        const long per = (n + nt - 1) / nt;
        const long a = c * per, e = std::min(n, a + per);
        if (a < e) apply_rule_at(rule, P, G + a, S0, S1, S2, a, e - a);
    }
}

// The batch slices of x and dx that the tiles read, packed k-major: pack[c][b][8] holds columns
// k0 + 8c .. k0 + 8c + 7 of sample b. Unpacked, the tile would read x at a stride of `in` floats
// across the batch, which for power-of-two widths puts every access in the same L1 set.
struct PackedSlice {
    float* x;    // [chunks][B][8]
    float* dx;   // [chunks][B][8], or null when no input gradient is wanted
};

// Per-thread scratch, grown on demand and reused across calls; null when the allocation fails.
static inline float* scratch(size_t floats, int which) {
    static thread_local float* buffers[2] = {nullptr, nullptr};
    static thread_local size_t sizes[2] = {0, 0};
    if (sizes[which] < floats) {
        std::free(buffers[which]);
        buffers[which] = (float*) std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
        sizes[which] = buffers[which] ? floats : 0;
    }
    return buffers[which];
}

// One tile row-group: rows j0..j0+R of W (R <= 4), columns [k0, k0 + 8 * chunks).
// INIT_DX: this is the first row group, so dx is written rather than accumulated.
// Accumulators are named variables, not an array: with an array GCC 12 mirrored every
// accumulator to the stack on each batch iteration.
template <int R, bool HAS_DX, bool INIT_DX, class Rule>
static inline void fused_tile_rows(const Rule& rule, const float* dZ, PackedSlice pack, float* P, float* S0,
                                   float* S1, float* S2, int B, int in, int out, int j0, long k0, long chunks) {
    static_assert(R >= 1 && R <= 4, "tiles have 1 to 4 rows");
    for (long c = 0; c < chunks; c++) {
        const long k = k0 + 8 * c;
        const float* xs = pack.x + c * B * 8;
        float* dxs = HAS_DX ? pack.dx + c * B * 8 : nullptr;
        const float* w_row = P + (long) j0 * in + k;
        const v8f w0 = load8(w_row);
        const v8f w1 = R > 1 ? load8(w_row + in) : w0;
        const v8f w2 = R > 2 ? load8(w_row + 2L * in) : w0;
        const v8f w3 = R > 3 ? load8(w_row + 3L * in) : w0;
        v8f a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < B; b++) {
            const float* dz = dZ + (long) b * out + j0;
            const v8f x = _mm256_load_ps(xs + 8 * b);
            v8f dx = _mm256_setzero_ps();
            if (HAS_DX && !INIT_DX) dx = _mm256_load_ps(dxs + 8 * b);
            v8f z = _mm256_broadcast_ss(dz);
            a0 = _mm256_fmadd_ps(z, x, a0);
            if (HAS_DX) dx = _mm256_fmadd_ps(z, w0, dx);
            if constexpr (R > 1) {
                z = _mm256_broadcast_ss(dz + 1);
                a1 = _mm256_fmadd_ps(z, x, a1);
                if (HAS_DX) dx = _mm256_fmadd_ps(z, w1, dx);
            }
            if constexpr (R > 2) {
                z = _mm256_broadcast_ss(dz + 2);
                a2 = _mm256_fmadd_ps(z, x, a2);
                if (HAS_DX) dx = _mm256_fmadd_ps(z, w2, dx);
            }
            if constexpr (R > 3) {
                z = _mm256_broadcast_ss(dz + 3);
                a3 = _mm256_fmadd_ps(z, x, a3);
                if (HAS_DX) dx = _mm256_fmadd_ps(z, w3, dx);
            }
            if (HAS_DX) _mm256_store_ps(dxs + 8 * b, dx);
        }
        alignas(32) float g[4][8];
        _mm256_store_ps(g[0], a0);
        if constexpr (R > 1) _mm256_store_ps(g[1], a1);
        if constexpr (R > 2) _mm256_store_ps(g[2], a2);
        if constexpr (R > 3) _mm256_store_ps(g[3], a3);
        for (int r = 0; r < R; r++) apply_rule_at(rule, P, g[r], S0, S1, S2, (long) (j0 + r) * in + k, 8);
    }
}

// Scalar version of the tile for the last in % 8 columns.
template <bool HAS_DX, class Rule>
static inline void fused_tail_columns(const Rule& rule, const float* dZ, const float* X, float* dX, float* P,
                                      float* S0, float* S1, float* S2, int B, int in, int out, long k0) {
    if (k0 >= in) return;
    if (HAS_DX)
        for (int b = 0; b < B; b++)
            for (long k = k0; k < in; k++) dX[(long) b * in + k] = 0.0f;
    for (int j = 0; j < out; j++) {
        for (long k = k0; k < in; k++) {
            const float w = P[(long) j * in + k];
            float acc = 0.0f;
            for (int b = 0; b < B; b++) {
                const float z = dZ[(long) b * out + j];
                acc += z * X[(long) b * in + k];
                if (HAS_DX) dX[(long) b * in + k] += z * w;
            }
            apply_rule_at(rule, P, &acc, S0, S1, S2, (long) j * in + k, 1);
        }
    }
}

template <bool HAS_DX, bool INIT_DX, class Rule>
static inline void fused_row_group(const Rule& rule, int rows, const float* dZ, PackedSlice pack, float* P,
                                   float* S0, float* S1, float* S2, int B, int in, int out, int j0, long k0,
                                   long chunks) {
    switch (rows) {
    case 4: fused_tile_rows<4, HAS_DX, INIT_DX>(rule, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks); break;
    case 3: fused_tile_rows<3, HAS_DX, INIT_DX>(rule, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks); break;
    case 2: fused_tile_rows<2, HAS_DX, INIT_DX>(rule, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks); break;
    default: fused_tile_rows<1, HAS_DX, INIT_DX>(rule, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks); break;
    }
}

// Columns [k0, k1) of the whole layer (one thread's share; k1 - k0 a multiple of 8). Rows are the
// outer loop so that each group of R weight rows (and their state) is streamed once,
// sequentially, while the packed batch slices of x and dx are re-read from L1/L2 for every group.
template <bool HAS_DX, class Rule>
static inline void fused_column_range(const Rule& rule, const float* dZ, const float* X, float* dX, float* P,
                                      float* S0, float* S1, float* S2, int B, int in, int out, long k0, long k1,
                                      int R, PackedSlice pack) {
    const long chunks = (k1 - k0) / 8;
    if (chunks == 0) return;
    for (long c = 0; c < chunks; c++)
        for (int b = 0; b < B; b++)
            _mm256_store_ps(pack.x + (c * B + b) * 8, load8(X + (long) b * in + k0 + 8 * c));
    for (int j0 = 0; j0 < out; j0 += R) {
        const int rows = std::min(R, out - j0);
        if (j0 == 0) fused_row_group<HAS_DX, true>(rule, rows, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks);
        else fused_row_group<HAS_DX, false>(rule, rows, dZ, pack, P, S0, S1, S2, B, in, out, j0, k0, chunks);
    }
    if (HAS_DX)
        for (long c = 0; c < chunks; c++)
            for (int b = 0; b < B; b++)
                store8(dX + (long) b * in + k0 + 8 * c, _mm256_load_ps(pack.dx + (c * B + b) * 8));
}

// Rows per register tile. Fewer rows mean fewer concurrent memory streams (W, and each state
// slot, per row) but more passes over the packed batch; measured on a 2-core AVX2 machine at
// 1024x1024 Adam (docs/perf-log.md): 2 rows best at batch 1, 4 rows at batch 16.
static inline int tile_rows_for(int B) { return B <= 4 ? 2 : 4; }

// Batches from this size on (measured crossover, docs/kernels.md) use the row-blocked sgemm variant: with many samples the products
// dominate and OpenBLAS's packed kernels beat the register tiles.
#ifndef FT_BLOCKED_GEMM_MIN_BATCH
#define FT_BLOCKED_GEMM_MIN_BATCH 24
#endif
static const int kBlockedGemmMinBatch = FT_BLOCKED_GEMM_MIN_BATCH;

// Without an input gradient (a model's first layer) a tile does 4 FMAs per 5 loads and is
// load-bound; the blocked sgemm path wins from a smaller batch there (docs/kernels.md).
#ifndef FT_BLOCKED_GEMM_MIN_BATCH_NO_DX
#define FT_BLOCKED_GEMM_MIN_BATCH_NO_DX 8
#endif
static const int kBlockedGemmMinBatchNoDx = FT_BLOCKED_GEMM_MIN_BATCH_NO_DX;

// FORWARD multiplies each freshly updated block right away only up to this batch: there forward is
// memory-bound and saves re-reading W; at batch 16 the many small block products cost more than
// that saves (full-model matrix, docs/kernels.md).
static const int kForwardFusedMaxBatch = 4;

// Row-blocked variant for large batches: for each block of rows, the block's gradient into an
// L2-sized scratch by sgemm, then the rule over the block while its weights, gradient and state
// are still in L2. No full-size gradient buffer exists. The input gradient (old W) is computed per
// block, dx += dz_blk · W_blk, while the block is being fetched anyway; but that re-reads and
// re-writes all of dx once per block (2 · B · 4 / rows bytes per weight), so when blocks are
// narrower than 2·B rows one whole-layer product before the updates is cheaper (4 bytes per weight).
// Returns false, having changed nothing, when its scratch cannot be allocated.
template <class Rule>
static inline bool fused_blocked_gemm(const Rule& rule, const float* dZ, const float* X, float* dX, float* P,
                                      float* S0, float* S1, float* S2, int B, int in, int out, int threads) {
    const int rows = std::max(8, std::min(out, (int) (256L * 1024 / std::max(in, 1))));
    float* g = scratch((size_t) rows * in + rows, 0);
    if (!g) return false;
    const bool dx_per_block = dX && rows >= 2 * B;
    if (dX && !dx_per_block) sgemm(false, false, B, in, out, 1.0f, dZ, out, P, in, 0.0f, dX, in, threads);
    for (int j0 = 0; j0 < out; j0 += rows) {
        const int m = std::min(rows, out - j0);
        float* w = P + (long) j0 * in;
        if (dx_per_block) sgemm(false, false, B, in, m, 1.0f, dZ + j0, out, w, in, j0 == 0 ? 0.0f : 1.0f, dX, in, threads);
        sgemm(true, false, m, in, B, 1.0f, dZ + j0, out, X, in, 0.0f, g, in, threads);
        const long at = (long) j0 * in;
        optim_update_with(rule, P + at, g, S0 ? S0 + at : nullptr, S1 ? S1 + at : nullptr,
                          S2 ? S2 + at : nullptr, (long) m * in, threads);
    }
    return true;
}

// Unfused update pass.
static inline void optim_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                float* S2, long n, int threads) {
    with_rule(hp, step, [&](const auto& rule) { optim_update_with(rule, P, G, S0, S1, S2, n, threads); });
}

// An element-wise rule over one layer's block: weights [0, weights) with hp, biases [weights, n) with the
// bias block (their own decay where the layer excludes them; one pass when it does not). `weights` may lie
// outside [0, n] for a slice of a block (a ZeRO shard): it is clamped.
static inline void optim_update_layer_block(const double* hp, long step, float* P, const float* G, float* S0,
                                            float* S1, float* S2, long weights, long n, int threads) {
    if (!bias_decay_differs(hp)) {
        optim_update(hp, step, P, G, S0, S1, S2, n, threads);
        return;
    }
    const long w = std::max(0L, std::min(weights, n));
    if (w > 0) optim_update(hp, step, P, G, S0, S1, S2, w, threads);
    if (n > w) {
        const HyperBlock bias = bias_hyper(hp);
        optim_update(bias.v, step, P + w, G + w, S0 ? S0 + w : nullptr, S1 ? S1 + w : nullptr, S2 ? S2 + w : nullptr,
                     n - w, threads);
    }
}

// Bias: gradient Σ_batch dZ, updated with the same rule.
template <class Rule>
static inline void fused_bias(const Rule& rule, const float* dZ, float* P, float* S0, float* S1, float* S2,
                              int B, int in, int out) {
    const long at = (long) out * in;
    for (int j0 = 0; j0 < out; j0 += 64) {
        const int m = std::min(64, out - j0);
        float g[64] = {0};
        for (int b = 0; b < B; b++)
            for (int j = 0; j < m; j++) g[j] += dZ[(long) b * out + j0 + j];
        apply_rule_at(rule, P, g, S0, S1, S2, at + j0, m);
    }
}

// BACKWARD-fused dense backward: dX = dZ · W_old (if dX non-null), then W and b updated in place
// by the optimizer rule with their gradients dZᵀ·X and Σ dZ, block by block.
// dZ: [B,out]; X: [B,in]; dX: [B,in] or null; P/S*: the layer's parameter and state blocks.
// Returns 0, or 1 when scratch memory could not be allocated: then nothing was changed (every
// thread reserves its scratch before any thread starts work).
static inline int dense_backward_fused(const double* hp, long step, const float* dZ, const float* X, float* dX,
                                       float* P, float* S0, float* S1, float* S2, int B, int in, int out,
                                       int threads) {
    int status = 0;
    with_rule(hp, step, [&](const auto& rule) {
        if (B >= kBlockedGemmMinBatch || (!dX && B >= kBlockedGemmMinBatchNoDx)) {
            if (!fused_blocked_gemm(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, threads)) {
                status = 1;
                return;
            }
            return;
        }
        const long vec_cols = (long) in / 8 * 8;
        const int nt = std::max(1, std::min(threads, (int) (vec_cols / 64)));
        const int R = tile_rows_for(B);
        bool failed = false;
#pragma omp parallel num_threads(nt) if (nt > 1)
        {
            FT_WORKER_MODE;  // see denormals.h
            int t = 0, n = 1;
#ifdef _OPENMP
            t = omp_get_thread_num();
            n = omp_get_num_threads();
#endif
            const long per = (vec_cols / 8 + n - 1) / n * 8;
            const long k0 = std::min(vec_cols, t * per), k1 = std::min(vec_cols, k0 + per);
            const size_t slice = (size_t) ((k1 - k0) / 8) * B * 8;
            PackedSlice pack{nullptr, nullptr};
            if (slice > 0) {
                pack.x = scratch(slice, 0);
                pack.dx = dX ? scratch(slice, 1) : nullptr;
                if (!pack.x || (dX && !pack.dx)) {
#pragma omp atomic write
                    failed = true;
                }
            }
#pragma omp barrier
            bool stop;
#pragma omp atomic read
            stop = failed;
            if (!stop) {
                if (dX) fused_column_range<true>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, k0, k1, R, pack);
                else fused_column_range<false>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, k0, k1, R, pack);
                if (t == n - 1) {
                    if (dX) fused_tail_columns<true>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, vec_cols);
                    else fused_tail_columns<false>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, vec_cols);
                }
            }
        }
        if (failed) status = 1;
    });
    if (status == 0) {  // the bias after the weights: it reads only dZ, and may decay by its own rate
        const HyperBlock bias = bias_hyper(hp);
        with_rule(bias.v, step, [&](const auto& rule) { fused_bias(rule, dZ, P, S0, S1, S2, B, in, out); });
    }
    return status;
}

// The simpler per-layer fusion, kept as the measured alternative: the layer's whole gradient
// into scratch G, then the rule over it. Same result as dense_backward_fused up to summation order.
static inline void dense_backward_then_update(const double* hp, long step, const float* dZ, const float* X,
                                              float* dX, float* P, float* G, float* S0, float* S1, float* S2,
                                              int B, int in, int out, int threads) {
    dense_backward(dZ, X, P, G, dX, B, in, out, threads);
    optim_update_layer_block(hp, step, P, G, S0, S1, S2, (long) out * in, (long) out * in + out, 1);
}

// FORWARD-fused dense forward: applies the deferred update of W and b (gradient G from the last
// backward) block by block, and multiplies each block of rows right after its update, while it is
// still in L2, so that forward does not read W from memory a second time.
// X: [B,in]; P/G/S*: the layer's parameter, gradient and state blocks; Z, Y: [B,out].
static inline void dense_forward_fused(const double* hp, long step, const float* X, float* P, const float* G,
                                       float* S0, float* S1, float* S2, float* Z, float* Y, int B, int in, int out,
                                       int act, float slope, int threads) {
    const long bias_at = (long) out * in;
    if (B > kForwardFusedMaxBatch) {  // measured: one whole-layer product wins beyond tiny batches
        optim_update_layer_block(hp, step, P, G, S0, S1, S2, bias_at, bias_at + out, threads);
        dense_forward(X, P, Z, Y, B, in, out, act, slope, threads);
        return;
    }
    const HyperBlock bias = bias_hyper(hp);  // the biases first: only the epilogue reads them
    with_rule(bias.v, step, [&](const auto& rule) { apply_rule_at(rule, P, G + bias_at, S0, S1, S2, bias_at, out); });
    with_rule(hp, step, [&](const auto& rule) {
        const int rows = std::max(8, std::min(out, (int) (256L * 1024 / std::max(in, 1))));
        for (int j0 = 0; j0 < out; j0 += rows) {
            const int m = std::min(rows, out - j0);
            const long a = (long) j0 * in;
            optim_update_with(rule, P + a, G + a, S0 ? S0 + a : nullptr, S1 ? S1 + a : nullptr,
                              S2 ? S2 + a : nullptr, (long) m * in, threads);
            sgemm(false, true, B, m, in, 1.0f, X, in, P + a, in, 0.0f, Z + j0, out, threads);
        }
    });
    bias_activation_forward(act, slope, P + bias_at, Z, Y, B, out);
}

}  // namespace ft
