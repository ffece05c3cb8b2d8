// Which matmul kernels run: the ones for the ISA the batch-norm core has chosen, so one switch
// (SIMDNORM_ISA, simdnorm::set_isa) moves the whole trainer between instruction sets. The core
// only selects ISAs that src/arch was built with and the CPU runs; src/nn/arch mirrors src/arch.

#include <array>

#include "nn/matmul_kernels.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::kernels {
namespace {

const auto& tables() {
  static const std::array all {
#if defined(SIMDNORM_HAVE_AVX512)
    matmul_avx512_table(),
#endif
#if defined(SIMDNORM_HAVE_AVX2)
        matmul_avx2_table(),
#endif
#if defined(SIMDNORM_HAVE_SSE2)
        matmul_sse2_table(),
#endif
#if defined(SIMDNORM_HAVE_NEON)
        matmul_neon_table(),
#endif
#if defined(SIMDNORM_HAVE_WASM_SIMD128)
        matmul_wasm_simd128_table(),
#endif
        matmul_reference_table(),
  };
  return all;
}

}  // namespace

const MatmulKernels* matmul_kernels_for(std::string_view isa) {
  const auto available = simdnorm::available_isas();
  bool runs_here = false;
  for (std::string_view a : available) runs_here = runs_here || a == isa;
  if (!runs_here) return nullptr;
  for (const MatmulKernels& t : tables())
    if (isa == t.isa) return &t;
  return nullptr;
}

const MatmulKernels& active_matmul_kernels() {
  // A handful of string compares per layer call: noise next to even the smallest matmul.
  const std::string_view isa = simdnorm::active_isa();
  for (const MatmulKernels& t : tables())
    if (isa == t.isa) return t;
  return tables().back();
}

}  // namespace simdnorm::nn::kernels
