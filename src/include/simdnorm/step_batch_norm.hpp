#pragma once
// StepBatchNorm: batch normalization with statistics per time step, for recurrent networks
// (Cooijmans et al. 2016, "Recurrent Batch Normalization"). T slots of batch and running
// statistics, one per step, and one γ/β shared by all steps. Each slot follows BatchNorm's
// (PyTorch's) semantics: the module equals T nn.BatchNorm1d modules whose γ/β are tied.
// In eval mode, steps after the last trained one (the highest step with num_batches_tracked > 0)
// use its running statistics, as the paper does for sequences longer than the training ones;
// in training mode the step must be in [0, T). Renorm and ghost batches are not supported here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "simdnorm/batch_norm.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm {

class StepBatchNorm {
 public:
  // Throws std::invalid_argument for num_features or time_steps = 0, bad eps or momentum, and
  // options with renorm or virtual_batch_size.
  StepBatchNorm(std::size_t num_features, std::size_t time_steps, Options options = {});

  // y = BN_step(x), as BatchNorm::forward with step `step`'s statistics. Keeps a copy of x for
  // backward(step), written by the normalize pass from the loads of x; y may be x.
  void forward(std::span<const float> x, const Shape& shape, std::size_t step, std::span<float> y);

  // Gradients of the last forward of `step`: writes dx (may be dy) and *overwrites* weight_grad()
  // and bias_grad() with this step's share (callers backpropagating through time sum them).
  void backward(std::span<const float> dy, std::size_t step, std::span<float> dx);

  // What one forward's backward needs when the caller, not the module, holds it (the layer
  // engine plans its memory once): batch mean, 1/sqrt(var + eps), biased variance, C floats each.
  struct StepStatistics {
    std::span<float> mean, invstd, var;
  };
  // forward() without the module's copy of x: allocates nothing; the batch statistics go to
  // `saved`. The caller keeps x and `saved` for the matching backward; y may be x.
  void forward(std::span<const float> x, const Shape& shape, std::size_t step, std::span<float> y,
               const StepStatistics& saved);
  // Backward of that forward in the same mode: writes dx (apart from dy and x) and *overwrites*
  // dweight and dbias (C floats each, or empty without affine) with this step's share.
  void backward(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                std::size_t step, const StepStatistics& saved, std::span<float> dx,
                std::span<float> dweight, std::span<float> dbias);

  void train(bool on = true) { training_ = on; }
  void eval() { training_ = false; }
  bool training() const { return training_; }

  std::size_t num_features() const { return num_features_; }
  std::size_t time_steps() const { return time_steps_; }
  const Options& options() const { return options_; }

  // γ/β (C floats, empty without affine); running statistics T·C floats, step t's at [t·C, (t+1)·C)
  // (empty without track_running_stats); num_batches_tracked T counts.
  std::span<float> weight() { return weight_; }
  std::span<float> bias() { return bias_; }
  std::span<float> running_mean() { return running_mean_; }
  std::span<float> running_var() { return running_var_; }
  std::span<std::int64_t> num_batches_tracked() { return num_batches_tracked_; }
  std::span<const float> weight() const { return weight_; }
  std::span<const float> bias() const { return bias_; }
  std::span<const float> running_mean() const { return running_mean_; }
  std::span<const float> running_var() const { return running_var_; }
  std::span<const std::int64_t> num_batches_tracked() const { return num_batches_tracked_; }
  std::span<const float> weight_grad() const { return weight_grad_; }
  std::span<const float> bias_grad() const { return bias_grad_; }

  // The slot whose running statistics step `step` uses in eval mode.
  std::size_t statistics_slot(std::size_t step) const;

  void reset_running_stats();  // every slot: mean 0, var 1, num_batches_tracked 0
  void reset_parameters();     // running stats, γ = 1, β = 0

 private:
  NormParams params() const;
  // Checks forward()'s arguments; returns whether that forward normalizes with batch statistics.
  bool check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                     std::size_t step, std::span<float> y) const;
  // x_copy, when not empty, receives x from the normalize pass's loads (core/saved_input.hpp).
  void forward_into(std::span<const float> x, const Shape& shape, std::size_t step,
                    std::span<float> y, bool batch_stats, const StepStatistics& saved,
                    std::span<float> x_copy);
  void backward_from(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                     std::size_t step, bool batch_stats, std::span<const float> mean,
                     std::span<const float> invstd, const Gradients& grads);
  std::span<float> slot(std::vector<float>& v, std::size_t t) const {
    return std::span(v).subspan(t * num_features_, num_features_);
  }

  // What backward(step) needs from the last forward of that step; forwards of steps ≥ T (eval)
  // are kept in the last slot, tagged with their step.
  struct Saved {
    std::optional<std::size_t> step;
    Shape shape;
    bool batch_stats = false;
    std::vector<float> input, mean, invstd, var;
    std::size_t input_offset = 0;  // x's copy in input (core/saved_input.hpp)
  };

  std::size_t num_features_, time_steps_;
  Options options_;
  bool training_ = true;
  std::vector<float> weight_, bias_, running_mean_, running_var_;
  std::vector<std::int64_t> num_batches_tracked_;
  std::vector<float> weight_grad_, bias_grad_;
  std::vector<Saved> saved_;
};

}  // namespace simdnorm
