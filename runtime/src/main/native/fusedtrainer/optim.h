// Optimizer update rules, written once.
//
// Each rule is a small functor applied per element: `rule(i, p, g, s0, s1, s2)` updates the
// parameter p[i] from its gradient g and the rule's state slots s0..s2 (null where unused). The
// unfused pass (`optim_update`) and every fused kernel (dense.h) call the same functor, so the
// mathematics lives in exactly one place. Rules follow torch.optim (PyTorch 1.13, single-tensor
// path) operation by operation, including its quirks (SGD's first momentum step copies the
// gradient; Adagrad's initial accumulator), so trajectories match PyTorch to float rounding.
//
// The rules are FT_HOST_DEVICE (portable.h): the CUDA build (cuda_kernels.cu) launches the same
// functors from its element-wise update kernel, and with_rule stays the single dispatch for both.
//
// Hyper-parameters arrive as a double block laid out by OptimSlots below (written by the Java
// side, dev.fusedtrainer.runtime.OptimizerConfig); per-step scalars (bias corrections, decayed
// learning rate) are derived once per call in double precision.
#pragma once
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <type_traits>
#include "portable.h"

namespace ft {

// Layout of the hyper-parameter block; keep in sync with OptimizerConfig.java.
enum OptimSlots {
    HP_KIND = 0, HP_LR, HP_WEIGHT_DECAY, HP_MOMENTUM, HP_DAMPENING, HP_NESTEROV, HP_BETA1,
    HP_BETA2, HP_EPS, HP_AMSGRAD, HP_ALPHA, HP_CENTERED, HP_LR_DECAY, HP_INITIAL_ACC, HP_CLIP_VALUE,
    HP_MOMENTUM_DECAY, HP_TRUST_COEFFICIENT, HP_BIAS_WEIGHT_DECAY, HP_SIZE
};
enum OptimKind { OPT_SGD = 0, OPT_ADAM = 1, OPT_ADAMW = 2, OPT_RMSPROP = 3, OPT_ADAGRAD = 4, OPT_ADAMAX = 5,
                 OPT_NADAM = 6, OPT_LAMB = 7, OPT_LARS = 8 };

// Weight-decay exclusions (@Layer(decay = WEIGHTS_ONLY)): a layer's biases (normalisation β) decay by
// HP_BIAS_WEIGHT_DECAY, 0 when excluded, its weights by HP_WEIGHT_DECAY. bias_hyper is the block the bias
// update sites read; equal to hp unless the layer excludes its biases.
struct HyperBlock {
    double v[HP_SIZE];
};
inline HyperBlock bias_hyper(const double* hp) {
    HyperBlock block;
    for (int i = 0; i < HP_SIZE; i++) block.v[i] = hp[i];
    block.v[HP_WEIGHT_DECAY] = hp[HP_BIAS_WEIGHT_DECAY];
    return block;
}
inline bool bias_decay_differs(const double* hp) {
    return hp[HP_BIAS_WEIGHT_DECAY] != hp[HP_WEIGHT_DECAY];
}

// LAMB and LARS scale each tensor's update by a ratio of norms over the whole tensor, so they are not
// element-wise rules: layerwise.h applies them in two passes, and with_rule never sees them.
inline bool layerwise_kind(const double* hp) {
    const int kind = (int) hp[HP_KIND];
    return kind == OPT_LAMB || kind == OPT_LARS;
}

// SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD).
// State: s0 = momentum buffer.
template <bool MOMENTUM, bool NESTEROV>
struct SgdRule {
    float lr, wd, momentum, keep;  // keep = 1 - dampening, or 1 on the first step (buffer = gradient)
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float*, float*) const {
        float d = g + wd * p[i];
        if (MOMENTUM) {
            float buf = momentum * s0[i] + keep * d;
            s0[i] = buf;
            d = NESTEROV ? d + momentum * buf : buf;
        }
        p[i] = p[i] - lr * d;
    }
};

// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019; decoupled decay), with
// AMSGrad (Reddi et al., 2018). State: s0 = first moment, s1 = second moment, s2 = max second moment.
template <bool AMSGRAD, bool DECOUPLED>
struct AdamRule {
    float beta1, beta2, eps, wd, step_size, bc2_sqrt, decay;  // decay = 1 - lr * wd for AdamW
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float* s1, float* s2) const {
        float w = p[i];
        if (DECOUPLED) w = w * decay; else g = g + wd * w;
        float m = beta1 * s0[i] + (1.0f - beta1) * g;
        float v = beta2 * s1[i] + (1.0f - beta2) * (g * g);
        s0[i] = m;
        s1[i] = v;
        if (AMSGRAD) { v = ft_max(s2[i], v); s2[i] = v; }
        float denom = ft_sqrt(v) / bc2_sqrt + eps;
        p[i] = w - step_size * (m / denom);
    }
};

// RMSprop (Hinton's lecture 6e; torch.optim.RMSprop, eps outside the square root).
// State: s0 = squared average, s1 = gradient average (centered), s2 = momentum buffer.
template <bool CENTERED, bool MOMENTUM>
struct RmspropRule {
    float lr, alpha, eps, wd, momentum;
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float* s1, float* s2) const {
        g = g + wd * p[i];
        float sq = alpha * s0[i] + (1.0f - alpha) * (g * g);
        s0[i] = sq;
        float avg;
        if (CENTERED) {
            float ga = alpha * s1[i] + (1.0f - alpha) * g;
            s1[i] = ga;
            avg = ft_sqrt(sq - ga * ga) + eps;
        } else {
            avg = ft_sqrt(sq) + eps;
        }
        if (MOMENTUM) {
            float buf = momentum * s2[i] + g / avg;
            s2[i] = buf;
            p[i] = p[i] - lr * buf;
        } else {
            p[i] = p[i] - lr * (g / avg);
        }
    }
};

// Adagrad (Duchi et al., 2011; torch.optim.Adagrad with lr_decay). State: s0 = squared-gradient sum.
struct AdagradRule {
    float clr, eps, wd;
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float*, float*) const {
        g = g + wd * p[i];
        float sum = s0[i] + g * g;
        s0[i] = sum;
        p[i] = p[i] - clr * (g / (ft_sqrt(sum) + eps));
    }
};

// Adamax (Kingma & Ba, 2015, section 7.1; torch.optim.Adamax): the second moment replaced by an
// exponentially weighted infinity norm. State: s0 = first moment, s1 = infinity norm u.
struct AdamaxRule {
    float beta1, beta2, eps, wd, clr;  // clr = lr / (1 - beta1^t)
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float* s1, float*) const {
        g = g + wd * p[i];
        const float m = beta1 * s0[i] + (1.0f - beta1) * g;
        const float u = ft_max(beta2 * s1[i], ft_abs(g) + eps);
        s0[i] = m;
        s1[i] = u;
        p[i] = p[i] - clr * (m / u);
    }
};

// NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"; torch.optim.NAdam with
// momentum_decay psi): Adam with a Nesterov look-ahead on the first moment, whose coefficient
// mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) warms up over the first updates. State: s0 = first moment,
// s1 = second moment. grad_coef and moment_coef carry lr, mu_t, mu_{t+1} and their products.
struct NadamRule {
    float beta1, beta2, eps, wd, bc2_sqrt, grad_coef, moment_coef;
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float* s1, float*) const {
        g = g + wd * p[i];
        const float m = beta1 * s0[i] + (1.0f - beta1) * g;
        const float v = beta2 * s1[i] + (1.0f - beta2) * (g * g);
        s0[i] = m;
        s1[i] = v;
        const float denom = ft_sqrt(v) / bc2_sqrt + eps;
        p[i] = p[i] - grad_coef * (g / denom) - moment_coef * (m / denom);
    }
};

// NAdam's momentum coefficients at update t: mu_t, mu_{t+1} and the product mu_1 ... mu_t, in double.
// Every mu_k is below beta1 < 1 (and about beta1 / 2 over the first 1 / psi updates), so the product
// falls monotonically and fast; once it is below 1e-20, 1 - product is 1 in double and later factors
// change nothing, so the loop stops there (under 70 iterations for beta1 < 1 and psi = 4e-3).
struct NadamMomentum {
    double mu, mu_next, product;
};
inline NadamMomentum nadam_momentum(double beta1, double psi, long step) {
    const double ratio = std::pow(0.96, psi);  // 0.96^(k psi) = ratio^k
    double power = 1.0, product = 1.0;
    for (long k = 1; k <= step && product >= 1e-20; k++) {
        power *= ratio;
        product *= beta1 * (1.0 - 0.5 * power);
    }
    const auto mu_at = [&](long t) { return beta1 * (1.0 - 0.5 * std::pow(0.96, (double) t * psi)); };
    return {mu_at(step), mu_at(step + 1), product};
}

// Per-value gradient clipping (PyTorch's clip_grad_value_): the gradient clamped to [-clip, clip]
// before the rule reads it. Element-wise, so exact inside every fused kernel, BACKWARD included.
template <class Rule>
struct ClipValue {
    Rule rule;
    float clip;
    FT_HOST_DEVICE inline void operator()(long i, float* p, float g, float* s0, float* s1, float* s2) const {
        rule(i, p, ft_min(ft_max(g, -clip), clip), s0, s1, s2);
    }
};

// Calls f(rule) with the rule for this config and step (1-based count of updates of this
// parameter), so that f's loops are instantiated per rule and carry no branches.
template <class F>
inline void with_rule(const double* hp, long step, F&& f) {
    const float clip = (float) hp[HP_CLIP_VALUE];  // 0: no per-value clipping
    auto emit = [&](const auto& rule) {
        if (clip > 0) f(ClipValue<std::decay_t<decltype(rule)>>{rule, clip});
        else f(rule);
    };
    const float lr = (float) hp[HP_LR], wd = (float) hp[HP_WEIGHT_DECAY];
    switch ((int) hp[HP_KIND]) {
    case OPT_SGD: {
        const float mom = (float) hp[HP_MOMENTUM];
        const float keep = step <= 1 ? 1.0f : (float) (1.0 - hp[HP_DAMPENING]);
        if (mom == 0.0f) { emit(SgdRule<false, false>{lr, wd, mom, keep}); }
        else if (hp[HP_NESTEROV] != 0) { emit(SgdRule<true, true>{lr, wd, mom, keep}); }
        else { emit(SgdRule<true, false>{lr, wd, mom, keep}); }
        break;
    }
    case OPT_ADAM:
    case OPT_ADAMW: {
        const double b1 = hp[HP_BETA1], b2 = hp[HP_BETA2];
        const double bc1 = 1.0 - std::pow(b1, (double) step), bc2 = 1.0 - std::pow(b2, (double) step);
        const bool decoupled = (int) hp[HP_KIND] == OPT_ADAMW;
        const float step_size = (float) (hp[HP_LR] / bc1), bc2_sqrt = (float) std::sqrt(bc2);
        const float decay = (float) (1.0 - hp[HP_LR] * hp[HP_WEIGHT_DECAY]);
        const float eps = (float) hp[HP_EPS];
        const bool ams = hp[HP_AMSGRAD] != 0;
        if (decoupled) {
            if (ams) emit(AdamRule<true, true>{(float) b1, (float) b2, eps, 0.0f, step_size, bc2_sqrt, decay});
            else emit(AdamRule<false, true>{(float) b1, (float) b2, eps, 0.0f, step_size, bc2_sqrt, decay});
        } else {
            if (ams) emit(AdamRule<true, false>{(float) b1, (float) b2, eps, wd, step_size, bc2_sqrt, 1.0f});
            else emit(AdamRule<false, false>{(float) b1, (float) b2, eps, wd, step_size, bc2_sqrt, 1.0f});
        }
        break;
    }
    case OPT_RMSPROP: {
        const float alpha = (float) hp[HP_ALPHA], eps = (float) hp[HP_EPS], mom = (float) hp[HP_MOMENTUM];
        const bool centered = hp[HP_CENTERED] != 0;
        if (centered) {
            if (mom > 0) emit(RmspropRule<true, true>{lr, alpha, eps, wd, mom});
            else emit(RmspropRule<true, false>{lr, alpha, eps, wd, mom});
        } else {
            if (mom > 0) emit(RmspropRule<false, true>{lr, alpha, eps, wd, mom});
            else emit(RmspropRule<false, false>{lr, alpha, eps, wd, mom});
        }
        break;
    }
    case OPT_ADAGRAD: {
        const float clr = (float) (hp[HP_LR] / (1.0 + (double) (step - 1) * hp[HP_LR_DECAY]));
        emit(AdagradRule{clr, (float) hp[HP_EPS], wd});
        break;
    }
    case OPT_ADAMAX: {
        const float clr = (float) (hp[HP_LR] / (1.0 - std::pow(hp[HP_BETA1], (double) step)));
        emit(AdamaxRule{(float) hp[HP_BETA1], (float) hp[HP_BETA2], (float) hp[HP_EPS], wd, clr});
        break;
    }
    case OPT_NADAM: {
        const double b1 = hp[HP_BETA1], b2 = hp[HP_BETA2];
        const NadamMomentum mom = nadam_momentum(b1, hp[HP_MOMENTUM_DECAY], step);
        const double bc2 = 1.0 - std::pow(b2, (double) step);
        const float grad_coef = (float) (hp[HP_LR] * (1.0 - mom.mu) / (1.0 - mom.product));
        const float moment_coef = (float) (hp[HP_LR] * mom.mu_next / (1.0 - mom.product * mom.mu_next));
        emit(NadamRule{(float) b1, (float) b2, (float) hp[HP_EPS], wd, (float) std::sqrt(bc2), grad_coef, moment_coef});
        break;
    }
    default:
        break;  // unreachable: the Java side validates the kind, and layer-wise kinds go to layerwise.h
    }
}

// Applies a rule to n contiguous elements. The loop is a plain counted loop over restrict
// pointers so that GCC vectorises the inlined rule (needs -fno-math-errno for sqrt).
template <class Rule>
inline void apply_rule(const Rule& rule, float* __restrict p, const float* __restrict g,
                       float* __restrict s0, float* __restrict s1, float* __restrict s2, long n) {
#ifndef __CUDACC__
#pragma GCC ivdep
#endif
    for (long i = 0; i < n; i++) rule(i, p, g[i], s0, s1, s2);
}

}  // namespace ft
