#pragma once
// Sets the partition's piece size (src/core/partition.hpp) for a scope, so that small tensors
// are cut into as many pieces as the threads tests need, and restores the default after.

#include <cstddef>

#include "core/partition.hpp"

namespace simdnorm_test {

class PieceFloats {
 public:
  explicit PieceFloats(std::size_t floats) { simdnorm::detail::set_piece_floats(floats); }
  ~PieceFloats() { simdnorm::detail::set_piece_floats(0); }
  PieceFloats(const PieceFloats&) = delete;
  PieceFloats& operator=(const PieceFloats&) = delete;
};

}  // namespace simdnorm_test
