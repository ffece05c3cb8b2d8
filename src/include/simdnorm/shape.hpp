#pragma once
// Tensor shapes as batch normalization sees them: [N, C, S] channels-first or [N, S, C]
// channels-last, where S is the product of the spatial dimensions (1 for NC).

#include <cstddef>
#include <string>

namespace simdnorm {

enum class Layout {
  ChannelsFirst,  // NC, NCL, NCHW, NCDHW: channel c of sample n is S contiguous floats
  ChannelsLast,   // NLC, NHWC, NDHWC: each of the N·S positions holds C contiguous floats
};

struct Shape {
  std::size_t n = 0;  // batch
  std::size_t c = 0;  // channels (features)
  std::size_t s = 1;  // spatial positions per sample and channel
  Layout layout = Layout::ChannelsFirst;

  // Elements in the tensor. Shapes whose product overflows size_t are rejected by validation.
  std::size_t numel() const { return n * c * s; }
  // Values that make up one channel's statistics (N·S).
  std::size_t per_channel() const { return n * s; }

  static Shape nc(std::size_t n, std::size_t c) { return {n, c, 1, Layout::ChannelsFirst}; }
  static Shape ncl(std::size_t n, std::size_t c, std::size_t l) {
    return {n, c, l, Layout::ChannelsFirst};
  }
  static Shape nchw(std::size_t n, std::size_t c, std::size_t h, std::size_t w) {
    return {n, c, h * w, Layout::ChannelsFirst};
  }
  static Shape ncdhw(std::size_t n, std::size_t c, std::size_t d, std::size_t h, std::size_t w) {
    return {n, c, d * h * w, Layout::ChannelsFirst};
  }
  static Shape nlc(std::size_t n, std::size_t l, std::size_t c) {
    return {n, c, l, Layout::ChannelsLast};
  }
  static Shape nhwc(std::size_t n, std::size_t h, std::size_t w, std::size_t c) {
    return {n, c, h * w, Layout::ChannelsLast};
  }
};

// "[N, C, S] channels-first" — used in error messages.
std::string to_string(const Shape& shape);

}  // namespace simdnorm
