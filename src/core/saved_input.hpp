#pragma once
// Internal: the modules' own copy of x for backward (BatchNorm, StepBatchNorm). The forward pass
// writes it from the loads that normalize x (kernels/normalize.hpp), so x is read once, not once
// more by a separate copy: in inference that copy was a third of the call.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "simdnorm/functional.hpp"

namespace simdnorm::detail {

// Where a module keeps its copy of a `size`-float x: inside `storage` (grown when needed), at
// the returned offset, chosen so the copy lies as far past a 64-byte boundary as y does. The
// normalize pass then streams both (streaming stores need aligned addresses, and the vectors of
// y and of the copy are aligned together). 64 bytes: the widest vector (AVX-512).
inline std::size_t place_saved_input(std::vector<float>& storage, std::size_t size,
                                     const float* y) {
  constexpr std::size_t floats = 64 / sizeof(float);
  storage.resize(size + floats - 1);
  const auto index = [](const float* p) {
    return reinterpret_cast<std::uintptr_t>(p) / sizeof(float);
  };
  return (index(y) - index(storage.data())) % floats;
}

// forward_inference's normalization with the given statistics (forward_training's second pass
// when they are the batch's own), and x_copy = x from the same loads unless x_copy is empty. y may
// be x; x_copy must be apart from both. The module has validated the arguments.
void normalize_saving_input(std::span<const float> x, const Shape& shape, const NormParams& params,
                            std::span<const float> mean, std::span<const float> var,
                            std::span<float> y, std::span<float> x_copy);

}  // namespace simdnorm::detail
