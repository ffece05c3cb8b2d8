#include "nn/initialization.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

void initialize(Layer& linear, InitRule rule, double scale, Rng& rng) {
  std::vector<Parameter> params = linear.parameters();
  const Parameter& weight = params.at(0);
  const std::size_t out = weight.shape.at(0), in = weight.shape.at(1);
  const double fan_in = double(in), fan_out = double(out);
  const double std = scale * (rule == InitRule::he ? std::sqrt(2.0 / fan_in)
                                                   : std::sqrt(2.0 / (fan_in + fan_out)));
  for (std::size_t i = 0; i < in; ++i)
    for (std::size_t o = 0; o < out; ++o) weight.value[o * in + i] = float(std * rng.normal());
  for (std::size_t p = 1; p < params.size(); ++p)
    std::fill(params[p].value.begin(), params[p].value.end(), 0.f);
}

}  // namespace simdnorm::nn
