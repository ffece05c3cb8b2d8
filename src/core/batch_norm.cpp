// The BatchNorm module: PyTorch's mode and running-statistics bookkeeping over functional.hpp.

#include "simdnorm/batch_norm.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/validate.hpp"

namespace simdnorm {

BatchNorm::BatchNorm(std::size_t num_features, Options options)
    : num_features_(num_features), options_(options) {
  constexpr std::string_view fn = "BatchNorm";
  if (num_features == 0)
    throw std::invalid_argument(
        "simdnorm::BatchNorm: num_features: expected at least 1, got 0");
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

void BatchNorm::forward(std::span<const float> x, const Shape& shape, std::span<float> y) {
  constexpr std::string_view fn = "BatchNorm::forward";
  detail::check_shape(fn, shape);
  if (shape.c != num_features_)
    throw std::invalid_argument("simdnorm::BatchNorm::forward: shape.c: expected " +
                                std::to_string(num_features_) + " (num_features), got " +
                                std::to_string(shape.c));
  detail::check_size(fn, "x", x.size(), shape.numel(), "N·C·S of shape " + to_string(shape));
  detail::check_size(fn, "y", y.size(), shape.numel(), "N·C·S of shape " + to_string(shape));
  const bool batch_stats = training_ || !options_.track_running_stats;
  if (batch_stats && shape.per_channel() != 0) detail::check_trainable(fn, shape);

  input_.assign(x.begin(), x.end());  // before y is written: y may alias x
  last_shape_ = shape;
  last_used_batch_stats_ = batch_stats;
  if (shape.per_channel() == 0) return;  // PyTorch-style no-op: nothing to normalize or track

  if (!batch_stats) {
    forward_inference(input_, shape, params(), running_mean_, running_var_, y);
    return;
  }
  save_mean_.resize(num_features_);
  save_invstd_.resize(num_features_);
  batch_var_.resize(num_features_);
  forward_training(input_, shape, params(), y, save_mean_, save_invstd_, batch_var_);
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
    throw std::invalid_argument(
        "simdnorm::BatchNorm::backward: dy: expected a forward() before backward(), got none");
  const Shape& shape = *last_shape_;
  detail::check_size(fn, "dy", dy.size(), shape.numel(), "the last forward's shape " + to_string(shape));
  detail::check_size(fn, "dx", dx.size(), shape.numel(), "the last forward's shape " + to_string(shape));
  const Gradients grads{dx, weight_grad_, bias_grad_};
  if (last_used_batch_stats_) {
    backward_training(dy, input_, shape, params(), save_mean_, save_invstd_, grads);
  } else {
    backward_inference(dy, input_, shape, params(), running_mean_, running_var_, grads);
  }
}

}  // namespace simdnorm
