// The core's kernels for avx2: the only file of the library built with its flags (the avx2 row of
// src/arch/isa_list.hpp, which also names its xsimd arch).
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
template KernelTable kernel_table<arch::Isa::avx2>();
}  // namespace simdnorm::kernels
