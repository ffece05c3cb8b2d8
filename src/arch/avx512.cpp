// The core's kernels for avx512: the only file of the library built with its flags (the avx512
// row of src/arch/isa_list.hpp, which also names its xsimd arch).

// GCC 12's own avx512fintrin.h warns about _mm512_undefined_ps() inside _mm512_sqrt_ps: a false
// positive of -Wmaybe-uninitialized in the compiler's header, not in our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
template KernelTable kernel_table<arch::Isa::avx512>();
}  // namespace simdnorm::kernels
