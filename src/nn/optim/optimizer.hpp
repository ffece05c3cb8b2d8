#pragma once
// The base of the engine's optimizers (simdnorm::nn::optim mirrors torch.optim): a list of
// parameters, each with the gradient span its layer's backward writes, registered once; step()
// updates them in place and allocates nothing.

#include <span>
#include <vector>

#include "nn/layer.hpp"

namespace simdnorm::nn::optim {

class Optimizer {
 public:
  // Throws std::invalid_argument for lr < 0 or not finite.
  Optimizer(std::vector<Parameter> params, float lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual void step() = 0;
  // Sets every gradient to 0 (backward overwrites them anyway; for callers that accumulate).
  void zero_grad();

  float lr() const { return lr_; }
  void set_lr(float lr);
  std::span<const Parameter> params() const { return params_; }

 protected:
  std::vector<Parameter> params_;
  float lr_;
};

}  // namespace simdnorm::nn::optim
