// Dense-layer and matmul kernels for wasm SIMD128: xsimd 8.1's SSE4.1 path built with
// -msimd128 -msse4.1, which Emscripten lowers to SIMD128 (as src/arch/wasm_simd128.cpp does).
#include "nn/kernels/dense.hpp"
#include "nn/kernels/matmul.hpp"

namespace simdnorm::nn::kernels {
DenseKernels dense_wasm_simd128_table() {
  return make_dense_table<xsimd::sse4_1>("wasm-simd128");
}
MatmulKernels matmul_wasm_simd128_table() {
  return make_matmul_table<xsimd::sse4_1>("wasm-simd128");
}
}  // namespace simdnorm::nn::kernels
