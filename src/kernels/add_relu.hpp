#pragma once
// The fused residual block's two elementwise kernels:
//   normalize_add_relu: y = max((x − mean)·invstd·γ + β + z, 0), one read of x and z, one write
//                       of y (y may alias x or z); given x_copy, also x_copy = x from the same
//                       loads (normalize.hpp says why);
//   relu_mask:          dz = dy where y > 0 else 0, one read of dy and y, one write of dz (dz may
//                       alias dy or y). The mask comes from the output, as PyTorch's ReLU
//                       backward takes it: the pre-activation depends on z, which backward lacks.

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct normalize_add_relu {
  template <class Arch>
  void operator()(Arch, const float* x, const float* z, const Shape& shape, const ChannelParams& p,
                  float* y, float* x_copy) const;
};

struct relu_mask {
  template <class Arch>
  void operator()(Arch, const float* dy, const float* y, std::size_t count, float* dz) const;
};

namespace add_relu_detail {

template <class Arch>
batch<Arch> apply(const batch<Arch>& x, const batch<Arch>& z, const batch<Arch>& mean,
                  const batch<Arch>& scale, const batch<Arch>& beta) {
  return relu_keep_nan<Arch>(xsimd::fma(x - mean, scale, beta) + z);
}

// One run of one channel (channels-first): broadcast constants.
template <bool Copy, class Arch>
void run(const float* x, const float* z, std::size_t len, const batch<Arch>& mean,
         const batch<Arch>& scale, const batch<Arch>& beta, float* y, float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  for (; i + L <= len; i += L) {
    const B v = B::load_unaligned(x + i);
    store_with_copy<false, Copy, Arch>(apply<Arch>(v, B::load_unaligned(z + i), mean, scale, beta),
                                       v, y + i, copy_at<Copy>(x_copy, i), L);
  }
  if (i < len) {
    const B v = load_partial<Arch>(x + i, len - i, 0.f);
    store_with_copy<true, Copy, Arch>(
        apply<Arch>(v, load_partial<Arch>(z + i, len - i, 0.f), mean, scale, beta), v, y + i,
        copy_at<Copy>(x_copy, i), len - i);
  }
}

// Memory order, constants per group of `lanes` channels (as normalize.hpp).
template <bool Copy, class Arch>
void channels_first(const float* x, const float* z, const Shape& s, const ChannelParams& p,
                    float* y, float* x_copy) {
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const AffineTable<Arch> t(channel_affine<Arch>(p, c0, count));
      for (std::size_t j = 0; j < count; ++j) {
        const std::size_t offset = (n * s.c + c0 + j) * s.s;
        run<Copy, Arch>(x + offset, z + offset, s.s, batch<Arch>(t.mean[j]),
                        batch<Arch>(t.scale[j]), batch<Arch>(t.beta[j]), y + offset,
                        copy_at<Copy>(x_copy, offset));
      }
    });
  }
}

// Wide rows (lanes.hpp: is_wide_row): memory order, the chunk's constants from tables.
template <bool Copy, class Arch>
void wide_rows(const float* x, const float* z, const Shape& s, const ChannelParams& p, float* y,
               float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  ChunkTable<3, Arch> t;
  for_row_chunks<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    fill_affine_tables<Arch>(p, c0, count, t);
    for (std::size_t r = 0; r < row_count; ++r) {
      const std::size_t start = r * stride + c0;
      for (std::size_t i = 0; i < count; i += L) {
        const std::size_t n = count - i < L ? count - i : L;
        const B in = load_partial<Arch>(x + start + i, n, 0.f);
        const B v =
            apply<Arch>(in, load_partial<Arch>(z + start + i, n, 0.f), B::load_aligned(t.v[0] + i),
                        B::load_aligned(t.v[1] + i), B::load_aligned(t.v[2] + i));
        float* saved = copy_at<Copy>(x_copy, start + i);
        if (n == L) {
          store_with_copy<false, Copy, Arch>(v, in, y + start + i, saved, L);
        } else {
          store_with_copy<true, Copy, Arch>(v, in, y + start + i, saved, n);
        }
      }
    }
  });
}

// Rows walked as one flat array (lanes.hpp: walk_rows_flat), as in normalize.hpp.
template <bool Copy, class Arch>
void flat_rows(const float* x, const float* z, const Shape& s, const ChannelParams& p, float* y,
               float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t channels = s.c;
  const FlatWalk w = flat_walk<Arch>(s, y);
  ChunkTable<3, Arch> t;
  fill_affine_tables<Arch>(p, 0, channels, t);
  t.repeat_first_vector(channels);
  for_flat_partials<Arch>(w, [&](std::size_t i, std::size_t n) {
    const ChannelAffine<Arch> a = table_affine<Arch>(t, i % channels);
    const B in = load_partial<Arch>(x + i, n, 0.f);
    store_with_copy<true, Copy, Arch>(
        apply<Arch>(in, load_partial<Arch>(z + i, n, 0.f), a.mean, a.scale, a.beta), in, y + i,
        copy_at<Copy>(x_copy, i), n);
  });
  // Locals, not the lambda's captures, in the loop (see normalize.hpp).
  const float *in = x + w.head, *res = z + w.head;
  float* out = y + w.head;
  float* saved = copy_at<Copy>(x_copy, w.head);
  std::size_t c = w.channel;
  for (std::size_t k = 0; k < w.whole;
       ++k, in += L, res += L, out += L, saved = copy_at<Copy>(saved, L)) {
    const ChannelAffine<Arch> a = table_affine<Arch>(t, c);
    const B v = B::load_unaligned(in);
    store_with_copy<false, Copy, Arch>(
        apply<Arch>(v, B::load_unaligned(res), a.mean, a.scale, a.beta), v, out, saved, L);
    c = next_flat_channel<Arch>(c, channels);
  }
}

// Rows of channels in tiles of rows, every channel block of a tile before the next (normalize.hpp).
template <bool Copy, class Arch>
void rows(const float* x, const float* z, const Shape& s, const ChannelParams& p, float* y,
          float* x_copy) {
  constexpr std::size_t L = batch<Arch>::size;
  if (walk_rows_flat<Arch>(s, y)) return flat_rows<Copy, Arch>(x, z, s, p, y, x_copy);
  if (is_wide_row<Arch>(s.c)) return wide_rows<Copy, Arch>(x, z, s, p, y, x_copy);
  const std::size_t row_count = s.n * s.s, stride = s.c;
  const std::size_t tile = row_tile<Arch>(s.c);
  for (std::size_t r0 = 0; r0 < row_count; r0 += tile) {
    const std::size_t rows_here = row_count - r0 < tile ? row_count - r0 : tile;
    for_channel_blocks<Arch>(
        s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
          ChannelAffine<Arch> a[K];
          for (std::size_t k = 0; k < K; ++k)
            a[k] = channel_affine<Arch>(p, c0 + k * L, Partial ? count : L);
          const std::size_t start = r0 * stride + c0;
          const float *in = x + start, *res = z + start;
          float* out = y + start;
          float* saved = copy_at<Copy>(x_copy, start);
          for (std::size_t r = 0; r < rows_here; ++r, in += stride, res += stride, out += stride,
                           saved = copy_at<Copy>(saved, stride)) {
            for (std::size_t k = 0; k < K; ++k) {
              const batch<Arch> v = load_lanes<Partial, Arch>(in + k * L, count, 0.f);
              store_with_copy<Partial, Copy, Arch>(
                  apply<Arch>(v, load_lanes<Partial, Arch>(res + k * L, count, 0.f), a[k].mean,
                              a[k].scale, a[k].beta),
                  v, out + k * L, copy_at<Copy>(saved, k * L), count);
            }
          }
        });
  }
}

}  // namespace add_relu_detail

template <class Arch>
void normalize_add_relu::operator()(Arch, const float* x, const float* z, const Shape& shape,
                                    const ChannelParams& p, float* y, float* x_copy) const {
  using namespace add_relu_detail;
  if (rows_of_channels<Arch>(shape)) {
    x_copy ? rows<true, Arch>(x, z, shape, p, y, x_copy)
           : rows<false, Arch>(x, z, shape, p, y, x_copy);
  } else {
    x_copy ? channels_first<true, Arch>(x, z, shape, p, y, x_copy)
           : channels_first<false, Arch>(x, z, shape, p, y, x_copy);
  }
}

template <class Arch>
void relu_mask::operator()(Arch, const float* dy, const float* y, std::size_t count,
                           float* dz) const {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const B zero(0.f);
  std::size_t i = 0;
  for (; i + L <= count; i += L)
    xsimd::select(B::load_unaligned(y + i) > zero, B::load_unaligned(dy + i), zero)
        .store_unaligned(dz + i);
  if (i < count)
    store_partial<Arch>(xsimd::select(load_partial<Arch>(y + i, count - i, 0.f) > zero,
                                      load_partial<Arch>(dy + i, count - i, 0.f), zero),
                        dz + i, count - i);
}

}  // namespace simdnorm::kernels
