// avx2 kernels (AVX2 + FMA3, so xsimd::fma is one instruction). The only file built with
// -mavx2 -mfma.
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
KernelTable avx2_table() {
  return make_table<xsimd::fma3<xsimd::avx2>>("avx2");
}
}  // namespace simdnorm::kernels
