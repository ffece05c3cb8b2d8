// StepBatchNorm: BatchNorm's per-call bookkeeping with one slot of statistics per time step.

#include "simdnorm/step_batch_norm.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/saved_input.hpp"
#include "core/validate.hpp"

namespace simdnorm {

StepBatchNorm::StepBatchNorm(std::size_t num_features, std::size_t time_steps, Options options)
    : num_features_(num_features), time_steps_(time_steps), options_(options) {
  constexpr std::string_view fn = "StepBatchNorm";
  if (num_features == 0) detail::fail(ErrorCode::range, fn, "num_features", "at least 1", "0");
  if (time_steps == 0) detail::fail(ErrorCode::range, fn, "time_steps", "at least 1", "0");
  detail::check_eps(fn, options.eps);
  if (options.momentum) detail::check_momentum(fn, *options.momentum);
  if (options.renorm)
    detail::fail(ErrorCode::range, fn, "options.renorm",
                 "none (per-step statistics are plain BN statistics)", "a renorm setting");
  if (options.virtual_batch_size != 0)
    detail::fail(ErrorCode::range, fn, "options.virtual_batch_size",
                 "0 (per-step statistics use the whole batch)",
                 std::to_string(options.virtual_batch_size));
  if (options.affine) {
    weight_.resize(num_features);
    bias_.resize(num_features);
    weight_grad_.assign(num_features, 0.f);
    bias_grad_.assign(num_features, 0.f);
  }
  if (options.track_running_stats) {
    running_mean_.resize(num_features * time_steps);
    running_var_.resize(num_features * time_steps);
  }
  num_batches_tracked_.resize(time_steps);
  saved_.resize(time_steps);
  reset_parameters();
}

void StepBatchNorm::reset_running_stats() {
  std::fill(running_mean_.begin(), running_mean_.end(), 0.f);
  std::fill(running_var_.begin(), running_var_.end(), 1.f);
  std::fill(num_batches_tracked_.begin(), num_batches_tracked_.end(), 0);
}

void StepBatchNorm::reset_parameters() {
  reset_running_stats();
  std::fill(weight_.begin(), weight_.end(), 1.f);
  std::fill(bias_.begin(), bias_.end(), 0.f);
}

NormParams StepBatchNorm::params() const {
  return {weight_, bias_, options_.eps, options_.relu};
}

std::size_t StepBatchNorm::statistics_slot(std::size_t step) const {
  std::size_t trained = 0;  // one past the last step with a running-statistics update
  for (std::size_t t = 0; t < time_steps_; ++t)
    if (num_batches_tracked_[t] > 0) trained = t + 1;
  return std::min(step, (trained ? trained : time_steps_) - 1);
}

bool StepBatchNorm::check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                                  std::size_t step, std::span<float> y) const {
  detail::check_shape(fn, shape);
  if (shape.c != num_features_)
    detail::fail(ErrorCode::shape, fn, "shape.c", std::to_string(num_features_) + " (num_features)",
                 std::to_string(shape.c));
  detail::check_tensor(fn, "x", x.size(), shape);
  detail::check_tensor(fn, "y", y.size(), shape);
  if (training_ && step >= time_steps_)
    detail::fail(ErrorCode::range, fn, "step",
                 "a time step in [0, " + std::to_string(time_steps_) + ") in training mode",
                 std::to_string(step));
  const bool batch_stats = training_ || !options_.track_running_stats;
  if (batch_stats && shape.per_channel() != 0) detail::check_trainable(fn, shape);
  return batch_stats;
}

void StepBatchNorm::forward_into(std::span<const float> x, const Shape& shape, std::size_t step,
                                 std::span<float> y, bool batch_stats, const StepStatistics& saved,
                                 std::span<float> x_copy) {
  if (shape.per_channel() == 0) return;
  if (!batch_stats) {
    const std::size_t t = statistics_slot(step);
    detail::normalize_saving_input(x, shape, params(), slot(running_mean_, t),
                                   slot(running_var_, t), y, x_copy);
    return;
  }
  // forward_training's two passes, the copy of x in the second.
  detail::batch_normalize_saving_input(x, {}, shape, params(), saved.mean, saved.var, y, x_copy);
  for (std::size_t c = 0; c < shape.c; ++c)
    saved.invstd[c] = 1.f / std::sqrt(saved.var[c] + options_.eps);
  if (training_ && options_.track_running_stats) {
    const std::int64_t tracked = ++num_batches_tracked_[step];
    const float momentum = options_.momentum ? *options_.momentum : 1.f / float(tracked);
    update_running_stats(saved.mean, saved.var, shape.per_channel(), momentum,
                         slot(running_mean_, step), slot(running_var_, step));
  }
}

void StepBatchNorm::forward(std::span<const float> x, const Shape& shape, std::size_t step,
                            std::span<float> y) {
  const bool batch_stats = check_forward("StepBatchNorm::forward", x, shape, step, y);
  Saved& s = saved_[std::min(step, time_steps_ - 1)];
  s.step = step;
  s.shape = shape;
  s.batch_stats = batch_stats;
  const detail::ForwardInput in = detail::keep_input(s.input, s.input_offset, x, y);
  s.mean.resize(num_features_);
  s.invstd.resize(num_features_);
  s.var.resize(num_features_);
  forward_into(in.x, shape, step, y, batch_stats, {s.mean, s.invstd, s.var}, in.x_copy);
}

void StepBatchNorm::forward(std::span<const float> x, const Shape& shape, std::size_t step,
                            std::span<float> y, const StepStatistics& saved) {
  constexpr std::string_view fn = "StepBatchNorm::forward";
  const bool batch_stats = check_forward(fn, x, shape, step, y);
  for (const auto& [arg, v] :
       {std::pair{"saved.mean", saved.mean}, std::pair{"saved.invstd", saved.invstd},
        std::pair{"saved.var", saved.var}})
    detail::check_size(fn, arg, v.size(), num_features_, "num_features");
  detail::check_alias(fn, "y", y, "x", x);
  forward_into(x, shape, step, y, batch_stats, saved, {});
}

void StepBatchNorm::backward_from(std::span<const float> dy, std::span<const float> x,
                                  const Shape& shape, std::size_t step, bool batch_stats,
                                  std::span<const float> mean, std::span<const float> invstd,
                                  const Gradients& grads) {
  if (batch_stats) {
    backward_training(dy, x, shape, params(), mean, invstd, grads);
  } else {
    const std::size_t t = statistics_slot(step);
    backward_inference(dy, x, shape, params(), slot(running_mean_, t), slot(running_var_, t),
                       grads);
  }
}

void StepBatchNorm::backward(std::span<const float> dy, std::size_t step, std::span<float> dx) {
  constexpr std::string_view fn = "StepBatchNorm::backward";
  const Saved& s = saved_[std::min(step, time_steps_ - 1)];
  if (s.step != step)
    detail::fail(ErrorCode::state, fn, "step", "a step whose forward() came before",
                 std::to_string(step));
  const std::string what =
      "the shape of step " + std::to_string(step) + "'s forward " + to_string(s.shape);
  detail::check_size(fn, "dy", dy.size(), s.shape.numel(), what);
  detail::check_size(fn, "dx", dx.size(), s.shape.numel(), what);
  backward_from(dy, std::span<const float>(s.input).subspan(s.input_offset, s.shape.numel()),
                s.shape, step, s.batch_stats, s.mean, s.invstd, {dx, weight_grad_, bias_grad_});
}

void StepBatchNorm::backward(std::span<const float> dy, std::span<const float> x,
                             const Shape& shape, std::size_t step, const StepStatistics& saved,
                             std::span<float> dx, std::span<float> dweight,
                             std::span<float> dbias) {
  const bool batch_stats = training_ || !options_.track_running_stats;
  backward_from(dy, x, shape, step, batch_stats, saved.mean, saved.invstd, {dx, dweight, dbias});
}

}  // namespace simdnorm
