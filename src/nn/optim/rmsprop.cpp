#include "nn/optim/rmsprop.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn::optim {
namespace {

void check_non_negative(const char* name, float v) {
  if (!(std::isfinite(v) && v >= 0)) {
    std::ostringstream s;
    s << name << ": expected a finite number ≥ 0, given " << v;
    throw Error(ErrorCode::range, s.str());
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
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const Parameter& p = params_[k];
    float* s = square_avg_[k].data();
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      float g = p.grad[i];
      if (o.weight_decay != 0) g += o.weight_decay * p.value[i];
      s[i] = o.alpha * s[i] + (1 - o.alpha) * g * g;
      float avg;
      if (o.centered) {
        float& a = grad_avg_[k][i];
        a = o.alpha * a + (1 - o.alpha) * g;
        avg = std::sqrt(s[i] - a * a) + o.eps;
      } else {
        avg = std::sqrt(s[i]) + o.eps;
      }
      if (o.momentum > 0) {
        float& b = momentum_buffer_[k][i];
        b = o.momentum * b + g / avg;
        p.value[i] -= lr_ * b;
      } else {
        p.value[i] -= lr_ * (g / avg);
      }
    }
  }
}

}  // namespace simdnorm::nn::optim
