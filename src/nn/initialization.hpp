#pragma once
// The toy trainer's weight initialization for a Linear layer: He (Kaiming normal, std =
// sqrt(2/fan_in), for ReLU) or Xavier (Glorot normal, std = sqrt(2/(fan_in + fan_out)), for
// tanh/sigmoid), times an init-scale multiplier; the bias starts at 0.

#include <string_view>

#include "nn/activation.hpp"
#include "nn/layer.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn {

enum class InitRule { he, xavier };

// "he" | "xavier" | "auto" (he for ReLU, xavier otherwise); throws std::invalid_argument.
InitRule parse_init_rule(std::string_view name, Activation activation);
std::string_view to_string(InitRule r);

// Overwrites a Linear layer's weight [out, in] and bias. Draws in·out normals from `rng`, input
// by input (each input's out weights in turn), so twins that share a stream share weights.
void initialize(Layer& linear, InitRule rule, double scale, Rng& rng);

}  // namespace simdnorm::nn
