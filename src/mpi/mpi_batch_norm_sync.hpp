#pragma once
// The engine's BatchNorm hook (nn/batch_norm_sync.hpp) over MPI: give one to every
// BatchNormLayer of a model trained data-parallel and its statistics span the ranks of `comm`.

#include <mpi.h>

#include "nn/batch_norm_sync.hpp"
#include "simdnorm/mpi_sync_batch_norm.hpp"

namespace simdnorm::mpi {

class MpiBatchNormSync final : public nn::BatchNormSync {
 public:
  explicit MpiBatchNormSync(MPI_Comm comm) : comm_(comm) {}

  std::size_t forward_training(std::span<const float> x, const Shape& shape,
                               const NormParams& params, std::span<float> y,
                               std::span<float> save_mean, std::span<float> save_invstd,
                               std::span<float> batch_var) override {
    return sync_forward_training(comm_, x, shape, params, y, save_mean, save_invstd, batch_var);
  }

  void backward_training(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                         const NormParams& params, std::span<const float> save_mean,
                         std::span<const float> save_invstd, std::size_t count,
                         const Gradients& grads) override {
    sync_backward_training(comm_, dy, x, shape, params, save_mean, save_invstd, count, grads);
  }

 private:
  MPI_Comm comm_;
};

}  // namespace simdnorm::mpi
