#pragma once
// torch.optim.RMSprop (1.13) exactly: g ← grad + weight_decay·p; s ← α·s + (1 − α)·g²;
// centered: a ← α·a + (1 − α)·g and avg = √(s − a²) + eps, else avg = √s + eps; with momentum
// b ← momentum·b + g/avg and p ← p − lr·b, else p ← p − lr·g/avg.

#include <vector>

#include "nn/optim/optimizer.hpp"

namespace simdnorm::nn::optim {

struct RMSpropOptions {
  float lr = 1e-2f;
  float alpha = 0.99f;
  float eps = 1e-8f;
  float weight_decay = 0;
  float momentum = 0;
  bool centered = false;
};

class RMSprop final : public Optimizer {
 public:
  // Throws std::invalid_argument for negative or non-finite alpha, eps, weight_decay, momentum.
  RMSprop(std::vector<Parameter> params, const RMSpropOptions& options);
  void step() override;
  const RMSpropOptions& options() const { return options_; }

 private:
  RMSpropOptions options_;
  std::vector<std::vector<float>> square_avg_, grad_avg_, momentum_buffer_;
};

}  // namespace simdnorm::nn::optim
