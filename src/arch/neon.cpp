// The core's kernels for neon: the only file of the library built with its flags (the neon row of
// src/arch/isa_list.hpp, which also names its xsimd arch).
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
template KernelTable kernel_table<arch::Isa::neon>();
}  // namespace simdnorm::kernels
