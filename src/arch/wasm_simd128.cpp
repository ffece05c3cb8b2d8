// The core's kernels for wasm_simd128: the only file of the library built with its flags (the
// wasm_simd128 row of src/arch/isa_list.hpp, which also names its xsimd arch).
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
template KernelTable kernel_table<arch::Isa::wasm_simd128>();
}  // namespace simdnorm::kernels
