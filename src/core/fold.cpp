// Folding an eval-mode BatchNorm into the preceding affine layer:
//   BN(W·x + b) = s ⊙ (W·x + b − μ) + β with s = γ/sqrt(σ² + eps)
//   ⇒ W' = diag(s)·W,  b' = s ⊙ (b − μ) + β.

#include <cmath>
#include <limits>
#include <string>

#include "core/validate.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm {

void fold_into_linear(std::span<const float> weight, std::span<const float> bias,
                      std::size_t out_features, std::size_t fan_in, const FoldSource& bn,
                      std::span<float> weight_out, std::span<float> bias_out) {
  constexpr std::string_view fn = "fold_into_linear";
  if (out_features == 0) detail::fail(ErrorCode::shape, fn, "out_features", "at least 1", "0");
  if (fan_in != 0 && out_features > std::numeric_limits<std::size_t>::max() / fan_in)
    detail::fail(ErrorCode::shape, fn, "fan_in", "out_features·fan_in to fit in size_t",
                 std::to_string(fan_in));
  const std::size_t n = out_features * fan_in;
  detail::check_size(fn, "weight", weight.size(), n, "out_features·fan_in");
  detail::check_size(fn, "weight_out", weight_out.size(), n, "out_features·fan_in");
  detail::check_optional_channels(fn, "bias", bias.size(), out_features);
  detail::check_size(fn, "bias_out", bias_out.size(), out_features, "out_features");
  detail::check_optional_channels(fn, "bn.weight", bn.weight.size(), out_features);
  detail::check_optional_channels(fn, "bn.bias", bn.bias.size(), out_features);
  detail::check_size(fn, "bn.running_mean", bn.running_mean.size(), out_features, "out_features");
  detail::check_size(fn, "bn.running_var", bn.running_var.size(), out_features, "out_features");
  detail::check_eps(fn, bn.eps, "bn.eps");

  for (std::size_t o = 0; o < out_features; ++o) {
    // Double here: folding runs once, and W' should be as close to exact as float allows.
    const double gamma = bn.weight.empty() ? 1.0 : bn.weight[o];
    const double beta = bn.bias.empty() ? 0.0 : bn.bias[o];
    const double s = gamma / std::sqrt(double(bn.running_var[o]) + double(bn.eps));
    const double b = bias.empty() ? 0.0 : bias[o];
    for (std::size_t i = 0; i < fan_in; ++i)
      weight_out[o * fan_in + i] = float(s * weight[o * fan_in + i]);
    bias_out[o] = float(s * (b - bn.running_mean[o]) + beta);
  }
}

}  // namespace simdnorm
