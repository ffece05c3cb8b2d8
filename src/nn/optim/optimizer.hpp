#pragma once
// The base of the engine's optimizers (simdnorm::nn::optim mirrors torch.optim): a list of
// parameters, each with the gradient span its layer's backward writes, registered once; step()
// updates them in place and allocates nothing.

#include <span>
#include <type_traits>
#include <vector>

#include "nn/layer.hpp"

namespace simdnorm::nn::optim {

// Throws Error(range) naming `name` unless v is finite and ≥ 0 (torch.optim's option checks).
void check_non_negative(const char* name, float v);

// f(std::true_type{}) or f(std::false_type{}): a run-time option becomes a template argument of
// the update loop, so the loop carries no branch (GCC does not unswitch it) and vectorizes.
template <class F>
void with_flag(bool on, F f) {
  on ? f(std::true_type{}) : f(std::false_type{});
}

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
