#pragma once
// torch.optim.Adam (1.13, amsgrad = False) exactly: g ← grad + weight_decay·p;
// m ← m + (1 − β1)·(g − m); v ← β2·v + (1 − β2)·g²; p ← p − lr/(1 − β1^t) · m /
// (√v/√(1 − β2^t) + eps).

#include <array>
#include <cstdint>
#include <vector>

#include "nn/optim/optimizer.hpp"

namespace simdnorm::nn::optim {

struct AdamOptions {
  float lr = 1e-3f;
  std::array<float, 2> betas = {0.9f, 0.999f};
  float eps = 1e-8f;
  float weight_decay = 0;
};

class Adam final : public Optimizer {
 public:
  // Throws std::invalid_argument for betas outside [0, 1), negative eps or weight_decay.
  Adam(std::vector<Parameter> params, const AdamOptions& options);
  void step() override;
  const AdamOptions& options() const { return options_; }

 private:
  AdamOptions options_;
  std::vector<std::vector<float>> exp_avg_, exp_avg_sq_;
  std::int64_t step_ = 0;
};

}  // namespace simdnorm::nn::optim
