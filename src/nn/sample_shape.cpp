#include "nn/sample_shape.hpp"

#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {

SampleShape SampleShape::of(std::initializer_list<std::size_t> dims) {
  if (dims.size() > kMaxRank)
    throw Error(ErrorCode::shape, "SampleShape: dims: expected at most 3 dimensions, given " +
                                      std::to_string(dims.size()));
  SampleShape s;
  for (const std::size_t d : dims) s.dims[s.rank++] = d;
  return s;
}

void check_tensor_floats(const std::string& name, double count, const std::string& what) {
  if (count > double(kMaxTensorFloats)) {
    std::ostringstream s;
    s << name << ": expected at most " << kMaxTensorFloats << " floats (" << what << "), given "
      << std::fixed << std::setprecision(0) << count;
    throw Error(ErrorCode::range, s.str());
  }
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
