#pragma once
// Internal: the modules' own copy of x for backward (BatchNorm, StepBatchNorm). The forward pass
// writes it from the loads that normalize x (kernels/normalize.hpp), so x is read once, not once
// more by a separate copy: in inference that copy was a third of the call.

#include <cstddef>
#include <span>
#include <vector>

#include "simdnorm/functional.hpp"

namespace simdnorm::detail {

// What a module's forward reads x from, and where its pass copies x to (empty: copied already).
struct ForwardInput {
  std::span<const float> x;
  std::span<float> x_copy;
};

// Lays out a module's copy of x for a forward into y: inside `storage` (grown when needed), from
// `offset` (set here), so that the copy lies half a 4 KiB page from y's place in a page. Its
// vectors are then aligned as y's, so the normalize pass can stream both (streaming stores need
// aligned addresses), and its stores never share the low 12 address bits of the stores to y
// beside them (4K aliasing: in wasm S1 inference took 1.2 ms with the copy at y's place in the
// page, 0.65 ms half a page away). When y overlaps x shifted, the pass would read values it has
// already written: x is then copied first and read from the copy.
ForwardInput keep_input(std::vector<float>& storage, std::size_t& offset, std::span<const float> x,
                        std::span<const float> y);

// forward_inference's normalization with the given statistics (forward_training's second pass
// when they are the batch's own), and x_copy = x from the same loads unless x_copy is empty. y may
// be x; x_copy must be apart from both. The module has validated the arguments.
void normalize_saving_input(std::span<const float> x, const Shape& shape, const NormParams& params,
                            std::span<const float> mean, std::span<const float> var,
                            std::span<float> y, std::span<float> x_copy);
// forward_training's (or with z, forward_add_relu_training's) moments into mean and var (biased),
// then its normalization with them, and x_copy as above.
void batch_normalize_saving_input(std::span<const float> x, std::span<const float> z,
                                  const Shape& shape, const NormParams& params,
                                  std::span<float> mean, std::span<float> var, std::span<float> y,
                                  std::span<float> x_copy);
// forward_add_relu_inference's pass with the given statistics, and x_copy as above.
void normalize_add_relu_saving_input(std::span<const float> x, std::span<const float> z,
                                     const Shape& shape, const NormParams& params,
                                     std::span<const float> mean, std::span<const float> var,
                                     std::span<float> y, std::span<float> x_copy);

}  // namespace simdnorm::detail
