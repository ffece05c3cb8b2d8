// ReLU and tanh are plain loops: they run over n·width floats once per layer, far from the
// matmuls' cost. The sigmoid is a per-ISA kernel (activation_kernels.hpp): libm's expf, one call
// per element, was 14 % of the BN MLP's native training step.
#include "nn/activation.hpp"

#include <cassert>
#include <cmath>
#include <string>

#include "core/validate.hpp"
#include "nn/activation_kernels.hpp"

namespace simdnorm::nn {

Activation parse_activation(std::string_view name) {
  if (name == "relu") return Activation::relu;
  if (name == "tanh") return Activation::tanh;
  if (name == "sigmoid") return Activation::sigmoid;
  detail::fail(ErrorCode::range, "nn::parse_activation", "activation", "one of relu, tanh, sigmoid",
               "\"" + std::string(name) + "\"");
}

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::relu:
      return "relu";
    case Activation::tanh:
      return "tanh";
    case Activation::sigmoid:
      return "sigmoid";
  }
  return "?";
}

void activation_forward(Activation a, std::span<const float> x, std::span<float> y) {
  assert(x.size() == y.size());
  const std::size_t n = x.size();
  switch (a) {
    case Activation::relu:
      // x < 0 ? 0 : x keeps NaN (a diverged run must stay visibly diverged).
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];
      break;
    case Activation::tanh:
      for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      break;
    case Activation::sigmoid:
      kernels::active_activation_kernels().sigmoid_forward(n, x.data(), y.data());
      break;
  }
}

void activation_backward(Activation a, std::span<const float> y, std::span<const float> dy,
                         std::span<float> dx) {
  assert(y.size() == dy.size() && dy.size() == dx.size());
  const std::size_t n = y.size();
  switch (a) {
    case Activation::relu:
      // dy read unconditionally, so the select vectorizes (a branch on y's sign mispredicts half
      // the time); still 0 where y ≤ 0 whatever dy is, as PyTorch's threshold_backward.
      for (std::size_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] = y[i] > 0.f ? g : 0.f;
      }
      break;
    case Activation::tanh:
      for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]);
      break;
    case Activation::sigmoid:
      kernels::active_activation_kernels().sigmoid_backward(n, y.data(), dy.data(), dx.data());
      break;
  }
}

}  // namespace simdnorm::nn
