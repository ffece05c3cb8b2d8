#pragma once
// Reproducible random inputs for batch normalization: per-channel offsets and scales so every
// channel has its own statistics, and a helper that keeps values off the ReLU kink.

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <vector>

#include "float64_batch_norm.hpp"

namespace simdnorm_test {

class RandomBatch {
 public:
  explicit RandomBatch(unsigned seed) : rng_(seed) {}

  // x[n, c, i] = mean_c + std_c·N(0, 1) with mean_c ∈ [-2, 2], std_c ∈ [0.5, 2].
  std::vector<float> input(const Shape& s) {
    std::vector<double> mean(s.c), stdev(s.c);
    for (std::size_t c = 0; c < s.c; ++c) {
      mean[c] = uniform(-2, 2);
      stdev[c] = uniform(0.5, 2);
    }
    std::vector<float> x(s.numel());
    for (std::size_t k = 0; k < x.size(); ++k) {
      const std::size_t c = channel_of(s, k);
      x[k] = float(mean[c] + stdev[c] * normal_(rng_));
    }
    return x;
  }

  std::vector<float> normal(std::size_t size) {
    std::vector<float> v(size);
    for (float& f : v) f = float(normal_(rng_));
    return v;
  }

  // γ: magnitude in [0.5, 1.5] with either sign (a negative γ flips the ReLU mask).
  std::vector<float> weight(std::size_t c) {
    std::vector<float> v(c);
    for (float& f : v) f = float(uniform(0.5, 1.5) * (uniform(0, 1) < 0.25 ? -1 : 1));
    return v;
  }

  std::vector<float> uniform_vector(std::size_t c, double lo, double hi) {
    std::vector<float> v(c);
    for (float& f : v) f = float(uniform(lo, hi));
    return v;
  }

  double uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }

 private:
  std::mt19937 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
};

// Moves x[k] in steps of `step` until every pre-activation pre(x)[k] given by each function is at
// least `margin` away from 0, so float and double agree on the ReLU mask (finite differences and
// a mask flip would otherwise compare different functions). Returns false if it could not.
inline bool move_off_relu_kink(std::vector<float>& x,
                               const std::vector<std::function<double(std::size_t, float)>>& pres,
                               double margin, double step) {
  for (std::size_t k = 0; k < x.size(); ++k) {
    const float original = x[k];
    for (int t = 0;; ++t) {
      if (t > 40) return false;
      // 0, +1, −1, +2, −2, ... steps
      const int steps = (t + 1) / 2 * (t % 2 ? 1 : -1);
      const float candidate = float(double(original) + steps * step);
      bool clear = true;
      for (const auto& pre : pres) clear = clear && std::abs(pre(k, candidate)) >= margin;
      if (clear) {
        x[k] = candidate;
        break;
      }
    }
  }
  return true;
}

}  // namespace simdnorm_test
