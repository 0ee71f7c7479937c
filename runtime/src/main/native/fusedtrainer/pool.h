// 2-D max and average pooling (PyTorch's nn.MaxPool2d / nn.AvgPool2d with their defaults): padded cells
// never win a max and count as zeros in an average (count_include_pad). Each (sample, channel) plane is
// independent, so threads split the planes. Max backward recomputes each window's winner from x (the
// first largest, NaN winning, as PyTorch) instead of storing indices.
#pragma once
#include <cmath>
#include <cstring>
#include "conv2d.h"

namespace ft {

static inline void pool2d_forward(int max, const float* X, float* Y, int B, int C, int H, int W, int K, int S, int P,
                                  int threads) {
    const int OH = conv_out(H, K, S, P), OW = conv_out(W, K, S, P);
    const long planes = (long) B * C;
    const float inv = 1.0f / (K * K);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (long plane = 0; plane < planes; plane++) {
        const float* x = X + plane * H * W;
        float* y = Y + plane * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            const int y0 = oy * S - P, y1 = std::min(y0 + K, H);
            for (int ox = 0; ox < OW; ox++) {
                const int x0 = ox * S - P, x1 = std::min(x0 + K, W);
                float acc = max ? -INFINITY : 0.0f;
                for (int iy = std::max(y0, 0); iy < y1; iy++) {
                    for (int ix = std::max(x0, 0); ix < x1; ix++) {
                        const float v = x[(long) iy * W + ix];
                        if (!max) acc += v;
                        else if (v > acc || std::isnan(v)) acc = v;
                    }
                }
                y[(long) oy * OW + ox] = max ? acc : acc * inv;
            }
        }
    }
}

static inline void pool2d_backward(int max, const float* dY, const float* X, float* dX, int B, int C, int H, int W,
                                   int K, int S, int P, int threads) {
    const int OH = conv_out(H, K, S, P), OW = conv_out(W, K, S, P);
    const long planes = (long) B * C;
    const float inv = 1.0f / (K * K);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (long plane = 0; plane < planes; plane++) {
        const float* x = X + plane * H * W;
        const float* dy = dY + plane * OH * OW;
        float* dx = dX + plane * H * W;
        std::memset(dx, 0, sizeof(float) * H * W);
        for (int oy = 0; oy < OH; oy++) {
            const int y0 = oy * S - P, y1 = std::min(y0 + K, H);
            for (int ox = 0; ox < OW; ox++) {
                const int x0 = ox * S - P, x1 = std::min(x0 + K, W);
                const float d = dy[(long) oy * OW + ox];
                if (!max) {
                    for (int iy = std::max(y0, 0); iy < y1; iy++)
                        for (int ix = std::max(x0, 0); ix < x1; ix++) dx[(long) iy * W + ix] += d * inv;
                    continue;
                }
                long winner = -1;
                float best = -INFINITY;
                for (int iy = std::max(y0, 0); iy < y1; iy++) {
                    for (int ix = std::max(x0, 0); ix < x1; ix++) {
                        const float v = x[(long) iy * W + ix];
                        if (winner < 0 || v > best || std::isnan(v)) {  // the forward pass's predicate
                            best = v;
                            winner = (long) iy * W + ix;
                        }
                    }
                }
                dx[winner] += d;
            }
        }
    }
}

}  // namespace ft
