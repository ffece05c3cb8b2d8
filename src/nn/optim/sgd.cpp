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
  const SGDOptions& o = options_;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const Parameter& p = params_[k];
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      float g = p.grad[i];
      if (o.weight_decay != 0) g += o.weight_decay * p.value[i];
      if (o.momentum != 0) {
        float& b = momentum_buffer_[k][i];
        b = first_step_ ? g : o.momentum * b + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * b : b;
      }
      p.value[i] -= lr_ * g;
    }
  }
  first_step_ = false;
}

}  // namespace simdnorm::nn::optim
