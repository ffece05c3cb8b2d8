#pragma once
// Mean squared error, torch.nn.MSELoss(reduction='mean'): mean over all n·features elements.

#include <cstddef>
#include <span>

namespace simdnorm::nn {

// Returns Σ (y − target)² / y.size(); dy, if not empty, receives 2·(y − target)/y.size() and may
// alias y. Throws std::invalid_argument when target or dy differ in size from y.
double mse_loss(std::span<const float> y, std::span<const float> target, std::span<float> dy);

}  // namespace simdnorm::nn
