#pragma once
// The lowering that turns a 2-D convolution of one sample into one matrix product: column matrix
// col[(c·k + i)·k + j, oh·out_w + ow] = x[c, oh·stride − pad + i, ow·stride − pad + j] (0 outside
// the image). Conv2d then computes W[out_c, in_c·k·k]·col = y[out_c, out_h·out_w], and backward
// scatters Wᵀ·dy back with col2im.

#include <cstddef>

namespace simdnorm::nn {

struct ConvGeometry {
  std::size_t channels = 0, height = 0, width = 0;  // one sample's input
  std::size_t kernel = 1, stride = 1, padding = 0;
  std::size_t out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
  std::size_t out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
  std::size_t col_rows() const { return channels * kernel * kernel; }
  std::size_t col_cols() const { return out_height() * out_width(); }
};

// col holds col_rows()·col_cols() floats.
void im2col(const float* x, const ConvGeometry& g, float* col);
// x = the sum of col's entries at the positions im2col read them from (overwrites x).
void col2im(const float* col, const ConvGeometry& g, float* x);

}  // namespace simdnorm::nn
