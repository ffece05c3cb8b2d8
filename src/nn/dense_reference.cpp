// The dense products in plain loops with double accumulation: the definition the SIMD kernels
// are tested against, and the "scalar" ISA's implementation.
#include "nn/dense_kernels.hpp"

namespace simdnorm::nn::kernels {
namespace {

void forward(const float* x, std::size_t n, std::size_t in, const float* wt, const float* b,
             std::size_t out, float* y) {
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t o = 0; o < out; ++o) {
      double acc = b ? b[o] : 0.0;
      for (std::size_t i = 0; i < in; ++i) acc += double(x[r * in + i]) * wt[i * out + o];
      y[r * out + o] = float(acc);
    }
}

void grad_weight(const float* x, const float* dy, std::size_t n, std::size_t in, std::size_t out,
                 float* dwt, float* db) {
  for (std::size_t o = 0; o < out; ++o) {
    for (std::size_t i = 0; i < in; ++i) {
      double acc = 0;
      for (std::size_t r = 0; r < n; ++r) acc += double(x[r * in + i]) * dy[r * out + o];
      dwt[i * out + o] = float(acc);
    }
    double acc = 0;
    for (std::size_t r = 0; r < n; ++r) acc += dy[r * out + o];
    db[o] = float(acc);
  }
}

void grad_input(const float* dy, std::size_t n, std::size_t out, const float* wt, std::size_t in,
                float* dx) {
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t i = 0; i < in; ++i) {
      double acc = 0;
      for (std::size_t o = 0; o < out; ++o) acc += double(dy[r * out + o]) * wt[i * out + o];
      dx[r * in + i] = float(acc);
    }
}

}  // namespace

template <>
DenseKernels dense_table<arch::Isa::scalar>() {
  return {arch::name(arch::Isa::scalar), forward, grad_weight, grad_input};
}

}  // namespace simdnorm::nn::kernels
