#pragma once
// torch.nn.utils.clip_grad_norm_(parameters, max_norm) with norm_type 2: the global norm
// ‖g‖ = √(Σ over every gradient element of g²); every gradient is scaled by
// min(1, max_norm/(‖g‖ + 1e-6)). Returns ‖g‖ (before clipping). NaN/Inf norms propagate as in
// torch (error_if_nonfinite = False).

#include <span>

#include "nn/layer.hpp"

namespace simdnorm::nn {

// Throws std::invalid_argument for max_norm < 0 or NaN.
double clip_grad_norm(std::span<const Parameter> params, double max_norm);

}  // namespace simdnorm::nn
