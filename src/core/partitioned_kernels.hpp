#pragma once
// Internal: a kernel table run piece by piece over the fixed partition of the tensor
// (core/partition.hpp) on the thread pool (core/parallel.hpp). Elementwise kernels give every
// element the same value whatever the piece; the reductions (moments, grad_sums) merge their
// pieces' partial results per channel in piece order, in double, with the math of the sync-BN
// primitives (Chan's merge for moments, a plain sum for the gradient sums). Either way the
// result is the same bits for any thread count. A single piece is exactly one kernel call.

#include <cstddef>

#include "kernels/kernel_table.hpp"

namespace simdnorm::detail {

class PartitionedKernels {
 public:
  explicit PartitionedKernels(const kernels::KernelTable& k) : k_(k) {}

  void moments(const float* x, const Shape& s, float* mean, float* var) const;
  void normalize(const float* x, const Shape& s, const kernels::ChannelParams& p, bool relu,
                 float* y, float* x_copy) const;
  void grad_sums(const float* dy, const float* x, const Shape& s, const kernels::ChannelParams& p,
                 bool relu, float* sum_dy, float* sum_dy_xmu) const;
  void grad_input(const float* dy, const float* x, const Shape& s, const kernels::ChannelParams& p,
                  bool relu, bool batch_stats, const float* sum_dy, const float* sum_dy_xmu,
                  float* dx) const;
  void normalize_add_relu(const float* x, const float* z, const Shape& s,
                          const kernels::ChannelParams& p, float* y, float* x_copy) const;
  void relu_mask(const float* dy, const float* y, std::size_t count, float* dz) const;

 private:
  const kernels::KernelTable& k_;
};

// The active ISA's table (core/dispatch.hpp), partitioned.
PartitionedKernels active_partitioned_kernels();

}  // namespace simdnorm::detail
