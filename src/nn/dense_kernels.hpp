#pragma once
// The per-ISA entry points of the dense layer. Weights are stored transposed, Wt = [in, out]
// row-major, so that all three products run along `out` (the layer width) in the vector lanes.
// No xsimd types here: this header is shared by files built with different flags.

#include <cstddef>
#include <string_view>

#include "arch/isa_list.hpp"

namespace simdnorm::nn::kernels {

struct DenseKernels {
  const char* isa;
  // y[r, :] = b + Σ_i x[r, i]·Wt[i, :] for r < n. b may be nullptr (no bias).
  void (*forward)(const float* x, std::size_t n, std::size_t in, const float* wt, const float* b,
                  std::size_t out, float* y);
  // dWt[i, :] = Σ_r x[r, i]·dy[r, :] and db[:] = Σ_r dy[r, :] (overwritten, not accumulated).
  void (*grad_weight)(const float* x, const float* dy, std::size_t n, std::size_t in,
                      std::size_t out, float* dwt, float* db);
  // dx[r, i] = Σ_o dy[r, o]·Wt[i, o].
  void (*grad_input)(const float* dy, std::size_t n, std::size_t out, const float* wt,
                     std::size_t in, float* dx);
};

// The table of one ISA (this family's entry for src/core/kernel_family.hpp): defined for every
// listed ISA by nn/kernels/dense.hpp and explicitly instantiated in src/nn/arch/<id>.cpp; the
// scalar reference (double accumulation: the spec) in dense_reference.cpp.
template <arch::Isa I>
DenseKernels dense_table();
template <>
DenseKernels dense_table<arch::Isa::scalar>();

// The table for simdnorm::active_isa(), so set_isa / SIMDNORM_ISA switch the trainer's matmuls
// together with the batch-norm kernels.
const DenseKernels& active_dense_kernels();
// The table for `isa` if this build has it and this CPU runs it, else nullptr.
const DenseKernels* dense_kernels_for(std::string_view isa);

}  // namespace simdnorm::nn::kernels
