// Matrix products on one thread pool.
//
// OpenBLAS from the bytedeco preset is a pthreads build with its own worker pool; the kernels use
// OpenMP. Two pools that both spin on two cores made 2-thread steps 30-90x slower than 1-thread
// steps (measured, docs/kernels.md). So OpenBLAS always runs single-threaded (the trainer sets
// openblas_set_num_threads(1)) and sgemm splits C into disjoint slices across OpenMP threads,
// each slice one single-threaded OpenBLAS call.
#pragma once
#include <cblas.h>
#include "denormals.h"
#include <algorithm>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace ft {

// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, row-major, on up to `threads` threads.
static inline void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                         const float* B, int ldb, float beta, float* C, int ldc, int threads) {
    const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    const double flops = 2.0 * M * N * K;
    const int nt = std::max(1, std::min(threads, (int) (flops / 2.0e5)));  // ~10 µs of work per thread at least
    if (nt == 1 || M <= 0 || N <= 0) {
        cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const bool split_columns = N >= M;
#pragma omp parallel num_threads(nt)
    {
        FT_WORKER_MODE;  // see denormals.h
#ifdef _OPENMP
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
#else
        const int t = 0, n = 1;
#endif
        const int extent = split_columns ? N : M;
        const int per = (extent + n - 1) / n;
        const int a = std::min(extent, t * per), e = std::min(extent, a + per);
        if (a < e) {
            if (split_columns) {  // C[:, a:e] = op(A) · op(B)[:, a:e]
                const float* Bs = trans_b ? B + (long) a * ldb : B + a;
                cblas_sgemm(CblasRowMajor, ta, tb, M, e - a, K, alpha, A, lda, Bs, ldb, beta, C + a, ldc);
            } else {              // C[a:e, :] = op(A)[a:e, :] · op(B)
                const float* As = trans_a ? A + a : A + (long) a * lda;
                cblas_sgemm(CblasRowMajor, ta, tb, e - a, N, K, alpha, As, lda, B, ldb, beta, C + (long) a * ldc, ldc);
            }
        }
    }
}

}  // namespace ft
