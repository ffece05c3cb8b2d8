// The SGD update's scalar table (the plain loop, also what the SIMD tables are tested against)
// and which table runs: the one for the ISA the batch-norm core has chosen.
#include "nn/optim/sgd_kernels.hpp"

#include "core/kernel_family.hpp"
#include "nn/optim/optimizer.hpp"

namespace simdnorm::nn::optim {
namespace {

template <bool Decay, bool Momentum, bool Nesterov, bool First>
void scalar_update(const SgdUpdate& u, std::size_t n, float* __restrict v,
                   const float* __restrict grad, float* __restrict b) {
  for (std::size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if constexpr (Decay) g += u.weight_decay * v[i];
    if constexpr (Momentum) {
      const float m = First ? g : u.momentum * b[i] + u.keep * g;
      b[i] = m;
      g = Nesterov ? g + u.momentum * m : m;
    }
    v[i] -= u.lr * g;
  }
}

void update(const SgdUpdate& u, std::size_t n, float* v, const float* grad, float* b) {
  with_flag(u.decay, [&](auto decay) {
    with_flag(u.use_momentum, [&](auto momentum) {
      with_flag(u.nesterov, [&](auto nesterov) {
        with_flag(u.first, [&](auto first) {
          scalar_update<decay(), momentum(), nesterov(), first()>(u, n, v, grad, b);
        });
      });
    });
  });
}

const detail::KernelFamily<SgdKernels>& sgd_family() {
  static const detail::KernelFamily<SgdKernels> family([]<arch::Isa I> { return sgd_table<I>(); });
  return family;
}

}  // namespace

template <>
SgdKernels sgd_table<arch::Isa::scalar>() {
  return {"scalar", &update};
}

const SgdKernels* sgd_kernels_for(std::string_view isa) {
  return sgd_family().find(isa);
}

const SgdKernels& active_sgd_kernels() {
  return sgd_family().active();
}

}  // namespace simdnorm::nn::optim
