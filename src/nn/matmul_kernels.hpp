#pragma once
// The per-ISA matrix products the layer engine is built on (Linear directly, Conv2d through
// im2col). All matrices are row-major with a leading dimension (floats between rows), so a layer
// can multiply sub-blocks in place. `accumulate` adds to C instead of overwriting it.
// No xsimd types here: this header is shared by files built with different flags.

#include <cstddef>
#include <string_view>

#include "arch/isa_list.hpp"

namespace simdnorm::nn::kernels {

struct MatmulKernels {
  const char* isa;
  // C[m×n] (+)= A[m×k]·B[k×n]
  void (*nn)(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
  // C[m×n] (+)= Aᵀ·B with A stored [k×m]
  void (*tn)(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
  // C[m×n] (+)= A·Bᵀ with B stored [n×k]
  void (*nt)(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
};

// The table of one ISA (this family's entry for src/core/kernel_family.hpp): defined for every
// listed ISA by nn/kernels/matmul.hpp and explicitly instantiated in src/nn/arch/<id>.cpp; the
// scalar reference (double accumulation: the spec) in matmul_reference.cpp.
template <arch::Isa I>
MatmulKernels matmul_table();
template <>
MatmulKernels matmul_table<arch::Isa::scalar>();

// The table for simdnorm::active_isa() (SIMDNORM_ISA / set_isa switch it with the BN kernels).
const MatmulKernels& active_matmul_kernels();
// The table for `isa` if this build has it and this CPU runs it, else nullptr.
const MatmulKernels* matmul_kernels_for(std::string_view isa);

}  // namespace simdnorm::nn::kernels
