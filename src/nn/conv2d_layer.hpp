#pragma once
// nn.Conv2d (groups = 1, dilation = 1, zero padding) on NCHW batches, weight [out, in, k, k].
// Per sample: im2col, then one matrix product on the active ISA's matmul kernels (see im2col.hpp).
// Threads: the batch is cut into groups of samples, a function of the shape alone, run as tasks
// on the pool; the weight and bias gradients are summed per group and merged in group order, so
// results are the same bits on any thread count. A single group (one sample, a small batch, or a
// column matrix too large to hold once per group) cuts each product on the pool instead.

#include <cstddef>
#include <vector>

#include "nn/im2col.hpp"
#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class Conv2d final : public Layer {
 public:
  struct Options {
    std::size_t in_channels = 0;
    std::size_t out_channels = 0;
    std::size_t kernel_size = 1;  // square kernels
    std::size_t stride = 1;
    std::size_t padding = 0;
    bool bias = true;
  };
  // {inChannels, outChannels, kernelSize, stride = 1, padding = 0, bias = true}.
  static Options parse(const LayerSpec& spec);
  // Input [inChannels, H, W] with kernelSize ≤ H + 2·padding and ≤ W + 2·padding.
  static SampleShape output_shape_for(const Options& o, const SampleShape& in);

  Conv2d(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "Conv2d"; }
  WorkspaceSize workspace_size(std::size_t n) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
  std::vector<Parameter> parameters() override;
  void reset_parameters(Rng& rng) override;

 private:
  // Floats of one group's scratch: its column matrix, then its partial weight and bias gradients.
  std::size_t group_floats() const;
  std::size_t sample_groups(std::size_t n) const;
  // group(g, s0, s1) for every group g of samples [s0, s1), on the pool.
  template <class F>
  void for_sample_groups(std::size_t n, F&& group) const;

  Options options_;
  ConvGeometry geometry_;
  std::vector<float> weight_, bias_, weight_grad_, bias_grad_;
};

}  // namespace simdnorm::nn
