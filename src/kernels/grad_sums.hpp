#pragma once
// Backward reductions: Σ dy' and Σ dy'·(x − mean) per channel, one read of dy and x.
// dy' is dy masked by the fused ReLU (recomputed from x, so the forward output is not needed).
// Partial sums are float within a block (at most tuning().block_floats values of a channel, or a
// tile of at most 256 rows), then added in double: error grows with the block length, not with N·S.

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct grad_sums {
  template <class Arch>
  void operator()(Arch, const float* dy, const float* x, const Shape& shape,
                  std::size_t sample_stride, const ChannelParams& p, bool relu, float* sum_dy,
                  float* sum_dy_xmu) const;
};

namespace grad_sums_detail {

template <bool Relu, class Arch>
void accumulate(const batch<Arch>& dy, const batch<Arch>& x, const ChannelAffine<Arch>& a,
                batch<Arch>& s_dy, batch<Arch>& s_dy_xmu) {
  const batch<Arch> xmu = x - a.mean;
  batch<Arch> g = dy;
  if constexpr (Relu)
    g = xsimd::select(xsimd::fma(xmu, a.scale, a.beta) > batch<Arch>(0.f), dy, batch<Arch>(0.f));
  s_dy += g;
  s_dy_xmu = xsimd::fma(g, xmu, s_dy_xmu);
}

// mean, scale and β of a chunk of channels, expanded once per chunk into arrays the loops
// broadcast one channel from (channels-first) or load a vector of channels from (rows).
template <class Arch>
struct ChunkAffine {
  static constexpr std::size_t L = batch<Arch>::size;
  alignas(Arch::alignment()) float mean[kChannelChunk + L], scale[kChannelChunk + L],
      beta[kChannelChunk + L];

  ChunkAffine(const ChannelParams& p, std::size_t c0, std::size_t chunk) {
    for_channel_groups<Arch>(chunk, [&](std::size_t g0, std::size_t count) {
      const ChannelAffine<Arch> group = channel_affine<Arch>(p, c0 + g0, count);
      group.mean.store_aligned(mean + g0);
      group.scale.store_aligned(scale + g0);
      group.beta.store_aligned(beta + g0);
    });
  }
};

// Σdy' and Σdy'(x − mean) over elements [begin, end) of one run, as two vectors of lane sums.
// `readable`: floats of g and v that may be read from the run's start (at least `end`); never
// beyond this sample's runs of the kernel's channels, since what follows them may belong to
// another piece, which another thread may be writing. A partial last vector with a whole vector
// readable is loaded whole and its other lanes masked, cheaper than a partial load (lanes.hpp:
// load_partial).
template <bool Relu, class Arch>
void run_sums(const float* g, const float* v, std::size_t begin, std::size_t end,
              std::size_t readable, const ChannelAffine<Arch>& a, float mean, batch<Arch>& s_dy,
              batch<Arch>& s_dy_xmu) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  B s0(0.f), s1(0.f), t0(0.f), t1(0.f);
  std::size_t i = begin;
  for (; i + 2 * L <= end; i += 2 * L) {
    accumulate<Relu, Arch>(B::load_unaligned(g + i), B::load_unaligned(v + i), a, s0, t0);
    accumulate<Relu, Arch>(B::load_unaligned(g + i + L), B::load_unaligned(v + i + L), a, s1, t1);
  }
  for (; i + L <= end; i += L)
    accumulate<Relu, Arch>(B::load_unaligned(g + i), B::load_unaligned(v + i), a, s0, t0);
  if (i < end) {  // dy' = 0 in the other lanes
    if (i + L <= readable) {
      const auto in_run = lane_numbers<Arch>() < B(float(end - i));
      accumulate<Relu, Arch>(xsimd::select(in_run, B::load_unaligned(g + i), B(0.f)),
                             xsimd::select(in_run, B::load_unaligned(v + i), B(mean)), a, s1, t1);
    } else {
      accumulate<Relu, Arch>(load_partial<Arch>(g + i, end - i, 0.f),
                             load_partial<Arch>(v + i, end - i, mean), a, s1, t1);
    }
  }
  s_dy = s0 + s1;
  s_dy_xmu = t0 + t1;
}

// Memory order (n outer, channel inner), per-channel constants and totals of a chunk of
// channels on the stack. Runs of at most a block (tuning().block_floats) are summed a group of
// `lanes` channels at a time and the group's lane sums reduced together (lanes.hpp: lane_sums: one
// transpose-and-add for all of them): two horizontal sums per run cost more than the run itself
// when S is small (S3's S = 64 spent half of backward there). Longer runs go block by block, two
// horizontal sums each.
template <bool Relu, class Arch>
void channels_first(const float* dy, const float* x, const Shape& s, std::size_t sample_stride,
                    const ChannelParams& p, float* sum_dy, float* sum_dy_xmu) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  for (std::size_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
    const std::size_t chunk = s.c - c0 < kChannelChunk ? s.c - c0 : kChannelChunk;
    const ChunkAffine<Arch> t(p, c0, chunk);
    // + L: a partial group's missing channels add zeros there.
    double total_dy[kChannelChunk + L] = {}, total_dy_xmu[kChannelChunk + L] = {};
    const std::size_t block = tuning().block_floats;
    for (std::size_t n = 0; n < s.n; ++n) {
      for (std::size_t g0 = 0; g0 < chunk; g0 += L) {
        const std::size_t count = chunk - g0 < L ? chunk - g0 : L;
        const std::size_t first = n * sample_stride + (c0 + g0) * s.s;
        if (s.s > block) {
          for (std::size_t j = g0; j < g0 + count; ++j) {
            const ChannelAffine<Arch> a{B(t.mean[j]), B(t.scale[j]), B(t.beta[j]), B(0.f)};
            const std::size_t offset = first + (j - g0) * s.s;
            for (std::size_t i0 = 0; i0 < s.s; i0 += block) {
              B sd, sx;
              run_sums<Relu, Arch>(dy + offset, x + offset, i0, s.s - i0 < block ? s.s : i0 + block,
                                   (s.c - c0 - j) * s.s, a, t.mean[j], sd, sx);
              total_dy[j] += xsimd::hadd(sd);
              total_dy_xmu[j] += xsimd::hadd(sx);
            }
          }
          continue;
        }
        B sd[L], sx[L];
        // Locals, not loads through `s` in the loop: the vector types may alias anything, so
        // every store to sd and sx would force reloading s.s and the pointers' arithmetic.
        // channels: the kernel's channels from this group's first on, whose runs may be read.
        const std::size_t len = s.s, channels = s.c - c0 - g0;
        const float *g = dy + first, *v = x + first;
        const float *mean = t.mean + g0, *scale = t.scale + g0, *beta = t.beta + g0;
        for (std::size_t j = 0; j < L; ++j, g += len, v += len) {
          if (j >= count) {
            sd[j] = sx[j] = B(0.f);
            continue;
          }
          const ChannelAffine<Arch> a{B(mean[j]), B(scale[j]), B(beta[j]), B(0.f)};
          run_sums<Relu, Arch>(g, v, 0, len, (channels - j) * len, a, mean[j], sd[j], sx[j]);
        }
        alignas(Arch::alignment()) float hd[L], hx[L];
        lane_sums<Arch>(sd).store_aligned(hd);
        lane_sums<Arch>(sx).store_aligned(hx);
        for (std::size_t j = 0; j < L; ++j) {
          total_dy[g0 + j] += hd[j];
          total_dy_xmu[g0 + j] += hx[j];
        }
      }
    }
    for (std::size_t j = 0; j < chunk; ++j) {
      sum_dy[c0 + j] = float(total_dy[j]);
      sum_dy_xmu[c0 + j] = float(total_dy_xmu[j]);
    }
  }
}

// Rows of channels: chunks of channels, tiles of rows (lanes.hpp: reduction_rows); every channel
// block of the chunk sums the cache-resident tile in float, then adds it to double totals in a
// plain loop over a whole number of vectors, which the compiler vectorizes.
template <bool Relu, class Arch>
void rows(const float* dy, const float* x, const Shape& s, const ChannelParams& p, float* sum_dy,
          float* sum_dy_xmu) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  for (std::size_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
    const std::size_t chunk = s.c - c0 < kChannelChunk ? s.c - c0 : kChannelChunk;
    const std::size_t tile = reduction_rows<Arch>(chunk);
    const ChunkAffine<Arch> t(p, c0, chunk);
    // + L: the partial block's filled lanes (dy' = 0) are added too, and ignored.
    alignas(Arch::alignment()) double total_dy[kChannelChunk + L] = {};
    alignas(Arch::alignment()) double total_dy_xmu[kChannelChunk + L] = {};
    for (std::size_t r0 = 0; r0 < row_count; r0 += tile) {
      const std::size_t rows_here = row_count - r0 < tile ? row_count - r0 : tile;
      for_channel_blocks<Arch>(
          chunk, [&]<std::size_t K, bool Partial>(std::size_t b0, std::size_t count) {
            ChannelAffine<Arch> a[K];
            for (std::size_t k = 0; k < K; ++k) {
              const std::size_t c = b0 + k * L;
              a[k] = {B::load_aligned(t.mean + c), B::load_aligned(t.scale + c),
                      B::load_aligned(t.beta + c), B(0.f)};
            }
            constexpr std::size_t U = row_chains<K>();
            B sd[U][K], sx[U][K];
            zero_chains(sd);
            zero_chains(sx);
            // Locals, not the lambda's captures, in the loop (see normalize.hpp).
            const std::size_t start = r0 * stride + c0 + b0, row_stride = stride;
            const float *const g = dy + start, *const v = x + start;
            for_interleaved_rows<U>(rows_here, [&](std::size_t r, std::size_t u) {
              for (std::size_t k = 0; k < K; ++k)
                accumulate<Relu, Arch>(
                    load_lanes<Partial, Arch>(g + r * row_stride + k * L, count, 0.f),
                    load_lanes<Partial, Arch>(v + r * row_stride + k * L, count, 0.f), a[k],
                    sd[u][k], sx[u][k]);
            });
            fold_chains(sd);
            fold_chains(sx);
            alignas(Arch::alignment()) float bd[K * L], bx[K * L];
            for (std::size_t k = 0; k < K; ++k) {
              sd[0][k].store_aligned(bd + k * L);
              sx[0][k].store_aligned(bx + k * L);
            }
            double* const td = total_dy + b0;
            double* const tx = total_dy_xmu + b0;
            for (std::size_t j = 0; j < K * L; ++j) {
              td[j] += bd[j];
              tx[j] += bx[j];
            }
          });
    }
    for (std::size_t j = 0; j < chunk; ++j) {
      sum_dy[c0 + j] = float(total_dy[j]);
      sum_dy_xmu[c0 + j] = float(total_dy_xmu[j]);
    }
  }
}

// R rows of a chunk of `count` channels (whole vectors), `stride` floats apart, into the chunk's
// float partial sums: one load and one store of them for all R rows. Not inlined: inlined, GCC's
// unroll-and-jam (-O3) fuses memory_order's one-row loop below into two rows per pass, which it
// avoids for rows of more than 256 bytes that are not 4 KiB apart (sums_rows_per_pass).
template <std::size_t R, bool Relu, class Arch>
[[gnu::noinline]] void add_rows(const float* g, const float* v, std::size_t stride,
                                std::size_t count, const ChunkTable<3, Arch>& t, float* part_dy,
                                float* part_dy_xmu) {
  using B = batch<Arch>;
  for (std::size_t i = 0; i < count; i += B::size) {
    B sd = B::load_aligned(part_dy + i), sx = B::load_aligned(part_dy_xmu + i);
    const ChannelAffine<Arch> a = table_affine<Arch>(t, i);
    for (std::size_t k = 0; k < R; ++k)
      accumulate<Relu, Arch>(B::load_unaligned(g + k * stride + i),
                             B::load_unaligned(v + k * stride + i), a, sd, sx);
    sd.store_aligned(part_dy + i);
    sx.store_aligned(part_dy_xmu + i);
  }
}

// Rows of channels that the sums walk in memory order: those the moments walk so (lanes.hpp:
// reduce_in_memory_order), and rows of more than one block of four vectors (C > 32 on AVX2, 16 on
// SSE2, NEON and wasm, 64 on AVX-512) whose C is a whole number of vectors (add_rows has no tail).
// Down the rows, each block of channels reads its few lines of every row of a tile and the rest
// of each row comes in later, for the next block, which the prefetchers follow poorly; a single
// block reads whole rows, in order, down the rows (docs/benchmarks.md, "Zen 3 (AVX2)"). A few
// rows (at most kL1Ways) stay in L1 whichever the walk.
template <class Arch>
bool sums_in_memory_order(const Shape& s) {
  constexpr std::size_t L = batch<Arch>::size;
  return reduce_in_memory_order<Arch>(s) || (s.c % L == 0 && s.c > 4 * L && s.n * s.s > kL1Ways);
}

// Rows per load and store of the partial sums in memory_order below, rows `stride` floats apart:
// four rows of at most 256 bytes (a KiB of memory per pass), two rows a multiple of 4 KiB apart,
// which halves the tables' traffic, and one row otherwise, where more rows per pass lost for a
// reason not found (docs/benchmarks.md, "Zen 3 (AVX2)").
template <class Arch>
std::size_t sums_rows_per_pass(std::size_t stride) {
  const std::size_t bytes = stride * sizeof(float);
  return bytes <= 256 ? 4 : bytes % kL1SetSpan == 0 ? 2 : 1;
}

// Rows walked in memory order (sums_in_memory_order), over a chunk of channels
// (tuning().row_chunk) sums_rows_per_pass rows at a time, the chunk's constants and float partial
// sums in tables in L1, added into double totals every kMaxReductionRows rows.
template <bool Relu, class Arch>
void memory_order(const float* dy, const float* x, const Shape& s, const ChannelParams& p,
                  float* sum_dy, float* sum_dy_xmu) {
  const std::size_t row_count = s.n * s.s, stride = s.c;
  const std::size_t per_pass = sums_rows_per_pass<Arch>(stride);
  ChunkTable<3, Arch> t;
  alignas(Arch::alignment()) float part_dy[kMaxRowChunk], part_dy_xmu[kMaxRowChunk];
  double total_dy[kMaxRowChunk], total_dy_xmu[kMaxRowChunk];
  for_row_chunks<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    fill_affine_tables<Arch>(p, c0, count, t);
    set_zero<Arch>(total_dy, count);
    set_zero<Arch>(total_dy_xmu, count);
    for (std::size_t r0 = 0; r0 < row_count; r0 += kMaxReductionRows) {
      const std::size_t rows =
          row_count - r0 < kMaxReductionRows ? row_count - r0 : kMaxReductionRows;
      set_zero<Arch>(part_dy, count);
      set_zero<Arch>(part_dy_xmu, count);
      const float *const g = dy + r0 * stride + c0, *const v = x + r0 * stride + c0;
      std::size_t r = 0;
      if (per_pass == 4) {
        for (; r + 4 <= rows; r += 4)
          add_rows<4, Relu, Arch>(g + r * stride, v + r * stride, stride, count, t, part_dy,
                                  part_dy_xmu);
      } else if (per_pass == 2) {
        for (; r + 2 <= rows; r += 2)
          add_rows<2, Relu, Arch>(g + r * stride, v + r * stride, stride, count, t, part_dy,
                                  part_dy_xmu);
      }
      for (; r < rows; ++r)  // the rest, one at a time
        add_rows<1, Relu, Arch>(g + r * stride, v + r * stride, stride, count, t, part_dy,
                                part_dy_xmu);
      for (std::size_t j = 0; j < count; ++j) {
        total_dy[j] += part_dy[j];
        total_dy_xmu[j] += part_dy_xmu[j];
      }
    }
    for (std::size_t j = 0; j < count; ++j) {
      sum_dy[c0 + j] = float(total_dy[j]);
      sum_dy_xmu[c0 + j] = float(total_dy_xmu[j]);
    }
  });
}

}  // namespace grad_sums_detail

template <class Arch>
void grad_sums::operator()(Arch, const float* dy, const float* x, const Shape& shape,
                           std::size_t sample_stride, const ChannelParams& p, bool relu,
                           float* sum_dy, float* sum_dy_xmu) const {
  using namespace grad_sums_detail;
  const bool by_rows = rows_of_channels<Arch>(shape);
  if (by_rows && sums_in_memory_order<Arch>(shape)) {
    return relu ? memory_order<true, Arch>(dy, x, shape, p, sum_dy, sum_dy_xmu)
                : memory_order<false, Arch>(dy, x, shape, p, sum_dy, sum_dy_xmu);
  }
  if (relu) {
    by_rows ? rows<true, Arch>(dy, x, shape, p, sum_dy, sum_dy_xmu)
            : channels_first<true, Arch>(dy, x, shape, sample_stride, p, sum_dy, sum_dy_xmu);
  } else {
    by_rows ? rows<false, Arch>(dy, x, shape, p, sum_dy, sum_dy_xmu)
            : channels_first<false, Arch>(dy, x, shape, sample_stride, p, sum_dy, sum_dy_xmu);
  }
}

}  // namespace simdnorm::kernels
