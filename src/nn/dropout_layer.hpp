#pragma once
// nn.Dropout: in training mode each element is zeroed with probability p and the survivors are
// scaled by 1/(1 − p) (p = 1 zeroes everything); in eval mode it is the identity. The mask comes
// from the layer's own seeded stream, so a model's run is the same natively and in wasm.

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn {

class Dropout final : public Layer {
 public:
  // {p = 0.5}, p in [0, 1].
  static float parse(const LayerSpec& spec);
  Dropout(float p, const SampleShape& in, Rng rng);

  std::string_view type() const override { return "Dropout"; }
  float p() const { return p_; }
  // Saved: the mask of the last training-mode forward (0 or 1/(1 − p) per element).
  WorkspaceSize workspace_size(std::size_t n) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;

 private:
  float p_;
  Rng rng_;
  bool last_train_ = false;
};

}  // namespace simdnorm::nn
