#include "nn/state_dict.hpp"

namespace simdnorm::nn {

std::string shape_to_string(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace simdnorm::nn
