#pragma once
// SGD, SGD with momentum (PyTorch's form: v ← μ·v + g, p ← p − lr·v) and Adam (Kingma & Ba,
// with bias correction), over a list of (parameter, gradient) spans registered once.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace simdnorm::nn {

enum class OptimizerKind { sgd, momentum, adam };

// "sgd" | "momentum" | "adam"; throws std::invalid_argument otherwise.
OptimizerKind parse_optimizer(std::string_view name);
std::string_view to_string(OptimizerKind k);

class Optimizer {
 public:
  Optimizer(OptimizerKind kind, float lr);

  // Registers a parameter and the gradient span its layer writes (same size, both stay valid
  // while the optimizer lives). Allocates the optimizer state.
  void add(std::span<float> param, std::span<const float> grad);

  // One update of every registered parameter. No allocation.
  void step();

  void set_learning_rate(float lr) { lr_ = lr; }
  float learning_rate() const { return lr_; }
  OptimizerKind kind() const { return kind_; }

  static constexpr float kMomentum = 0.9f;
  static constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kAdamEps = 1e-8f;

 private:
  struct Slot {
    std::span<float> param;
    std::span<const float> grad;
    std::vector<float> m, v;  // momentum buffer / Adam's first and second moments
  };
  OptimizerKind kind_;
  float lr_;
  std::vector<Slot> slots_;
  long long t_ = 0;
};

}  // namespace simdnorm::nn
