#pragma once
// Internal: the fixed split of a tensor into pieces that the thread pool shares out. It depends
// on the shape only, never on the thread count, so a reduction that merges its pieces' partial
// results in piece order gives the same bits on 1 thread or 64.
//
// A tensor of at most piece_floats() floats is one piece, the whole tensor: small tensors run
// exactly the single-threaded kernels, with no pool and no merge. Larger ones are cut into pieces
// of at most piece_floats() floats (Cut::channel_pieces: tuning().channel_piece_floats):
//   rows of channels (channels-last, NC): ranges of the N·S rows of C floats;
//   channels-first with S > 1, Cut::whole_channels, when a piece can hold the N·S values of 16
//   channels: ranges of a multiple of 16 channels of every sample (per sample one run of those
//   channels' floats, sample_stride apart);
//   Cut::channel_pieces the same, and when fewer than 16 channels fit, ranges of as many as do
//   (at least one).
//   Each channel then lies in one piece: a reduction needs no merge, and the pass after it can
//   run piece by piece, re-reading each from L2 rather than the whole tensor from L3 or memory
//   (oneDNN's batch norm blocks channels for its caches the same way);
//   otherwise contiguous pieces: ranges of samples; or, when a sample holds more than a piece,
//   ranges of one sample's channels; or, when one run of S floats does, ranges of that run.

#include <cstddef>

#include "simdnorm/shape.hpp"

namespace simdnorm::detail {

// Floats per piece: the cut-over below which a call stays on one thread, in
// src/core/partition.cpp with how it was measured.
std::size_t piece_floats();
// For the cut-over benchmark only (bench/native/thread_ops.cpp): results depend on it.
void set_piece_floats(std::size_t floats);

struct Piece {
  std::size_t offset;         // of its first float in the tensor
  Shape shape;                // its own shape (the whole shape for a single piece)
  std::size_t c0;             // its first channel
  std::size_t sample_stride;  // floats from one of its samples to the next (kernel_table.hpp)

  // A range of channels of several samples: not one contiguous range of memory.
  bool strided() const { return shape.n > 1 && sample_stride != shape.c * shape.s; }
};

enum class Cut {
  contiguous,      // every piece one range of memory: for elementwise passes
  whole_channels,  // whole channels where 16 fit in a piece: for moments and training forward
  channel_pieces,  // whole channels where one fits in a piece of x's quarter of the L2: backward
};

class Partition {
 public:
  explicit Partition(const Shape& s, Cut cut = Cut::contiguous);

  std::size_t size() const { return blocks_n_ * blocks_c_ * blocks_s_; }
  Piece operator[](std::size_t i) const;
  // Channels of the widest piece: the stride of per-piece, per-channel partial results.
  std::size_t channels_per_piece() const { return per_c_; }

  // Every channel lies in parts() pieces, the same number and the same value counts for all.
  std::size_t parts() const { return blocks_n_ * blocks_s_; }
  // Part k of channel c, in merge order: the piece and the channel's index in it.
  std::size_t piece_of(std::size_t c, std::size_t k) const {
    return ((k / blocks_s_) * blocks_c_ + c / per_c_) * blocks_s_ + k % blocks_s_;
  }
  std::size_t local_channel(std::size_t c) const { return c % per_c_; }
  // Values of each channel in part k.
  std::size_t part_count(std::size_t k) const;

 private:
  static std::size_t length(std::size_t total, std::size_t per, std::size_t block) {
    const std::size_t start = block * per;
    return total - start < per ? total - start : per;
  }

  Shape shape_;
  bool rows_;            // rows of channels: the n axis below counts rows of C floats
  std::size_t total_n_;  // samples, or rows
  std::size_t per_n_, per_c_, per_s_;
  std::size_t blocks_n_, blocks_c_, blocks_s_;
};

}  // namespace simdnorm::detail
