// Flush-to-zero for the CPU kernels.
//
// On x86 an operation on a subnormal float (|x| < 1.18e-38) takes a microcode assist that costs
// about a hundred cycles. A model that fits its data drives its gradients, and Adam's second
// moments (squares of the gradients), into that range, and then every matrix product and update
// slows down: an MLP 784-3x1024-10 with Adam on a memorised batch of 128 went from about 30 to
// about 180 ms per step (docs/perf-log.md). So the kernels run with FTZ and DAZ set: subnormal
// results and inputs count as zero, as in TensorFlow's CPU kernels. The update rules do not
// change, only what happens below 1.18e-38: Adam's sqrt(v) + eps is eps there in any case.
//
// Java's own float arithmetic must keep subnormals (JLS 4.2.3). So every entry point saves the
// caller's MXCSR and restores it on return (FT_KERNEL_ENTRY). OpenMP's worker threads run no Java
// code: each one takes the current mode when it enters a matrix product, and keeps it
// (FT_WORKER_MODE). ft_set_flush_denormals(0) turns all of this off.
#pragma once
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FT_HAVE_MXCSR 1
#endif

namespace ft {

inline int& flush_denormals_mode() {
    static int mode = 1;  // 1: FTZ | DAZ in the kernels, 0: IEEE subnormals
    return mode;
}

#ifdef FT_HAVE_MXCSR
constexpr unsigned kFlushBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)

// Sets this thread's MXCSR to the current mode; RAII restores the caller's on scope exit.
struct KernelFloatMode {
    unsigned saved;
    KernelFloatMode() : saved(_mm_getcsr()) {
        const unsigned want = flush_denormals_mode() ? (saved | kFlushBits) : (saved & ~kFlushBits);
        if (want != saved) _mm_setcsr(want);
    }
    ~KernelFloatMode() {
        if (_mm_getcsr() != saved) _mm_setcsr(saved);
    }
    KernelFloatMode(const KernelFloatMode&) = delete;
    KernelFloatMode& operator=(const KernelFloatMode&) = delete;
};

// A worker thread (never the caller's: its mode is restored by KernelFloatMode) takes the current mode.
inline void worker_float_mode() {
    const unsigned now = _mm_getcsr();
    const unsigned want = flush_denormals_mode() ? (now | kFlushBits) : (now & ~kFlushBits);
    if (want != now) _mm_setcsr(want);
}
#else
struct KernelFloatMode {};
inline void worker_float_mode() {}
#endif

}  // namespace ft

#define FT_KERNEL_ENTRY ft::KernelFloatMode ft_kernel_float_mode_
#define FT_WORKER_MODE ft::worker_float_mode()
