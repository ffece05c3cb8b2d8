#pragma once
// Runs code under other kernel tuning constants (src/core/tuning.cpp) and restores the derived
// ones: the paths another CPU's cache sizes would take (streaming stores, short blocks, narrow row
// chunks) are then tested on this one, with small tensors.

#include "core/tuning_override.hpp"

namespace simdnorm_test {

class TuningScope {
 public:
  explicit TuningScope(const simdnorm::kernels::Tuning& t) : tuning_(t) {
    simdnorm::detail::set_tuning(&tuning_);
  }
  ~TuningScope() { simdnorm::detail::set_tuning(nullptr); }
  TuningScope(const TuningScope&) = delete;
  TuningScope& operator=(const TuningScope&) = delete;

 private:
  simdnorm::kernels::Tuning tuning_;
};

// The smallest constants the derivation allows, streaming stores for every tensor, every
// elementwise pass after a reduction walking its pieces last to first, and every backward by
// channel pieces of 600 floats (so that a channel of two runs longer than a block fits in one).
inline simdnorm::kernels::Tuning smallest_tuning() {
  return {/*block_floats=*/256,
          /*row_tile_floats=*/1024,
          /*reduction_tile_floats=*/2048,
          /*row_chunk=*/64,
          /*streaming_bytes=*/0,
          /*threaded_streaming_bytes=*/0,
          /*reverse_pass_bytes=*/std::size_t(-1),
          /*channel_pass_bytes=*/0,
          /*channel_piece_floats=*/600};
}

}  // namespace simdnorm_test
