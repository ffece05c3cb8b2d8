#pragma once
// The sigmoid's forward and backward, per ISA (src/core/kernel_family.hpp): the plain loop calls
// libm's expf once per element (scalar everywhere), and wasm builds compile only the per-ISA
// files with SIMD128. No xsimd types here: shared by files built with different flags.

#include <cstddef>
#include <string_view>

#include "arch/isa_list.hpp"

namespace simdnorm::nn::kernels {

struct ActivationKernels {
  const char* isa;
  // y = 1 / (1 + e^−x), as torch.sigmoid: ±∞ → 1 / 0, NaN stays NaN; y may be x.
  void (*sigmoid_forward)(std::size_t n, const float* x, float* y);
  // dx = dy·y·(1 − y) from the forward's output y; dx may be dy.
  void (*sigmoid_backward)(std::size_t n, const float* y, const float* dy, float* dx);
};

// Defined for every listed ISA by nn/kernels/activation.hpp and instantiated in
// src/nn/arch/<id>.cpp; the plain loops with std::exp in activation_kernels.cpp.
template <arch::Isa I>
ActivationKernels activation_table();
template <>
ActivationKernels activation_table<arch::Isa::scalar>();

// The table for simdnorm::active_isa(), or for `isa` if this build has it and this CPU runs it.
const ActivationKernels& active_activation_kernels();
const ActivationKernels* activation_kernels_for(std::string_view isa);

}  // namespace simdnorm::nn::kernels
