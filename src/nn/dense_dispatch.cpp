// Which dense kernels run: the ones for the ISA the batch-norm core has chosen, so one switch
// (SIMDNORM_ISA, simdnorm::set_isa) moves the whole trainer between instruction sets. The core
// only selects ISAs that src/arch was built with and the CPU runs; src/nn/arch mirrors src/arch.

#include <array>

#include "nn/dense_kernels.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::kernels {
namespace {

const auto& tables() {
  static const std::array all {
#if defined(SIMDNORM_HAVE_AVX512)
    dense_avx512_table(),
#endif
#if defined(SIMDNORM_HAVE_AVX2)
        dense_avx2_table(),
#endif
#if defined(SIMDNORM_HAVE_SSE2)
        dense_sse2_table(),
#endif
#if defined(SIMDNORM_HAVE_NEON)
        dense_neon_table(),
#endif
#if defined(SIMDNORM_HAVE_WASM_SIMD128)
        dense_wasm_simd128_table(),
#endif
        dense_reference_table(),
  };
  return all;
}

}  // namespace

const DenseKernels* dense_kernels_for(std::string_view isa) {
  const auto available = simdnorm::available_isas();
  bool runs_here = false;
  for (std::string_view a : available) runs_here = runs_here || a == isa;
  if (!runs_here) return nullptr;
  for (const DenseKernels& t : tables())
    if (isa == t.isa) return &t;
  return nullptr;
}

const DenseKernels& active_dense_kernels() {
  // A handful of string compares per layer call: noise next to even the smallest matmul.
  const std::string_view isa = simdnorm::active_isa();
  for (const DenseKernels& t : tables())
    if (isa == t.isa) return t;
  return tables().back();
}

}  // namespace simdnorm::nn::kernels
