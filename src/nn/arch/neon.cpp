// Dense-layer and matmul kernels for aarch64, where NEON is the baseline: no extra flags.
#include "nn/kernels/dense.hpp"
#include "nn/kernels/matmul.hpp"

namespace simdnorm::nn::kernels {
DenseKernels dense_neon_table() {
  return make_dense_table<xsimd::neon64>("neon");
}
MatmulKernels matmul_neon_table() {
  return make_matmul_table<xsimd::neon64>("neon");
}
}  // namespace simdnorm::nn::kernels
