// The sigmoid's scalar table (std::exp, also the "scalar" ISA) and which table runs: the one for
// the ISA the batch-norm core has chosen.
#include "nn/activation_kernels.hpp"

#include <cmath>

#include "core/kernel_family.hpp"

namespace simdnorm::nn::kernels {
namespace {

void sigmoid_forward(std::size_t n, const float* x, float* y) {
  // 1/(1 + e^−x) overflows harmlessly to 0 for x ≪ 0 (e^−x = inf).
  for (std::size_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
}

void sigmoid_backward(std::size_t n, const float* y, const float* dy, float* dx) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}

const detail::KernelFamily<ActivationKernels>& activation_family() {
  static const detail::KernelFamily<ActivationKernels> family(
      []<arch::Isa I> { return activation_table<I>(); });
  return family;
}

}  // namespace

template <>
ActivationKernels activation_table<arch::Isa::scalar>() {
  return {"scalar", &sigmoid_forward, &sigmoid_backward};
}

const ActivationKernels* activation_kernels_for(std::string_view isa) {
  return activation_family().find(isa);
}

const ActivationKernels& active_activation_kernels() {
  return activation_family().active();
}

}  // namespace simdnorm::nn::kernels
