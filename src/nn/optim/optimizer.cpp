#include "nn/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn::optim {

void check_non_negative(const char* name, float v) {
  if (!(std::isfinite(v) && v >= 0)) {
    std::ostringstream s;
    s << name << ": expected a finite number ≥ 0, given " << v;
    throw Error(ErrorCode::range, s.str());
  }
}

Optimizer::Optimizer(std::vector<Parameter> params, float lr) : params_(std::move(params)), lr_(0) {
  set_lr(lr);
}

void Optimizer::set_lr(float lr) {
  check_non_negative("lr", lr);
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (const Parameter& p : params_) std::fill(p.grad.begin(), p.grad.end(), 0.f);
}

}  // namespace simdnorm::nn::optim
