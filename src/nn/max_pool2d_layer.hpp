#pragma once
// nn.MaxPool2d (ceil_mode = False, dilation 1) on NCHW batches. Like PyTorch's CPU kernel, the
// first maximum of a window wins a tie and a NaN wins over any number; backward routes each dy
// to that one input (summing where windows overlap).

#include <cstddef>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "nn/pooling_window.hpp"

namespace simdnorm::nn {

class MaxPool2d final : public Layer {
 public:
  // {kernelSize, stride = kernelSize, padding = 0}.
  static PoolWindow parse(const LayerSpec& spec);

  MaxPool2d(const PoolWindow& window, const SampleShape& in);

  std::string_view type() const override { return "MaxPool2d"; }
  // Saved: the argmax of every output, as the input's index within its plane (exact in a float
  // below 2^24 positions per plane).
  WorkspaceSize workspace_size(std::size_t n) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;

 private:
  // Planes (samples × channels) per task on the pool.
  std::size_t plane_grain() const;
  PoolWindow window_;
};

}  // namespace simdnorm::nn
