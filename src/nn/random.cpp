#include "nn/random.hpp"

#include <cmath>
#include <numbers>

namespace simdnorm::nn {

Rng::Rng(std::uint64_t seed, std::uint64_t stream) : inc_((stream << 1u) | 1u) {
  // PCG32's reference seeding: advance once, add the seed, advance again.
  next_u32();
  state_ += seed;
  next_u32();
}

std::uint32_t Rng::next_u32() {
  const std::uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
  const auto rot = static_cast<std::uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

double Rng::uniform() {
  return double(next_u32() >> 8) * 0x1p-24;
}

std::size_t Rng::below(std::size_t n) {
  // Lemire's nearly-divisionless method would be faster; rejection keeps it obviously unbiased.
  const std::uint64_t range = n;
  const std::uint64_t limit = (std::uint64_t(1) << 32) - ((std::uint64_t(1) << 32) % range);
  for (;;) {
    const std::uint64_t v = next_u32();
    if (v < limit) return std::size_t(v % range);
  }
}

double Rng::normal() {
  // 1 − u is in (0, 1], so the log is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace simdnorm::nn
