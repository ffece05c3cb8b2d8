#include "nn/sample_shape.hpp"

#include <stdexcept>

namespace simdnorm::nn {

SampleShape SampleShape::of(std::initializer_list<std::size_t> dims) {
  if (dims.size() > kMaxRank)
    throw std::invalid_argument("SampleShape: dims: expected at most 3 dimensions, given " +
                                std::to_string(dims.size()));
  SampleShape s;
  for (const std::size_t d : dims) s.dims[s.rank++] = d;
  return s;
}

std::size_t SampleShape::size() const {
  std::size_t n = 1;
  for (std::size_t i = 0; i < rank; ++i) n *= dims[i];
  return n;
}

std::string to_string(const SampleShape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(shape.dims[i]);
  }
  return s + "]";
}

}  // namespace simdnorm::nn
