#pragma once
// dx = A·dy' + B·(x − mean) + C per channel, one read of dy and x and one write of dx (which may
// alias either). Training mode: A = γ·invstd, B = −A·invstd²·Σdy'(x − mean)/M, C = −A·Σdy'/M;
// eval mode (statistics are constants): B = C = 0.

#include <algorithm>

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct grad_input {
  template <class Arch>
  void operator()(Arch, const float* dy, const float* x, const Shape& shape, const ChannelParams& p,
                  bool relu, bool batch_stats, const float* sum_dy, const float* sum_dy_xmu,
                  float* dx) const;
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

// A group's coefficients stored once, from which each channel's run broadcasts its lane.
// Storing the whole group again for every channel (and reloading one float of it right away) made
// AVX-512 backward on NCHW 8×32×8×8 slower than AVX2's.
template <class Arch>
struct CoefficientTable {
  alignas(Arch::alignment()) float v[6][batch<Arch>::size];

  explicit CoefficientTable(const Coefficients<Arch>& k) {
    k.forward.mean.store_aligned(v[0]);
    k.forward.scale.store_aligned(v[1]);
    k.forward.beta.store_aligned(v[2]);
    k.a.store_aligned(v[3]);
    k.b.store_aligned(v[4]);
    k.c.store_aligned(v[5]);
  }

  Coefficients<Arch> lane(std::size_t j) const {
    using B = batch<Arch>;
    return {{B(v[0][j]), B(v[1][j]), B(v[2][j]), B(0.f)}, B(v[3][j]), B(v[4][j]), B(v[5][j])};
  }
};

// One run of dx; with Stream, whole vectors go out as aligned streaming stores (lanes.hpp).
// `readable`: floats of dy and x that may be read from the run's start (at least len); with a
// whole vector readable the partial last one is loaded whole (its other lanes are not stored),
// cheaper than a partial load (lanes.hpp: load_partial).
// `k` by value: through a reference the compiler must assume every store to dx may change it and
// reloads all five coefficients per vector, which made NCHW 64^4 backward's dx 33 % slower than
// a plain three-stream loop.
template <bool Relu, bool Stream, class Arch>
void run(const float* dy, const float* x, std::size_t len, std::size_t readable,
         const Coefficients<Arch> k, float* dx) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  if constexpr (Stream) {
    const std::size_t head = std::min(floats_to_alignment<Arch>(dx), len);
    if (head)
      store_partial<Arch>(
          apply<Relu, Arch>(load_partial<Arch>(dy, head, 0.f), load_partial<Arch>(x, head, 0.f), k),
          dx, head);
    for (i = head; i + L <= len; i += L)
      store_stream<Arch>(apply<Relu, Arch>(B::load_unaligned(dy + i), B::load_unaligned(x + i), k),
                         dx + i);
  } else {
    for (; i + L <= len; i += L)
      apply<Relu, Arch>(B::load_unaligned(dy + i), B::load_unaligned(x + i), k)
          .store_unaligned(dx + i);
  }
  if (i < len) {
    const bool whole = i + L <= readable;
    store_partial<Arch>(
        apply<Relu, Arch>(
            whole ? B::load_unaligned(dy + i) : load_partial<Arch>(dy + i, len - i, 0.f),
            whole ? B::load_unaligned(x + i) : load_partial<Arch>(x + i, len - i, 0.f), k),
        dx + i, len - i);
  }
}

template <bool Relu, bool Stream, class Arch>
void channels_first(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
                    bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  const float count_inv = 1.f / float(p.batch_count ? p.batch_count : s.per_channel());
  // Memory order (lanes.hpp); the coefficients are recomputed per sample and group of channels.
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const CoefficientTable<Arch> group(
          coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0, count));
      // Locals, not the lambda's captures, in the loop (see normalize.hpp).
      const std::size_t len = s.s, channels = count, start = (n * s.c + c0) * len;
      const float *g = dy + start, *v = x + start;
      float* out = dx + start;
      const std::size_t total = s.n * s.c * len;
      for (std::size_t j = 0; j < channels; ++j, g += len, v += len, out += len)
        run<Relu, Stream, Arch>(g, v, len, total - (start + j * len), group.lane(j), out);
    });
  }
}

// Short runs, streamed, as in normalize: a group's runs in one sample are walked as one span
// (lanes.hpp: for_span_vectors); each lane takes its own channel's coefficients.
template <bool Relu, class Arch>
void short_runs_streamed(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
                         bool batch_stats, const float* sum_dy, const float* sum_dy_xmu,
                         float* dx) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const float count_inv = 1.f / float(p.batch_count ? p.batch_count : s.per_channel());
  const B lanes = lane_numbers<Arch>();
  for (std::size_t n = 0; n < s.n; ++n) {
    for_channel_groups<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
      const CoefficientTable<Arch> group(
          coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0, count));
      const std::size_t start = (n * s.c + c0) * s.s;
      const float *g = dy + start, *v = x + start;
      float* out = dx + start;
      for_span_vectors<Arch>(
          out, s.s, count, [&](std::size_t i, std::size_t width, std::size_t k, std::size_t own) {
            Coefficients<Arch> c = group.lane(k);
            if (own < width) {
              const auto first = lanes < B(float(own));
              const Coefficients<Arch> next = group.lane(k + 1);
              c = {{xsimd::select(first, c.forward.mean, next.forward.mean),
                    xsimd::select(first, c.forward.scale, next.forward.scale),
                    xsimd::select(first, c.forward.beta, next.forward.beta), B(0.f)},
                   xsimd::select(first, c.a, next.a),
                   xsimd::select(first, c.b, next.b),
                   xsimd::select(first, c.c, next.c)};
            }
            if (width == L) {
              store_stream<Arch>(
                  apply<Relu, Arch>(B::load_unaligned(g + i), B::load_unaligned(v + i), c),
                  out + i);
            } else {
              store_partial<Arch>(apply<Relu, Arch>(load_partial<Arch>(g + i, width, 0.f),
                                                    load_partial<Arch>(v + i, width, 0.f), c),
                                  out + i, width);
            }
          });
    });
  }
}

// The coefficients of channels c0 … c0 + count − 1 in a chunk's tables.
template <class Arch>
void fill_coefficient_tables(const ChannelParams& p, bool batch_stats, const float* sum_dy,
                             const float* sum_dy_xmu, float count_inv, std::size_t c0,
                             std::size_t count, ChunkTable<6, Arch>& t) {
  for_channel_groups<Arch>(count, [&](std::size_t g0, std::size_t n) {
    const Coefficients<Arch> k =
        coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0 + g0, n);
    k.forward.mean.store_aligned(t.v[0] + g0);
    k.forward.scale.store_aligned(t.v[1] + g0);
    k.forward.beta.store_aligned(t.v[2] + g0);
    k.a.store_aligned(t.v[3] + g0);
    k.b.store_aligned(t.v[4] + g0);
    k.c.store_aligned(t.v[5] + g0);
  });
}

// The coefficients of the vector of channels from index i of the tables.
template <class Arch>
Coefficients<Arch> table_coefficients(const ChunkTable<6, Arch>& t, std::size_t i) {
  using B = batch<Arch>;
  return {{B::load_unaligned(t.v[0] + i), B::load_unaligned(t.v[1] + i),
           B::load_unaligned(t.v[2] + i), B(0.f)},
          B::load_unaligned(t.v[3] + i),
          B::load_unaligned(t.v[4] + i),
          B::load_unaligned(t.v[5] + i)};
}

// Wide rows (lanes.hpp: is_wide_row): memory order, the chunk's coefficients from tables.
template <bool Relu, bool Stream, class Arch>
void wide_rows(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
               bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const float count_inv = 1.f / float(p.batch_count ? p.batch_count : s.per_channel());
  const std::size_t row_count = s.n * s.s, stride = s.c;
  ChunkTable<6, Arch> t;
  for_row_chunks<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    fill_coefficient_tables<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0, count, t);
    const auto at = [&](std::size_t i) { return table_coefficients<Arch>(t, i); };
    const std::size_t full = count / L * L;
    for (std::size_t r = 0; r < row_count; ++r) {
      const std::size_t start = r * stride + c0;
      const float *g = dy + start, *v = x + start;
      float* out = dx + start;
      std::size_t i = 0;
      for (; i < full; i += L)
        store_whole<Stream, Arch>(
            apply<Relu, Arch>(B::load_unaligned(g + i), B::load_unaligned(v + i), at(i)), out + i);
      if (i < count)
        store_partial<Arch>(apply<Relu, Arch>(load_partial<Arch>(g + i, count - i, 0.f),
                                              load_partial<Arch>(v + i, count - i, 0.f), at(i)),
                            out + i, count - i);
    }
  });
}

// Rows walked as one flat array (lanes.hpp: walk_rows_flat), as in normalize.hpp.
template <bool Relu, bool Stream, class Arch>
void flat_rows(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
               bool batch_stats, const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const float count_inv = 1.f / float(p.batch_count ? p.batch_count : s.per_channel());
  const std::size_t channels = s.c;
  const FlatWalk w = flat_walk<Arch>(s, dx);
  ChunkTable<6, Arch> t;
  fill_coefficient_tables<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, 0, channels, t);
  t.repeat_first_vector(channels);
  for_flat_partials<Arch>(w, [&](std::size_t i, std::size_t n) {
    store_partial<Arch>(
        apply<Relu, Arch>(load_partial<Arch>(dy + i, n, 0.f), load_partial<Arch>(x + i, n, 0.f),
                          table_coefficients<Arch>(t, i % channels)),
        dx + i, n);
  });
  // Locals, not the lambda's captures, in the loop (see normalize.hpp).
  const float *g = dy + w.head, *v = x + w.head;
  float* out = dx + w.head;
  std::size_t c = w.channel;
  for (std::size_t k = 0; k < w.whole; ++k, g += L, v += L, out += L) {
    store_whole<Stream, Arch>(apply<Relu, Arch>(B::load_unaligned(g), B::load_unaligned(v),
                                                table_coefficients<Arch>(t, c)),
                              out);
    c = next_flat_channel<Arch>(c, channels);
  }
}

template <bool Relu, bool Stream, class Arch>
void rows(const float* dy, const float* x, const Shape& s, const ChannelParams& p, bool batch_stats,
          const float* sum_dy, const float* sum_dy_xmu, float* dx) {
  constexpr std::size_t L = batch<Arch>::size;
  if (walk_rows_flat<Arch>(s, dx))
    return flat_rows<Relu, Stream, Arch>(dy, x, s, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  if (is_wide_row<Arch>(s.c))
    return wide_rows<Relu, Stream, Arch>(dy, x, s, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  const float count_inv = 1.f / float(p.batch_count ? p.batch_count : s.per_channel());
  const std::size_t row_count = s.n * s.s, stride = s.c;
  const std::size_t tile = row_tile<Arch>(s.c);  // tiles of rows, as in normalize
  for (std::size_t r0 = 0; r0 < row_count; r0 += tile) {
    const std::size_t rows_here = row_count - r0 < tile ? row_count - r0 : tile;
    for_channel_blocks<Arch>(
        s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
          Coefficients<Arch> k[K];
          for (std::size_t i = 0; i < K; ++i)
            k[i] = coefficients<Arch>(p, batch_stats, sum_dy, sum_dy_xmu, count_inv, c0 + i * L,
                                      Partial ? count : L);
          const std::size_t start = r0 * stride + c0;
          const float *g = dy + start, *v = x + start;
          float* out = dx + start;
          for (std::size_t r = 0; r < rows_here; ++r, g += stride, v += stride, out += stride) {
            for (std::size_t i = 0; i < K; ++i) {
              const batch<Arch> d =
                  apply<Relu, Arch>(load_lanes<Partial, Arch>(g + i * L, count, 0.f),
                                    load_lanes<Partial, Arch>(v + i * L, count, 0.f), k[i]);
              if constexpr (Stream && !Partial) {
                store_stream<Arch>(d, out + i * L);
              } else {
                store_lanes<Partial, Arch>(d, out + i * L, count);
              }
            }
          }
        });
  }
}

}  // namespace grad_input_detail

template <class Arch>
void grad_input::operator()(Arch, const float* dy, const float* x, const Shape& shape,
                            const ChannelParams& p, bool relu, bool batch_stats,
                            const float* sum_dy, const float* sum_dy_xmu, float* dx) const {
  using namespace grad_input_detail;
  if (rows_of_channels<Arch>(shape) && streaming_rows<Arch>(shape, p, 3, dx)) {
    relu ? rows<true, true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
         : rows<false, true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
    streaming_done<Arch>();
  } else if (rows_of_channels<Arch>(shape)) {
    relu ? rows<true, false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
         : rows<false, false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  } else if (shape.s >= batch<Arch>::size && streaming_output<Arch>(shape, p, 3)) {
    if (shape.s < kMinStreamedRun) {
      relu ? short_runs_streamed<true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
           : short_runs_streamed<false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
    } else {
      relu
          ? channels_first<true, true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
          : channels_first<false, true, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
    }
    streaming_done<Arch>();
  } else {
    relu ? channels_first<true, false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx)
         : channels_first<false, false, Arch>(dy, x, shape, p, batch_stats, sum_dy, sum_dy_xmu, dx);
  }
}

}  // namespace simdnorm::kernels
