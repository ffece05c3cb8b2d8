#pragma once
// The kernels' blocking and streaming constants, derived once from the running CPU's cache sizes
// (src/core/tuning.cpp says how each one is derived and why). No xsimd types: shared by files
// built with different flags; tuning() is defined once, in a file built without ISA flags.

#include <cstddef>

namespace simdnorm::kernels {

struct Tuning {
  // Floats of one channel that a two-pass step sums as one block, re-read from L1. At most
  // kMaxBlockFloats: the reductions' float error bound (tests/native/tolerance.hpp) assumes it.
  std::size_t block_floats;
  // Floats per tile of rows for the elementwise rows-of-channels kernels (normalize, grad_input):
  // all channel blocks of a tile before the next, re-read from L1.
  std::size_t row_tile_floats;
  // Floats per tile of rows for the reductions over rows of channels (lanes.hpp: reduction_rows).
  std::size_t reduction_tile_floats;
  // Channels per chunk when wide rows are walked in memory order with per-channel constant
  // tables (up to 6 floats per channel); a multiple of 64, at most kMaxRowChunk.
  std::size_t row_chunk;
  // A kernel whose tensors add up to more than this many bytes writes with streaming stores.
  std::size_t streaming_bytes;
  // The same for a call whose pieces run on more than one thread (ChannelParams::threaded).
  std::size_t threaded_streaming_bytes;
  // The elementwise pass after a reduction (normalize after moments, dx after the gradient sums)
  // walks the tensor's pieces last to first when the reduction read at most this many bytes
  // (src/core/partitioned_kernels.cpp).
  std::size_t reverse_pass_bytes;
  // Backward with batch statistics runs its sums and dx piece by piece, whole channels in each
  // (core/partition.hpp: Cut::channel_pieces), when x holds at least this many bytes, in pieces
  // of at most channel_piece_floats floats of x (and as many of dy). std::size_t(-1): never.
  std::size_t channel_pass_bytes;
  std::size_t channel_piece_floats;
};

inline constexpr std::size_t kMaxBlockFloats = 2048;
inline constexpr std::size_t kMaxRowChunk = 1024;

const Tuning& tuning();

}  // namespace simdnorm::kernels
