#pragma once
// Inference with a Sequential outside its training loop, for measurements: every BatchNorm layer
// normalizes with its running statistics (eval mode) or with the statistics of the batch given —
// the training-mode transform without its side effects (nothing updated, nothing saved; also
// defined for one sample, whose every BN output is then β). The model's own buffers and mode are
// untouched, so this never disturbs training; it allocates its own buffers.

#include <cstddef>
#include <span>
#include <vector>

#include "nn/sequential.hpp"

namespace simdnorm::nn {

enum class NormStats { running, batch };

// outputs[0] = x, outputs[i + 1] = layer i's output, for the n samples of x.
std::vector<std::vector<float>> layer_outputs(Sequential& model, std::span<const float> x,
                                              std::size_t n, NormStats stats);

// The last layer's output [n, output size]. With running statistics the samples go through in
// chunks, so memory stays bounded for large inputs (decision grids); batch statistics need the
// whole batch at once.
std::vector<float> infer(Sequential& model, std::span<const float> x, std::size_t n,
                         NormStats stats);

struct Evaluation {
  double loss = 0, accuracy = 0;  // mean softmax cross-entropy, fraction of argmax = label
};

// Softmax cross-entropy and accuracy of a classifier on n samples with labels in [0, classes).
Evaluation evaluate(Sequential& model, std::span<const float> x,
                    std::span<const std::uint8_t> labels, NormStats stats);

}  // namespace simdnorm::nn
