// Dense-layer and matmul kernels for AVX-512F, built with src/arch/avx512.cpp's flags (xsimd 8.1
// needs DQ).
#include "nn/kernels/dense.hpp"
#include "nn/kernels/matmul.hpp"

namespace simdnorm::nn::kernels {
DenseKernels dense_avx512_table() {
  return make_dense_table<xsimd::avx512f>("avx512");
}
MatmulKernels matmul_avx512_table() {
  return make_matmul_table<xsimd::avx512f>("avx512");
}
}  // namespace simdnorm::nn::kernels
