#include "nn/im2col.hpp"

#include <algorithm>

namespace simdnorm::nn {
namespace {

// The output columns [lo, hi) whose input coordinate o·stride − pad + offset lies in [0, size).
void valid_range(std::size_t offset, std::size_t pad, std::size_t stride, std::size_t size,
                 std::size_t outs, std::size_t& lo, std::size_t& hi) {
  // o·stride + offset ≥ pad  and  o·stride + offset < size + pad
  lo = offset >= pad ? 0 : (pad - offset + stride - 1) / stride;
  hi = size + pad > offset ? std::min(outs, (size + pad - offset + stride - 1) / stride) : 0;
  lo = std::min(lo, hi);
}

}  // namespace

void im2col(const float* x, const ConvGeometry& g, float* col) {
  const std::size_t oh = g.out_height(), ow = g.out_width();
  for (std::size_t c = 0; c < g.channels; ++c)
    for (std::size_t i = 0; i < g.kernel; ++i) {
      std::size_t y0, y1;
      valid_range(i, g.padding, g.stride, g.height, oh, y0, y1);
      for (std::size_t j = 0; j < g.kernel; ++j) {
        std::size_t x0, x1;
        valid_range(j, g.padding, g.stride, g.width, ow, x0, x1);
        float* row = col + ((c * g.kernel + i) * g.kernel + j) * oh * ow;
        const float* plane = x + c * g.height * g.width;
        for (std::size_t r = 0; r < oh; ++r) {
          float* dst = row + r * ow;
          if (r < y0 || r >= y1) {
            std::fill(dst, dst + ow, 0.f);
            continue;
          }
          // Input row r·stride + i − pad, column q·stride + j − pad: both ≥ 0 inside [x0, x1).
          const float* src = plane + (r * g.stride + i - g.padding) * g.width;
          std::fill(dst, dst + x0, 0.f);
          if (g.stride == 1 && x0 < x1) {
            std::copy(src + x0 + j - g.padding, src + x1 + j - g.padding, dst + x0);
          } else {
            for (std::size_t q = x0; q < x1; ++q) dst[q] = src[q * g.stride + j - g.padding];
          }
          std::fill(dst + x1, dst + ow, 0.f);
        }
      }
    }
}

void col2im(const float* col, const ConvGeometry& g, float* x) {
  const std::size_t oh = g.out_height(), ow = g.out_width();
  std::fill(x, x + g.channels * g.height * g.width, 0.f);
  for (std::size_t c = 0; c < g.channels; ++c)
    for (std::size_t i = 0; i < g.kernel; ++i) {
      std::size_t y0, y1;
      valid_range(i, g.padding, g.stride, g.height, oh, y0, y1);
      for (std::size_t j = 0; j < g.kernel; ++j) {
        std::size_t x0, x1;
        valid_range(j, g.padding, g.stride, g.width, ow, x0, x1);
        const float* row = col + ((c * g.kernel + i) * g.kernel + j) * oh * ow;
        float* plane = x + c * g.height * g.width;
        for (std::size_t r = y0; r < y1; ++r) {
          const float* src = row + r * ow;
          float* dst = plane + (r * g.stride + i - g.padding) * g.width;
          for (std::size_t q = x0; q < x1; ++q) dst[q * g.stride + j - g.padding] += src[q];
        }
      }
    }
}

}  // namespace simdnorm::nn
