#pragma once
// torch.optim.SGD's update written once over xsimd::batch<float, Arch> (nn/optim/sgd_kernels.hpp):
// the options become template arguments through with_flag, so the loop carries no branch.
// Included only by the files in src/nn/arch.

#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "arch/xsimd_arch.hpp"
#include "kernels/lanes.hpp"  // core's Arch-templated partial loads/stores
#include "nn/optim/optimizer.hpp"
#include "nn/optim/sgd_kernels.hpp"

namespace simdnorm::nn::optim {

namespace sgd_detail {

using simdnorm::kernels::batch;
using simdnorm::kernels::for_lanes;
using simdnorm::kernels::load_lanes;
using simdnorm::kernels::store_lanes;

template <bool Decay, bool Momentum, bool Nesterov, bool First, bool Partial, class Arch>
void update_lanes(const SgdUpdate& u, float* v, const float* grad, float* b, std::size_t i,
                  std::size_t count) {
  using B = batch<Arch>;
  B g = load_lanes<Partial, Arch>(grad + i, count, 0.f);
  const B p = load_lanes<Partial, Arch>(v + i, count, 0.f);
  if constexpr (Decay) g = g + B(u.weight_decay) * p;
  if constexpr (Momentum) {  // b is null without momentum
    const B m =
        First ? g : B(u.momentum) * load_lanes<Partial, Arch>(b + i, count, 0.f) + B(u.keep) * g;
    store_lanes<Partial, Arch>(m, b + i, count);
    g = Nesterov ? g + B(u.momentum) * m : m;
  }
  store_lanes<Partial, Arch>(p - B(u.lr) * g, v + i, count);
}

template <class Arch>
void update(const SgdUpdate& u, std::size_t n, float* v, const float* grad, float* b) {
  with_flag(u.decay, [&](auto decay) {
    with_flag(u.use_momentum, [&](auto momentum) {
      with_flag(u.nesterov, [&](auto nesterov) {
        with_flag(u.first, [&](auto first) {
          for_lanes<Arch>(n, [&]<bool Partial>(std::size_t i, std::size_t count) {
            update_lanes<decay(), momentum(), nesterov(), first(), Partial, Arch>(u, v, grad, b, i,
                                                                                  count);
          });
        });
      });
    });
  });
}

}  // namespace sgd_detail

template <arch::Isa I>
SgdKernels sgd_table() {
  constexpr const char* isa = arch::name(I);  // a constant: no name() copy built with ISA flags
  return {isa, &sgd_detail::update<arch::xsimd_arch<I>>};
}

}  // namespace simdnorm::nn::optim
