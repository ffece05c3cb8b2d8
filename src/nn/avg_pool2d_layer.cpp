#include "nn/avg_pool2d_layer.hpp"

#include <algorithm>

namespace simdnorm::nn {

AvgPool2d::Options AvgPool2d::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.window = PoolWindow::parse(args);
  o.count_include_pad = args.flag("countIncludePad", true);
  args.finish();
  return o;
}

AvgPool2d::AvgPool2d(const Options& options, const SampleShape& in)
    : Layer(in, options.window.output_shape_for(in)), options_(options) {}

template <class F>
void AvgPool2d::for_window(std::size_t r, std::size_t c, F&& f) const {
  const std::size_t h = input_shape()[1], w = input_shape()[2];
  const PoolWindow& win = options_.window;
  const std::size_t k = win.kernel_size, s = win.stride, p = win.padding;
  const std::size_t r0 = r * s >= p ? r * s - p : 0, r1 = std::min(h, r * s + k - p);
  const std::size_t c0 = c * s >= p ? c * s - p : 0, c1 = std::min(w, c * s + k - p);
  const std::size_t count = options_.count_include_pad ? k * k : (r1 - r0) * (c1 - c0);
  const float scale = 1.f / float(count);
  for (std::size_t i = r0; i < r1; ++i)
    for (std::size_t j = c0; j < c1; ++j) f(i * w + j, scale);
}

void AvgPool2d::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                        LayerWorkspace) {
  const std::size_t plane_in = input_shape()[1] * input_shape()[2];
  const std::size_t oh = output_shape()[1], ow = output_shape()[2];
  const std::size_t planes = n * input_shape()[0];
  for (std::size_t pl = 0; pl < planes; ++pl) {
    const float* xp = x.data() + pl * plane_in;
    for (std::size_t r = 0; r < oh; ++r)
      for (std::size_t c = 0; c < ow; ++c) {
        float sum = 0, scale = 0;
        for_window(r, c, [&](std::size_t at, float sc) {
          sum += xp[at];
          scale = sc;
        });
        y[(pl * oh + r) * ow + c] = sum * scale;
      }
  }
}

void AvgPool2d::backward(std::span<const float>, std::span<const float>, std::span<const float> dy,
                         std::size_t n, std::span<float> dx, LayerWorkspace) {
  if (dx.empty()) return;
  const std::size_t plane_in = input_shape()[1] * input_shape()[2];
  const std::size_t oh = output_shape()[1], ow = output_shape()[2];
  const std::size_t planes = n * input_shape()[0];
  std::fill(dx.begin(), dx.begin() + std::ptrdiff_t(planes * plane_in), 0.f);
  for (std::size_t pl = 0; pl < planes; ++pl) {
    float* dxp = dx.data() + pl * plane_in;
    for (std::size_t r = 0; r < oh; ++r)
      for (std::size_t c = 0; c < ow; ++c) {
        const float g = dy[(pl * oh + r) * ow + c];
        for_window(r, c, [&](std::size_t at, float sc) { dxp[at] += g * sc; });
      }
  }
}

}  // namespace simdnorm::nn
