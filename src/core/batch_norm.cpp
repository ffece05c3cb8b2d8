// The BatchNorm module: PyTorch's mode and running-statistics bookkeeping over functional.hpp.

#include "simdnorm/batch_norm.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/validate.hpp"

namespace simdnorm {

BatchNorm::BatchNorm(std::size_t num_features, Options options)
    : num_features_(num_features), options_(options) {
  constexpr std::string_view fn = "BatchNorm";
  if (num_features == 0) detail::fail(ErrorCode::range, fn, "num_features", "at least 1", "0");
  detail::check_eps(fn, options.eps);
  if (options.momentum) detail::check_momentum(fn, *options.momentum);
  if (options.affine) {
    weight_.resize(num_features);
    bias_.resize(num_features);
    weight_grad_.assign(num_features, 0.f);
    bias_grad_.assign(num_features, 0.f);
  }
  if (options.track_running_stats) {
    running_mean_.resize(num_features);
    running_var_.resize(num_features);
  }
  reset_parameters();
}

void BatchNorm::reset_running_stats() {
  std::fill(running_mean_.begin(), running_mean_.end(), 0.f);
  std::fill(running_var_.begin(), running_var_.end(), 1.f);
  num_batches_tracked_ = 0;
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  std::fill(weight_.begin(), weight_.end(), 1.f);
  std::fill(bias_.begin(), bias_.end(), 0.f);
}

NormParams BatchNorm::params() const {
  return {weight_, bias_, options_.eps, options_.relu};
}

bool BatchNorm::check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                              std::span<const float> y) const {
  detail::check_shape(fn, shape);
  if (shape.c != num_features_)
    detail::fail(ErrorCode::shape, fn, "shape.c", std::to_string(num_features_) + " (num_features)",
                 std::to_string(shape.c));
  detail::check_size(fn, "x", x.size(), shape.numel(), "N·C·S of shape " + to_string(shape));
  detail::check_size(fn, "y", y.size(), shape.numel(), "N·C·S of shape " + to_string(shape));
  const bool batch_stats = training_ || !options_.track_running_stats;
  if (batch_stats && shape.per_channel() != 0) detail::check_trainable(fn, shape);
  return batch_stats;
}

void BatchNorm::forward(std::span<const float> x, const Shape& shape, std::span<float> y) {
  const bool batch_stats = check_forward("BatchNorm::forward", x, shape, y);
  input_.assign(x.begin(), x.end());  // before y is written: y may alias x
  input_borrowed_ = false;
  run_forward(input_, shape, y, batch_stats);
}

void BatchNorm::forward_borrowed(std::span<const float> x, const Shape& shape, std::span<float> y) {
  constexpr std::string_view fn = "BatchNorm::forward_borrowed";
  const bool batch_stats = check_forward(fn, x, shape, y);
  // Compared as integers: relational operators on pointers into different arrays are unspecified.
  const auto x_begin = reinterpret_cast<std::uintptr_t>(x.data());
  const auto y_begin = reinterpret_cast<std::uintptr_t>(y.data());
  if (!x.empty() && x_begin < y_begin + y.size_bytes() && y_begin < x_begin + x.size_bytes())
    detail::fail(ErrorCode::range, fn, "y", "memory apart from x (backward reads x)",
                 "an overlapping span");
  input_ = {};  // the copy of an earlier forward() is no longer needed
  borrowed_input_ = x;
  input_borrowed_ = true;
  run_forward(x, shape, y, batch_stats);
}

void BatchNorm::run_forward(std::span<const float> x, const Shape& shape, std::span<float> y,
                            bool batch_stats) {
  last_shape_ = shape;
  last_used_batch_stats_ = batch_stats;
  // Sized even for an empty batch: backward() after it passes them on (and zeroes the grads).
  save_mean_.resize(num_features_);
  save_invstd_.resize(num_features_);
  batch_var_.resize(num_features_);
  if (shape.per_channel() == 0) return;  // PyTorch-style no-op: nothing to normalize or track

  if (!batch_stats) {
    forward_inference(x, shape, params(), running_mean_, running_var_, y);
    return;
  }
  forward_training(x, shape, params(), y, save_mean_, save_invstd_, batch_var_);
  if (training_ && options_.track_running_stats) {
    ++num_batches_tracked_;
    const float momentum =
        options_.momentum ? *options_.momentum : 1.f / float(num_batches_tracked_);
    update_running_stats(save_mean_, batch_var_, shape.per_channel(), momentum, running_mean_,
                         running_var_);
  }
}

void BatchNorm::backward(std::span<const float> dy, std::span<float> dx) {
  constexpr std::string_view fn = "BatchNorm::backward";
  if (!last_shape_)
    detail::fail(ErrorCode::state, fn, "dy", "a forward() before backward()", "none");
  const Shape& shape = *last_shape_;
  detail::check_size(fn, "dy", dy.size(), shape.numel(),
                     "the last forward's shape " + to_string(shape));
  detail::check_size(fn, "dx", dx.size(), shape.numel(),
                     "the last forward's shape " + to_string(shape));
  const Gradients grads{dx, weight_grad_, bias_grad_};
  if (last_used_batch_stats_) {
    backward_training(dy, saved_input(), shape, params(), save_mean_, save_invstd_, grads);
  } else {
    backward_inference(dy, saved_input(), shape, params(), running_mean_, running_var_, grads);
  }
}

}  // namespace simdnorm
