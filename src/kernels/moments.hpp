#pragma once
// Per-channel mean and biased variance: one read of x from memory.
// Each block (a run of up to kBlockFloats, or a few rows × a channel block) is summed, then
// re-read from L1 to sum d = x − block mean and d²; blocks merge in double (MomentsAccumulator).
// Error: the float block mean m̃ is off by δ ≈ √n·2⁻²⁴·mean|x| (≈ 0.003 for mean 1e4), which a
// plain Σd² turns into an M2 error of n·δ² (2.5e-4 of the variance at mean 1e4, std 1). The
// corrected two-pass form (Chan, Golub & LeVeque) removes it: mean = m̃ + Σd/n and
// M2 = Σd² − (Σd)²/n, where Σd sums small numbers accurately. What is left is float rounding of
// Σd² (relative ~ √n·2⁻²⁴ for lane-parallel partial sums); merging adds nothing of float32 size.

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct moments {
  template <class Arch>
  void operator()(Arch, const float* x, const Shape& shape, float* mean, float* var) const;
};

namespace moments_detail {

// Merges one block given its float mean m̃, Σd and Σd² (d = x − m̃): the corrected two-pass
// form. A non-finite m̃ (Inf or NaN in the block) is merged as is, so an Inf keeps the mean
// infinite as in PyTorch (its d would be NaN). x − x == 0 tests finiteness without <cmath>,
// whose inline functions must not be shared between ISA files (lanes.hpp).
template <class Arch>
void merge_block(MomentsAccumulator<Arch>& acc, double count, float rough_mean, float sum_d,
                 float sum_d2) {
  const double m = rough_mean;
  const double shift = m - m == 0.0 ? double(sum_d) / count : 0.0;
  const double m2 = double(sum_d2) - double(sum_d) * shift;
  acc.merge(count, m + shift, m2 > 0.0 || m2 != m2 ? m2 : 0.0);  // rounding may leave m2 < 0
}

// Two-pass sums of one contiguous run that fits in L1: its float mean m̃, Σ(x − m̃), Σ(x − m̃)².
template <class Arch>
void run_moments(const float* p, std::size_t len, float& mean, float& sum_d, float& m2) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  B a0(0.f), a1(0.f), a2(0.f), a3(0.f);
  std::size_t i = 0;
  for (; i + 4 * L <= len; i += 4 * L) {
    a0 += B::load_unaligned(p + i);
    a1 += B::load_unaligned(p + i + L);
    a2 += B::load_unaligned(p + i + 2 * L);
    a3 += B::load_unaligned(p + i + 3 * L);
  }
  for (; i + L <= len; i += L) a0 += B::load_unaligned(p + i);
  if (i < len) a1 += load_partial<Arch>(p + i, len - i, 0.f);
  mean = xsimd::hadd((a0 + a1) + (a2 + a3)) / float(len);

  const B m(mean);
  B q0(0.f), q1(0.f), q2(0.f), q3(0.f);
  a0 = a1 = a2 = a3 = B(0.f);  // now Σd
  i = 0;
  for (; i + 4 * L <= len; i += 4 * L) {
    const B d0 = B::load_unaligned(p + i) - m, d1 = B::load_unaligned(p + i + L) - m;
    const B d2 = B::load_unaligned(p + i + 2 * L) - m, d3 = B::load_unaligned(p + i + 3 * L) - m;
    a0 += d0;
    a1 += d1;
    a2 += d2;
    a3 += d3;
    q0 = xsimd::fma(d0, d0, q0);
    q1 = xsimd::fma(d1, d1, q1);
    q2 = xsimd::fma(d2, d2, q2);
    q3 = xsimd::fma(d3, d3, q3);
  }
  for (; i + L <= len; i += L) {
    const B d = B::load_unaligned(p + i) - m;
    a0 += d;
    q0 = xsimd::fma(d, d, q0);
  }
  if (i < len) {
    const B d = load_partial<Arch>(p + i, len - i, mean) - m;  // filled lanes give d = 0
    a1 += d;
    q1 = xsimd::fma(d, d, q1);
  }
  sum_d = xsimd::hadd((a0 + a1) + (a2 + a3));
  m2 = xsimd::hadd((q0 + q1) + (q2 + q3));
}

// Memory order (n outer, channel inner), accumulators of a chunk of channels on the stack.
template <class Arch>
void channels_first(const float* x, const Shape& s, float* mean, float* var) {
  for (std::size_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
    const std::size_t chunk = s.c - c0 < kChannelChunk ? s.c - c0 : kChannelChunk;
    MomentsAccumulator<Arch> acc[kChannelChunk];
    for (std::size_t n = 0; n < s.n; ++n) {
      for (std::size_t j = 0; j < chunk; ++j) {
        const float* run = x + (n * s.c + c0 + j) * s.s;
        for (std::size_t i = 0; i < s.s; i += kBlockFloats) {
          const std::size_t len = s.s - i < kBlockFloats ? s.s - i : kBlockFloats;
          float m, d, q;
          run_moments<Arch>(run + i, len, m, d, q);
          merge_block(acc[j], double(len), m, d, q);
        }
      }
    }
    for (std::size_t j = 0; j < chunk; ++j) {
      mean[c0 + j] = float(acc[j].mean);
      var[c0 + j] = float(acc[j].m2 / acc[j].count);
    }
  }
}

template <class Arch>
void rows(const float* x, const Shape& s, float* mean, float* var) {
  using B = batch<Arch>;
  constexpr std::size_t L = B::size;
  const std::size_t row_count = s.n * s.s, stride = s.c;
  for_channel_blocks<Arch>(
      s.c, [&]<std::size_t K, bool Partial>(std::size_t c0, std::size_t count) {
        MomentsAccumulator<Arch> acc[K * L];
        const std::size_t rows_per_block = kBlockFloats / (K * L);
        for (std::size_t r0 = 0; r0 < row_count; r0 += rows_per_block) {
          const std::size_t rb = row_count - r0 < rows_per_block ? row_count - r0 : rows_per_block;
          const float* base = x + r0 * stride + c0;
          B sum[K];
          for (std::size_t k = 0; k < K; ++k) sum[k] = B(0.f);
          for (std::size_t r = 0; r < rb; ++r)
            for (std::size_t k = 0; k < K; ++k)
              sum[k] += load_lanes<Partial, Arch>(base + r * stride + k * L, count, 0.f);
          B m[K], q[K];
          for (std::size_t k = 0; k < K; ++k) {
            m[k] = sum[k] / B(float(rb));
            sum[k] = q[k] = B(0.f);  // sum now Σd
          }
          for (std::size_t r = 0; r < rb; ++r)
            for (std::size_t k = 0; k < K; ++k) {
              const B d = load_lanes<Partial, Arch>(base + r * stride + k * L, count, 0.f) - m[k];
              sum[k] += d;
              q[k] = xsimd::fma(d, d, q[k]);
            }
          alignas(Arch::alignment()) float bm[K * L], bd[K * L], bq[K * L];
          for (std::size_t k = 0; k < K; ++k) {
            m[k].store_aligned(bm + k * L);
            sum[k].store_aligned(bd + k * L);
            q[k].store_aligned(bq + k * L);
          }
          for (std::size_t j = 0; j < count; ++j)
            merge_block(acc[j], double(rb), bm[j], bd[j], bq[j]);
        }
        for (std::size_t j = 0; j < count; ++j) {
          mean[c0 + j] = float(acc[j].mean);
          var[c0 + j] = float(acc[j].m2 / acc[j].count);
        }
      });
}

}  // namespace moments_detail

template <class Arch>
void moments::operator()(Arch, const float* x, const Shape& shape, float* mean, float* var) const {
  if (rows_of_channels<Arch>(shape)) {
    moments_detail::rows<Arch>(x, shape, mean, var);
  } else {
    moments_detail::channels_first<Arch>(x, shape, mean, var);
  }
}

}  // namespace simdnorm::kernels
