// Layer-wise update rules: LAMB and LARS scale each parameter tensor's update by a trust ratio of norms
// over the whole tensor ("layer-wise adaptation"; a layer's weight and its bias are separate tensors, as in
// the reference implementations). Per-layer fusion suits them: the layer's whole gradient exists when its
// update runs. Two passes over the tensor: the norms (in double), then the update; LAMB's second pass
// recomputes u from the moments the first pass stored, with the same float operations, so u is not kept.
// Per-value clipping (HP_CLIP_VALUE) clamps each gradient element as both passes read it.
#pragma once
#include <cmath>
#include "optim.h"

namespace ft {

static inline float clipped(float g, float clip) {
    return clip > 0 ? ft_min(ft_max(g, -clip), clip) : g;
}

// LAMB (You et al., 2020, Algorithm 2) on one tensor. State: s0 = m, s1 = v.
static inline void lamb_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1, long n,
                               int threads) {
    const float clip = (float) hp[HP_CLIP_VALUE];
    const float b1 = (float) hp[HP_BETA1], b2 = (float) hp[HP_BETA2], eps = (float) hp[HP_EPS];
    const float wd = (float) hp[HP_WEIGHT_DECAY];
    const float inv_bc1 = (float) (1.0 / (1.0 - std::pow(hp[HP_BETA1], (double) step)));
    const float bc2_sqrt = (float) std::sqrt(1.0 - std::pow(hp[HP_BETA2], (double) step));
    const auto update_of = [&](long i) {  // u from the stored moments and the current weight
        return (S0[i] * inv_bc1) / (ft_sqrt(S1[i]) / bc2_sqrt + eps) + wd * P[i];
    };
    double weights = 0, updates = 0;
#pragma omp parallel for reduction(+ : weights, updates) num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) {
        const float g = clipped(G[i], clip);
        S0[i] = b1 * S0[i] + (1.0f - b1) * g;
        S1[i] = b2 * S1[i] + (1.0f - b2) * (g * g);
        const float u = update_of(i);
        weights += (double) P[i] * P[i];
        updates += (double) u * u;
    }
    const double ratio = weights > 0 && updates > 0 ? std::sqrt(weights) / std::sqrt(updates) : 1.0;
    const float step_size = (float) (hp[HP_LR] * ratio);
#pragma omp parallel for num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) {
        P[i] = P[i] - step_size * update_of(i);
    }
}

// LARS (You, Gitman, Ginsburg, 2017; timm's Lars) on one tensor: SGD with momentum on the gradient plus decay,
// scaled by trust · ‖w‖ / (‖g‖ + wd · ‖w‖ + eps). State: s0 = momentum buffer.
static inline void lars_update(const double* hp, long step, float* P, const float* G, float* S0, long n, int threads) {
    const float clip = (float) hp[HP_CLIP_VALUE];
    double weights = 0, gradients = 0;
#pragma omp parallel for reduction(+ : weights, gradients) num_threads(threads) if (n > 65536 && threads > 1)
    for (long i = 0; i < n; i++) {
        const float g = clipped(G[i], clip);
        weights += (double) P[i] * P[i];
        gradients += (double) g * g;
    }
    const double w_norm = std::sqrt(weights), g_norm = std::sqrt(gradients), wd = hp[HP_WEIGHT_DECAY];
    const double ratio = weights > 0 && gradients > 0
            ? hp[HP_TRUST_COEFFICIENT] * w_norm / (g_norm + wd * w_norm + hp[HP_EPS]) : 1.0;
    // SGD's rule on ratio · g with decay ratio · wd: d = ratio · (g + wd · w), then the momentum buffer
    const float r = (float) ratio, mom = (float) hp[HP_MOMENTUM];
    const auto run = [&](const auto& rule) {
#pragma omp parallel for num_threads(threads) if (n > 65536 && threads > 1)
        for (long i = 0; i < n; i++) rule(i, P, r * clipped(G[i], clip), S0, nullptr, nullptr);
    };
    const float lr = (float) hp[HP_LR], decay = (float) (ratio * wd);
    if (mom == 0.0f) run(SgdRule<false, false>{lr, decay, mom, 1.0f});
    else if (hp[HP_NESTEROV] != 0) run(SgdRule<true, true>{lr, decay, mom, 1.0f});
    else run(SgdRule<true, false>{lr, decay, mom, 1.0f});
}

// One tensor of n elements under a layer-wise rule.
static inline void layerwise_update(const double* hp, long step, float* P, const float* G, float* S0, float* S1,
                                    long n, int threads) {
    if ((int) hp[HP_KIND] == OPT_LAMB) lamb_update(hp, step, P, G, S0, S1, n, threads);
    else lars_update(hp, step, P, G, S0, n, threads);
}

}  // namespace ft
