#pragma once
// Weight initialization: He (Kaiming normal, std = sqrt(2/fan_in), for ReLU) and Xavier (Glorot
// normal, std = sqrt(2/(fan_in + fan_out)), for tanh/sigmoid), times an init-scale multiplier.
// Biases start at 0.

#include <string_view>

#include "nn/activation.hpp"
#include "nn/dense.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn {

enum class InitRule { he, xavier };

// "he" | "xavier" | "auto" (he for ReLU, xavier otherwise); throws std::invalid_argument.
InitRule parse_init_rule(std::string_view name, Activation activation);
std::string_view to_string(InitRule r);

// Draws in_·out_ normals from `rng` in storage order; twins that share a stream share weights.
void initialize(Dense& layer, InitRule rule, double scale, Rng& rng);

}  // namespace simdnorm::nn
