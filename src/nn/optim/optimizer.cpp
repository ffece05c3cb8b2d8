#include "nn/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn::optim {

Optimizer::Optimizer(std::vector<Parameter> params, float lr) : params_(std::move(params)), lr_(0) {
  set_lr(lr);
}

void Optimizer::set_lr(float lr) {
  if (!(std::isfinite(lr) && lr >= 0)) {
    std::ostringstream s;
    s << "lr: expected a finite number ≥ 0, given " << lr;
    throw Error(ErrorCode::range, s.str());
  }
  lr_ = lr;
}

void Optimizer::zero_grad() {
  for (const Parameter& p : params_) std::fill(p.grad.begin(), p.grad.end(), 0.f);
}

}  // namespace simdnorm::nn::optim
