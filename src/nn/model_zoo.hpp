#pragma once
// The models the CLI, the benchmarks and the page name: layer specs for 28×28 grey images
// ([1, 28, 28] input, 10 classes), with or without BatchNorm (same layers otherwise, so the two
// are twins; a layer that BN follows has no bias, as in the BN paper).
//   "cnn": conv 1→16 3×3 → [BN2d] → ReLU → max-pool 2 → conv 16→32 3×3 → [BN2d] → ReLU →
//          max-pool 2 → flatten → linear 1568→10 (issue 11's benchmark CNN)
//   "mlp": the BN paper's (Ioffe & Szegedy 2015, §4.1) 784 → 3 × (100 → [BN1d] → sigmoid) → 10

#include <string_view>
#include <vector>

#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

// Throws simdnorm::Error (range) for another name ("name: expected cnn or mlp, got …").
std::vector<LayerSpec> named_model(std::string_view name, bool batch_norm);

}  // namespace simdnorm::nn
