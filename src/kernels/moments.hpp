#pragma once
// Per-channel mean and biased variance: one read of x from memory.
// Each block (up to tuning().block_floats of one channel: part of a run or a few short runs; or a
// band of rows × a channel block) takes the mean of a pilot, its first quarter or so, as its shift
// m̃, then one pass, which re-reads the pilot from L1, sums d = x − m̃ and d² (channels_first,
// rows); blocks merge in double with Chan's pairwise update (merge_block). Error: a shift off the
// mean by δ turns a plain Σd² into an M2 off by n·δ² (even an exact block mean in float is off by
// √n·2⁻²⁴·mean|x|: 2.5e-4 of the variance at mean 1e4, std 1). The corrected two-pass form
// (Chan, Golub & LeVeque) removes it: mean = m̃ + Σd/n and M2 = Σd² − (Σd)²/n, where Σd sums
// small numbers accurately. What is left is float rounding of Σd², which grows with (mean − m̃)²
// (channels_first bounds it for the pilot); merging adds nothing of float32 size.

#include <algorithm>

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct moments {
  template <class Arch>
  void operator()(Arch, const float* x, const Shape& shape, std::size_t sample_stride, double* mean,
                  double* var) const;
};

namespace moments_detail {

// Chan et al.'s pairwise update merges a block of b values into the n already merged with the
// weights n/(n+b), b/(n+b) and n·b/(n+b). They depend only on the counts, which are the same for
// every channel of a traversal step (each channel has seen the same number of values), so they
// are computed once per step and each channel merges with multiplies only: no divide per channel
// and block, and the rows path merges a whole channel block in a loop the compiler vectorizes.
template <class Arch>
struct ChanWeights {
  double old_part, new_part, cross, inv_block;
};

template <class Arch>
ChanWeights<Arch> chan_weights(double merged, double block) {
  const double inv_total = 1.0 / (merged + block);
  return {merged * inv_total, block * inv_total, merged * block * inv_total, 1.0 / block};
}

// select() for one double and for a vector of doubles, so merge_block serves both.
template <class Arch>
double choose(bool c, double a, double b) {
  return c ? a : b;
}

template <class Arch>
xsimd::batch<double, Arch> choose(const xsimd::batch_bool<double, Arch>& c,
                                  const xsimd::batch<double, Arch>& a,
                                  const xsimd::batch<double, Arch>& b) {
  return xsimd::select(c, a, b);
}

// Merges one block (V = double) or a vector of channels' blocks (V = batch<double, Arch>) given
// the block's shift m̃, Σd and Σd² (d = x − m̃) into the double (mean, M2): the corrected two-pass
// form, then Chan's update. m̃ is finite: the walks below replace a non-finite shift by 0, so an
// Inf or NaN reaches the mean through Σd. An Inf keeps the mean infinite as in PyTorch; hence the
// weighted mean (old·mean + new·block mean), not mean += delta·new, which would give Inf − Inf =
// NaN. The walks test finiteness as x − x == 0, without <cmath>, whose inline functions must not
// be shared between ISA files (lanes.hpp).
template <class Arch, class V>
void merge_block(const ChanWeights<Arch>& w, const V& m, const V& sum_d, const V& sum_d2, V& mean,
                 V& m2) {
  const V zero(0.0);
  const V shift = sum_d * V(w.inv_block);
  const V block_mean = m + shift;
  const V block_m2 = sum_d2 - sum_d * shift;
  const V delta = block_mean - mean;
  mean = V(w.old_part) * mean + V(w.new_part) * block_mean;
  // Rounding may leave block_m2 slightly < 0; NaN must stay NaN.
  m2 += choose<Arch>(block_m2 < zero, zero, block_m2) + delta * delta * V(w.cross);
}

// merge_block for N consecutive channels whose block sums are in float arrays: widened to
// double by a plain loop (the compiler vectorizes it), then merged a vector of doubles at a time.
// mean and m2 are aligned to Arch::alignment() and hold N doubles.
template <std::size_t N, class Arch>
void merge_blocks(const ChanWeights<Arch>& w, const float* bm, const float* bd, const float* bq,
                  double* mean, double* m2) {
  using D = xsimd::batch<double, Arch>;
  static_assert(N % D::size == 0);
  alignas(Arch::alignment()) double dm[N], dd[N], dq[N];
  for (std::size_t j = 0; j < N; ++j) {
    dm[j] = bm[j];
    dd[j] = bd[j];
    dq[j] = bq[j];
  }
  for (std::size_t j = 0; j < N; j += D::size) {
    D mu = D::load_aligned(mean + j), q = D::load_aligned(m2 + j);
    merge_block<Arch>(w, D::load_aligned(dm + j), D::load_aligned(dd + j), D::load_aligned(dq + j),
                      mu, q);
    mu.store_aligned(mean + j);
    q.store_aligned(m2 + j);
  }
}

// With short runs (S < a block) one block spans up to this many runs of the same channel from
// consecutive samples, so the per-block fixed cost (the horizontal sums, the merge into double)
// is paid once per block rather than once per run: half the time of training forward on NCHW
// 8×32×8×8. The walk stays close to memory order: the runs of a block advance together, as this
// many sequential streams, as the channel loop moves on. (grad_sums does not group runs: its
// per-run cost is two horizontal sums, and the strided walk made it slower.)
inline constexpr std::size_t kMaxRunsPerBlock = 16;

// Runs per block when a group of `lanes` channels' blocks is summed before any is re-read
// (channels_first below): the group's blocks must stay in L1 between the two passes
// (tuning().reduction_tile_floats), and a block holds at most tuning().block_floats.
template <class Arch>
std::size_t runs_per_block(std::size_t run) {
  const std::size_t per_group = tuning().reduction_tile_floats / (batch<Arch>::size * run);
  const std::size_t runs = std::min({tuning().block_floats / run, per_group, kMaxRunsPerBlock});
  return runs ? runs : 1;
}

// A run's length as whole vectors and a tail of fewer floats than a vector. Full is std::size_t,
// or a std::integral_constant for short runs (with_run_length): then the loops over a run's
// vectors unroll and the tail's mask leaves the loop over runs, which matters when a run is a few
// vectors (NCHW 7×7: 3 AVX-512 vectors and one float; docs/benchmarks.md has the measurements).
template <class Full>
struct RunLength {
  Full full;
  std::size_t tail;
};

// Runs of up to this many whole vectors (and shorter ones) get a compile-time count on the ISAs
// where it was measured to pay, AVX-512 and AVX2. In the SIMD128 build the extra copies of the
// loops slow V8's code for the runs left on the general path; SSE2 and NEON were not measured.
template <class Arch>
constexpr std::size_t fixed_run_vectors() {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>) return 4;
#endif
#if defined(__AVX2__)
  if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) return 4;
#endif
  return 0;
}

// f(RunLength) for runs of `len` floats: K = 0 (a tail only) up to fixed_run_vectors whole vectors
// at compile time, where the ISA has any.
template <class Arch, std::size_t K = 0, class F>
[[gnu::always_inline]] inline decltype(auto) with_run_length(std::size_t len, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  if constexpr (fixed_run_vectors<Arch>() > 0 && K <= fixed_run_vectors<Arch>()) {
    if (len / L == K) return f(RunLength<std::integral_constant<std::size_t, K>>{{}, len % L});
    return with_run_length<Arch, K + 1>(len, f);
  } else {
    return f(RunLength<std::size_t>{len / L, len % L});
  }
}

// Σx of a block of `runs` runs of `len` floats, `stride` apart, as a vector of lane sums.
// Both passes are inlined into the channel loop on purpose: GCC kept them as calls, and with runs
// of 49 floats (NCHW 7×7) a call's argument set-up and loop preamble is as long as the run.
template <class Arch, class Full>
[[gnu::always_inline]] inline batch<Arch> block_sum(const float* p, std::size_t stride,
                                                    std::size_t runs, RunLength<Full> len) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t end = len.full * L;
  B a0(0.f), a1(0.f), a2(0.f), a3(0.f);
  for (std::size_t r = 0; r < runs; ++r) {
    const float* q = p + r * stride;
    std::size_t i = 0;
    for (; i + 4 * L <= end; i += 4 * L) {
      a0 += B::load_unaligned(q + i);
      a1 += B::load_unaligned(q + i + L);
      a2 += B::load_unaligned(q + i + 2 * L);
      a3 += B::load_unaligned(q + i + 3 * L);
    }
    for (; i < end; i += L) a0 += B::load_unaligned(q + i);
    if (len.tail) a1 += load_partial<Arch>(q + i, len.tail, 0.f);
  }
  return (a0 + a1) + (a2 + a3);
}

// The second pass over the same block, now in L1: Σ(x − m̃) and Σ(x − m̃)² as vectors of lane
// sums, for the block's shift m̃.
template <class Arch, class Full>
[[gnu::always_inline]] inline void block_deviations(const float* p, std::size_t stride,
                                                    std::size_t runs, RunLength<Full> len,
                                                    float mean, batch<Arch>& sum_d,
                                                    batch<Arch>& m2) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t end = len.full * L;
  const B m(mean);
  B a0(0.f), a1(0.f), a2(0.f), a3(0.f), q0(0.f), q1(0.f), q2(0.f), q3(0.f);
  for (std::size_t r = 0; r < runs; ++r) {
    const float* q = p + r * stride;
    std::size_t i = 0;
    for (; i + 4 * L <= end; i += 4 * L) {
      const B d0 = B::load_unaligned(q + i) - m, d1 = B::load_unaligned(q + i + L) - m;
      const B d2 = B::load_unaligned(q + i + 2 * L) - m, d3 = B::load_unaligned(q + i + 3 * L) - m;
      a0 += d0;
      a1 += d1;
      a2 += d2;
      a3 += d3;
      q0 = xsimd::fma(d0, d0, q0);
      q1 = xsimd::fma(d1, d1, q1);
      q2 = xsimd::fma(d2, d2, q2);
      q3 = xsimd::fma(d3, d3, q3);
    }
    for (; i < end; i += L) {
      const B d = B::load_unaligned(q + i) - m;
      a0 += d;
      q0 = xsimd::fma(d, d, q0);
    }
    if (len.tail) {
      const B d = load_partial<Arch>(q + i, len.tail, mean) - m;  // filled lanes give d = 0
      a1 += d;
      q1 = xsimd::fma(d, d, q1);
    }
  }
  sum_d = (a0 + a1) + (a2 + a3);
  m2 = (q0 + q1) + (q2 + q3);
}

// block_sum and block_deviations for runs of `len` floats (with_run_length).
template <class Arch>
[[gnu::always_inline]] inline batch<Arch> block_sum(const float* p, std::size_t stride,
                                                    std::size_t runs, std::size_t len) {
  return with_run_length<Arch>(len,
                               [&](auto run) { return block_sum<Arch>(p, stride, runs, run); });
}

template <class Arch>
[[gnu::always_inline]] inline void block_deviations(const float* p, std::size_t stride,
                                                    std::size_t runs, std::size_t len, float mean,
                                                    batch<Arch>& sum_d, batch<Arch>& m2) {
  with_run_length<Arch>(
      len, [&](auto run) { block_deviations<Arch>(p, stride, runs, run, mean, sum_d, m2); });
}

// Memory order (n outer, channel inner), the (mean, M2) of a chunk of channels on the stack.
// A block is up to runs_per_block runs of one channel from consecutive samples (above). When a
// block holds whole runs, a group of `lanes` channels goes through it together: the mean of the
// first max(lanes, S/4) floats of each of a channel's runs is its shift m̃ (one transpose-and-add,
// lane_sums, for the group), one pass sums d = x − m̃ and d², and two more lane_sums and a
// vector-of-doubles merge finish the group. Summing the whole block for an exact mean first read
// every block twice. The corrected form (top of the file) holds for any shift; the rounding of
// Σd² = M2 + n·(mean − m̃)² is what grows. The mean of a fraction f of the values is within
// σ·√((1 − f)/f) of the mean (σ² = M2/n), so with f ≥ 1/4 that error is at most 4× the two-pass
// one for any data, and near 1× for data in random order. A non-finite shift (Inf or NaN among
// the sampled floats) is replaced by 0, so Σd carries the Inf or NaN into the mean as the block's
// plain sum would. Longer runs, split into several blocks, take the mean of each block's first
// quarter as its shift, non-finite replaced by 0 likewise, and merge each block on its own. The
// block's exact mean, used before, cost a second read of it: S5 (runs of 4096 floats) moments in
// wasm 7.6–9.6 → 6.6–8.7 ms.
template <class Arch>
void channels_first(const float* x, const Shape& shape, std::size_t sample_stride, double* mean,
                    double* var) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  // A local copy: the vector types may alias anything, so through the reference every store to
  // d and q below would force reloading the shape for each channel.
  const Shape s = shape;
  const std::size_t block = tuning().block_floats;
  const std::size_t group = s.s <= block ? runs_per_block<Arch>(s.s) : 1, stride = sample_stride;
  for (std::size_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
    const std::size_t chunk = s.c - c0 < kChannelChunk ? s.c - c0 : kChannelChunk;
    // + L: a partial group's missing channels merge zeros there.
    alignas(Arch::alignment()) double acc_mean[kChannelChunk + L] = {};
    alignas(Arch::alignment()) double acc_m2[kChannelChunk + L] = {};
    for (std::size_t n0 = 0; n0 < s.n; n0 += group) {
      const std::size_t runs = s.n - n0 < group ? s.n - n0 : group;
      if (s.s <= block) {
        // Same counts for every channel: the weights' divides are off the accumulators' chains.
        const ChanWeights<Arch> w = chan_weights<Arch>(double(n0 * s.s), double(runs * s.s));
        const std::size_t pilot = std::min(s.s, std::max(L, (s.s + 3) / 4));
        for (std::size_t g0 = 0; g0 < chunk; g0 += L) {
          const std::size_t count = chunk - g0 < L ? chunk - g0 : L;
          const float* const first = x + n0 * stride + (c0 + g0) * s.s;
          alignas(Arch::alignment()) float bm[L], bd[L], bq[L];
          B d[L], q[L];
          for (std::size_t j = 0; j < L; ++j)
            d[j] = j < count ? block_sum<Arch>(first + j * s.s, stride, runs, pilot) : B(0.f);
          const B m = lane_sums<Arch>(d) / B(float(runs * pilot));
          // NOLINTNEXTLINE(misc-redundant-expression): m − m == 0 tests finiteness.
          xsimd::select(m - m == B(0.f), m, B(0.f)).store_aligned(bm);
          for (std::size_t j = 0; j < L; ++j) {
            if (j < count) {
              block_deviations<Arch>(first + j * s.s, stride, runs, s.s, bm[j], d[j], q[j]);
            } else {
              d[j] = q[j] = B(0.f);
            }
          }
          lane_sums<Arch>(d).store_aligned(bd);
          lane_sums<Arch>(q).store_aligned(bq);
          merge_blocks<L, Arch>(w, bm, bd, bq, acc_mean + g0, acc_m2 + g0);
        }
        continue;
      }
      for (std::size_t j = 0; j < chunk; ++j) {
        const float* first = x + n0 * stride + (c0 + j) * s.s;
        for (std::size_t i = 0; i < s.s; i += block) {
          const std::size_t len = s.s - i < block ? s.s - i : block;
          const ChanWeights<Arch> w =
              chan_weights<Arch>(double(n0 * s.s + runs * i), double(runs * len));
          const std::size_t pilot = std::min(len, std::max(L, (len + 3) / 4));
          const float sampled =
              xsimd::hadd(block_sum<Arch>(first + i, stride, runs, pilot)) / float(runs * pilot);
          // NOLINTNEXTLINE(misc-redundant-expression): m − m == 0 tests finiteness.
          const float m = sampled - sampled == 0.f ? sampled : 0.f;
          B d, q;
          block_deviations<Arch>(first + i, stride, runs, len, m, d, q);
          merge_block<Arch>(w, double(m), double(xsimd::hadd(d)), double(xsimd::hadd(q)),
                            acc_mean[j], acc_m2[j]);
        }
      }
    }
    const double inv_count = 1.0 / double(s.n * s.s);
    for (std::size_t j = 0; j < chunk; ++j) {
      mean[c0 + j] = acc_mean[j];
      var[c0 + j] = acc_m2[j] * inv_count;
    }
  }
}

// f.template operator()<R>(r) for rows 0 … rows − 1, two at a time (R = 2), then the odd one
// (R = 1): memory_order below loads and stores its per-channel partial sums once per R rows.
template <class F>
void for_row_pairs(std::size_t rows, F&& f) {
  std::size_t r = 0;
  for (; r + 2 <= rows; r += 2) f.template operator()<2>(r);
  if (r < rows) f.template operator()<1>(r);
}

// R rows of `count` channels (whole vectors), `stride` floats apart, added into sum: one load
// and one store of the sums for all R rows.
template <std::size_t R, class Arch>
void add_rows(const float* x, std::size_t stride, std::size_t count, float* sum) {
  using B = batch<Arch>;
  for (std::size_t i = 0; i < count; i += B::size) {
    B t = B::load_aligned(sum + i);
    for (std::size_t k = 0; k < R; ++k) t += B::load_unaligned(x + k * stride + i);
    t.store_aligned(sum + i);
  }
}

// The same for d = x − shift: Σd into sum_d, Σd² into sum_d2.
template <std::size_t R, class Arch>
void add_deviations(const float* x, std::size_t stride, std::size_t count, const float* shift,
                    float* sum_d, float* sum_d2) {
  using B = batch<Arch>;
  for (std::size_t i = 0; i < count; i += B::size) {
    const B m = B::load_aligned(shift + i);
    B t = B::load_aligned(sum_d + i), q = B::load_aligned(sum_d2 + i);
    for (std::size_t k = 0; k < R; ++k) {
      const B d = B::load_unaligned(x + k * stride + i) - m;
      t += d;
      q = xsimd::fma(d, d, q);
    }
    t.store_aligned(sum_d + i);
    q.store_aligned(sum_d2 + i);
  }
}

// Rows of channels: chunks of channels, bands of rows, and in each band every channel block of
// the chunk is summed as one block. Its shift m̃ is the mean of the band's first rows (a pilot of
// at most l1_resident_rows, which the deviation pass then re-reads from L1), and one pass sums
// d = x − m̃ and d² over the whole band. A band holds at most 4 pilots, so the pilot is at least a
// quarter of it: the sampled shift's error bound (channels_first above) holds, and the merge into
// double, which cost as much as the data passes with a pilot per band (8 rows of 4 KiB), is paid
// once per 4. At most kMaxReductionRows rows (lanes.hpp).
template <class Arch>
void rows(const float* x, const Shape& s, double* mean, double* var) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  for (std::size_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
    const std::size_t chunk = s.c - c0 < kChannelChunk ? s.c - c0 : kChannelChunk;
    const RowBands bands = row_bands<Arch>(chunk, stride);
    const std::size_t pilot = bands.pilot, band = bands.band;
    // + L: the partial block's filled lanes merge too (harmlessly), so every merge is a whole
    // number of vectors.
    alignas(Arch::alignment()) double acc_mean[kChannelChunk + L] = {};
    alignas(Arch::alignment()) double acc_m2[kChannelChunk + L] = {};
    for (std::size_t r0 = 0; r0 < row_count; r0 += band) {
      const std::size_t rb = row_count - r0 < band ? row_count - r0 : band;
      const ChanWeights<Arch> w = chan_weights<Arch>(double(r0), double(rb));
      const float* const band_base = x + r0 * stride + c0;
      for_channel_blocks<Arch>(chunk, [&]<std::size_t K, bool Partial>(std::size_t b0,
                                                                       std::size_t count) {
        // Locals, not the lambda's captures, in the loops (see normalize.hpp).
        const float* const base = band_base + b0;
        const std::size_t rows_here = rb, head = rb < pilot ? rb : pilot, row_stride = stride;
        constexpr std::size_t U = row_chains<K>();
        B sum[U][K];
        zero_chains(sum);
        for_interleaved_rows<U>(head, [&](std::size_t r, std::size_t u) {
          for (std::size_t k = 0; k < K; ++k)
            sum[u][k] += load_lanes<Partial, Arch>(base + r * row_stride + k * L, count, 0.f);
        });
        fold_chains(sum);
        B m[K];
        for (std::size_t k = 0; k < K; ++k) {
          m[k] = sum[0][k] / B(float(head));
          // NOLINTNEXTLINE(misc-redundant-expression): m − m == 0 tests finiteness.
          m[k] = xsimd::select(m[k] - m[k] == B(0.f), m[k], B(0.f));
        }
        B q[U][K];
        zero_chains(sum);  // sum now Σd
        zero_chains(q);
        for_interleaved_rows<U>(rows_here, [&](std::size_t r, std::size_t u) {
          for (std::size_t k = 0; k < K; ++k) {
            const B d = load_lanes<Partial, Arch>(base + r * row_stride + k * L, count, 0.f) - m[k];
            sum[u][k] += d;
            q[u][k] = xsimd::fma(d, d, q[u][k]);
          }
        });
        fold_chains(sum);
        fold_chains(q);
        alignas(Arch::alignment()) float bm[K * L], bd[K * L], bq[K * L];
        for (std::size_t k = 0; k < K; ++k) {
          m[k].store_aligned(bm + k * L);
          sum[0][k].store_aligned(bd + k * L);
          q[0][k].store_aligned(bq + k * L);
        }
        merge_blocks<K * L, Arch>(w, bm, bd, bq, acc_mean + b0, acc_m2 + b0);
      });
    }
    const double inv_count = 1.0 / double(row_count);
    for (std::size_t j = 0; j < chunk; ++j) {
      mean[c0 + j] = acc_mean[j];
      var[c0 + j] = acc_m2[j] * inv_count;
    }
  }
}

// Rows walked in memory order (lanes.hpp: reduce_in_memory_order), row by row over a chunk of
// channels (tuning().row_chunk), with the bands and pilots of rows() above: the pilot's sums, then
// the band's Σd and Σd², in float tables in L1, merged into double tables once per band.
template <class Arch>
void memory_order(const float* x, const Shape& s, double* mean, double* var) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  const RowBands bands = row_bands<Arch>(std::min(s.c, kChannelChunk), stride);
  const std::size_t pilot = bands.pilot, band = bands.band;
  alignas(Arch::alignment()) float shift[kMaxRowChunk], sum_d[kMaxRowChunk], sum_d2[kMaxRowChunk];
  alignas(Arch::alignment()) double acc_mean[kMaxRowChunk], acc_m2[kMaxRowChunk];
  for_row_chunks<Arch>(s.c, [&](std::size_t c0, std::size_t count) {
    set_zero<Arch>(acc_mean, count);
    set_zero<Arch>(acc_m2, count);
    for (std::size_t r0 = 0; r0 < row_count; r0 += band) {
      const std::size_t rb = row_count - r0 < band ? row_count - r0 : band;
      const std::size_t head = rb < pilot ? rb : pilot;
      const float* const base = x + r0 * stride + c0;
      set_zero<Arch>(shift, count);
      for_row_pairs(head, [&]<std::size_t R>(std::size_t r) {
        add_rows<R, Arch>(base + r * stride, stride, count, shift);
      });
      const B inv_head(1.f / float(head));
      for (std::size_t i = 0; i < count; i += L) {
        const B m = B::load_aligned(shift + i) * inv_head;
        // NOLINTNEXTLINE(misc-redundant-expression): m − m == 0 tests finiteness.
        xsimd::select(m - m == B(0.f), m, B(0.f)).store_aligned(shift + i);
      }
      set_zero<Arch>(sum_d, count);
      set_zero<Arch>(sum_d2, count);
      for_row_pairs(rb, [&]<std::size_t R>(std::size_t r) {
        add_deviations<R, Arch>(base + r * stride, stride, count, shift, sum_d, sum_d2);
      });
      const ChanWeights<Arch> w = chan_weights<Arch>(double(r0), double(rb));
      for (std::size_t i = 0; i < count; i += L)
        merge_blocks<L, Arch>(w, shift + i, sum_d + i, sum_d2 + i, acc_mean + i, acc_m2 + i);
    }
    const double inv_count = 1.0 / double(row_count);
    for (std::size_t j = 0; j < count; ++j) {
      mean[c0 + j] = acc_mean[j];
      var[c0 + j] = acc_m2[j] * inv_count;
    }
  });
}

}  // namespace moments_detail

template <class Arch>
void moments::operator()(Arch, const float* x, const Shape& shape, std::size_t sample_stride,
                         double* mean, double* var) const {
  if (rows_of_channels<Arch>(shape) && reduce_in_memory_order<Arch>(shape)) {
    moments_detail::memory_order<Arch>(x, shape, mean, var);
  } else if (rows_of_channels<Arch>(shape)) {
    moments_detail::rows<Arch>(x, shape, mean, var);
  } else {
    moments_detail::channels_first<Arch>(x, shape, sample_stride, mean, var);
  }
}

}  // namespace simdnorm::kernels
