#pragma once
// Instantiates every kernel for one Arch. Included only by the files in src/arch.

#include "arch/xsimd_arch.hpp"
#include "kernels/add_relu.hpp"
#include "kernels/grad_input.hpp"
#include "kernels/grad_sums.hpp"
#include "kernels/moments.hpp"
#include "kernels/normalize.hpp"

namespace simdnorm::kernels {

template <class Arch>
KernelTable make_table(const char* isa) {
  return {
      isa,
      [](const float* x, const Shape& s, std::size_t sample_stride, double* mean, double* var) {
        moments{}(Arch{}, x, s, sample_stride, mean, var);
      },
      [](const float* x, const Shape& s, const ChannelParams& p, bool relu, float* y,
         float* x_copy) { normalize{}(Arch{}, x, s, p, relu, y, x_copy); },
      [](const float* dy, const float* x, const Shape& s, std::size_t sample_stride,
         const ChannelParams& p, bool relu, float* sum_dy, float* sum_dy_xmu) {
        grad_sums{}(Arch{}, dy, x, s, sample_stride, p, relu, sum_dy, sum_dy_xmu);
      },
      [](const float* dy, const float* x, const Shape& s, const ChannelParams& p, bool relu,
         bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
        grad_input{}(Arch{}, dy, x, s, p, relu, batch_stats, sum_dy, sum_dy_xmu, dx);
      },
      [](const float* x, const float* z, const Shape& s, const ChannelParams& p, float* y,
         float* x_copy) { normalize_add_relu{}(Arch{}, x, z, s, p, y, x_copy); },
      [](const float* dy, const float* y, std::size_t count, float* dz) {
        relu_mask{}(Arch{}, dy, y, count, dz);
      },
  };
}

template <arch::Isa I>
KernelTable kernel_table() {
  constexpr const char* isa = arch::name(I);  // a constant: no name() copy built with ISA flags
  return make_table<arch::xsimd_arch<I>>(isa);
}

}  // namespace simdnorm::kernels
