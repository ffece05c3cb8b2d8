#pragma once
// A copy of a fully connected model without its BatchNorm1d layers, each folded into the Linear
// before it (simdnorm::fold_into_linear), so that the copy's output equals the model's eval-mode
// output: what deployment does with a trained BN network.

#include "nn/sequential.hpp"

namespace simdnorm::nn {

// The model's layers must be Linear, BatchNorm1d (directly after a Linear, with running
// statistics), ReLU, Tanh, Sigmoid or Dropout on [features] inputs; throws std::invalid_argument
// naming the first other layer.
Sequential fold_batch_norm(Sequential& model);

}  // namespace simdnorm::nn
