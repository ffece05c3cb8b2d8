// avx512 kernels. The only file built with -mavx512f -mavx512dq -mavx2 -mfma: xsimd 8.1 uses a DQ
// intrinsic in its avx512f kernels, so dispatch picks this only where the CPU has AVX512DQ.
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
KernelTable avx512_table() {
  return make_table<xsimd::avx512f>("avx512");
}
}  // namespace simdnorm::kernels
