// Dropout (PyTorch's nn.Dropout): in training m[i] = 0 with probability `rate`, else 1 / (1 - rate),
// and y = x * m; otherwise y = x. The mask is counter-based, not drawn from a stream: element i's
// uniform is the top 24 bits of splitmix64(base + first + i) with base = splitmix64(seed ^ splitmix64(counter ·
// 256 + layer)), so it depends only on (seed, counter, layer, first + i): the same in every schedule and thread
// count, and a resumed run (whose step counter is restored) draws what the uninterrupted one would.
// `first` is the index of X[0] in the whole batch (a data-parallel rank's slice starts at its first sample's
// elements), so N ranks draw the masks one process draws on the whole batch.
#pragma once
#include <cstdint>
#include <cstring>

namespace ft {

static inline uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline void dropout_forward(const float* X, float* M, float* Y, long n, float rate, uint64_t seed,
                                   uint64_t counter, int layer, uint64_t first, int training, int threads) {
    if (!training) {
        if (Y != X) std::memcpy(Y, X, sizeof(float) * n);
        return;
    }
    const uint64_t base = splitmix64(seed ^ splitmix64(counter * 256 + (uint64_t) layer));
    const float keep = 1.0f / (1.0f - rate);
#pragma omp parallel for simd num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) {
        const float u = (float) (splitmix64(base + first + (uint64_t) i) >> 40) * (1.0f / 16777216.0f);
        const float m = u < rate ? 0.0f : keep;
        M[i] = m;
        Y[i] = X[i] * m;
    }
}

static inline void dropout_backward(const float* dY, const float* M, float* dX, long n, int threads) {
#pragma omp parallel for simd num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) dX[i] = dY[i] * M[i];
}

}  // namespace ft
