#pragma once
// y = (x − mean)·invstd·γ + β [then ReLU]: one read of x, one write of y; y may alias x.

#include <algorithm>

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

template <bool Relu, bool Stream, class Arch>
void run(const float* x, std::size_t len, const batch<Arch>& mean, const batch<Arch>& scale,
         const batch<Arch>& beta, float* y) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  if constexpr (Stream) {
    // Streaming stores need aligned addresses: a partial head, then whole aligned vectors.
    const std::size_t head = std::min(floats_to_alignment<Arch>(y), len);
    if (head)
      store_partial<Arch>(apply<Relu, Arch>(load_partial<Arch>(x, head, 0.f), mean, scale, beta), y,
                          head);
    for (i = head; i + L <= len; i += L)
      store_stream<Arch>(apply<Relu, Arch>(B::load_unaligned(x + i), mean, scale, beta), y + i);
  } else {
    for (; i + 2 * L <= len; i += 2 * L) {
      const B v0 = B::load_unaligned(x + i), v1 = B::load_unaligned(x + i + L);
      apply<Relu, Arch>(v0, mean, scale, beta).store_unaligned(y + i);
      apply<Relu, Arch>(v1, mean, scale, beta).store_unaligned(y + i + L);
    }
    for (; i + L <= len; i += L)
      apply<Relu, Arch>(B::load_unaligned(x + i), mean, scale, beta).store_unaligned(y + i);
  }
  if (i < len)
    store_partial<Arch>(
        apply<Relu, Arch>(load_partial<Arch>(x + i, len - i, 0.f), mean, scale, beta), y + i,
        len - i);
}

// Memory order: per-channel constants are recomputed for every sample (one vector sqrt and
// divide per group of `lanes` channels), which is cheaper than a channel-major walk (lanes.hpp).
template <bool Relu, bool Stream, class Arch>
void channels_first(const float* x, const Shape& s, const ChannelParams& p, float* y) {
  constexpr std::size_t L = batch<Arch>::size;
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const ChannelAffine<Arch> a = channel_affine<Arch>(p, c0, count);
      alignas(Arch::alignment()) float mean[L], scale[L], beta[L];
      a.mean.store_aligned(mean);
      a.scale.store_aligned(scale);
      a.beta.store_aligned(beta);
      // Locals, not the lambda's captures: stores through float* would force reloading those for
      // every run, a dozen instructions per run of 49 floats (NCHW 7×7).
      const std::size_t len = s.s, channels = count;
      const float* in = x + (n * s.c + c0) * len;
      float* out = y + (n * s.c + c0) * len;
      for (std::size_t j = 0; j < channels; ++j, in += len, out += len)
        run<Relu, Stream, Arch>(in, len, batch<Arch>(mean[j]), batch<Arch>(scale[j]),
                                batch<Arch>(beta[j]), out);
    });
  }
}

// Wide rows (lanes.hpp: is_wide_row): memory order, the chunk's constants from tables.
template <bool Relu, bool Stream, class Arch>
void wide_rows(const float* x, const Shape& s, const ChannelParams& p, float* y) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  ChunkTable<3, Arch> t;
  for_row_chunks<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    fill_affine_tables<Arch>(p, c0, count, t);
    const std::size_t full = count / L * L;
    const float *mean = t.v[0], *scale = t.v[1], *beta = t.v[2];
    for (std::size_t r = 0; r < row_count; ++r) {
      const float* in = x + r * stride + c0;
      float* out = y + r * stride + c0;
      std::size_t i = 0;
      for (; i < full; i += L) {
        const B v = apply<Relu, Arch>(B::load_unaligned(in + i), B::load_aligned(mean + i),
                                      B::load_aligned(scale + i), B::load_aligned(beta + i));
        if constexpr (Stream) {
          store_stream<Arch>(v, out + i);
        } else {
          v.store_unaligned(out + i);
        }
      }
      if (i < count)
        store_partial<Arch>(
            apply<Relu, Arch>(load_partial<Arch>(in + i, count - i, 0.f), B::load_aligned(mean + i),
                              B::load_aligned(scale + i), B::load_aligned(beta + i)),
            out + i, count - i);
    }
  });
}

template <bool Relu, bool Stream, class Arch>
void rows(const float* x, const Shape& s, const ChannelParams& p, float* y) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  if (is_wide_row<Arch>(s.c)) return wide_rows<Relu, Stream, Arch>(x, s, p, y);
  const std::size_t row_count = s.n * s.s, stride = s.c;
  const std::size_t tile = row_tile<Arch>(s.c);
  for (std::size_t r0 = 0; r0 < row_count; r0 += tile) {
    const std::size_t rows_here = row_count - r0 < tile ? row_count - r0 : tile;
    for_channel_blocks<Arch>(
        s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
          ChannelAffine<Arch> a[K];
          for (std::size_t k = 0; k < K; ++k)
            a[k] = channel_affine<Arch>(p, c0 + k * L, Partial ? count : L);
          // Locals, not the lambda's captures: stores through float* would force reloading those.
          const float* in = x + r0 * stride + c0;
          float* out = y + r0 * stride + c0;
          for (std::size_t r = 0; r < rows_here; ++r, in += stride, out += stride) {
            for (std::size_t k = 0; k < K; ++k) {
              const B v = apply<Relu, Arch>(load_lanes<Partial, Arch>(in + k * L, count, 0.f),
                                            a[k].mean, a[k].scale, a[k].beta);
              if constexpr (Stream && !Partial) {
                store_stream<Arch>(v, out + k * L);
              } else {
                store_lanes<Partial, Arch>(v, out + k * L, count);
              }
            }
          }
        });
  }
}

}  // namespace normalize_detail

template <class Arch>
void normalize::operator()(Arch, const float* x, const Shape& shape, const ChannelParams& p,
                           bool relu, float* y) const {
  using namespace normalize_detail;
  if (rows_of_channels<Arch>(shape) && streaming_rows<Arch>(shape, p, 2, y)) {
    relu ? rows<true, true, Arch>(x, shape, p, y) : rows<false, true, Arch>(x, shape, p, y);
    streaming_done<Arch>();
  } else if (rows_of_channels<Arch>(shape)) {
    relu ? rows<true, false, Arch>(x, shape, p, y) : rows<false, false, Arch>(x, shape, p, y);
  } else if (streaming_output<Arch>(shape, p, 2)) {
    relu ? channels_first<true, true, Arch>(x, shape, p, y)
         : channels_first<false, true, Arch>(x, shape, p, y);
    streaming_done<Arch>();
  } else {
    relu ? channels_first<true, false, Arch>(x, shape, p, y)
         : channels_first<false, false, Arch>(x, shape, p, y);
  }
}

}  // namespace simdnorm::kernels
