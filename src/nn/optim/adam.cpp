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

// This step's scalars, as torch computes them.
struct AdamStep {
  float beta1, beta2, weight_decay, eps, step_size, bias_correction2_sqrt;
};

// torch.optim.Adam's update of one parameter, the option a template argument and the pointers
// restrict so that the loop has no branch and vectorizes (see SGD::step).
template <bool Decay>
void adam_update(std::size_t n, float* __restrict p, const float* __restrict grad,
                 float* __restrict m, float* __restrict v, const AdamStep& k) {
  const float beta1 = k.beta1, beta2 = k.beta2, wd = k.weight_decay, eps = k.eps;
  const float step_size = k.step_size, bias_correction2_sqrt = k.bias_correction2_sqrt;
  for (std::size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if constexpr (Decay) g += wd * p[i];
    m[i] += (1 - beta1) * (g - m[i]);
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const float denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
    p[i] -= step_size * (m[i] / denom);
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
  const AdamStep k{beta1,
                   beta2,
                   o.weight_decay,
                   o.eps,
                   float(lr_ / bias_correction1),
                   float(std::sqrt(bias_correction2))};
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Parameter& p = params_[i];
    with_flag(o.weight_decay != 0, [&](auto decay) {
      adam_update<decay()>(p.value.size(), p.value.data(), p.grad.data(), exp_avg_[i].data(),
                           exp_avg_sq_[i].data(), k);
    });
  }
}

}  // namespace simdnorm::nn::optim
