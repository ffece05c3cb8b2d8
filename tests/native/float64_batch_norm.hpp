#pragma once
// Batch normalization in double, written from the formulas (PyTorch's documentation), not from
// the library: the independent truth the kernels and the scalar reference are checked against.
// Each result comes with a per-element "magnitude": the sum of the absolute values of the terms
// that make it up. A float32 computation of the same terms has an error proportional to that
// magnitude (not to the result, which can cancel to ~0), so tolerances scale with it.

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "simdnorm/shape.hpp"

namespace simdnorm_test {

using simdnorm::Layout;
using simdnorm::Shape;

// Memory index of element i (0 ≤ i < S) of channel c in sample n.
inline std::size_t index_of(const Shape& s, std::size_t n, std::size_t c, std::size_t i) {
  return s.layout == Layout::ChannelsFirst ? (n * s.c + c) * s.s + i : (n * s.s + i) * s.c + c;
}

// Channel of memory index k.
inline std::size_t channel_of(const Shape& s, std::size_t k) {
  return s.layout == Layout::ChannelsFirst ? (k / s.s) % s.c : k % s.c;
}

struct Moments64 {
  std::vector<double> mean, var;  // biased variance
  std::vector<double> mean_abs;   // mean of |x|: scale of the rounding in a float mean
};

inline Moments64 moments64(std::span<const float> x, const Shape& s) {
  Moments64 m{std::vector<double>(s.c), std::vector<double>(s.c), std::vector<double>(s.c)};
  const double count = double(s.per_channel());
  for (std::size_t c = 0; c < s.c; ++c) {
    double sum = 0, sum_abs = 0;
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.s; ++i) {
        sum += x[index_of(s, n, c, i)];
        sum_abs += std::abs(double(x[index_of(s, n, c, i)]));
      }
    const double mean = sum / count;
    double sq = 0;
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.s; ++i) {
        const double d = x[index_of(s, n, c, i)] - mean;
        sq += d * d;
      }
    m.mean[c] = mean;
    m.var[c] = sq / count;
    m.mean_abs[c] = sum_abs / count;
  }
  return m;
}

// The statistics and affine parameters one normalization uses, per channel.
struct Channel64 {
  std::vector<double> mean, invstd, gamma, beta;
};

// γ/β from optional spans (empty: affine = false, γ = 1, β = 0).
inline Channel64 channel64(std::vector<double> mean, std::vector<double> invstd,
                           std::span<const float> weight, std::span<const float> bias) {
  const std::size_t c = mean.size();
  Channel64 k{std::move(mean), std::move(invstd), std::vector<double>(c, 1.0),
              std::vector<double>(c, 0.0)};
  for (std::size_t j = 0; j < c; ++j) {
    if (!weight.empty()) k.gamma[j] = weight[j];
    if (!bias.empty()) k.beta[j] = bias[j];
  }
  return k;
}

inline std::vector<double> invstd_from_var(const std::vector<double>& var, double eps) {
  std::vector<double> r(var.size());
  for (std::size_t c = 0; c < var.size(); ++c) r[c] = 1.0 / std::sqrt(var[c] + eps);
  return r;
}

struct Forward64 {
  std::vector<double> y, magnitude;
};

// mean_scale[c] (optional, default |mean[c]|): the scale of the rounding error of the mean the
// float computation uses; for a batch mean computed in float that is mean(|x|), which exceeds
// |mean| when values of both signs cancel.
inline Forward64 forward64(std::span<const float> x, const Shape& s, const Channel64& k, bool relu,
                           std::span<const double> mean_scale = {}) {
  Forward64 f{std::vector<double>(x.size()), std::vector<double>(x.size())};
  for (std::size_t j = 0; j < x.size(); ++j) {
    const std::size_t c = channel_of(s, j);
    const double pre = (x[j] - k.mean[c]) * k.invstd[c] * k.gamma[c] + k.beta[c];
    f.y[j] = relu && pre < 0 ? 0.0 : pre;
    const double m = mean_scale.empty() ? std::abs(k.mean[c]) : mean_scale[c];
    f.magnitude[j] =
        std::abs(k.gamma[c]) * k.invstd[c] * (std::abs(double(x[j])) + m) + std::abs(k.beta[c]);
  }
  return f;
}

struct Backward64 {
  std::vector<double> dx, dx_magnitude;
  std::vector<double> dgamma, dgamma_magnitude;
  std::vector<double> dbeta, dbeta_magnitude;
};

// Gradients of y = relu?(x̂·γ + β), x̂ = (x − mean)·invstd. With batch_stats, mean and invstd are
// functions of x (training mode): dx = γ·invstd·(g − mean(g) − x̂·mean(g·x̂)); without, constants.
// mean_scale (optional) as in forward64: when the mean itself is a float computation (not an
// exact input), x̂ is uncertain by ~u·mean(|x|)·invstd, so its magnitude is (|x| +
// mean_scale)·invstd.
inline Backward64 backward64(std::span<const float> dy, std::span<const float> x, const Shape& s,
                             const Channel64& k, bool relu, bool batch_stats,
                             std::span<const double> mean_scale = {}) {
  const std::size_t size = x.size();
  Backward64 b{std::vector<double>(size), std::vector<double>(size), std::vector<double>(s.c),
               std::vector<double>(s.c),  std::vector<double>(s.c),  std::vector<double>(s.c)};
  // Per element: x̂, its magnitude and the masked gradient g (recomputed in both passes rather
  // than stored: the streaming-store test runs this on 4 M elements).
  struct Terms {
    double xhat, xhat_mag, g;
  };
  auto terms = [&](std::size_t j, std::size_t c) {
    const double xhat = (x[j] - k.mean[c]) * k.invstd[c];
    const double xhat_mag = mean_scale.empty()
                                ? std::abs(xhat)
                                : (std::abs(double(x[j])) + mean_scale[c]) * k.invstd[c];
    const bool masked = relu && !(xhat * k.gamma[c] + k.beta[c] > 0);
    return Terms{xhat, xhat_mag, masked ? 0.0 : double(dy[j])};
  };
  for (std::size_t j = 0; j < size; ++j) {
    const std::size_t c = channel_of(s, j);
    const Terms e = terms(j, c);
    b.dbeta[c] += e.g;
    b.dbeta_magnitude[c] += std::abs(e.g);
    b.dgamma[c] += e.g * e.xhat;
    b.dgamma_magnitude[c] += std::abs(e.g) * e.xhat_mag;
  }
  const double count = double(s.per_channel());
  for (std::size_t j = 0; j < size; ++j) {
    const std::size_t c = channel_of(s, j);
    const Terms e = terms(j, c);
    const double scale = k.gamma[c] * k.invstd[c];
    double dx = e.g, mag = std::abs(e.g);
    if (batch_stats) {
      dx -= b.dbeta[c] / count + e.xhat * b.dgamma[c] / count;
      mag += b.dbeta_magnitude[c] / count + e.xhat_mag * b.dgamma_magnitude[c] / count;
    }
    b.dx[j] = scale * dx;
    b.dx_magnitude[j] = std::abs(scale) * mag;
  }
  return b;
}

}  // namespace simdnorm_test
