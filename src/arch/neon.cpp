// neon kernels for aarch64, where NEON is the baseline: no extra flags.
#include "kernels/make_table.hpp"

namespace simdnorm::kernels {
KernelTable neon_table() {
  return make_table<xsimd::neon64>("neon");
}
}  // namespace simdnorm::kernels
