#include "nn/batch_norm_layer.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "simdnorm/error.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm::nn {

BatchNormLayer::Options BatchNormLayer::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.num_features = args.integer("numFeatures", 1);
  const float max = std::numeric_limits<float>::max();
  o.eps = *args.number("eps", std::numeric_limits<float>::min(), max, 1e-5f);
  o.momentum = args.number("momentum", 0.f, 1.f, 0.1f, true);
  o.affine = args.flag("affine", true);
  o.track_running_stats = args.flag("trackRunningStats", true);
  o.virtual_batch_size = args.integer("virtualBatchSize", 0, 0);
  // JS's renorm: { rmax, dmax, momentum } arrives as renorm = true and renorm.rmax, …
  // (wasm/sequential.js).
  if (args.flag("renorm", false)) {
    const simdnorm::Renorm defaults;
    o.renorm = simdnorm::Renorm{*args.number("renorm.rmax", 1.f, max, defaults.rmax),
                                *args.number("renorm.dmax", 0.f, max, defaults.dmax),
                                *args.number("renorm.momentum", 0.f, 1.f, defaults.momentum)};
  }
  args.finish();
  return o;
}

SampleShape BatchNormLayer::output_shape_for(const Options& o, std::size_t spatial_dims,
                                             const SampleShape& in) {
  const bool ok = spatial_dims == 1 ? in.rank == 1 || in.rank == 2 : in.rank == 3;
  if (!ok)
    throw Error(ErrorCode::shape, std::string("input: expected ") +
                                      (spatial_dims == 1 ? "[features] or [channels, length]"
                                                         : "[channels, height, width]") +
                                      ", given " + to_string(in));
  if (o.num_features != in[0])
    throw Error(ErrorCode::shape, "numFeatures: expected " + std::to_string(in[0]) +
                                      " (the input's channels), given " +
                                      std::to_string(o.num_features));
  return in;
}

BatchNormLayer::BatchNormLayer(const Options& options, std::size_t spatial_dims,
                               const SampleShape& in)
    : Layer(in, output_shape_for(options, spatial_dims, in)),
      options_(options),
      spatial_dims_(spatial_dims),
      weight_(options.affine ? options.num_features : 0, 1.f),
      bias_(options.affine ? options.num_features : 0, 0.f),
      weight_grad_(weight_.size()),
      bias_grad_(bias_.size()),
      running_mean_(options.track_running_stats ? options.num_features : 0, 0.f),
      running_var_(options.track_running_stats ? options.num_features : 0, 1.f) {
  if (options.renorm || options.virtual_batch_size > 0) {
    variant_ = std::make_unique<simdnorm::BatchNorm>(
        options.num_features, simdnorm::Options{.eps = options.eps,
                                                .momentum = options.momentum,
                                                .affine = options.affine,
                                                .track_running_stats = options.track_running_stats,
                                                .virtual_batch_size = options.virtual_batch_size,
                                                .renorm = options.renorm});
    weight_ = {};
    bias_ = {};
    running_mean_ = {};
    running_var_ = {};
  }
}

std::string_view BatchNormLayer::type() const {
  return spatial_dims_ == 1 ? "BatchNorm1d" : "BatchNorm2d";
}

Shape BatchNormLayer::core_shape(std::size_t n) const {
  return Shape::ncl(n, options_.num_features, input_shape().size() / options_.num_features);
}

WorkspaceSize BatchNormLayer::workspace_size(std::size_t) const {
  return {variant_ ? 0 : 3 * options_.num_features, 0};
}

void BatchNormLayer::check_batch(std::size_t n, Mode mode) const {
  if (variant_ && sync_ && mode == Mode::train)
    throw Error(ErrorCode::state,
                "sync: expected a layer without renorm or virtualBatchSize (SyncBatchNorm syncs "
                "plain BN), given one with them");
  const std::size_t k = options_.virtual_batch_size;
  const bool batch_stats = mode == Mode::train || !options_.track_running_stats;
  if (k > 0 && batch_stats && n % k != 0)
    throw Error(ErrorCode::shape, "x: expected a batch that is a multiple of virtualBatchSize = " +
                                      std::to_string(k) + ", given " + std::to_string(n) +
                                      " samples");
}

void BatchNormLayer::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
                             LayerWorkspace ws) {
  const Shape shape = core_shape(n);
  const std::size_t c = options_.num_features, count = shape.numel();
  if (variant_) {
    variant_->train(mode == Mode::train);
    variant_->set_num_batches_tracked(num_batches_tracked_);  // a loaded state dict may set it
    variant_->forward_borrowed(x.first(count), shape, y.first(count));
    num_batches_tracked_ = variant_->num_batches_tracked();
    return;
  }
  const NormParams params{weight_, bias_, options_.eps, false};
  last_batch_stats_ = mode == Mode::train || !options_.track_running_stats;
  synced_count_ = 0;
  if (!last_batch_stats_) {
    forward_inference(x.first(count), shape, params, running_mean_, running_var_, y.first(count));
    return;
  }
  const std::span<float> mean = ws.saved.subspan(0, c), invstd = ws.saved.subspan(c, c),
                         var = ws.saved.subspan(2 * c, c);
  // As torch's SyncBatchNorm: synced in training only; eval without running statistics uses
  // this worker's batch.
  const bool synced = sync_ && mode == Mode::train;
  if (synced)
    synced_count_ =
        sync_->forward_training(x.first(count), shape, params, y.first(count), mean, invstd, var);
  else
    forward_training(x.first(count), shape, params, y.first(count), mean, invstd, var);
  if (mode == Mode::train && options_.track_running_stats) {
    ++num_batches_tracked_;
    const float momentum =
        options_.momentum ? *options_.momentum : 1.f / float(num_batches_tracked_);
    update_running_stats(mean, var, synced ? synced_count_ : shape.per_channel(), momentum,
                         running_mean_, running_var_);
  }
}

void BatchNormLayer::backward(std::span<const float> x, std::span<const float>,
                              std::span<const float> dy, std::size_t n, std::span<float> dx,
                              LayerWorkspace ws) {
  const Shape shape = core_shape(n);
  const std::size_t c = options_.num_features, count = shape.numel();
  if (variant_) {
    // The module reads its borrowed x (this x) and overwrites its parameter gradients.
    if (dx.empty()) dx_.resize(count);
    variant_->backward(dy.first(count), dx.empty() ? std::span<float>(dx_) : dx.first(count));
    std::copy(variant_->weight_grad().begin(), variant_->weight_grad().end(), weight_grad_.begin());
    std::copy(variant_->bias_grad().begin(), variant_->bias_grad().end(), bias_grad_.begin());
    return;
  }
  const NormParams params{weight_, bias_, options_.eps, false};
  const Gradients grads{dx.empty() ? dx : dx.first(count), weight_grad_, bias_grad_};
  if (synced_count_ > 0) {
    sync_->backward_training(dy.first(count), x.first(count), shape, params, ws.saved.subspan(0, c),
                             ws.saved.subspan(c, c), synced_count_, grads);
  } else if (last_batch_stats_) {
    backward_training(dy.first(count), x.first(count), shape, params, ws.saved.subspan(0, c),
                      ws.saved.subspan(c, c), grads);
  } else {
    backward_inference(dy.first(count), x.first(count), shape, params, running_mean_, running_var_,
                       grads);
  }
}

std::vector<Parameter> BatchNormLayer::parameters() {
  std::vector<Parameter> p;
  if (options_.affine) {
    p.push_back(
        {"weight", {options_.num_features}, variant_ ? variant_->weight() : weight_, weight_grad_});
    p.push_back({"bias", {options_.num_features}, variant_ ? variant_->bias() : bias_, bias_grad_});
  }
  return p;
}

std::vector<Buffer> BatchNormLayer::buffers() {
  std::vector<Buffer> b;
  const std::size_t c = options_.num_features;
  if (options_.track_running_stats) {
    b.push_back({"running_mean", {c}, variant_ ? variant_->running_mean() : running_mean_});
    b.push_back({"running_var", {c}, variant_ ? variant_->running_var() : running_var_});
    b.push_back({"num_batches_tracked", {}, std::span<std::int64_t>(&num_batches_tracked_, 1)});
  }
  if (options_.renorm) {
    b.push_back({"renorm_mean", {c}, variant_->renorm_mean()});
    b.push_back({"renorm_std", {c}, variant_->renorm_std()});
  }
  return b;
}

void BatchNormLayer::reset_parameters(Rng&) {
  if (variant_) variant_->reset_parameters();
  std::fill(weight_.begin(), weight_.end(), 1.f);
  std::fill(bias_.begin(), bias_.end(), 0.f);
  std::fill(running_mean_.begin(), running_mean_.end(), 0.f);
  std::fill(running_var_.begin(), running_var_.end(), 1.f);
  num_batches_tracked_ = 0;
}

}  // namespace simdnorm::nn
