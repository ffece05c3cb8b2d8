#pragma once
// The window arithmetic nn.MaxPool2d and nn.AvgPool2d share (ceil_mode = False, dilation 1):
// out = (size + 2·padding − kernel)/stride + 1, padding ≤ kernel/2 (as PyTorch requires).

#include <cstddef>

#include "nn/layer_spec.hpp"
#include "nn/sample_shape.hpp"

namespace simdnorm::nn {

struct PoolWindow {
  std::size_t kernel_size = 1;
  std::size_t stride = 1;  // defaults to kernel_size
  std::size_t padding = 0;

  // Reads {kernelSize, stride = kernelSize, padding = 0}; `args.finish()` is the caller's.
  static PoolWindow parse(SpecArgs& args);
  // Input [C, H, W]; throws std::invalid_argument for a window larger than the padded input or
  // padding > kernelSize/2.
  SampleShape output_shape_for(const SampleShape& in) const;
};

}  // namespace simdnorm::nn
