#pragma once
// nn.BatchNorm1d ([C] or [C, L] samples) and nn.BatchNorm2d ([C, H, W] samples) as layers over
// the core's free functions (simdnorm/functional.hpp): the layer holds the one copy of γ, β and
// the running statistics; the batch statistics backward needs live in its saved workspace.
// Semantics as torch.nn: training mode normalizes with batch statistics and updates the running
// ones (momentum = nullopt: cumulative average); eval mode uses the running statistics, or batch
// statistics when track_running_stats = false.
// The small-batch variants of docs/variants.md (renorm, ghost batches) run the core's BatchNorm
// module, which then holds γ, β and the statistics: the layer adds no BN math of its own.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "nn/batch_norm_sync.hpp"
#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "simdnorm/batch_norm.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm::nn {

class BatchNormLayer final : public Layer {
 public:
  struct Options {
    std::size_t num_features = 0;
    float eps = 1e-5f;
    std::optional<float> momentum = 0.1f;
    bool affine = true;
    bool track_running_stats = true;
    std::size_t virtual_batch_size = 0;      // ghost batches of k samples; 0: the whole batch
    std::optional<simdnorm::Renorm> renorm;  // batch renormalization in training mode
  };
  // {numFeatures, eps = 1e-5, momentum = 0.1 (null: cumulative), affine = true,
  //  trackRunningStats = true, virtualBatchSize = 0, renorm = false, with renorm: renorm.rmax = 3,
  //  renorm.dmax = 5, renorm.momentum = 0.01}.
  static Options parse(const LayerSpec& spec);
  // spatial_dims: 1 for BatchNorm1d (input [C] or [C, L]), 2 for BatchNorm2d ([C, H, W]).
  static SampleShape output_shape_for(const Options& o, std::size_t spatial_dims,
                                      const SampleShape& in);

  BatchNormLayer(const Options& options, std::size_t spatial_dims, const SampleShape& in);

  std::string_view type() const override;
  // Saved: batch mean, 1/sqrt(var + eps) and biased variance, C floats each.
  WorkspaceSize workspace_size(std::size_t n) const override;
  // With ghost batches, n must be a multiple of virtualBatchSize where batch statistics are used;
  // renorm and ghost batches do not sync (set_sync) in training.
  void check_batch(std::size_t n, Mode mode) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
  std::vector<Parameter> parameters() override;
  // running_mean, running_var, num_batches_tracked (as torch); with renorm also renorm_mean and
  // renorm_std, its moving μ and σ (C floats each).
  std::vector<Buffer> buffers() override;
  // γ = 1, β = 0, running mean 0, running variance 1, num_batches_tracked 0.
  void reset_parameters(Rng& rng) override;

  const Options& options() const { return options_; }
  std::span<const float> weight() const {  // γ; empty without affine
    return variant_ ? std::as_const(*variant_).weight() : weight_;
  }
  std::span<const float> bias() const {  // β; empty without affine
    return variant_ ? std::as_const(*variant_).bias() : bias_;
  }
  std::span<const float> running_mean() const {
    return variant_ ? std::as_const(*variant_).running_mean() : running_mean_;
  }
  std::span<const float> running_var() const {
    return variant_ ? std::as_const(*variant_).running_var() : running_var_;
  }
  std::int64_t num_batches_tracked() const { return num_batches_tracked_; }

  // SyncBatchNorm: in training mode, statistics over the batch split across the workers `sync`
  // connects (running statistics updated with the whole batch's count); null: this batch only.
  void set_sync(std::shared_ptr<BatchNormSync> sync) { sync_ = std::move(sync); }

 private:
  Shape core_shape(std::size_t n) const;
  Options options_;
  std::size_t spatial_dims_;
  std::vector<float> weight_, bias_, weight_grad_, bias_grad_, running_mean_, running_var_;
  std::int64_t num_batches_tracked_ = 0;
  bool last_batch_stats_ = false;
  std::shared_ptr<BatchNormSync> sync_;
  std::size_t synced_count_ = 0;  // the whole batch's N·S of the last synced forward, 0 if none
  // The core module when renorm or ghost batches are on (then weight_, bias_ and the running
  // statistics above stay empty); dx_ holds dx when the caller wants none (the first layer).
  std::unique_ptr<simdnorm::BatchNorm> variant_;
  std::vector<float> dx_;
};

}  // namespace simdnorm::nn
