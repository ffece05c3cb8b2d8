#include "nn/max_pool2d_layer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/parallel.hpp"
#include "core/partition.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {

PoolWindow MaxPool2d::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  const PoolWindow w = PoolWindow::parse(args);
  args.finish();
  return w;
}

MaxPool2d::MaxPool2d(const PoolWindow& window, const SampleShape& in)
    : Layer(in, window.output_shape_for(in)), window_(window) {
  if (in[1] * in[2] > (std::size_t(1) << 24))
    throw Error(ErrorCode::shape,
                "input: expected at most 2^24 positions per plane, given " + to_string(in));
}

std::size_t MaxPool2d::plane_grain() const {
  // Planes per task: about the BN partition's piece size of input each (a memory-bound pass,
  // the same cut-over).
  return std::max<std::size_t>(1, detail::piece_floats() / (input_shape()[1] * input_shape()[2]));
}

WorkspaceSize MaxPool2d::workspace_size(std::size_t n) const {
  return {n * output_shape().size(), 0};
}

void MaxPool2d::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                        LayerWorkspace ws) {
  const std::size_t h = input_shape()[1], w = input_shape()[2];
  const std::size_t oh = output_shape()[1], ow = output_shape()[2];
  const std::size_t planes = n * input_shape()[0];
  const std::size_t k = window_.kernel_size, s = window_.stride, p = window_.padding;
  detail::parallel_ranges(planes, plane_grain(), [&](std::size_t pl0, std::size_t pl1) {
    for (std::size_t pl = pl0; pl < pl1; ++pl) {
      const float* xp = x.data() + pl * h * w;
      float* yp = y.data() + pl * oh * ow;
      float* arg = ws.saved.data() + pl * oh * ow;
      for (std::size_t r = 0; r < oh; ++r)
        for (std::size_t c = 0; c < ow; ++c) {
          // Window rows [r·s − p, r·s − p + k) clipped to the image (padding is −∞).
          const std::size_t r0 = r * s >= p ? r * s - p : 0, r1 = std::min(h, r * s + k - p);
          const std::size_t c0 = c * s >= p ? c * s - p : 0, c1 = std::min(w, c * s + k - p);
          float best = -std::numeric_limits<float>::infinity();
          std::size_t best_at = r0 * w + c0;
          for (std::size_t i = r0; i < r1; ++i)
            for (std::size_t j = c0; j < c1; ++j) {
              const float v = xp[i * w + j];
              if (v > best || std::isnan(v)) {
                best = v;
                best_at = i * w + j;
                if (std::isnan(v)) goto done;
              }
            }
        done:
          yp[r * ow + c] = best;
          arg[r * ow + c] = float(best_at);
        }
    }
  });
}

void MaxPool2d::backward(std::span<const float>, std::span<const float>, std::span<const float> dy,
                         std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  if (dx.empty()) return;
  const std::size_t plane_in = input_shape()[1] * input_shape()[2];
  const std::size_t plane_out = output_shape()[1] * output_shape()[2];
  const std::size_t planes = n * input_shape()[0];
  // A plane's gradient comes from its own output plane alone: planes split with no merge.
  detail::parallel_ranges(planes, plane_grain(), [&](std::size_t pl0, std::size_t pl1) {
    std::fill(dx.begin() + std::ptrdiff_t(pl0 * plane_in),
              dx.begin() + std::ptrdiff_t(pl1 * plane_in), 0.f);
    for (std::size_t pl = pl0; pl < pl1; ++pl) {
      float* dxp = dx.data() + pl * plane_in;
      const float* dyp = dy.data() + pl * plane_out;
      const float* arg = ws.saved.data() + pl * plane_out;
      for (std::size_t q = 0; q < plane_out; ++q) dxp[std::size_t(arg[q])] += dyp[q];
    }
  });
}

}  // namespace simdnorm::nn
