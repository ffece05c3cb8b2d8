#pragma once
// From a LayerSpec's type name to the layer: the one list of layer types the engine knows
// ("linear", "conv2d", "maxPool2d", "avgPool2d", "flatten", "relu", "tanh", "sigmoid", "dropout",
// "lstm", "rnn", "batchNorm1d", "batchNorm2d").

#include <memory>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn {

// The output shape of the layer `spec` describes, for input `in`, without building it. Throws
// std::invalid_argument ("argument: expected …, given …") for an unknown type, a bad or unknown
// argument, or an input shape the layer cannot take.
SampleShape layer_output_shape(const LayerSpec& spec, const SampleShape& in);

// Builds the layer (parameters uninitialized until reset_parameters). `rng` is the layer's own
// stream for what it draws while running (dropout masks).
std::unique_ptr<Layer> make_layer(const LayerSpec& spec, const SampleShape& in, Rng rng);

}  // namespace simdnorm::nn
