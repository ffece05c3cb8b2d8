// Dense-layer and matmul kernels for SSE2, the x86-64 baseline. The only nn file built with -msse2.
#include "nn/kernels/dense.hpp"
#include "nn/kernels/matmul.hpp"

namespace simdnorm::nn::kernels {
DenseKernels dense_sse2_table() {
  return make_dense_table<xsimd::sse2>("sse2");
}
MatmulKernels matmul_sse2_table() {
  return make_matmul_table<xsimd::sse2>("sse2");
}
}  // namespace simdnorm::nn::kernels
