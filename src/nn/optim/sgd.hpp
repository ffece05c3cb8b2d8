#pragma once
// torch.optim.SGD (1.13) exactly: g ← grad + weight_decay·p; with momentum, the buffer starts as
// a copy of g on the first step, then b ← momentum·b + (1 − dampening)·g; nesterov uses
// g + momentum·b, otherwise b; p ← p − lr·(that).

#include <vector>

#include "nn/optim/optimizer.hpp"

namespace simdnorm::nn::optim {

struct SGDOptions {
  float lr = 0.01f;
  float momentum = 0;
  float dampening = 0;
  float weight_decay = 0;
  bool nesterov = false;
};

class SGD final : public Optimizer {
 public:
  // Throws std::invalid_argument for negative or non-finite values, and for nesterov without
  // momentum > 0 and dampening = 0 (as torch does).
  SGD(std::vector<Parameter> params, const SGDOptions& options);
  void step() override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
  std::vector<std::vector<float>> momentum_buffer_;
  bool first_step_ = true;
};

}  // namespace simdnorm::nn::optim
