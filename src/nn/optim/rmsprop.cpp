#include "nn/optim/rmsprop.hpp"

#include <cmath>

namespace simdnorm::nn::optim {
namespace {

// This step's scalars.
struct RMSpropStep {
  float lr, alpha, eps, weight_decay, momentum;
};

// torch.optim.RMSprop's update of one parameter, the options template arguments and the pointers
// restrict so that the loop has no branch and vectorizes (see SGD::step).
template <bool Decay, bool Centered, bool Momentum>
void rmsprop_update(std::size_t n, float* __restrict p, const float* __restrict grad,
                    float* __restrict square_avg, float* __restrict grad_avg,
                    float* __restrict buffer, const RMSpropStep& k) {
  const float lr = k.lr, alpha = k.alpha, eps = k.eps, wd = k.weight_decay, mu = k.momentum;
  for (std::size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if constexpr (Decay) g += wd * p[i];
    square_avg[i] = alpha * square_avg[i] + (1 - alpha) * g * g;
    float avg;
    if constexpr (Centered) {
      grad_avg[i] = alpha * grad_avg[i] + (1 - alpha) * g;
      avg = std::sqrt(square_avg[i] - grad_avg[i] * grad_avg[i]) + eps;
    } else {
      avg = std::sqrt(square_avg[i]) + eps;
    }
    if constexpr (Momentum) {
      buffer[i] = mu * buffer[i] + g / avg;
      p[i] -= lr * buffer[i];
    } else {
      p[i] -= lr * (g / avg);
    }
  }
}

}  // namespace

RMSprop::RMSprop(std::vector<Parameter> params, const RMSpropOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_non_negative("alpha", options.alpha);
  check_non_negative("eps", options.eps);
  check_non_negative("weight_decay", options.weight_decay);
  check_non_negative("momentum", options.momentum);
  for (const Parameter& p : params_) {
    square_avg_.emplace_back(p.value.size(), 0.f);
    if (options.centered) grad_avg_.emplace_back(p.value.size(), 0.f);
    if (options.momentum > 0) momentum_buffer_.emplace_back(p.value.size(), 0.f);
  }
}

void RMSprop::step() {
  const RMSpropOptions& o = options_;
  const RMSpropStep k{lr_, o.alpha, o.eps, o.weight_decay, o.momentum};
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Parameter& p = params_[i];
    float* grad_avg = o.centered ? grad_avg_[i].data() : nullptr;
    float* buffer = o.momentum > 0 ? momentum_buffer_[i].data() : nullptr;
    with_flag(o.weight_decay != 0, [&](auto decay) {
      with_flag(o.centered, [&](auto centered) {
        with_flag(o.momentum > 0, [&](auto momentum) {
          rmsprop_update<decay(), centered(), momentum()>(p.value.size(), p.value.data(),
                                                          p.grad.data(), square_avg_[i].data(),
                                                          grad_avg, buffer, k);
        });
      });
    });
  }
}

}  // namespace simdnorm::nn::optim
