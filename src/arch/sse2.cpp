// sse2 kernels: the x86-64 baseline, so this file needs no extra flags.
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
KernelTable sse2_table() {
  return make_table<xsimd::sse2>("sse2");
}
}  // namespace simdnorm::kernels
