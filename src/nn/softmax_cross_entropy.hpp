#pragma once
// Softmax cross-entropy over [n, classes] logits: the loss, its gradient, the predictions.

#include <cstddef>
#include <cstdint>
#include <span>

namespace simdnorm::nn {

struct LossResult {
  double loss = 0;          // mean over the n rows of −log softmax(logits)[label]
  std::size_t correct = 0;  // rows whose argmax is the label (NaN rows count as wrong)
};

// dlogits, if not empty, receives ∂loss/∂logits = (softmax − onehot)/n. It may alias logits.
// No allocation.
LossResult softmax_cross_entropy(std::span<const float> logits, std::size_t n, std::size_t classes,
                                 std::span<const std::uint8_t> labels, std::span<float> dlogits);

// The same for any number of classes; throws std::invalid_argument naming the first label
// outside [0, classes) or a label count other than n.
LossResult softmax_cross_entropy(std::span<const float> logits, std::size_t n, std::size_t classes,
                                 std::span<const std::int32_t> labels, std::span<float> dlogits);

// probs = softmax(logits) row by row; may alias logits.
void softmax(std::span<const float> logits, std::size_t n, std::size_t classes,
             std::span<float> probs);

}  // namespace simdnorm::nn
