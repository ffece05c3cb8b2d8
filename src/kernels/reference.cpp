// The scalar reference: the definition of correct for every SIMD kernel. Plain loops, double
// accumulation, textbook two-pass variance; no attempt at speed beyond -O3.

#include <cmath>

#include "kernels/kernel_table.hpp"

namespace simdnorm::kernels {
namespace {

// Calls f(index of the element) for every element of channel c, in memory order; samples are
// `sample_stride` floats apart in a channels-first tensor (kernel_table.hpp).
template <class F>
void for_each_in_channel(const Shape& s, std::size_t sample_stride, std::size_t c, F&& f) {
  for (std::size_t n = 0; n < s.n; ++n) {
    for (std::size_t i = 0; i < s.s; ++i) {
      const std::size_t idx = s.layout == Layout::ChannelsFirst ? n * sample_stride + c * s.s + i
                                                                : (n * s.s + i) * s.c + c;
      f(idx);
    }
  }
}

template <class F>
void for_each_in_channel(const Shape& s, std::size_t c, F&& f) {
  for_each_in_channel(s, s.c * s.s, c, f);
}

struct Coeffs {
  double mean, invstd, gamma, beta;
};

Coeffs coeffs(const ChannelParams& p, std::size_t c) {
  const double invstd =
      p.invstd ? double(p.invstd[c]) : 1.0 / std::sqrt(double(p.var[c]) + double(p.eps));
  return {p.mean[c], invstd, p.weight ? p.weight[c] : 1.0, p.bias ? p.bias[c] : 0.0};
}

void moments(const float* x, const Shape& s, std::size_t stride, double* mean, double* var) {
  const double m = double(s.per_channel());
  for (std::size_t c = 0; c < s.c; ++c) {
    double sum = 0;
    for_each_in_channel(s, stride, c, [&](std::size_t i) { sum += x[i]; });
    const double mu = sum / m;
    double sq = 0;
    for_each_in_channel(s, stride, c, [&](std::size_t i) { sq += (x[i] - mu) * (x[i] - mu); });
    mean[c] = mu;
    var[c] = sq / m;
  }
}

double pre_activation(const Coeffs& k, float x) {
  return (x - k.mean) * k.invstd * k.gamma + k.beta;
}

// ReLU that keeps NaN (PyTorch's relu(NaN) is NaN).
double relu_keep_nan(double v) {
  return v < 0 ? 0.0 : v;
}

void normalize(const float* x, const Shape& s, const ChannelParams& p, bool relu, float* y,
               float* x_copy) {
  for (std::size_t c = 0; c < s.c; ++c) {
    const Coeffs k = coeffs(p, c);
    for_each_in_channel(s, c, [&](std::size_t i) {
      const double v = pre_activation(k, x[i]);  // read x before writing y (aliasing)
      if (x_copy) x_copy[i] = x[i];
      y[i] = float(relu ? relu_keep_nan(v) : v);
    });
  }
}

// dy masked by the ReLU's derivative: PyTorch passes the gradient where the output is > 0.
double masked(const Coeffs& k, bool relu, float dy, float x) {
  return (!relu || pre_activation(k, x) > 0) ? double(dy) : 0.0;
}

void grad_sums(const float* dy, const float* x, const Shape& s, std::size_t stride,
               const ChannelParams& p, bool relu, float* sum_dy, float* sum_dy_xmu) {
  for (std::size_t c = 0; c < s.c; ++c) {
    const Coeffs k = coeffs(p, c);
    double a = 0, b = 0;
    for_each_in_channel(s, stride, c, [&](std::size_t i) {
      const double g = masked(k, relu, dy[i], x[i]);
      a += g;
      b += g * (x[i] - k.mean);
    });
    sum_dy[c] = float(a);
    sum_dy_xmu[c] = float(b);
  }
}

void grad_input(const float* dy, const float* x, const Shape& s, const ChannelParams& p, bool relu,
                bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  const double m = double(p.batch_count ? p.batch_count : s.per_channel());
  for (std::size_t c = 0; c < s.c; ++c) {
    const Coeffs k = coeffs(p, c);
    const double scale = k.gamma * k.invstd;
    const double mean_dy = batch_stats ? sum_dy[c] / m : 0.0;
    const double proj = batch_stats ? k.invstd * k.invstd * sum_dy_xmu[c] / m : 0.0;
    for_each_in_channel(s, c, [&](std::size_t i) {
      const double g = masked(k, relu, dy[i], x[i]);  // read x, dy before writing dx (aliasing)
      dx[i] = float(scale * (g - mean_dy - (x[i] - k.mean) * proj));
    });
  }
}

void normalize_add_relu(const float* x, const float* z, const Shape& s, const ChannelParams& p,
                        float* y, float* x_copy) {
  for (std::size_t c = 0; c < s.c; ++c) {
    const Coeffs k = coeffs(p, c);
    for_each_in_channel(s, c, [&](std::size_t i) {
      if (x_copy) x_copy[i] = x[i];
      y[i] = float(relu_keep_nan(pre_activation(k, x[i]) + double(z[i])));
    });
  }
}

void relu_mask(const float* dy, const float* y, std::size_t count, float* dz) {
  for (std::size_t i = 0; i < count; ++i) dz[i] = y[i] > 0 ? dy[i] : 0.f;
}

}  // namespace

template <>
KernelTable kernel_table<arch::Isa::scalar>() {
  return {arch::name(arch::Isa::scalar),
          moments,
          normalize,
          grad_sums,
          grad_input,
          normalize_add_relu,
          relu_mask};
}

}  // namespace simdnorm::kernels
