#pragma once
// nn.ReLU, nn.Tanh, nn.Sigmoid: element-wise, any input shape, on the trainer's activation
// functions (backward from the output y, so the input is not needed).

#include "nn/activation.hpp"
#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class ActivationLayer final : public Layer {
 public:
  // No arguments (nn.ReLU's inplace is meaningless here: every layer owns its output).
  static void parse(const LayerSpec& spec);
  ActivationLayer(Activation kind, const SampleShape& in);

  // "ReLU" | "Tanh" | "Sigmoid"
  std::string_view type() const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;

 private:
  Activation kind_;
};

}  // namespace simdnorm::nn
