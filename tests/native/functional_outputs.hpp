#pragma once
// Every functional entry point (training, inference, backward, the sync primitives, add + ReLU,
// each with and without ReLU where it has the choice) run on one set of buffers, every output
// appended in a fixed order: for tests that compare two runs bit for bit.

#include <cstddef>
#include <span>
#include <vector>

#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {

inline void append(std::vector<float>& out, std::span<const float> v) {
  out.insert(out.end(), v.begin(), v.end());
}

struct FunctionalBuffers {
  std::span<const float> x, dy, z, gamma, beta, running_mean, running_var;
  std::span<float> y, dx, dz;      // tensor outputs
  std::span<float> a, b, d, e, f;  // per-channel outputs
};

inline void append_functional_outputs(const simdnorm::Shape& s, const FunctionalBuffers& io,
                                      std::vector<float>& out) {
  const auto& [x, dy, z, gamma, beta, rmean, rvar, y, dx, dz, a, b, d, e, f] = io;
  for (const bool relu : {false, true}) {
    const simdnorm::NormParams p{gamma, beta, 1e-5f, relu};
    simdnorm::batch_moments(x, s, a, b);
    append(out, a), append(out, b);
    simdnorm::forward_training(x, s, p, y, a, b, d);
    append(out, y), append(out, a), append(out, b), append(out, d);
    simdnorm::backward_training(dy, x, s, p, a, b, {dx, e, f});
    append(out, dx), append(out, e), append(out, f);
    simdnorm::forward_inference(x, s, p, rmean, rvar, y);
    append(out, y);
    simdnorm::backward_inference(dy, x, s, p, rmean, rvar, {dx, e, f});
    append(out, dx), append(out, e), append(out, f);
    // The sync primitives on the whole tensor as one shard of a batch twice its size.
    const std::size_t count = simdnorm::partial_moments(x, s, a, b);
    append(out, a), append(out, b);
    simdnorm::forward_with_stats(x, s, p, rmean, rvar, y, d);
    append(out, y), append(out, d);
    simdnorm::partial_grad_sums(dy, x, s, p, rmean, d, e, f);
    append(out, e), append(out, f);
    simdnorm::backward_from_sums(dy, x, s, p, rmean, d, e, f, 2 * count, {dx, a, b});
    append(out, dx), append(out, a), append(out, b);
  }
  const simdnorm::NormParams p{gamma, beta, 1e-5f, false};
  simdnorm::forward_add_relu_training(x, z, s, p, y, a, b, d);
  append(out, y), append(out, a), append(out, b), append(out, d);
  simdnorm::backward_add_relu_training(dy, y, x, s, p, a, b, {dx, e, f}, dz);
  append(out, dx), append(out, e), append(out, f), append(out, dz);
  simdnorm::forward_add_relu_inference(x, z, s, p, rmean, rvar, y);
  append(out, y);
  simdnorm::backward_add_relu_inference(dy, y, x, s, p, rmean, rvar, {dx, e, f}, dz);
  append(out, dx), append(out, e), append(out, f), append(out, dz);
}

}  // namespace simdnorm_test
