// Losses fused with their gradient: one pass computes the mean loss over the batch and writes
// d loss / d output, already divided by the batch (PyTorch's reduction='mean').
#pragma once
#include <cmath>
#include <algorithm>

namespace ft {

// logits: [B, C]; labels: [B] in [0, C); dlogits: [B, C] (may be null in evaluation).
// Returns the mean cross-entropy; counts correct argmax predictions into *correct if non-null.
static inline double softmax_cross_entropy(const float* logits, const int* labels, float* dlogits,
                                           long B, long C, long* correct) {
    double total = 0.0;
    long hits = 0;
    const float inv_b = 1.0f / (float) B;
    for (long b = 0; b < B; b++) {
        const float* z = logits + b * C;
        long arg = 0;
        float mx = z[0];
        for (long c = 1; c < C; c++) if (z[c] > mx) { mx = z[c]; arg = c; }
        double sum = 0.0;
        for (long c = 0; c < C; c++) sum += std::exp((double) (z[c] - mx));
        const double log_sum = std::log(sum);
        const int y = labels[b];
        total += log_sum - (double) (z[y] - mx);
        if (arg == y) hits++;
        if (dlogits) {
            float* d = dlogits + b * C;
            for (long c = 0; c < C; c++) d[c] = (float) (std::exp((double) (z[c] - mx) - log_sum)) * inv_b;
            d[y] -= inv_b;
        }
    }
    if (correct) *correct = hits;
    return total / (double) B;
}

// Mean over all n elements of (y - t)^2; dy = 2 (y - t) / n.
static inline double mean_squared_error(const float* y, const float* t, float* dy, long n) {
    double total = 0.0;
    const float scale = 2.0f / (float) n;
    for (long i = 0; i < n; i++) {
        const float d = y[i] - t[i];
        total += (double) d * d;
        if (dy) dy[i] = scale * d;
    }
    return total / (double) n;
}

// Mean over all n elements of BCE(sigmoid(z), t) in the stable form
// max(z, 0) - z t + log(1 + exp(-|z|)); dz = (sigmoid(z) - t) / n.
static inline double binary_cross_entropy_with_logits(const float* z, const float* t, float* dz, long n,
                                                      long* correct) {
    double total = 0.0;
    long hits = 0;
    const float inv_n = 1.0f / (float) n;
    for (long i = 0; i < n; i++) {
        const double zi = z[i], ti = t[i];
        total += std::max(zi, 0.0) - zi * ti + std::log1p(std::exp(-std::fabs(zi)));
        if ((zi > 0.0) == (ti > 0.5)) hits++;
        if (dz) dz[i] = (float) ((1.0 / (1.0 + std::exp(-zi)) - ti)) * inv_n;
    }
    if (correct) *correct = hits;
    return total / (double) n;
}

}  // namespace ft
