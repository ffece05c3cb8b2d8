#pragma once
// Seeded random numbers that are the same on every platform: PCG32 (O'Neill 2014) with our own
// uniform and normal transforms, because std::*_distribution outputs differ between standard
// libraries and the trainer promises the same run natively and in wasm.

#include <cstddef>
#include <cstdint>

namespace simdnorm::nn {

class Rng {
 public:
  // `stream` selects one of 2^63 independent sequences for the same seed (init, sampler, data…).
  Rng(std::uint64_t seed, std::uint64_t stream);

  std::uint32_t next_u32();
  // Uniform in [0, 1) with 24 random bits (every value exactly representable as a float).
  double uniform();
  // Uniform integer in [0, n), n ≥ 1, without modulo bias.
  std::size_t below(std::size_t n);
  // Standard normal (Box–Muller in double; one value per call so the stream is easy to reason
  // about when the same draws must happen in twin models).
  double normal();

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_ = 0;
};

// Named streams, so that what each consumer draws never depends on what another one drew.
enum class Stream : std::uint64_t {
  data = 1,
  split = 2,
  label_noise = 3,
  init = 4,
  sampler = 5,
  dropout = 6
};

inline Rng make_rng(std::uint64_t seed, Stream stream) {
  return Rng(seed, static_cast<std::uint64_t>(stream));
}

}  // namespace simdnorm::nn
