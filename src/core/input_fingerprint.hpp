#pragma once
// Internal: the check of an x a module borrowed rather than copied (BatchNorm::forward_borrowed).
// Its forward records x's fingerprint (kernels/fingerprint.hpp) through core/saved_input.hpp's
// passes; backward compares it with these, before it writes anything.

#include <cstdint>
#include <span>

#include "simdnorm/functional.hpp"

namespace simdnorm::detail {

// backward_training (validated the same way) if x's fingerprint, taken by its first pass, is
// `fingerprint`; otherwise false, having written nothing but `scratch` (2·C floats, where the sums
// wait for the check: the caller's memory, so that a call allocates nothing).
bool backward_training_if_unchanged(std::span<const float> dy, std::span<const float> x,
                                    const Shape& shape, const NormParams& params,
                                    std::span<const float> save_mean,
                                    std::span<const float> save_invstd, const Gradients& grads,
                                    std::uint32_t fingerprint, std::span<float> scratch);
// x's fingerprint, on the thread pool: for the backward passes that cannot take it themselves.
std::uint32_t fingerprint(std::span<const float> x);

}  // namespace simdnorm::detail
