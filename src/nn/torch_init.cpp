#include "nn/torch_init.hpp"

#include <cmath>

namespace simdnorm::nn {

double default_init_bound(std::size_t fan_in) {
  return fan_in ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
}

void fill_uniform(std::span<float> values, double bound, Rng& rng) {
  for (float& v : values) v = float((2 * rng.uniform() - 1) * bound);
}

}  // namespace simdnorm::nn
