#pragma once
// Arch-templated building blocks shared by the kernels: partial loads for channel and run tails,
// per-channel coefficients, the channel traversal of both layouts and the reductions' block sizes.
// Everything here is a template on Arch on purpose: a plain inline function would be emitted by
// every ISA file with that file's flags, and the linker could keep the AVX-512 copy for all.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "kernels/kernel_table.hpp"

namespace simdnorm::kernels {

template <class Arch>
using batch = xsimd::batch<float, Arch>;

// Floats per block that a two-pass step keeps cache-resident (8 KiB: well inside L1).
inline constexpr std::size_t kBlockFloats = 2048;

// Channels-first kernels walk memory in order (n outer, channel inner) and keep per-channel state
// for up to this many channels on the stack. A channel-major walk jumps C·S floats between runs
// of S floats; with runs of a page or less (S ≤ 1024) the hardware prefetchers restart on every
// run, which cost 30–50 % of the bandwidth on 8 MiB tensors.
inline constexpr std::size_t kChannelChunk = 256;

// Loads `count` ≤ lanes floats; the missing lanes are `fill`. A full count is a plain load: the
// per-channel coefficients of every full channel group come through here, and the buffer's
// scalar stores followed by a vector load cost a store-forwarding stall each time.
template <class Arch>
batch<Arch> load_partial(const float* p, std::size_t count, float fill) {
  if (count >= batch<Arch>::size) return batch<Arch>::load_unaligned(p);
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

// A kernel whose tensors (inputs and output) add up to at least this many bytes writes its output
// with non-temporal (streaming) stores: about 3/4 of the 32 MiB L3 this machine class shares
// between cores, beyond which the tensors cannot stay cached between calls anyway. Streaming then
// skips the read-for-ownership of every output line (inference moves 2 instead of 3 tensors
// through DRAM) and leaves the inputs cached. Below it, plain stores keep the output in cache for
// the next layer. Measured (bench/, AVX-512): streaming from 24 MiB rather than 32 MiB of tensors
// took NHWC 16×56×56×64 (12.25 MiB per tensor) from 1.08× to 0.99× oneDNN's time in inference and
// backward from 1.45× to ≈1.0×, and NCHW 32×64×32×32 backward (3 × 8 MiB) from 1.35× to 0.95×;
// inference on that 8 MiB tensor (2 × 8 MiB) stays 15 % faster with plain stores.
inline constexpr std::size_t kStreamingBytes = std::size_t(24) << 20;

// `tensors`: how many tensors of the shape the kernel reads or writes (normalize 2, grad_input 3);
// judged on the whole call's size when the kernel runs on one piece of it.
template <class Arch>
bool streaming_output(const Shape& s, const ChannelParams& p, std::size_t tensors) {
  return tensors * (p.call_numel ? p.call_numel : s.numel()) * sizeof(float) >= kStreamingBytes;
}

// Stores a full vector to an address aligned to Arch::alignment(), bypassing the caches where
// the ISA can (xsimd 8.1 has no streaming store). wasm has no such store: a plain one there.
template <class Arch>
void store_stream(const batch<Arch>& v, float* p) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
    _mm512_stream_ps(p, v);
    return;
  }
#endif
#if defined(__AVX__)
  if constexpr (std::is_base_of_v<xsimd::avx, Arch>) {
    _mm256_stream_ps(p, v);
    return;
  }
#endif
#if defined(__SSE2__) && !defined(__EMSCRIPTEN__)
  if constexpr (std::is_base_of_v<xsimd::sse2, Arch>) {
    _mm_stream_ps(p, v);
    return;
  }
#endif
  v.store_aligned(p);
}

// Floats before p reaches the store alignment (p is float-aligned).
template <class Arch>
std::size_t floats_to_alignment(const float* p) {
  constexpr std::size_t L = batch<Arch>::size;
  const std::size_t misaligned = (reinterpret_cast<std::uintptr_t>(p) / sizeof(float)) % L;
  return misaligned ? L - misaligned : 0;
}

// Rows of channels stream only when every whole vector of the output is aligned: an aligned
// base and a row stride (C) that is a multiple of the lanes.
template <class Arch>
bool streaming_rows(const Shape& s, const ChannelParams& p, std::size_t tensors, const float* out) {
  return streaming_output<Arch>(s, p, tensors) && floats_to_alignment<Arch>(out) == 0 &&
         s.c % batch<Arch>::size == 0;
}

// Orders this call's streaming stores before any later store, as plain stores would be.
template <class Arch>
void streaming_done() {
#if defined(__SSE2__) && !defined(__EMSCRIPTEN__)
  _mm_sfence();
#endif
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
  const batch<Arch> invstd =
      p.invstd ? load_channels<Arch>(p.invstd, c0, count, 1.f)
               : one / xsimd::sqrt(load_channels<Arch>(p.var, c0, count, 1.f) + batch<Arch>(p.eps));
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

// Rows of channels are processed in tiles of this many rows, all channel blocks of a tile before
// the next: the tile (≥ 16 KiB of input) is re-read from L1/L2, never from memory, and memory is
// walked in order. One sweep over the whole tensor per block of channels was 3× slower with
// AVX2 on NHWC 16×56×56×64 (two blocks). At least 16 rows amortize the per-tile constants.
template <class Arch>
std::size_t row_tile(std::size_t channels) {
  const std::size_t rows = 4096 / (channels ? channels : 1);
  return rows < 16 ? 16 : rows;
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

// Reductions over rows of channels keep float partial sums over a tile of this many rows and
// then add them into per-channel doubles (at most 256 terms per float lane: the error bound of
// the reductions, tests/native/tolerance.hpp). A tile of about 8192 floats (32 KiB) of the
// channel chunk stays in L1/L2 while every channel block of the chunk reads it, so the tensor is
// read from memory once whatever the number of channel blocks (AVX2 has 2 for C = 64).
template <class Arch>
std::size_t reduction_rows(std::size_t channels) {
  const std::size_t rows = 8192 / (channels ? channels : 1);
  return rows < 16 ? 16 : rows > 256 ? 256 : rows;
}

}  // namespace simdnorm::kernels
