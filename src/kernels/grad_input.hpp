#pragma once
// dx = A·dy' + B·(x − mean) + C per channel, one read of dy and x and one write of dx (which may
// alias either). Training mode: A = γ·invstd, B = −A·invstd²·Σdy'(x − mean)/M, C = −A·Σdy'/M;
// eval mode (statistics are constants): B = C = 0.

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct grad_input {
  template <class Arch>
  void operator()(Arch, const float* dy, const float* x, const Shape& shape,
                  const ChannelParams& p, bool relu, bool batch_stats, const float* sum_dy,
                  const float* sum_dy_xmu, float* dx) const;
};

namespace grad_input_detail {

template <class Arch>
struct Coefficients {
  ChannelAffine<Arch> forward;  // to recompute the ReLU mask
  batch<Arch> a, b, c;
};

template <class Arch>
Coefficients<Arch> coefficients(const ChannelParams& p, bool batch_stats, const float* sum_dy,
                                const float* sum_dy_xmu, float count_inv, std::size_t c0,
                                std::size_t count) {
  using B = batch<Arch>;
  const ChannelAffine<Arch> f = channel_affine<Arch>(p, c0, count);
  const B a = f.scale;  // γ·invstd
  if (!batch_stats) return {f, a, B(0.f), B(0.f)};
  const B mean_dy = load_partial<Arch>(sum_dy + c0, count, 0.f) * B(count_inv);
  const B mean_dy_xmu = load_partial<Arch>(sum_dy_xmu + c0, count, 0.f) * B(count_inv);
  return {f, a, -a * f.invstd * f.invstd * mean_dy_xmu, -a * mean_dy};
}

template <bool Relu, class Arch>
batch<Arch> apply(const batch<Arch>& dy, const batch<Arch>& x, const Coefficients<Arch>& k) {
  const batch<Arch> xmu = x - k.forward.mean;
  batch<Arch> g = dy;
  if constexpr (Relu)
    g = xsimd::select(xsimd::fma(xmu, k.forward.scale, k.forward.beta) > batch<Arch>(0.f), dy,
                      batch<Arch>(0.f));
  return xsimd::fma(xmu, k.b, xsimd::fma(g, k.a, k.c));
}

template <class Arch>
Coefficients<Arch> broadcast(const Coefficients<Arch>& k, std::size_t lane) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  alignas(Arch::alignment()) float v[6][L];
  k.forward.mean.store_aligned(v[0]);
  k.forward.scale.store_aligned(v[1]);
  k.forward.beta.store_aligned(v[2]);
  k.a.store_aligned(v[3]);
  k.b.store_aligned(v[4]);
  k.c.store_aligned(v[5]);
  return {{B(v[0][lane]), B(v[1][lane]), B(v[2][lane]), B(0.f)},
          B(v[3][lane]),
          B(v[4][lane]),
          B(v[5][lane])};
}

template <bool Relu, class Arch>
void channels_first(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
                    bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const float count_inv = 1.f / float(s.per_channel());
  for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    const Coefficients<Arch> group =
        coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0, count);
    for (std::size_t j = 0; j < count; ++j) {
      const Coefficients<Arch> k = broadcast<Arch>(group, j);
      for (std::size_t n = 0; n < s.n; ++n) {
        const std::size_t offset = (n * s.c + c0 + j) * s.s;
        const float *g = dy + offset, *v = x + offset;
        float* out = dx + offset;
        std::size_t i = 0;
        for (; i + L <= s.s; i += L)
          apply<Relu, Arch>(B::load_unaligned(g + i), B::load_unaligned(v + i), k)
              .store_unaligned(out + i);
        if (i < s.s)
          store_partial<Arch>(apply<Relu, Arch>(load_partial<Arch>(g + i, s.s - i, 0.f),
                                                load_partial<Arch>(v + i, s.s - i, 0.f), k),
                              out + i, s.s - i);
      }
    }
  });
}

template <bool Relu, class Arch>
void rows(const float* dy, const float* x, const Shape& s, const ChannelParams& p, bool batch_stats,
          const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  constexpr std::size_t L = batch<Arch>::size;
  const float count_inv = 1.f / float(s.per_channel());
  const std::size_t row_count = s.n * s.s, stride = s.c;
  for_channel_blocks<Arch>(s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
    Coefficients<Arch> k[K];
    for (std::size_t i = 0; i < K; ++i)
      k[i] = coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0 + i * L,
                                Partial ? count : L);
    for (std::size_t r = 0; r < row_count; ++r) {
      const std::size_t offset = r * stride + c0;
      for (std::size_t i = 0; i < K; ++i) {
        const std::size_t o = offset + i * L;
        store_lanes<Partial, Arch>(
            apply<Relu, Arch>(load_lanes<Partial, Arch>(dy + o, count, 0.f),
                              load_lanes<Partial, Arch>(x + o, count, 0.f), k[i]),
            dx + o, count);
      }
    }
  });
}

}  // namespace grad_input_detail

template <class Arch>
void grad_input::operator()(Arch, const float* dy, const float* x, const Shape& shape,
                            const ChannelParams& p, bool relu, bool batch_stats,
                            const float* sum_dy, const float* sum_dy_xmu, float* dx) const {
  using namespace grad_input_detail;
  const bool by_rows = rows_of_channels<Arch>(shape);
  if (relu) {
    by_rows ? rows<true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
            : channels_first<true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  } else {
    by_rows ? rows<false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
            : channels_first<false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  }
}

}  // namespace simdnorm::kernels
