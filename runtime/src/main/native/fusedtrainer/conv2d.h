// 2-D convolution y = act(conv(x, W) + b), W[F][C][k][k] then b[F] in one block (PyTorch's nn.Conv2d),
// as im2col + one matrix product per sample: col[C·k·k, OH·OW] holds each output position's input
// window, so conv is W[F, C·k·k] · col and the weight gradient dz · colᵀ. Per sample keeps col small
// enough for L2 (288 x 196 floats for 32 channels of 14x14 at k = 3) instead of one batch-sized copy;
// samples are split across threads, each with its own col and (backward) its own partial gradient.
// A 1x1 kernel with stride 1 and no padding reads x itself as col.
#pragma once
#include <cstdlib>
#include <cstring>
#include <algorithm>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "blas.h"
#include "activation.h"

namespace ft {

static inline int thread_index() {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

// col[(c·k + ky)·k + kx][oy·OW + ox] = x[c][oy·S − P + ky][ox·S − P + kx], 0 outside x.
static inline void im2col(const float* x, float* col, int C, int H, int W, int K, int S, int P, int OH, int OW) {
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < K; ky++) {
            for (int kx = 0; kx < K; kx++) {
                float* row = col + (((long) c * K + ky) * K + kx) * OH * OW;
                for (int oy = 0; oy < OH; oy++) {
                    const int iy = oy * S - P + ky;
                    float* r = row + (long) oy * OW;
                    if (iy < 0 || iy >= H) {
                        std::memset(r, 0, sizeof(float) * OW);
                        continue;
                    }
                    const float* xr = x + ((long) c * H + iy) * W;
                    for (int ox = 0; ox < OW; ox++) {
                        const int ix = ox * S - P + kx;
                        r[ox] = ix >= 0 && ix < W ? xr[ix] : 0.0f;
                    }
                }
            }
        }
    }
}

// The adjoint of im2col: dx[c][iy][ix] += every col entry that copied it.
static inline void col2im_add(const float* col, float* dx, int C, int H, int W, int K, int S, int P, int OH, int OW) {
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < K; ky++) {
            for (int kx = 0; kx < K; kx++) {
                const float* row = col + (((long) c * K + ky) * K + kx) * OH * OW;
                for (int oy = 0; oy < OH; oy++) {
                    const int iy = oy * S - P + ky;
                    if (iy < 0 || iy >= H) continue;
                    const float* r = row + (long) oy * OW;
                    float* dr = dx + ((long) c * H + iy) * W;
                    for (int ox = 0; ox < OW; ox++) {
                        const int ix = ox * S - P + kx;
                        if (ix >= 0 && ix < W) dr[ix] += r[ox];
                    }
                }
            }
        }
    }
}

static inline int conv_out(int size, int K, int S, int P) { return (size + 2 * P - K) / S + 1; }

// Returns 0, or 1 when the scratch could not be allocated (nothing was written).
static inline int conv2d_forward(const float* X, const float* Pm, float* Z, float* Y, int B, int C, int H, int W,
                                 int F, int K, int S, int P, int act, float slope, int threads) {
    const int OH = conv_out(H, K, S, P), OW = conv_out(W, K, S, P);
    const long N = (long) OH * OW, CKK = (long) C * K * K;
    const bool direct = K == 1 && S == 1 && P == 0;
    const int nt = std::max(1, std::min(threads, B));
    float* scratch = direct ? nullptr : (float*) std::malloc(sizeof(float) * CKK * N * nt);
    if (!direct && !scratch) return 1;
    const float* bias = Pm + F * CKK;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int b = 0; b < B; b++) {
        FT_WORKER_MODE;  // see denormals.h
        const float* x = X + (long) b * C * H * W;
        const float* col = x;
        if (!direct) {
            float* own = scratch + thread_index() * CKK * N;
            im2col(x, own, C, H, W, K, S, P, OH, OW);
            col = own;
        }
        float* z = Z + (long) b * F * N;
        float* y = Y + (long) b * F * N;
        sgemm(false, false, F, (int) N, (int) CKK, 1.0f, Pm, (int) CKK, col, (int) N, 0.0f, z, (int) N, 1);
        for (int f = 0; f < F; f++) {
            const float bf = bias[f];
            for (long n = 0; n < N; n++) {
                const float v = z[f * N + n] + bf;
                z[f * N + n] = v;
                y[f * N + n] = act_apply(act, v, slope);
            }
        }
    }
    std::free(scratch);
    return 0;
}

// G = [dW (F·C·k·k) | db (F)] of dZ[B,F,OH,OW] (already through the activation's derivative); dX, unless null,
// the input gradient with the current weights. Returns 0, or 1 when the scratch could not be allocated.
static inline int conv2d_backward(const float* dZ, const float* X, const float* Pm, float* G, float* dX, int B, int C,
                                  int H, int W, int F, int K, int S, int P, int threads) {
    const int OH = conv_out(H, K, S, P), OW = conv_out(W, K, S, P);
    const long N = (long) OH * OW, CKK = (long) C * K * K, count = F * CKK + F;
    const bool direct = K == 1 && S == 1 && P == 0;
    const int nt = std::max(1, std::min(threads, B));
    const long colSize = direct ? 0 : CKK * N;
    const long dcolSize = direct || !dX ? 0 : CKK * N;
    const long perThread = colSize + dcolSize;
    // thread 0 sums into G itself; the others into partial gradients added at the end
    float* scratch = (float*) std::malloc(sizeof(float) * (perThread * nt + count * (nt - 1) + 1));
    if (!scratch) return 1;
    std::memset(G, 0, sizeof(float) * count);
    std::memset(scratch + perThread * nt, 0, sizeof(float) * count * (nt - 1));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int b = 0; b < B; b++) {
        FT_WORKER_MODE;  // see denormals.h
        const int t = thread_index();
        float* mine = scratch + t * perThread;
        float* g = t == 0 ? G : scratch + perThread * nt + (t - 1) * count;
        const float* x = X + (long) b * C * H * W;
        const float* dz = dZ + (long) b * F * N;
        const float* col = x;
        if (!direct) {
            im2col(x, mine, C, H, W, K, S, P, OH, OW);
            col = mine;
        }
        sgemm(false, true, F, (int) CKK, (int) N, 1.0f, dz, (int) N, col, (int) N, 1.0f, g, (int) CKK, 1);
        float* gb = g + F * CKK;
        for (int f = 0; f < F; f++) {
            float sum = 0.0f;
            for (long n = 0; n < N; n++) sum += dz[f * N + n];
            gb[f] += sum;
        }
        if (dX) {
            float* dx = dX + (long) b * C * H * W;
            if (direct) {
                sgemm(true, false, (int) CKK, (int) N, F, 1.0f, Pm, (int) CKK, dz, (int) N, 0.0f, dx, (int) N, 1);
            } else {
                float* dcol = mine + colSize;
                sgemm(true, false, (int) CKK, (int) N, F, 1.0f, Pm, (int) CKK, dz, (int) N, 0.0f, dcol, (int) N, 1);
                std::memset(dx, 0, sizeof(float) * C * H * W);
                col2im_add(dcol, dx, C, H, W, K, S, P, OH, OW);
            }
        }
    }
    for (int t = 1; t < nt; t++) {
        const float* part = scratch + perThread * nt + (t - 1) * count;
        for (long i = 0; i < count; i++) G[i] += part[i];
    }
    std::free(scratch);
    return 0;
}

}  // namespace ft
