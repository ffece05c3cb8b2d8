#pragma once
// torch.optim.SGD's update of one parameter tensor, per ISA (src/core/kernel_family.hpp): wasm
// builds compile only the per-ISA files with SIMD128, so the plain loop of sgd.cpp stayed scalar
// there (8 % of the BN MLP's step in Node). No xsimd types here: shared by files built with
// different flags.

#include <cstddef>
#include <string_view>

#include "arch/isa_list.hpp"

namespace simdnorm::nn::optim {

// One step's options; decay, momentum, nesterov and first choose the update's terms.
struct SgdUpdate {
  float lr, weight_decay, momentum, keep;  // keep = 1 − dampening
  bool decay, use_momentum, nesterov, first;
};

struct SgdKernels {
  const char* isa;
  // g ← grad (+ wd·p); with momentum b ← g on the first step, else μ·b + keep·g, and g ← b (or
  // g + μ·b with nesterov); p ← p − lr·g. `buffer` is unused without momentum.
  void (*update)(const SgdUpdate& u, std::size_t n, float* value, const float* grad, float* buffer);
};

// Defined for every listed ISA by nn/kernels/sgd.hpp and instantiated in src/nn/arch/<id>.cpp;
// the scalar loop (the same operations in the same order) in sgd_kernels.cpp.
template <arch::Isa I>
SgdKernels sgd_table();
template <>
SgdKernels sgd_table<arch::Isa::scalar>();

// The table for simdnorm::active_isa(), or for `isa` if this build has it and this CPU runs it.
const SgdKernels& active_sgd_kernels();
const SgdKernels* sgd_kernels_for(std::string_view isa);

}  // namespace simdnorm::nn::optim
