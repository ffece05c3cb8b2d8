#pragma once
// y = (x − mean)·invstd·γ + β [then ReLU]: one read of x, one write of y; y may alias x.

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct normalize {
  template <class Arch>
  void operator()(Arch, const float* x, const Shape& shape, const ChannelParams& p, bool relu,
                  float* y) const;
};

namespace normalize_detail {

template <bool Relu, class Arch>
batch<Arch> apply(const batch<Arch>& x, const batch<Arch>& mean, const batch<Arch>& scale,
                  const batch<Arch>& beta) {
  const batch<Arch> v = xsimd::fma(x - mean, scale, beta);
  if constexpr (Relu) {
    return relu_keep_nan<Arch>(v);
  } else {
    return v;
  }
}

template <bool Relu, class Arch>
void run(const float* x, std::size_t len, const batch<Arch>& mean, const batch<Arch>& scale,
         const batch<Arch>& beta, float* y) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  for (; i + 2 * L <= len; i += 2 * L) {
    const B v0 = B::load_unaligned(x + i), v1 = B::load_unaligned(x + i + L);
    apply<Relu, Arch>(v0, mean, scale, beta).store_unaligned(y + i);
    apply<Relu, Arch>(v1, mean, scale, beta).store_unaligned(y + i + L);
  }
  for (; i + L <= len; i += L)
    apply<Relu, Arch>(B::load_unaligned(x + i), mean, scale, beta).store_unaligned(y + i);
  if (i < len)
    store_partial<Arch>(
        apply<Relu, Arch>(load_partial<Arch>(x + i, len - i, 0.f), mean, scale, beta), y + i,
        len - i);
}

template <bool Relu, class Arch>
void channels_first(const float* x, const Shape& s, const ChannelParams& p, float* y) {
  constexpr std::size_t L = batch<Arch>::size;
  for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    const ChannelAffine<Arch> a = channel_affine<Arch>(p, c0, count);
    alignas(Arch::alignment()) float mean[L], scale[L], beta[L];
    a.mean.store_aligned(mean);
    a.scale.store_aligned(scale);
    a.beta.store_aligned(beta);
    for (std::size_t j = 0; j < count; ++j) {
      const batch<Arch> m(mean[j]), k(scale[j]), b(beta[j]);
      for (std::size_t n = 0; n < s.n; ++n) {
        const std::size_t offset = (n * s.c + c0 + j) * s.s;
        run<Relu, Arch>(x + offset, s.s, m, k, b, y + offset);
      }
    }
  });
}

template <bool Relu, class Arch>
void rows(const float* x, const Shape& s, const ChannelParams& p, float* y) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  for_channel_blocks<Arch>(s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
    ChannelAffine<Arch> a[K];
    for (std::size_t k = 0; k < K; ++k)
      a[k] = channel_affine<Arch>(p, c0 + k * L, Partial ? count : L);
    for (std::size_t r = 0; r < row_count; ++r) {
      const std::size_t offset = r * stride + c0;
      for (std::size_t k = 0; k < K; ++k) {
        const B v = load_lanes<Partial, Arch>(x + offset + k * L, count, 0.f);
        store_lanes<Partial, Arch>(apply<Relu, Arch>(v, a[k].mean, a[k].scale, a[k].beta),
                                   y + offset + k * L, count);
      }
    }
  });
}

}  // namespace normalize_detail

template <class Arch>
void normalize::operator()(Arch, const float* x, const Shape& shape, const ChannelParams& p,
                           bool relu, float* y) const {
  using namespace normalize_detail;
  const bool by_rows = rows_of_channels<Arch>(shape);
  if (relu) {
    by_rows ? rows<true, Arch>(x, shape, p, y) : channels_first<true, Arch>(x, shape, p, y);
  } else {
    by_rows ? rows<false, Arch>(x, shape, p, y) : channels_first<false, Arch>(x, shape, p, y);
  }
}

}  // namespace simdnorm::kernels
