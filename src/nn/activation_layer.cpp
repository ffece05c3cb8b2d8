#include "nn/activation_layer.hpp"

namespace simdnorm::nn {

void ActivationLayer::parse(const LayerSpec& spec) {
  SpecArgs(spec).finish();
}

ActivationLayer::ActivationLayer(Activation kind, const SampleShape& in)
    : Layer(in, in), kind_(kind) {}

std::string_view ActivationLayer::type() const {
  switch (kind_) {
    case Activation::relu:
      return "ReLU";
    case Activation::tanh:
      return "Tanh";
    case Activation::sigmoid:
      return "Sigmoid";
  }
  return "ReLU";
}

void ActivationLayer::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                              LayerWorkspace) {
  const std::size_t count = n * input_shape().size();
  activation_forward(kind_, x.first(count), y.first(count));
}

void ActivationLayer::backward(std::span<const float>, std::span<const float> y,
                               std::span<const float> dy, std::size_t n, std::span<float> dx,
                               LayerWorkspace) {
  if (dx.empty()) return;
  const std::size_t count = n * input_shape().size();
  activation_backward(kind_, y.first(count), dy.first(count), dx.first(count));
}

}  // namespace simdnorm::nn
