#pragma once
// Internal: a kernel table run piece by piece over the fixed partition of the tensor
// (core/partition.hpp) on the thread pool (core/parallel.hpp). Elementwise kernels give every
// element the same value whatever the piece; the reductions (moments, grad_sums) merge their
// pieces' partial results per channel in piece order, in double, with the math of the sync-BN
// primitives (Chan's merge for moments, a plain sum for the gradient sums), unless every channel
// lies in one piece. Either way the result is the same bits for any thread count. A single piece
// is exactly one kernel call. Training forward and backward can run their two passes piece by
// piece (below).

#include <cstddef>

#include "core/partition.hpp"
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

  // Training forward: mean and var (biased) from x, then normalize or normalize_add_relu with
  // them (p.mean and p.var point at them). When every channel lies in one piece of the
  // whole-channels cut (core/partition.hpp), each piece does both steps in turn, its second pass
  // re-reading it from L2; the results are the same bits as the two steps apart.
  void moments_normalize(const float* x, const Shape& s, const kernels::ChannelParams& p, bool relu,
                         float* y, float* x_copy, float* mean, float* var) const;
  void moments_normalize_add_relu(const float* x, const float* z, const Shape& s,
                                  const kernels::ChannelParams& p, float* y, float* x_copy,
                                  float* mean, float* var) const;

  // Backward with batch statistics: grad_sums, then grad_input with them, the same bits as the two
  // calls. When x holds at least tuning().channel_pass_bytes and the channel-pieces cut
  // (core/partition.hpp) puts every channel in one of several pieces, grad_sums takes that cut
  // (each piece's sums are final) and here each piece does both steps in turn, its second pass
  // re-reading its x and dy from L2.
  void grad_sums_input(const float* dy, const float* x, const Shape& s,
                       const kernels::ChannelParams& p, bool relu, float* sum_dy, float* sum_dy_xmu,
                       float* dx) const;

 private:
  // A piece's moments into mean64 and var64 (C doubles each), then its channels of mean and var.
  void piece_moments(const float* x, const Piece& piece, double* mean64, double* var64, float* mean,
                     float* var) const;
  // The fused training forward's walk: each piece's moments, then pass(offset, shape, params) on
  // each of its contiguous runs. False, having done nothing, unless the whole-channels cut puts
  // every channel in one of several pieces.
  template <class Pass>
  bool moments_by_piece(const float* x, const Shape& s, const kernels::ChannelParams& p,
                        float* mean, float* var, Pass&& pass) const;

  const kernels::KernelTable& k_;
};

// The active ISA's table (core/dispatch.hpp), partitioned.
PartitionedKernels active_partitioned_kernels();

}  // namespace simdnorm::detail
