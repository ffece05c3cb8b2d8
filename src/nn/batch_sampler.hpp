#pragma once
// Seeded mini-batches: each epoch is a fresh shuffle of the training indices, cut into batches of
// exactly `batch` indices (the < batch leftover of an epoch is skipped, so BN always sees full
// batches). No allocation after construction.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nn/random.hpp"

namespace simdnorm::nn {

class BatchSampler {
 public:
  // 2 ≤ batch ≤ count; throws std::invalid_argument otherwise.
  BatchSampler(std::size_t count, std::size_t batch, std::uint32_t seed);

  // The next batch's indices (valid until the next call).
  std::span<const std::size_t> next();

  std::size_t batch() const { return batch_; }

 private:
  void shuffle();

  Rng rng_;
  std::vector<std::size_t> order_;
  std::size_t batch_;
  std::size_t pos_;
};

}  // namespace simdnorm::nn
