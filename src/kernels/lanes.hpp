#pragma once
// Arch-templated building blocks shared by the kernels: partial loads for channel and run tails,
// per-channel coefficients, the channel traversal of both layouts, and Chan's moment merge.
// Everything here is a template on Arch on purpose: a plain inline function would be emitted by
// every ISA file with that file's flags, and the linker could keep the AVX-512 copy for all.

#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "kernels/kernel_table.hpp"

namespace simdnorm::kernels {

template <class Arch>
using batch = xsimd::batch<float, Arch>;

// Floats per block that a two-pass step keeps cache-resident (8 KiB: well inside L1).
inline constexpr std::size_t kBlockFloats = 2048;

// Loads `count` ≤ lanes floats; the missing lanes are `fill`.
template <class Arch>
batch<Arch> load_partial(const float* p, std::size_t count, float fill) {
  alignas(Arch::alignment()) float buf[batch<Arch>::size];
  for (std::size_t i = 0; i < batch<Arch>::size; ++i) buf[i] = i < count ? p[i] : fill;
  return batch<Arch>::load_aligned(buf);
}

template <class Arch>
void store_partial(const batch<Arch>& v, float* p, std::size_t count) {
  alignas(Arch::alignment()) float buf[batch<Arch>::size];
  v.store_aligned(buf);
  for (std::size_t i = 0; i < count; ++i) p[i] = buf[i];
}

// Full vector or a tail of `count` lanes, chosen at compile time so hot loops do not branch.
template <bool Partial, class Arch>
batch<Arch> load_lanes(const float* p, std::size_t count, float fill) {
  if constexpr (Partial) {
    return load_partial<Arch>(p, count, fill);
  } else {
    return batch<Arch>::load_unaligned(p);
  }
}

template <bool Partial, class Arch>
void store_lanes(const batch<Arch>& v, float* p, std::size_t count) {
  if constexpr (Partial) {
    store_partial<Arch>(v, p, count);
  } else {
    v.store_unaligned(p);
  }
}

// max(v, 0) that keeps NaN, like PyTorch's relu (x86 max_ps would turn NaN into 0).
template <class Arch>
batch<Arch> relu_keep_nan(const batch<Arch>& v) {
  const batch<Arch> zero(0.f);
  return xsimd::select(v < zero, zero, v);
}

// y = (x − mean)·scale + beta for `lanes` consecutive channels. Subtracting the mean first keeps
// float32 accuracy when |mean| ≫ std; folding it into the shift (x·scale + shift) would not.
template <class Arch>
struct ChannelAffine {
  batch<Arch> mean, scale, beta, invstd;
};

template <class Arch>
batch<Arch> load_channels(const float* p, std::size_t c0, std::size_t count, float absent) {
  return p ? load_partial<Arch>(p + c0, count, absent) : batch<Arch>(absent);
}

template <class Arch>
ChannelAffine<Arch> channel_affine(const ChannelParams& p, std::size_t c0, std::size_t count) {
  const batch<Arch> one(1.f);
  const batch<Arch> invstd = p.invstd ? load_channels<Arch>(p.invstd, c0, count, 1.f)
                                      : one / xsimd::sqrt(load_channels<Arch>(p.var, c0, count, 1.f) +
                                                          batch<Arch>(p.eps));
  const batch<Arch> gamma = load_channels<Arch>(p.weight, c0, count, 1.f);
  return {load_channels<Arch>(p.mean, c0, count, 0.f), invstd * gamma,
          load_channels<Arch>(p.bias, c0, count, 0.f), invstd};
}

// Channels-first tensors with S > 1 are walked channel by channel (runs of S floats); the others
// (channels-last, and NC where S = 1) row by row with channels across the vector lanes.
template <class Arch>
bool rows_of_channels(const Shape& s) {
  return s.layout == Layout::ChannelsLast || s.s == 1;
}

// Calls f(c0, count) for groups of up to `lanes` channels, so per-channel constants are computed
// with vector math once per group.
template <class Arch, class F>
void for_channel_groups(std::size_t channels, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  for (std::size_t c0 = 0; c0 < channels; c0 += L) f(c0, channels - c0 < L ? channels - c0 : L);
}

// Calls f.template operator()<K, Partial>(c0, count) over blocks of K vectors of channels: four
// vectors at a time (independent accumulator chains), then single vectors, then a partial tail.
template <class Arch, class F>
void for_channel_blocks(std::size_t channels, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  std::size_t c0 = 0;
  for (; c0 + 4 * L <= channels; c0 += 4 * L) f.template operator()<4, false>(c0, 4 * L);
  for (; c0 + L <= channels; c0 += L) f.template operator()<1, false>(c0, L);
  if (c0 < channels) f.template operator()<1, true>(c0, channels - c0);
}

// Running (count, mean, M2) in double, merged block by block with Chan et al.'s pairwise update:
// each block's own mean and M2 come from a float two-pass over cache-resident data, so nothing
// ever subtracts two large sums (no E[x²] − E[x]² cancellation), and the merge costs one divide
// per block, not per element.
template <class Arch>
struct MomentsAccumulator {
  double count = 0, mean = 0, m2 = 0;

  void merge(double block_count, double block_mean, double block_m2) {
    const double total = count + block_count;
    const double delta = block_mean - mean;
    mean += delta * (block_count / total);
    m2 += block_m2 + delta * delta * (count * block_count / total);
    count = total;
  }
};

}  // namespace simdnorm::kernels
