// The core's kernels for sse2: the only file of the library built with its flags (the sse2 row of
// src/arch/isa_list.hpp, which also names its xsimd arch).
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
template KernelTable kernel_table<arch::Isa::sse2>();
}  // namespace simdnorm::kernels
