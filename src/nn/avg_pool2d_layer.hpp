#pragma once
// nn.AvgPool2d (ceil_mode = False) on NCHW batches. count_include_pad = true (PyTorch's default)
// divides every window by kernel²; false divides by the window's positions inside the image.

#include <cstddef>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "nn/pooling_window.hpp"

namespace simdnorm::nn {

class AvgPool2d final : public Layer {
 public:
  struct Options {
    PoolWindow window;
    bool count_include_pad = true;
  };
  // {kernelSize, stride = kernelSize, padding = 0, countIncludePad = true}.
  static Options parse(const LayerSpec& spec);

  AvgPool2d(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "AvgPool2d"; }
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;

 private:
  // Calls f(i, j, 1/divisor) for every input position of output (r, c)'s window.
  template <class F>
  void for_window(std::size_t r, std::size_t c, F&& f) const;
  Options options_;
};

}  // namespace simdnorm::nn
