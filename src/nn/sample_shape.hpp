#pragma once
// The per-sample dimensions of a tensor the layer engine passes between layers (the batch size N
// travels separately): [features], [C, L] / [T, features], or [C, H, W]. Fixed capacity, so
// shapes are values that never allocate.

#include <array>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>

namespace simdnorm::nn {

// The most floats one tensor of the engine may hold (a weight, a sample, a batch's activations):
// sums of a few such sizes never overflow std::size_t, even in 32-bit wasm (2^26 floats there).
inline constexpr std::size_t kMaxTensorFloats = std::numeric_limits<std::size_t>::max() / 64;

// Throws a range Error "<name>: expected at most kMaxTensorFloats floats (<what>), given …" when
// the product `count`, computed in double so that it cannot wrap, exceeds it.
void check_tensor_floats(const std::string& name, double count, const std::string& what);

struct SampleShape {
  static constexpr std::size_t kMaxRank = 3;
  std::array<std::size_t, kMaxRank> dims{};
  std::size_t rank = 0;

  // Throws std::invalid_argument for more than kMaxRank dimensions.
  static SampleShape of(std::initializer_list<std::size_t> dims);
  std::size_t operator[](std::size_t i) const { return dims[i]; }
  // Floats per sample (1 for rank 0).
  std::size_t size() const;
  bool operator==(const SampleShape&) const = default;
};

// "[8, 14, 14]", for error messages.
std::string to_string(const SampleShape& shape);

}  // namespace simdnorm::nn
