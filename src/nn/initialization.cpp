#include "nn/initialization.hpp"

#include <cmath>
#include <string>

#include "core/validate.hpp"

namespace simdnorm::nn {

InitRule parse_init_rule(std::string_view name, Activation activation) {
  if (name == "he") return InitRule::he;
  if (name == "xavier") return InitRule::xavier;
  if (name == "auto") return activation == Activation::relu ? InitRule::he : InitRule::xavier;
  detail::fail(ErrorCode::range, "nn::parse_init_rule", "init", "one of he, xavier, auto",
               "\"" + std::string(name) + "\"");
}

std::string_view to_string(InitRule r) {
  return r == InitRule::he ? "he" : "xavier";
}

void initialize(Dense& layer, InitRule rule, double scale, Rng& rng) {
  const double fan_in = double(layer.in()), fan_out = double(layer.out());
  const double std = scale * (rule == InitRule::he ? std::sqrt(2.0 / fan_in)
                                                   : std::sqrt(2.0 / (fan_in + fan_out)));
  for (float& w : layer.weight_t()) w = float(std * rng.normal());
  for (float& b : layer.bias()) b = 0.f;
}

}  // namespace simdnorm::nn
