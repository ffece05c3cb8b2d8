#include "nn/mse_loss.hpp"

#include <stdexcept>
#include <string>

namespace simdnorm::nn {

double mse_loss(std::span<const float> y, std::span<const float> target, std::span<float> dy) {
  if (target.size() != y.size())
    throw std::invalid_argument("mse_loss: target: expected " + std::to_string(y.size()) +
                                " floats (as many as the output), given " +
                                std::to_string(target.size()));
  if (!dy.empty() && dy.size() != y.size())
    throw std::invalid_argument("mse_loss: dy: expected " + std::to_string(y.size()) +
                                " floats or none, given " + std::to_string(dy.size()));
  if (y.empty()) return 0;
  const double scale = 1.0 / double(y.size());
  double total = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double d = double(y[i]) - target[i];
    total += d * d;
    if (!dy.empty()) dy[i] = float(2 * d * scale);
  }
  return total * scale;
}

}  // namespace simdnorm::nn
