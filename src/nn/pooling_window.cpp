#include "nn/pooling_window.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {

PoolWindow PoolWindow::parse(SpecArgs& args) {
  PoolWindow w;
  w.kernel_size = args.integer("kernelSize", 1);
  w.stride = args.integer("stride", 1, w.kernel_size);
  w.padding = args.integer("padding", 0, 0);
  return w;
}

SampleShape PoolWindow::output_shape_for(const SampleShape& in) const {
  if (in.rank != 3)
    throw Error(ErrorCode::shape,
                "input: expected [channels, height, width], given " + to_string(in));
  if (2 * padding > kernel_size)
    throw Error(ErrorCode::range, "padding: expected at most half the kernel size (" +
                                      std::to_string(kernel_size / 2) + "), given " +
                                      std::to_string(padding));
  const std::size_t reach = std::min(in[1], in[2]) + 2 * padding;
  if (kernel_size > reach)
    throw Error(ErrorCode::shape, "kernelSize: expected at most " + std::to_string(reach) +
                                      " (the padded input " + to_string(in) + "), given " +
                                      std::to_string(kernel_size));
  return SampleShape::of({in[0], (in[1] + 2 * padding - kernel_size) / stride + 1,
                          (in[2] + 2 * padding - kernel_size) / stride + 1});
}

}  // namespace simdnorm::nn
