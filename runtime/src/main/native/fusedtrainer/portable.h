// What lets one function body serve both the CPU build (g++) and the CUDA build (nvcc):
// FT_HOST_DEVICE marks functions callable from host and device code, and the ft_* math wrappers
// call std:: on the host (exactly what the CPU kernels always called, so CPU results stay
// bit-identical) and CUDA's math library (sqrtf, expf, ...) on the device.
#pragma once
#include <cmath>

#ifdef __CUDACC__
#define FT_HOST_DEVICE __host__ __device__
#else
#define FT_HOST_DEVICE
#endif

namespace ft {

FT_HOST_DEVICE inline float ft_sqrt(float x) {
#ifdef __CUDA_ARCH__
    return sqrtf(x);
#else
    return std::sqrt(x);
#endif
}

FT_HOST_DEVICE inline float ft_exp(float x) {
#ifdef __CUDA_ARCH__
    return expf(x);
#else
    return std::exp(x);
#endif
}

FT_HOST_DEVICE inline float ft_tanh(float x) {
#ifdef __CUDA_ARCH__
    return tanhf(x);
#else
    return std::tanh(x);
#endif
}

FT_HOST_DEVICE inline float ft_erf(float x) {
#ifdef __CUDA_ARCH__
    return erff(x);
#else
    return std::erf(x);
#endif
}

// std::max's definition, (a < b) ? b : a, so that NaN and signed-zero cases match the CPU's.
FT_HOST_DEVICE inline float ft_max(float a, float b) { return (a < b) ? b : a; }
FT_HOST_DEVICE inline float ft_min(float a, float b) { return (b < a) ? b : a; }  // std::min's
FT_HOST_DEVICE inline float ft_abs(float x) { return x < 0.0f ? -x : x; }

}  // namespace ft
