// Normalisation layers (PyTorch's nn.LayerNorm over a whole sample, nn.BatchNorm1d/2d per channel).
//
// Both compute z = gamma * xhat + beta, xhat = (x - mean) * rstd, rstd = 1 / sqrt(var + eps) with the biased
// variance, then y = act(z). Means and variances are summed in double (two passes: no cancellation) and rounded
// once, so a row of a million elements normalises as exactly as a row of ten. The forward saves mean and rstd per
// normalised group in `stats` for the backward, which recomputes xhat from x instead of storing it.
//
// Parameter block P = gamma[n] then beta[n] (n = features for LayerNorm, channels for BatchNorm); the gradient
// block G the same. Batch norm's input is [B, C, S]: S = H * W for an image, 1 for a flat input.
#pragma once
#include <cmath>
#include "activation.h"

namespace ft {

// ---- layer norm: one group per sample, over its F features ----

static inline void layer_norm_forward(const float* X, const float* P, float* stats, float* Z, float* Y, int B, int F,
                                      float eps, int act, float slope, int threads) {
    const float* gamma = P;
    const float* beta = P + F;
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * F > 16384) schedule(static)
    for (int b = 0; b < B; b++) {
        const float* x = X + (long) b * F;
        double sum = 0;
        for (int i = 0; i < F; i++) sum += x[i];
        const double mean = sum / F;
        double squares = 0;
        for (int i = 0; i < F; i++) squares += (x[i] - mean) * (x[i] - mean);
        const float m = (float) mean, rstd = (float) (1.0 / std::sqrt(squares / F + eps));
        stats[2 * b] = m;
        stats[2 * b + 1] = rstd;
        float* z = Z + (long) b * F;
        float* y = Y + (long) b * F;
        for (int i = 0; i < F; i++) {
            const float v = gamma[i] * ((x[i] - m) * rstd) + beta[i];
            z[i] = v;
            y[i] = act_apply(act, v, slope);
        }
    }
}

// dz: d loss / d z [B, F]. G = [sum_b dz * xhat | sum_b dz]; dx (unless null) =
// rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) with dxhat = dz * gamma, per sample.
static inline void layer_norm_backward(const float* dZ, const float* X, const float* P, const float* stats, float* G,
                                       float* dX, int B, int F, int threads) {
    const float* gamma = P;
    const bool parallel = threads > 1 && (long) B * F > 16384;
#pragma omp parallel for num_threads(threads) if (parallel) schedule(static)
    for (int i = 0; i < F; i++) {
        double dgamma = 0, dbeta = 0;
        for (int b = 0; b < B; b++) {
            const long at = (long) b * F + i;
            dgamma += (double) dZ[at] * ((X[at] - stats[2 * b]) * stats[2 * b + 1]);
            dbeta += dZ[at];
        }
        G[i] = (float) dgamma;
        G[F + i] = (float) dbeta;
    }
    if (dX == nullptr) return;
#pragma omp parallel for num_threads(threads) if (parallel) schedule(static)
    for (int b = 0; b < B; b++) {
        const float* x = X + (long) b * F;
        const float* dz = dZ + (long) b * F;
        const float m = stats[2 * b], rstd = stats[2 * b + 1];
        double sum = 0, sum_xhat = 0;
        for (int i = 0; i < F; i++) {
            const double d = (double) dz[i] * gamma[i];
            sum += d;
            sum_xhat += d * ((x[i] - m) * rstd);
        }
        const float mean_d = (float) (sum / F), mean_d_xhat = (float) (sum_xhat / F);
        float* dx = dX + (long) b * F;
        for (int i = 0; i < F; i++) {
            const float xhat = (x[i] - m) * rstd;
            dx[i] = rstd * (dz[i] * gamma[i] - mean_d - xhat * mean_d_xhat);
        }
    }
}

// ---- batch norm: one group per channel, over the batch and the channel's S positions ----
//
// One process normalises by its batch's statistics; data-parallel ranks (synchronised batch norm) by the whole
// batch's: each sums its slice (batch_norm_sums), the sums are all-reduced, and batch_norm_apply normalises with
// them; backward likewise (batch_norm_grad_sums, all-reduce, batch_norm_input_grad). Both paths run the same
// per-channel helpers below, so one process and N ranks compute the same values up to the sums' rounding.

namespace bn {
static inline const float* channel(const float* X, int b, int C, int S, int c) {
    return X + ((long) b * C + c) * S;
}
static inline double sum(const float* X, int B, int C, int S, int c) {
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float* x = channel(X, b, C, S, c);
        for (int s = 0; s < S; s++) total += x[s];
    }
    return total;
}
static inline double squares(const float* X, int B, int C, int S, int c, double mean) {
    double total = 0;
    for (int b = 0; b < B; b++) {
        const float* x = channel(X, b, C, S, c);
        for (int s = 0; s < S; s++) total += (x[s] - mean) * (x[s] - mean);
    }
    return total;
}
// The statistics of channel c from its sum and squares over n values: stats (mean, rstd) for backward, the
// running statistics moved by momentum (variance unbiased, as PyTorch); returns rstd.
static inline float record(float* stats, float* R, int C, int c, double mean, double squares, long n, float eps,
                           float momentum) {
    const float rstd = (float) (1.0 / std::sqrt(squares / n + eps));
    stats[2 * c] = (float) mean;
    stats[2 * c + 1] = rstd;
    R[c] = (float) ((1.0 - momentum) * R[c] + (double) momentum * mean);
    R[C + c] = (float) ((1.0 - momentum) * R[C + c] + (double) momentum * (squares / (n - 1)));
    return rstd;
}
static inline void normalise(const float* X, const float* P, float* Z, float* Y, int B, int C, int S, int c, float m,
                             float rstd, int act, float slope) {
    const float scale = P[c] * rstd, shift = P[C + c];
    for (int b = 0; b < B; b++) {
        const long at = ((long) b * C + c) * S;
        for (int s = 0; s < S; s++) {
            const float v = scale * (X[at + s] - m) + shift;
            Z[at + s] = v;
            Y[at + s] = act_apply(act, v, slope);
        }
    }
}
// Σ dz and Σ dz · xhat over channel c's values here.
static inline void grad_sums(const float* dZ, const float* X, int B, int C, int S, int c, float m, float rstd,
                             double* sum, double* sum_xhat) {
    double total = 0, total_xhat = 0;
    for (int b = 0; b < B; b++) {
        const long at = ((long) b * C + c) * S;
        for (int s = 0; s < S; s++) {
            total += dZ[at + s];
            total_xhat += (double) dZ[at + s] * ((X[at + s] - m) * rstd);
        }
    }
    *sum = total;
    *sum_xhat = total_xhat;
}
// dx = gamma · rstd · (dz - Σdz / n - xhat · Σ(dz · xhat) / n), the sums over all n values of the channel.
static inline void input_grad(const float* dZ, const float* X, const float* P, float* dX, int B, int C, int S, int c,
                              float m, float rstd, double sum, double sum_xhat, long n) {
    const float mean_d = (float) (sum / n), mean_d_xhat = (float) (sum_xhat / n), scale = P[c] * rstd;
    for (int b = 0; b < B; b++) {
        const long at = ((long) b * C + c) * S;
        for (int s = 0; s < S; s++) {
            const float xhat = (X[at + s] - m) * rstd;
            dX[at + s] = scale * (dZ[at + s] - mean_d - xhat * mean_d_xhat);
        }
    }
}
}  // namespace bn

// Training: batch statistics into stats (mean, rstd per channel) and the running statistics R = mean[C] then
// var[C] moved by momentum (the variance unbiased, n / (n - 1), as PyTorch; n = B * S > 1, checked by the caller).
// Inference: the running statistics normalise and neither stats nor R change.
static inline void batch_norm_forward(const float* X, const float* P, float* stats, float* R, float* Z, float* Y,
                                      int B, int C, int S, float eps, float momentum, int training, int act,
                                      float slope, int threads) {
    const long n = (long) B * S;
#pragma omp parallel for num_threads(threads) if (threads > 1 && n * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        float m, rstd;
        if (training) {
            const double mean = bn::sum(X, B, C, S, c) / n;
            rstd = bn::record(stats, R, C, c, mean, bn::squares(X, B, C, S, c, mean), n, eps, momentum);
            m = (float) mean;
        } else {
            m = R[c];
            rstd = (float) (1.0 / std::sqrt((double) R[C + c] + eps));
        }
        bn::normalise(X, P, Z, Y, B, C, S, c, m, rstd, act, slope);
    }
}

// Backward of a training forward (its stats): G = [sum dz * xhat | sum dz] per channel; dx (unless null) =
// gamma * rstd * (dz - mean(dz) - xhat * mean(dz * xhat)) over the channel's n = B * S values.
static inline void batch_norm_backward(const float* dZ, const float* X, const float* P, const float* stats, float* G,
                                       float* dX, int B, int C, int S, int threads) {
    const long n = (long) B * S;
#pragma omp parallel for num_threads(threads) if (threads > 1 && n * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        const float m = stats[2 * c], rstd = stats[2 * c + 1];
        double sum, sum_xhat;
        bn::grad_sums(dZ, X, B, C, S, c, m, rstd, &sum, &sum_xhat);
        G[c] = (float) sum_xhat;
        G[C + c] = (float) sum;
        if (dX != nullptr) bn::input_grad(dZ, X, P, dX, B, C, S, c, m, rstd, sum, sum_xhat, n);
    }
}

// Synchronised batch norm, step 1 and 2 of the forward: out[c] = this slice's Σ x (sums == null), or its
// Σ (x - mean)² with mean = sums[c] / n_total (the all-reduced sums of step 1).
static inline void batch_norm_sums(const float* X, const float* sums, long n_total, float* out, int B, int C, int S,
                                   int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * S * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        out[c] = sums == nullptr ? (float) bn::sum(X, B, C, S, c)
                                 : (float) bn::squares(X, B, C, S, c, (double) sums[c] / n_total);
    }
}

// Step 3: the whole batch's statistics from the all-reduced sums and squares over n_total values.
static inline void batch_norm_apply(const float* X, const float* P, const float* sums, const float* squares,
                                    long n_total, float* stats, float* R, float* Z, float* Y, int B, int C, int S,
                                    float eps, float momentum, int act, float slope, int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * S * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        const double mean = (double) sums[c] / n_total;
        const float rstd = bn::record(stats, R, C, c, mean, (double) squares[c], n_total, eps, momentum);
        bn::normalise(X, P, Z, Y, B, C, S, c, (float) mean, rstd, act, slope);
    }
}

// Backward, step 1: G = this slice's [Σ dz · xhat | Σ dz] (its share of the parameter gradient, which the
// buckets reduce like any other, and the sums the input gradient needs once all-reduced).
static inline void batch_norm_grad_sums(const float* dZ, const float* X, const float* stats, float* G, int B, int C,
                                        int S, int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * S * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        double sum, sum_xhat;
        bn::grad_sums(dZ, X, B, C, S, c, stats[2 * c], stats[2 * c + 1], &sum, &sum_xhat);
        G[c] = (float) sum_xhat;
        G[C + c] = (float) sum;
    }
}

// Backward, step 2: dx from the whole batch's sums (all-reduced G, [Σ dz · xhat | Σ dz]) over n_total values.
static inline void batch_norm_input_grad(const float* dZ, const float* X, const float* P, const float* stats,
                                         const float* sums, long n_total, float* dX, int B, int C, int S, int threads) {
#pragma omp parallel for num_threads(threads) if (threads > 1 && (long) B * S * C > 16384) schedule(static)
    for (int c = 0; c < C; c++) {
        bn::input_grad(dZ, X, P, dX, B, C, S, c, stats[2 * c], stats[2 * c + 1], sums[C + c], sums[c], n_total);
    }
}

}  // namespace ft
