#pragma once
// A model's state as PyTorch's nn.Sequential.state_dict() names it: "<layer index>.<attribute>"
// ("0.weight", "1.running_mean", "1.num_batches_tracked"), parameters before buffers within a
// layer, layers in order. Values are floats; num_batches_tracked (an int64 in PyTorch) is stored
// as a float, exact up to 2^24 batches.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace simdnorm::nn {

struct StateTensor {
  std::vector<std::size_t> shape;  // PyTorch's shape; [] for a scalar; empty and ignored on load
  std::vector<float> values;
};

using StateDict = std::vector<std::pair<std::string, StateTensor>>;

// "[8, 1, 3, 3]"
std::string shape_to_string(const std::vector<std::size_t>& shape);

}  // namespace simdnorm::nn
