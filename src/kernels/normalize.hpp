#pragma once
// y = (x − mean)·invstd·γ + β [then ReLU]: one read of x, one write of y; y may alias x. Given
// x_copy, also x_copy = x from the same loads: the modules keep x for backward, and a separate
// copy would read x once more and so cost a third of an inference call.

#include <algorithm>

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct normalize {
  template <class Arch>
  void operator()(Arch, const float* x, const Shape& shape, const ChannelParams& p, bool relu,
                  float* y, float* x_copy) const;
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

// Stores y's vector v and, with Copy, the vector of x it came from at the same index of x_copy.
// Streamed, both addresses are aligned: x_copy has y's offset from the alignment (see below).
template <bool Stream, bool Copy, class Arch>
void put(const batch<Arch>& v, const batch<Arch>& x, float* y, float* x_copy) {
  if constexpr (Stream) {
    store_stream<Arch>(v, y);
    if constexpr (Copy) store_stream<Arch>(x, x_copy);
  } else {
    v.store_unaligned(y);
    if constexpr (Copy) x.store_unaligned(x_copy);
  }
}

// `readable`: floats of x that may be read from the run's start (at least len); with a whole
// vector readable the partial last one is loaded whole (its other lanes are not stored), cheaper
// than a partial load (lanes.hpp: load_partial).
template <bool Relu, bool Stream, bool Copy, class Arch>
void run(const float* x, std::size_t len, std::size_t readable, const batch<Arch>& mean,
         const batch<Arch>& scale, const batch<Arch>& beta, float* y, float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  if constexpr (Stream) {
    // Streaming stores need aligned addresses: a partial head, then whole aligned vectors.
    i = std::min(floats_to_alignment<Arch>(y), len);
    if (i) {
      const B v = load_partial<Arch>(x, i, 0.f);
      store_with_copy<true, Copy, Arch>(apply<Relu, Arch>(v, mean, scale, beta), v, y, x_copy, i);
    }
  }
  // Blocks of vectors loaded before any is stored. Tensors allocated one after the other put y
  // just above x, so that a load of x can have the low 12 address bits of a store to y made a
  // moment before and wait for it (4K aliasing): in blocks only a block's first load can. S1
  // inference with its copy in wasm (y 16 bytes above x, Zen 5): 0.65 ms with blocks of two
  // vectors, 0.56 ms with four.
  constexpr std::size_t K = 4;
  for (; i + K * L <= len; i += K * L) {
    B v[K];
    for (std::size_t k = 0; k < K; ++k) v[k] = B::load_unaligned(x + i + k * L);
    for (std::size_t k = 0; k < K; ++k)
      put<Stream, Copy, Arch>(apply<Relu, Arch>(v[k], mean, scale, beta), v[k], y + i + k * L,
                              copy_at<Copy>(x_copy, i + k * L));
  }
  for (; i + L <= len; i += L) {
    const B v = B::load_unaligned(x + i);
    put<Stream, Copy, Arch>(apply<Relu, Arch>(v, mean, scale, beta), v, y + i,
                            copy_at<Copy>(x_copy, i));
  }
  if (i < len) {
    const B v =
        i + L <= readable ? B::load_unaligned(x + i) : load_partial<Arch>(x + i, len - i, 0.f);
    store_with_copy<true, Copy, Arch>(apply<Relu, Arch>(v, mean, scale, beta), v, y + i,
                                      copy_at<Copy>(x_copy, i), len - i);
  }
}

// Memory order: per-channel constants are recomputed for every sample (one vector sqrt and
// divide per group of `lanes` channels), which is cheaper than a channel-major walk (lanes.hpp).
template <bool Relu, bool Stream, bool Copy, class Arch>
void channels_first(const float* x, const Shape& s, const ChannelParams& p, float* y,
                    float* x_copy) {
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const AffineTable<Arch> t(channel_affine<Arch>(p, c0, count));
      // Locals, not the lambda's captures: stores through float* would force reloading those for
      // every run, a dozen instructions per run of 49 floats (NCHW 7×7).
      const std::size_t len = s.s, channels = count;
      const float* in = x + (n * s.c + c0) * len;
      float* out = y + (n * s.c + c0) * len;
      float* saved = copy_at<Copy>(x_copy, (n * s.c + c0) * len);
      std::size_t left = (s.n * s.c - n * s.c - c0) * len;  // floats from `in` to x's end
      for (std::size_t j = 0; j < channels;
           ++j, in += len, out += len, saved = copy_at<Copy>(saved, len), left -= len)
        run<Relu, Stream, Copy, Arch>(in, len, left, batch<Arch>(t.mean[j]),
                                      batch<Arch>(t.scale[j]), batch<Arch>(t.beta[j]), out, saved);
    });
  }
}

// Short runs (lanes ≤ S < kMinStreamedRun), streamed: a group's runs in one sample are walked as
// one span (lanes.hpp: for_span_vectors); each lane takes its own channel's constants.
template <bool Relu, bool Copy, class Arch>
void short_runs_streamed(const float* x, const Shape& s, const ChannelParams& p, float* y,
                         float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const B lanes = lane_numbers<Arch>();
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const AffineTable<Arch> t(channel_affine<Arch>(p, c0, count));
      const std::size_t base = (n * s.c + c0) * s.s;
      const float* in = x + base;
      float* out = y + base;
      float* saved = copy_at<Copy>(x_copy, base);
      for_span_vectors<Arch>(
          out, s.s, count, [&](std::size_t i, std::size_t width, std::size_t k, std::size_t own) {
            B m(t.mean[k]), sc(t.scale[k]), b(t.beta[k]);
            if (own < width) {
              const auto first = lanes < B(float(own));
              m = xsimd::select(first, m, B(t.mean[k + 1]));
              sc = xsimd::select(first, sc, B(t.scale[k + 1]));
              b = xsimd::select(first, b, B(t.beta[k + 1]));
            }
            if (width == L) {
              const B v = B::load_unaligned(in + i);
              put<true, Copy, Arch>(apply<Relu, Arch>(v, m, sc, b), v, out + i,
                                    copy_at<Copy>(saved, i));
            } else {
              const B v = load_partial<Arch>(in + i, width, 0.f);
              store_with_copy<true, Copy, Arch>(apply<Relu, Arch>(v, m, sc, b), v, out + i,
                                                copy_at<Copy>(saved, i), width);
            }
          });
    });
  }
}

// Wide rows (lanes.hpp: is_wide_row): memory order, the chunk's constants from tables.
template <bool Relu, bool Stream, bool Copy, class Arch>
void wide_rows(const float* x, const Shape& s, const ChannelParams& p, float* y, float* x_copy) {
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
      float* saved = copy_at<Copy>(x_copy, r * stride + c0);
      std::size_t i = 0;
      for (; i < full; i += L) {
        const B v = B::load_unaligned(in + i);
        put<Stream, Copy, Arch>(
            apply<Relu, Arch>(v, B::load_aligned(mean + i), B::load_aligned(scale + i),
                              B::load_aligned(beta + i)),
            v, out + i, copy_at<Copy>(saved, i));
      }
      if (i < count) {
        const B v = load_partial<Arch>(in + i, count - i, 0.f);
        store_with_copy<true, Copy, Arch>(
            apply<Relu, Arch>(v, B::load_aligned(mean + i), B::load_aligned(scale + i),
                              B::load_aligned(beta + i)),
            v, out + i, copy_at<Copy>(saved, i), count - i);
      }
    }
  });
}

// Rows walked as one flat array (lanes.hpp: walk_rows_flat): the partial vectors with
// plain stores, every other vector whole and aligned, with the constants of the channels it
// starts at from the tables.
template <bool Relu, bool Stream, bool Copy, class Arch>
void flat_rows(const float* x, const Shape& s, const ChannelParams& p, float* y, float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t channels = s.c;
  const FlatWalk w = flat_walk<Arch>(s, y);
  ChunkTable<3, Arch> t;
  fill_affine_tables<Arch>(p, 0, channels, t);
  t.repeat_first_vector(channels);
  for_flat_partials<Arch>(w, [&](std::size_t i, std::size_t n) {
    const ChannelAffine<Arch> a = table_affine<Arch>(t, i % channels);
    const B v = load_partial<Arch>(x + i, n, 0.f);
    store_with_copy<true, Copy, Arch>(apply<Relu, Arch>(v, a.mean, a.scale, a.beta), v, y + i,
                                      copy_at<Copy>(x_copy, i), n);
  });
  // Locals, not the lambda's captures, in the loop (see channels_first).
  const float* in = x + w.head;
  float* out = y + w.head;
  float* saved = copy_at<Copy>(x_copy, w.head);
  std::size_t c = w.channel;
  for (std::size_t k = 0; k < w.whole; ++k, in += L, out += L, saved = copy_at<Copy>(saved, L)) {
    const ChannelAffine<Arch> a = table_affine<Arch>(t, c);
    const B v = B::load_unaligned(in);
    put<Stream, Copy, Arch>(apply<Relu, Arch>(v, a.mean, a.scale, a.beta), v, out, saved);
    c = next_flat_channel<Arch>(c, channels);
  }
}

template <bool Relu, bool Stream, bool Copy, class Arch>
void rows(const float* x, const Shape& s, const ChannelParams& p, float* y, float* x_copy) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  if (walk_rows_flat<Arch>(s, y)) return flat_rows<Relu, Stream, Copy, Arch>(x, s, p, y, x_copy);
  if (is_wide_row<Arch>(s.c)) return wide_rows<Relu, Stream, Copy, Arch>(x, s, p, y, x_copy);
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
          float* saved = copy_at<Copy>(x_copy, r0 * stride + c0);
          for (std::size_t r = 0; r < rows_here;
               ++r, in += stride, out += stride, saved = copy_at<Copy>(saved, stride)) {
            for (std::size_t k = 0; k < K; ++k) {
              const B v = load_lanes<Partial, Arch>(in + k * L, count, 0.f);
              const B normalized = apply<Relu, Arch>(v, a[k].mean, a[k].scale, a[k].beta);
              if constexpr (Stream && !Partial) {
                put<true, Copy, Arch>(normalized, v, out + k * L, copy_at<Copy>(saved, k * L));
              } else {
                store_with_copy<Partial, Copy, Arch>(normalized, v, out + k * L,
                                                     copy_at<Copy>(saved, k * L), count);
              }
            }
          }
        });
  }
}

// One pass over the tensor, in its layout's walk.
template <bool Stream, bool Copy, class Arch>
void pass(const float* x, const Shape& s, const ChannelParams& p, bool relu, float* y,
          float* x_copy) {
  if (rows_of_channels<Arch>(s)) {
    relu ? rows<true, Stream, Copy, Arch>(x, s, p, y, x_copy)
         : rows<false, Stream, Copy, Arch>(x, s, p, y, x_copy);
  } else if (Stream && s.s < kMinStreamedRun) {
    relu ? short_runs_streamed<true, Copy, Arch>(x, s, p, y, x_copy)
         : short_runs_streamed<false, Copy, Arch>(x, s, p, y, x_copy);
  } else {
    relu ? channels_first<true, Stream, Copy, Arch>(x, s, p, y, x_copy)
         : channels_first<false, Stream, Copy, Arch>(x, s, p, y, x_copy);
  }
  if constexpr (Stream) streaming_done<Arch>();
}

}  // namespace normalize_detail

template <class Arch>
void normalize::operator()(Arch, const float* x, const Shape& shape, const ChannelParams& p,
                           bool relu, float* y, float* x_copy) const {
  using namespace normalize_detail;
  // Streaming is judged on x and y alone, as without a copy: backward reads the copy next, and
  // counted as a third tensor it made S1 (3 × 8 MiB, past the threshold of a 32 MiB L3)
  // stream, and the module's training step then read the copy from memory: 1.4 → 2.4 ms (Zen 5).
  // The copy streams with y, so it must be as far from the alignment as y; the modules place it
  // so (core/saved_input.hpp).
  const bool copy_in_step =
      !x_copy || floats_to_alignment<Arch>(x_copy) == floats_to_alignment<Arch>(y);
  const bool stream =
      copy_in_step && (rows_of_channels<Arch>(shape)
                           ? streaming_rows<Arch>(shape, p, 2, y)
                           : streaming_output<Arch>(shape, p, 2) && shape.s >= batch<Arch>::size);
  if (stream) {
    x_copy ? pass<true, true, Arch>(x, shape, p, relu, y, x_copy)
           : pass<true, false, Arch>(x, shape, p, relu, y, x_copy);
  } else {
    x_copy ? pass<false, true, Arch>(x, shape, p, relu, y, x_copy)
           : pass<false, false, Arch>(x, shape, p, relu, y, x_copy);
  }
}

}  // namespace simdnorm::kernels
