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
// once in backward. Columns are blocked so the batch slices of x and dx stay in L1; threads split
// the columns, so their tiles and dx slices are disjoint and need no reduction.
#pragma once
#include <cstring>
#include <algorithm>
#include "blas.h"
#include "optim.h"
#include "activation.h"

namespace ft {

typedef float v8f __attribute__((vector_size(32), aligned(4)));  // unaligned-safe 8-float vector

static inline v8f load8(const float* p) { v8f v; std::memcpy(&v, p, sizeof v); return v; }
static inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }

// Z[B,out] = X[B,in] · Wᵀ; then Z += b and Y = act(Z). Y may equal Z (identity).
static inline void dense_forward(const float* X, const float* P, float* Z, float* Y, int B, int in, int out,
                                 int act, float slope) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0f, X, in, P, in, 0.0f, Z, out);
    bias_activation_forward(act, slope, P + (long) out * in, Z, Y, B, out);
}

// Unfused gradient: G[W] = dZᵀ · X, G[b] = Σ_batch dZ, dX = dZ · W (dX may be null: first layer).
// dZ: [B,out]; X: [B,in]; dX: [B,in].
static inline void dense_backward(const float* dZ, const float* X, const float* P, float* G, float* dX,
                                  int B, int in, int out) {
    if (dX) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, dZ, out, P, in, 0.0f, dX, in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dZ, out, X, in, 0.0f, G, in);
    float* gb = G + (long) out * in;
    for (int j = 0; j < out; j++) gb[j] = 0.0f;
    for (int b = 0; b < B; b++) {
        const float* d = dZ + (long) b * out;
        for (int j = 0; j < out; j++) gb[j] += d[j];
    }
}

// The rule applied to n elements starting at index `at` of the layer block, with the gradient
// taken from g[0..n).
template <class Rule>
static inline void apply_rule_at(const Rule& rule, float* P, const float* g, float* S0, float* S1, float* S2,
                                 long at, long n) {
#pragma GCC ivdep
    for (long i = 0; i < n; i++) rule(at + i, P, g[i], S0, S1, S2);
}

// One tile row-group: rows j0..j0+R of W, columns [k0, k1) (k1 - k0 a multiple of 8).
// INIT_DX: this is the first row group, so dX is written rather than accumulated.
template <int R, bool HAS_DX, bool INIT_DX, class Rule>
static inline void fused_tile_rows(const Rule& rule, const float* dZ, const float* X, float* dX, float* P,
                                   float* S0, float* S1, float* S2, int B, int in, int out, int j0,
                                   long k0, long k1) {
    for (long k = k0; k < k1; k += 8) {
        v8f w[R], acc[R];
        for (int r = 0; r < R; r++) { w[r] = load8(P + (long) (j0 + r) * in + k); acc[r] = v8f{}; }
        for (int b = 0; b < B; b++) {
            const float* dz = dZ + (long) b * out + j0;
            const v8f x = load8(X + (long) b * in + k);
            v8f dx;
            if (HAS_DX) dx = INIT_DX ? v8f{} : load8(dX + (long) b * in + k);
            for (int r = 0; r < R; r++) {
                const float z = dz[r];
                acc[r] += z * x;
                if (HAS_DX) dx += z * w[r];
            }
            if (HAS_DX) store8(dX + (long) b * in + k, dx);
        }
        for (int r = 0; r < R; r++) {
            float g[8];
            store8(g, acc[r]);
            apply_rule_at(rule, P, g, S0, S1, S2, (long) (j0 + r) * in + k, 8);
        }
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
static inline void fused_row_group(const Rule& rule, int rows, const float* dZ, const float* X, float* dX,
                                   float* P, float* S0, float* S1, float* S2, int B, int in, int out, int j0,
                                   long k0, long k1) {
    switch (rows) {
    case 6: fused_tile_rows<6, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    case 5: fused_tile_rows<5, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    case 4: fused_tile_rows<4, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    case 3: fused_tile_rows<3, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    case 2: fused_tile_rows<2, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    default: fused_tile_rows<1, HAS_DX, INIT_DX>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, k0, k1); break;
    }
}

// Columns [k0, k1) of the whole layer (one thread's share), blocked so that the batch slices of
// X and dX (2 · B · block floats) stay within about half of L1.
template <bool HAS_DX, class Rule>
static inline void fused_column_range(const Rule& rule, const float* dZ, const float* X, float* dX, float* P,
                                      float* S0, float* S1, float* S2, int B, int in, int out, long k0, long k1) {
    const long block = std::max(8L, (3072L / std::max(B, 1)) / 8 * 8);
    const int R = 6;
    for (long kb = k0; kb < k1; kb += block) {
        const long ke = std::min(k1, kb + block);
        for (int j0 = 0; j0 < out; j0 += R) {
            const int rows = std::min(R, out - j0);
            if (j0 == 0) fused_row_group<HAS_DX, true>(rule, rows, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, kb, ke);
            else fused_row_group<HAS_DX, false>(rule, rows, dZ, X, dX, P, S0, S1, S2, B, in, out, j0, kb, ke);
        }
    }
}

// BACKWARD-fused dense backward: dX = dZ · W_old (if dX non-null), then W and b updated in place
// by the optimizer rule with their gradients dZᵀ·X and Σ dZ, tile by tile.
// dZ: [B,out]; X: [B,in]; dX: [B,in] or null; P/S*: the layer's parameter and state blocks.
static inline void dense_backward_fused(const double* hp, long step, const float* dZ, const float* X, float* dX,
                                        float* P, float* S0, float* S1, float* S2, int B, int in, int out,
                                        int threads) {
    with_rule(hp, step, [&](const auto& rule) {
        const long vec_cols = (long) in / 8 * 8;
        const int nt = std::max(1, std::min(threads, (int) (vec_cols / 64)));
#pragma omp parallel num_threads(nt) if (nt > 1)
        {
            int t = 0, n = 1;
#ifdef _OPENMP
            t = omp_get_thread_num();
            n = omp_get_num_threads();
#endif
            const long per = (vec_cols / 8 + n - 1) / n * 8;
            const long k0 = std::min(vec_cols, t * per), k1 = std::min(vec_cols, k0 + per);
            if (dX) fused_column_range<true>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, k0, k1);
            else fused_column_range<false>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, k0, k1);
            if (t == n - 1) {
                if (dX) fused_tail_columns<true>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, vec_cols);
                else fused_tail_columns<false>(rule, dZ, X, dX, P, S0, S1, S2, B, in, out, vec_cols);
            }
            if (t == 0) {  // bias: gradient Σ_batch dZ, updated with the same rule
                const long at = (long) out * in;
                for (int j0 = 0; j0 < out; j0 += 64) {
                    const int m = std::min(64, out - j0);
                    float g[64] = {0};
                    for (int b = 0; b < B; b++)
                        for (int j = 0; j < m; j++) g[j] += dZ[(long) b * out + j0 + j];
                    apply_rule_at(rule, P, g, S0, S1, S2, at + j0, m);
                }
            }
        }
    });
}

// The simpler per-layer fusion, kept as the measured alternative: the layer's whole gradient
// into scratch G, then the rule over it. Same result as dense_backward_fused up to summation order.
static inline void dense_backward_then_update(const double* hp, long step, const float* dZ, const float* X,
                                              float* dX, float* P, float* G, float* S0, float* S1, float* S2,
                                              int B, int in, int out) {
    dense_backward(dZ, X, P, G, dX, B, in, out);
    const long n = (long) out * in + out;
    with_rule(hp, step, [&](const auto& rule) { apply_rule_at(rule, P, G, S0, S1, S2, 0, n); });
}

// Unfused update pass: the rule over n contiguous parameters (any number of layers sharing one
// config), split across threads.
static inline void optim_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                float* S2, long n, int threads) {
    with_rule(hp, step, [&](const auto& rule) {
        const int nt = (int) std::max(1L, std::min<long>(threads, n / 16384));
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
        for (long c = 0; c < nt; c++) {
            const long per = (n + nt - 1) / nt;
            const long a = c * per, e = std::min(n, a + per);
            if (a < e) apply_rule_at(rule, P, G + a, S0, S1, S2, a, e - a);
        }
    });
}

}  // namespace ft
