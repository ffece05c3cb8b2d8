// wasm-simd128 kernels: xsimd 8.1 has no wasm arch, so its SSE4.1 path is compiled with
// -msimd128 -msse4.1 and Emscripten lowers the SSE intrinsics to real wasm SIMD128 instructions.
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
KernelTable wasm_simd128_table() {
  return make_table<xsimd::sse4_1>("wasm-simd128");
}
}  // namespace simdnorm::kernels
