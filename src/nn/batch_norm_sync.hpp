#pragma once
// The hook that lets a BatchNorm layer normalize with the statistics of a batch split across
// workers (data-parallel training): in training mode the layer calls these two instead of
// forward_training/backward_training. The engine stays free of any transport; an implementation
// exchanges the per-channel partials (simdnorm/mpi_sync_batch_norm.hpp over MPI, or any
// all-gather on top of the sync primitives of simdnorm/functional.hpp).

#include <cstddef>
#include <span>

#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm::nn {

class BatchNormSync {
 public:
  virtual ~BatchNormSync() = default;
  // forward_training over the whole batch, of which x is this worker's shard: writes y for the
  // shard, the whole batch's mean, 1/sqrt(var + eps) and biased variance; returns its N·S.
  virtual std::size_t forward_training(std::span<const float> x, const Shape& shape,
                                       const NormParams& params, std::span<float> y,
                                       std::span<float> save_mean, std::span<float> save_invstd,
                                       std::span<float> batch_var) = 0;
  // dx of the shard from the whole batch's sums; dweight/dbias this shard's contribution (summed
  // across workers with the other parameter gradients).
  virtual void backward_training(std::span<const float> dy, std::span<const float> x,
                                 const Shape& shape, const NormParams& params,
                                 std::span<const float> save_mean,
                                 std::span<const float> save_invstd, std::size_t count,
                                 const Gradients& grads) = 0;
};

}  // namespace simdnorm::nn
