#include "nn/activation_layer.hpp"

#include "core/parallel.hpp"
#include "core/partition.hpp"

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

// Element-wise: ranges of the BN partition's piece size (memory-bound work like BN's, so the same
// cut-over) run on the pool.
void ActivationLayer::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                              LayerWorkspace) {
  detail::parallel_ranges(
      n * input_shape().size(), detail::piece_floats(), [&](std::size_t i0, std::size_t i1) {
        activation_forward(kind_, x.subspan(i0, i1 - i0), y.subspan(i0, i1 - i0));
      });
}

void ActivationLayer::backward(std::span<const float>, std::span<const float> y,
                               std::span<const float> dy, std::size_t n, std::span<float> dx,
                               LayerWorkspace) {
  if (dx.empty()) return;
  detail::parallel_ranges(n * input_shape().size(), detail::piece_floats(),
                          [&](std::size_t i0, std::size_t i1) {
                            activation_backward(kind_, y.subspan(i0, i1 - i0),
                                                dy.subspan(i0, i1 - i0), dx.subspan(i0, i1 - i0));
                          });
}

}  // namespace simdnorm::nn
