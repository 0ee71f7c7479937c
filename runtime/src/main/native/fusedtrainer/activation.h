// Element-wise activations (PyTorch definitions). act_apply and act_derivative are FT_HOST_DEVICE:
// the CUDA kernels (cuda_kernels.cu) call the same definitions. Forward writes both the pre-activation z and
// the output y so that backward can use whichever its derivative needs; backward turns dy into
// dz in place.
#pragma once
#include <cmath>
#include "portable.h"

namespace ft {

enum ActKind { ACT_IDENTITY = 0, ACT_RELU, ACT_LEAKY_RELU, ACT_TANH, ACT_SIGMOID, ACT_GELU };

FT_HOST_DEVICE static inline float act_apply(int kind, float z, float slope) {
    switch (kind) {
    case ACT_RELU: return z > 0.0f ? z : 0.0f;
    case ACT_LEAKY_RELU: return z > 0.0f ? z : slope * z;
    case ACT_TANH: return ft_tanh(z);
    case ACT_SIGMOID: return 1.0f / (1.0f + ft_exp(-z));
    case ACT_GELU: return 0.5f * z * (1.0f + ft_erf(z * 0.70710678118654752f));
    default: return z;
    }
}

// d act / d z at z (with y = act(z) where that is cheaper).
FT_HOST_DEVICE static inline float act_derivative(int kind, float z, float y, float slope) {
    switch (kind) {
    case ACT_RELU: return z > 0.0f ? 1.0f : 0.0f;
    case ACT_LEAKY_RELU: return z > 0.0f ? 1.0f : slope;
    case ACT_TANH: return 1.0f - y * y;
    case ACT_SIGMOID: return y * (1.0f - y);
    case ACT_GELU: {
        const float cdf = 0.5f * (1.0f + ft_erf(z * 0.70710678118654752f));
        const float pdf = 0.39894228040143268f * ft_exp(-0.5f * z * z);
        return cdf + z * pdf;
    }
    default: return 1.0f;
    }
}

// z[n] += bias (broadcast over rows of width `cols`), then y = act(z).
// z: [rows, cols]; bias: [cols]; y: [rows, cols] (may equal z for IDENTITY).
static inline void bias_activation_forward(int kind, float slope, const float* bias, float* z, float* y,
                                           long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        float* zr = z + r * cols;
        float* yr = y + r * cols;
        for (long c = 0; c < cols; c++) {
            const float v = zr[c] + bias[c];
            zr[c] = v;
            yr[c] = act_apply(kind, v, slope);
        }
    }
}

// dy[n] := dy[n] * act'(z[n]).
static inline void activation_backward(int kind, float slope, const float* z, const float* y, float* dy, long n) {
    if (kind == ACT_IDENTITY) return;
    if (kind == ACT_RELU) {
        for (long i = 0; i < n; i++) dy[i] = z[i] > 0.0f ? dy[i] : 0.0f;
        return;
    }
    for (long i = 0; i < n; i++) dy[i] *= act_derivative(kind, z[i], y[i], slope);
}

}  // namespace ft
