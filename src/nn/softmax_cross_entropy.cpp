#include "nn/softmax_cross_entropy.hpp"

#include <cassert>
#include <cmath>
#include <stdexcept>
#include <string>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

// Index of the largest logit, or `classes` if the row holds a NaN (so it never counts correct).
std::size_t argmax(const float* row, std::size_t classes) {
  std::size_t best = 0;
  for (std::size_t k = 0; k < classes; ++k) {
    if (std::isnan(row[k])) return classes;
    if (row[k] > row[best]) best = k;
  }
  return best;
}

template <class Label>
LossResult cross_entropy(std::span<const float> logits, std::size_t n, std::size_t classes,
                         std::span<const Label> labels, std::span<float> dlogits) {
  assert(logits.size() >= n * classes && labels.size() >= n);
  LossResult r;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float* z = logits.data() + i * classes;
    const auto label = std::size_t(labels[i]);  // checked to lie in [0, classes)
    if (argmax(z, classes) == label) ++r.correct;
    // log-sum-exp shifted by the max: no overflow, and the largest term is exactly e^0 = 1.
    float m = z[0];
    for (std::size_t k = 1; k < classes; ++k) m = z[k] > m ? z[k] : m;
    double sum = 0;
    for (std::size_t k = 0; k < classes; ++k) sum += std::exp(double(z[k]) - m);
    const double log_sum = std::log(sum) + m;
    total += log_sum - z[label];
    if (!dlogits.empty()) {
      float* d = dlogits.data() + i * classes;
      for (std::size_t k = 0; k < classes; ++k) {
        const double p = std::exp(double(z[k]) - log_sum);
        d[k] = float((p - (k == label ? 1.0 : 0.0)) / double(n));
      }
    }
  }
  r.loss = total / double(n);
  return r;
}

}  // namespace

LossResult softmax_cross_entropy(std::span<const float> logits, std::size_t n, std::size_t classes,
                                 std::span<const std::uint8_t> labels, std::span<float> dlogits) {
  return cross_entropy(logits, n, classes, labels, dlogits);
}

LossResult softmax_cross_entropy(std::span<const float> logits, std::size_t n, std::size_t classes,
                                 std::span<const std::int32_t> labels, std::span<float> dlogits) {
  if (labels.size() != n)
    throw Error(ErrorCode::shape, "softmax_cross_entropy: labels: expected " + std::to_string(n) +
                                      " labels (one per row), given " +
                                      std::to_string(labels.size()));
  for (std::size_t i = 0; i < n; ++i)
    if (labels[i] < 0 || std::size_t(labels[i]) >= classes)
      throw Error(ErrorCode::range, "softmax_cross_entropy: labels[" + std::to_string(i) +
                                        "]: expected a class in [0, " + std::to_string(classes) +
                                        "), given " + std::to_string(labels[i]));
  return cross_entropy(logits, n, classes, labels, dlogits);
}

void softmax(std::span<const float> logits, std::size_t n, std::size_t classes,
             std::span<float> probs) {
  assert(logits.size() >= n * classes && probs.size() >= n * classes);
  for (std::size_t i = 0; i < n; ++i) {
    const float* z = logits.data() + i * classes;
    float* p = probs.data() + i * classes;
    float m = z[0];
    for (std::size_t k = 1; k < classes; ++k) m = z[k] > m ? z[k] : m;
    double sum = 0;
    for (std::size_t k = 0; k < classes; ++k) sum += std::exp(double(z[k]) - m);
    for (std::size_t k = 0; k < classes; ++k) p[k] = float(std::exp(double(z[k]) - m) / sum);
  }
}

}  // namespace simdnorm::nn
