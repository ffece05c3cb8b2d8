#include "nn/optim/sgd.hpp"

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

SGD::SGD(std::vector<Parameter> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_non_negative("momentum", options.momentum);
  check_non_negative("dampening", options.dampening);
  check_non_negative("weight_decay", options.weight_decay);
  if (options.nesterov && (options.momentum <= 0 || options.dampening != 0)) {
    std::ostringstream s;
    s << "nesterov: expected momentum > 0 and dampening = 0, given momentum " << options.momentum
      << " and dampening " << options.dampening;
    throw Error(ErrorCode::range, s.str());
  }
  if (options.momentum != 0)
    for (const Parameter& p : params_) momentum_buffer_.emplace_back(p.value.size(), 0.f);
}

void SGD::step() {
  // The options as locals: through `options_` every store to a parameter (a float) might change
  // them, which keeps the compiler from hoisting the branches and vectorizing the loops.
  const float wd = options_.weight_decay, mu = options_.momentum, lr = lr_;
  const float keep = 1 - options_.dampening;
  const bool decay = wd != 0, nesterov = options_.nesterov, first = first_step_;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    float* __restrict v = params_[k].value.data();
    const float* __restrict grad = params_[k].grad.data();
    const std::size_t n = params_[k].value.size();
    if (mu == 0) {
      for (std::size_t i = 0; i < n; ++i) v[i] -= lr * (decay ? grad[i] + wd * v[i] : grad[i]);
      continue;
    }
    float* __restrict b = momentum_buffer_[k].data();
    for (std::size_t i = 0; i < n; ++i) {
      const float g = decay ? grad[i] + wd * v[i] : grad[i];
      b[i] = first ? g : mu * b[i] + keep * g;
      v[i] -= lr * (nesterov ? g + mu * b[i] : b[i]);
    }
  }
  first_step_ = false;
}

}  // namespace simdnorm::nn::optim
