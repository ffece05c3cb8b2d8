#include "nn/flatten_layer.hpp"

#include <algorithm>

namespace simdnorm::nn {

void Flatten::parse(const LayerSpec& spec) {
  SpecArgs(spec).finish();
}

Flatten::Flatten(const SampleShape& in) : Layer(in, SampleShape::of({in.size()})) {}

void Flatten::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                      LayerWorkspace) {
  std::copy_n(x.begin(), n * input_shape().size(), y.begin());
}

void Flatten::backward(std::span<const float>, std::span<const float>, std::span<const float> dy,
                       std::size_t n, std::span<float> dx, LayerWorkspace) {
  if (!dx.empty()) std::copy_n(dy.begin(), n * input_shape().size(), dx.begin());
}

}  // namespace simdnorm::nn
