#include "nn/optim/adam.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn::optim {
namespace {

void check_range(const char* name, float v, float lo, float hi, bool hi_open) {
  if (!(v >= lo && (hi_open ? v < hi : v <= hi))) {
    std::ostringstream s;
    s << name << ": expected a number in [" << lo << ", " << hi << (hi_open ? ")" : "]")
      << ", given " << v;
    throw Error(ErrorCode::range, s.str());
  }
}

}  // namespace

Adam::Adam(std::vector<Parameter> params, const AdamOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_range("betas[0]", options.betas[0], 0, 1, true);
  check_range("betas[1]", options.betas[1], 0, 1, true);
  check_range("eps", options.eps, 0, INFINITY, true);
  check_range("weight_decay", options.weight_decay, 0, INFINITY, true);
  for (const Parameter& p : params_) {
    exp_avg_.emplace_back(p.value.size(), 0.f);
    exp_avg_sq_.emplace_back(p.value.size(), 0.f);
  }
}

void Adam::step() {
  const AdamOptions& o = options_;
  ++step_;
  const float beta1 = o.betas[0], beta2 = o.betas[1];
  // As torch computes them: the corrections in double (Python floats), used as float scalars.
  const double bias_correction1 = 1 - std::pow(double(beta1), double(step_));
  const double bias_correction2 = 1 - std::pow(double(beta2), double(step_));
  const float step_size = float(lr_ / bias_correction1);
  const float bias_correction2_sqrt = float(std::sqrt(bias_correction2));
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const Parameter& p = params_[k];
    float* m = exp_avg_[k].data();
    float* v = exp_avg_sq_[k].data();
    for (std::size_t i = 0; i < p.value.size(); ++i) {
      float g = p.grad[i];
      if (o.weight_decay != 0) g += o.weight_decay * p.value[i];
      m[i] += (1 - beta1) * (g - m[i]);
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const float denom = std::sqrt(v[i]) / bias_correction2_sqrt + o.eps;
      p.value[i] -= step_size * (m[i] / denom);
    }
  }
}

}  // namespace simdnorm::nn::optim
