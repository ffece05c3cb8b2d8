#pragma once
// nn.Flatten() with its defaults (start_dim = 1, end_dim = −1): [n, ...] → [n, product]. The
// memory layout does not change; the layer copies so that every layer owns its output buffer.

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class Flatten final : public Layer {
 public:
  // No arguments.
  static void parse(const LayerSpec& spec);
  explicit Flatten(const SampleShape& in);

  std::string_view type() const override { return "Flatten"; }
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
};

}  // namespace simdnorm::nn
