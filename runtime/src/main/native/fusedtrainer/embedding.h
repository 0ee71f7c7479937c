// Embedding tables (PyTorch's nn.Embedding, outputs flattened) with sparse row updates.
//
// X holds B samples of `fields` ids each, as floats (validated on the Java side: integers in [0, rows)). The
// table P is [rows, D]. The gradient block G is kept zero outside the rows listed since the last update, so
// that whole-buffer operations over gradients (global norm clipping, reductions) stay right without reading
// the table-sized block: embedding_update zeroes each row it consumes, and clears its mark. Between updates
// the list only grows: the backwards of an accumulation cycle's micro-batches add into the same rows.
#pragma once
#include <cstring>
#include "optim.h"

namespace ft {

// Y[b, f * D + d] = P[X[b, f] * D + d].
static inline void embedding_forward(const float* X, const float* P, float* Y, int B, int fields, int D, int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * fields * D > 65536) schedule(static)
    for (long k = 0; k < (long) B * fields; k++) {
        std::memcpy(Y + k * D, P + (long) X[k] * D, sizeof(float) * D);
    }
}

// G's rows for the batch's ids += weight · the sum of their output gradients (weight 1 / N in an accumulation
// cycle of N micro-batches, else 1). rows[0, listed) are the ids listed since the last update, with mark[id]
// set; ids seen for the first time are appended (their rows zeroed first). Returns the new count.
static inline long embedding_backward(const float* X, const float* dY, float* G, int* rows, int* mark, long listed,
                                      int B, int fields, int D, float weight) {
    long n = listed;
    const long lookups = (long) B * fields;
    for (long k = 0; k < lookups; k++) {
        const int id = (int) X[k];
        if (!mark[id]) {
            mark[id] = 1;
            rows[n++] = id;
            std::memset(G + (long) id * D, 0, sizeof(float) * D);
        }
    }
    for (long k = 0; k < lookups; k++) {
        float* g = G + (long) X[k] * D;
        const float* dy = dY + k * D;
        for (int d = 0; d < D; d++) g[d] += weight * dy[d];
    }
    return n;
}

// The rule over the listed rows only (with this update's global step), then those gradient rows zeroed and
// their marks cleared: the next backward starts a new list.
static inline void embedding_update(const double* hp, long step, float* P, float* G, float* S0, float* S1, float* S2,
                                    const int* rows, int* mark, long n, int D, int threads) {
    with_rule(hp, step, [&](const auto& rule) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && n * D > 65536) schedule(static)
        for (long i = 0; i < n; i++) {
            const long at = (long) rows[i] * D;
            apply_rule(rule, P + at, G + at, S0 ? S0 + at : nullptr, S1 ? S1 + at : nullptr, S2 ? S2 + at : nullptr, D);
            std::memset(G + at, 0, sizeof(float) * D);
            mark[rows[i]] = 0;
        }
    });
}

}  // namespace ft
