// Dense-layer and matmul kernels for AVX2 + FMA3 (so xsimd::fma is one instruction). Built with
// -mavx2 -mfma.
#include "nn/kernels/dense.hpp"
#include "nn/kernels/matmul.hpp"

namespace simdnorm::nn::kernels {
DenseKernels dense_avx2_table() {
  return make_dense_table<xsimd::fma3<xsimd::avx2>>("avx2");
}
MatmulKernels matmul_avx2_table() {
  return make_matmul_table<xsimd::fma3<xsimd::avx2>>("avx2");
}
}  // namespace simdnorm::nn::kernels
