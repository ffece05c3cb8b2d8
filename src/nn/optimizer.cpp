#include "nn/optimizer.hpp"

#include <cassert>
#include <cmath>
#include <string>

#include "core/validate.hpp"

namespace simdnorm::nn {

OptimizerKind parse_optimizer(std::string_view name) {
  if (name == "sgd") return OptimizerKind::sgd;
  if (name == "momentum") return OptimizerKind::momentum;
  if (name == "adam") return OptimizerKind::adam;
  detail::fail(ErrorCode::range, "nn::parse_optimizer", "optimizer", "one of sgd, momentum, adam",
               "\"" + std::string(name) + "\"");
}

std::string_view to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::adam:
      return "adam";
  }
  return "?";
}

Optimizer::Optimizer(OptimizerKind kind, float lr) : kind_(kind), lr_(lr) {}

void Optimizer::add(std::span<float> param, std::span<const float> grad) {
  assert(param.size() == grad.size());
  Slot s{param, grad, {}, {}};
  if (kind_ != OptimizerKind::sgd) s.m.assign(param.size(), 0.f);
  if (kind_ == OptimizerKind::adam) s.v.assign(param.size(), 0.f);
  slots_.push_back(std::move(s));
}

void Optimizer::step() {
  ++t_;
  switch (kind_) {
    case OptimizerKind::sgd:
      for (Slot& s : slots_)
        for (std::size_t i = 0; i < s.param.size(); ++i) s.param[i] -= lr_ * s.grad[i];
      break;
    case OptimizerKind::momentum:
      for (Slot& s : slots_)
        for (std::size_t i = 0; i < s.param.size(); ++i) {
          s.m[i] = kMomentum * s.m[i] + s.grad[i];
          s.param[i] -= lr_ * s.m[i];
        }
      break;
    case OptimizerKind::adam: {
      // Bias corrections in double: β^t underflows gracefully and 1 − β2^t is tiny early on.
      const auto c1 = float(1.0 / (1.0 - std::pow(double(kBeta1), double(t_))));
      const auto c2 = float(1.0 / (1.0 - std::pow(double(kBeta2), double(t_))));
      for (Slot& s : slots_)
        for (std::size_t i = 0; i < s.param.size(); ++i) {
          const float g = s.grad[i];
          s.m[i] = kBeta1 * s.m[i] + (1.f - kBeta1) * g;
          s.v[i] = kBeta2 * s.v[i] + (1.f - kBeta2) * g * g;
          s.param[i] -= lr_ * (s.m[i] * c1) / (std::sqrt(s.v[i] * c2) + kAdamEps);
        }
      break;
    }
  }
}

}  // namespace simdnorm::nn
