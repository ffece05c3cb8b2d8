#pragma once
// The shape rules the recurrent layers (Rnn, Lstm) share: a [steps, features] input with
// inputSize features, and weights and a sequence of states within the engine's tensor bound.

#include <cstddef>

#include "nn/sample_shape.hpp"

namespace simdnorm::nn {

// [T, H] with return_sequences, else [H]. `gates` counts the layer's H-row weight blocks (RNN 1,
// LSTM 4). Throws a shape Error naming input or inputSize, a range Error naming hiddenSize.
SampleShape recurrent_output_shape(std::size_t input_size, std::size_t hidden_size,
                                   std::size_t gates, bool return_sequences, const SampleShape& in);

}  // namespace simdnorm::nn
