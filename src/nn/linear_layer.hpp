#pragma once
// nn.Linear: y = x·Wᵀ + b over the last dimension of each sample (weight [out, in] as in PyTorch),
// on the active ISA's matmul kernels.

#include <cstddef>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class Linear final : public Layer {
 public:
  struct Options {
    std::size_t in_features = 0;
    std::size_t out_features = 0;
    bool bias = true;
  };
  // {inFeatures, outFeatures, bias = true}.
  static Options parse(const LayerSpec& spec);
  // The input's last dimension must be in_features; throws std::invalid_argument otherwise.
  static SampleShape output_shape_for(const Options& o, const SampleShape& in);

  Linear(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "Linear"; }
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
  std::vector<Parameter> parameters() override;
  void reset_parameters(Rng& rng) override;

 private:
  Options options_;
  std::size_t rows_per_sample_;  // samples are [..., in_features]: rows of the product
  std::vector<float> weight_, bias_, weight_grad_, bias_grad_;
};

}  // namespace simdnorm::nn
