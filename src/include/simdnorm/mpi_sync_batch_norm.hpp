#pragma once
// Synchronized batch normalization across the ranks of an MPI communicator (PyTorch's
// SyncBatchNorm): each rank holds a shard of the batch along N (any size, 0 included), and the
// result is BN over the concatenated batch. Built only when CMake finds MPI (target simdnorm::mpi).
//
// Collective: every rank of `comm` must make the same call in the same order. Each call first
// exchanges a small header (count, C, whether this rank's arguments were valid), so a bad
// argument on one rank throws on every rank — the faulty rank its own simdnorm::Error naming the
// argument, the others an Error (ErrorCode::state) naming that rank — instead of leaving them
// blocked in the exchange. An MPI failure (with an error handler that returns) throws
// std::runtime_error with MPI's message.
//
// Forward all-gathers (count, mean, M2) per channel and merges them in rank order with Chan's
// formula in double (merge_moments): every rank gets bit-identical statistics. Backward
// all-gathers Σdy and Σdy·(x − mean) and adds them in rank order in double (merge_grad_sums), the
// same sums an all-reduce gives, identical on every rank whatever MPI's reduction algorithm.

#include <mpi.h>

#include <cstddef>
#include <span>

#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm::mpi {

// Training forward of this rank's shard with the statistics of the whole batch. Writes
// save_mean/save_invstd for sync_backward_training and, if not empty, the whole batch's biased
// variance into batch_var; returns the whole batch's N·S. Running statistics, as PyTorch updates
// them (unbiased with the global count):
//   update_running_stats(save_mean, batch_var, count, momentum, running_mean, running_var).
// Throws (on every rank) if the whole batch has one value per channel.
std::size_t sync_forward_training(MPI_Comm comm, std::span<const float> x, const Shape& shape,
                                  const NormParams& params, std::span<float> y,
                                  std::span<float> save_mean, std::span<float> save_invstd,
                                  std::span<float> batch_var = {});

// Backward of sync_forward_training (same x, save_mean, save_invstd and the count it returned).
// dx is this shard's part of the whole batch's dx. dweight/dbias receive this shard's
// contribution only, as in PyTorch: sum them across ranks with the other parameter gradients
// (the data-parallel all-reduce) to get the whole batch's dγ and dβ.
void sync_backward_training(MPI_Comm comm, std::span<const float> dy, std::span<const float> x,
                            const Shape& shape, const NormParams& params,
                            std::span<const float> save_mean, std::span<const float> save_invstd,
                            std::size_t count, const Gradients& grads);

}  // namespace simdnorm::mpi
