#pragma once
// Arch-templated building blocks shared by the kernels: partial loads for channel and run tails,
// per-channel coefficients, the channel traversal of both layouts and the reductions' block sizes.
// Everything here is a template on Arch on purpose: a plain inline function would be emitted by
// every ISA file with that file's flags, and the linker could keep the AVX-512 copy for all.

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "kernels/kernel_table.hpp"
#include "kernels/tuning.hpp"

namespace simdnorm::kernels {

template <class Arch>
using batch = xsimd::batch<float, Arch>;

// Channels-first kernels walk memory in order (n outer, channel inner) and keep per-channel state
// for up to this many channels on the stack. A channel-major walk jumps C·S floats between runs
// of S floats; with runs of a page or less (S ≤ 1024) the hardware prefetchers restart on every
// run, which cost 30–50 % of the bandwidth on 8 MiB tensors.
inline constexpr std::size_t kChannelChunk = 256;

#if defined(__AVX2__)
// The AVX2 lane mask of the first `count` < 8 lanes: 8 − count entries into this table.
template <class Arch>
__m256i avx_lane_mask(std::size_t count) {
  alignas(64) static constexpr std::int32_t ones_then_zeros[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                                   0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ones_then_zeros + 8 - count));
}
#endif

// Loads `count` ≤ lanes floats; the missing lanes are `fill`. A full count is a plain load: the
// per-channel coefficients of every full channel group come through here, and the buffer's
// scalar stores followed by a vector load cost a store-forwarding stall each time.
// AVX-512 and AVX2 load a tail with a lane mask (no fault on the masked-out lanes): the buffer
// round trip below costs a store-forwarding stall per run, which was a third of NCHW 7×7 calls.
// SSE2 has no masked load.
// qemu-x86_64 7.2 (-cpu Haswell) emulates AVX2's masked load (vmaskmovps) as a full 32-byte load:
// a tail whose vector crosses into an unmapped page died with SIGSEGV there, where hardware
// suppresses the fault. So when the vector crosses p's 4 KiB page and every wanted lane is in it,
// the load is masked from the page's last 32 bytes and the lanes moved down (vpermps): the bytes
// read are always in a page the wanted floats occupy. No stack buffer (GCC compiles its loop into
// the same vmaskmovps) and no call: either would put a frame on every kernel that inlines this.
template <class Arch>
batch<Arch> load_partial(const float* p, std::size_t count, float fill) {
  if (count >= batch<Arch>::size) return batch<Arch>::load_unaligned(p);
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>)
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), __mmask16((1u << count) - 1), p);
#endif
#if defined(__AVX2__)
  if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
    constexpr std::uintptr_t page = 4096;
    const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(p);
    const std::size_t room = (page - address % page) / sizeof(float);  // lanes left in the page
    const __m256i head = avx_lane_mask<Arch>(count);
    __m256 v;
    if (room < batch<Arch>::size && count <= room) {
      const int shift = int(batch<Arch>::size - room);
      const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256i wanted =
          _mm256_and_si256(_mm256_cmpgt_epi32(lane, _mm256_set1_epi32(shift - 1)),
                           _mm256_cmpgt_epi32(_mm256_set1_epi32(shift + int(count)), lane));
      v = _mm256_permutevar8x32_ps(_mm256_maskload_ps(p - shift, wanted),
                                   _mm256_add_epi32(lane, _mm256_set1_epi32(shift)));
    } else {
      v = _mm256_maskload_ps(p, head);
    }
    return _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(head));
  }
#endif
  alignas(Arch::alignment()) float buf[batch<Arch>::size];
  for (std::size_t i = 0; i < batch<Arch>::size; ++i) buf[i] = i < count ? p[i] : fill;
  return batch<Arch>::load_aligned(buf);
}

template <class Arch>
void store_partial(const batch<Arch>& v, float* p, std::size_t count) {
  if (count >= batch<Arch>::size) return v.store_unaligned(p);
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
    _mm512_mask_storeu_ps(p, __mmask16((1u << count) - 1), v);
    return;
  }
#endif
#if defined(__AVX2__)
  // Four, two and one lanes with plain stores rather than AVX2's masked store (vmaskmovps), which
  // AMD before Zen 4 runs as microcode: 4.4–5 ns a store on a Zen 3 at 2.45 GHz in a loop that
  // did the three plain ones in 1–1.2 ns, and a channels-first run of 49 floats stores one tail
  // per run. A call's runs repeat the same counts, so the branches predict.
  if constexpr (std::is_same_v<Arch, xsimd::fma3<xsimd::avx2>>) {
    __m128 part = _mm256_castps256_ps128(v);
    if (count & 4) {
      _mm_storeu_ps(p, part);
      part = _mm256_extractf128_ps(v, 1);
      p += 4;
    }
    if (count & 2) {
      _mm_storel_pi(reinterpret_cast<__m64*>(p), part);
      part = _mm_movehl_ps(part, part);
      p += 2;
    }
    if (count & 1) _mm_store_ss(p, part);
    return;
  }
#endif
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

// x_copy + k for a kernel's copy of its input x (kernels/normalize.hpp), null without one: no
// arithmetic on the null pointer.
template <bool Copy>
float* copy_at(float* x_copy, std::size_t k) {
  if constexpr (Copy) {
    return x_copy + k;
  } else {
    return nullptr;
  }
}

// Stores v to y (`count` lanes when Partial) and, with Copy, the input vector x it came from to
// the same place in x_copy.
template <bool Partial, bool Copy, class Arch>
void store_with_copy(const batch<Arch>& v, const batch<Arch>& x, float* y, float* x_copy,
                     std::size_t count) {
  store_lanes<Partial, Arch>(v, y, count);
  if constexpr (Copy) store_lanes<Partial, Arch>(x, x_copy, count);
}

// Whether a kernel writes its output with non-temporal (streaming) stores: when its tensors add
// up to more than tuning().streaming_bytes (src/core/tuning.cpp: past the cache a core fills fast),
// or threaded_streaming_bytes when the call runs on several threads. `tensors`: how many tensors
// of the shape the kernel reads or writes (normalize 2, grad_input 3); judged on the whole call's
// size when the kernel runs on one piece of it.
template <class Arch>
bool streaming_output(const Shape& s, const ChannelParams& p, std::size_t tensors) {
  const Tuning& t = tuning();
  return tensors * (p.call_numel ? p.call_numel : s.numel()) * sizeof(float) >
         (p.threaded ? t.threaded_streaming_bytes : t.streaming_bytes);
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

// Lane j of the result = the sum of the lanes of rows[j], for batch::size rows: one
// transpose-and-add for a whole group of horizontal sums. xsimd 8.1's AVX-512 haddp puts rows
// 2–5 and 10–13 in the wrong lanes (4↔2, 5↔3, …); there a tree of shuffles and adds halves the
// partial sums four times (256-, 128-, 64-, 32-bit pieces: 45 instructions for 16 rows, where
// adding each row's halves and two AVX haddp took about 75, and 8–10 % of training forward on
// NCHW 8×1024×7×7, three per group of 49-float runs). The tree leaves row r in lane
// kTreeLane[r]; rows are fed in that order (the permutation is its own inverse) so that row j
// ends in lane j.
template <class Arch>
[[gnu::always_inline]] inline batch<Arch> lane_sums(const batch<Arch>* rows) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Arch, xsimd::avx512f>) {
    constexpr std::size_t kTreeLane[16] = {0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15};
    __m512 a[8], b[4], c[2];
    for (std::size_t i = 0; i < 8; ++i) {  // row i's 256-bit halves added; row i + 8 beside it
      const __m512 r = rows[kTreeLane[i]], t = rows[kTreeLane[i + 8]];
      a[i] = _mm512_add_ps(_mm512_shuffle_f32x4(r, t, _MM_SHUFFLE(1, 0, 1, 0)),
                           _mm512_shuffle_f32x4(r, t, _MM_SHUFFLE(3, 2, 3, 2)));
    }
    for (std::size_t i = 0; i < 4; ++i)  // 128-bit quarters: rows i, i + 8, i + 4, i + 12
      b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i], a[i + 4], _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm512_shuffle_f32x4(a[i], a[i + 4], _MM_SHUFFLE(3, 1, 3, 1)));
    for (std::size_t i = 0; i < 2; ++i) {  // 64-bit pairs
      const __m512d u = _mm512_castps_pd(b[i]), v = _mm512_castps_pd(b[i + 2]);
      c[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(u, v)),
                           _mm512_castpd_ps(_mm512_unpackhi_pd(u, v)));
    }
    return _mm512_add_ps(_mm512_shuffle_ps(c[0], c[1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_ps(c[0], c[1], _MM_SHUFFLE(3, 1, 3, 1)));
  }
#endif
  return xsimd::haddp(rows);
}

// Floats before p reaches the store alignment (p is float-aligned).
template <class Arch>
std::size_t floats_to_alignment(const float* p) {
  constexpr std::size_t L = batch<Arch>::size;
  const std::size_t misaligned = (reinterpret_cast<std::uintptr_t>(p) / sizeof(float)) % L;
  return misaligned ? L - misaligned : 0;
}

// Streamed channels-first runs (one sample's channel) shorter than this are walked as spans of
// runs (for_span_vectors), so that streamed vectors are aligned (whole lines on AVX-512; AVX2 and
// SSE2 still mix the two kinds of store in a span's end lines); longer ones run by run, with
// each run's partial first and last lines stored plainly. Run by run, short runs lost to plain
// stores. Intel Emerald Rapids, NCHW 8×1024, plain / run by run / spans: 7×7 (runs of 49 floats)
// inference 117 / 153 / 92 µs, backward 275 / 304 / 229 µs; 14×14 (196) inference 509 / – / 400
// µs, training forward 598–628 / 749 / 646–680 µs. Runs shorter than the vector keep plain stores.
inline constexpr std::size_t kMinStreamedRun = 256;

// Walks `runs` consecutive runs of `len` ≥ lanes floats (one sample's runs of a group of
// channels: one contiguous span) in vectors aligned to `out`, so that they can be streamed:
// f(i, width, k, own) for the `width` floats at offset i (width < lanes only at the span's ends),
// whose first `own` lanes belong to run k and the others, when own < width, to run k + 1.
template <class Arch, class F>
void for_span_vectors(const float* out, std::size_t len, std::size_t runs, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  assert(len >= L);  // a vector spans at most two runs
  const std::size_t span = len * runs;
  std::size_t i = std::min(floats_to_alignment<Arch>(out), span), k = 0, end = len;
  if (i) f(std::size_t(0), i, std::size_t(0), i);  // i < lanes ≤ len: all in run 0
  const auto vector = [&](std::size_t width) {
    f(i, width, k, std::min(width, end - i));
    i += width;
    if (i >= end) {
      ++k;
      end += len;
    }
  };
  while (i + L <= span) vector(L);
  if (i < span) vector(span - i);
}

// The lane numbers 0, 1, … as floats: compared with a count, the mask of the lanes before it.
template <class Arch>
batch<Arch> lane_numbers() {
  alignas(Arch::alignment()) float n[batch<Arch>::size];
  for (std::size_t j = 0; j < batch<Arch>::size; ++j) n[j] = float(j);
  return batch<Arch>::load_aligned(n);
}

// A whole vector to p: streamed (p aligned) or a plain store.
template <bool Stream, class Arch>
void store_whole(const batch<Arch>& v, float* p) {
  if constexpr (Stream) {
    store_stream<Arch>(v, p);
  } else {
    v.store_unaligned(p);
  }
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

// A group's mean, scale and beta stored once, from which each channel's run broadcasts its lane.
template <class Arch>
struct AffineTable {
  alignas(Arch::alignment()) float mean[batch<Arch>::size], scale[batch<Arch>::size],
      beta[batch<Arch>::size];

  explicit AffineTable(const ChannelAffine<Arch>& a) {
    a.mean.store_aligned(mean);
    a.scale.store_aligned(scale);
    a.beta.store_aligned(beta);
  }
};

// Channels-first tensors with S > 1 are walked channel by channel (runs of S floats); the others
// (channels-last, and NC where S = 1) row by row with channels across the vector lanes.
template <class Arch>
bool rows_of_channels(const Shape& s) {
  return s.layout == Layout::ChannelsLast || s.s == 1;
}

// Rows of channels are processed in tiles of this many rows, all channel blocks of a tile before
// the next: the tile (tuning().row_tile_floats, half of L1d) is re-read from L1/L2, never from
// memory, and memory is walked in order. One sweep over the whole tensor per block of channels
// was 3× slower with AVX2 on NHWC 16×56×56×64 (two blocks). At least 16 rows amortize the
// per-tile constants.
template <class Arch>
std::size_t row_tile(std::size_t channels) {
  const std::size_t rows = tuning().row_tile_floats / (channels ? channels : 1);
  return rows < 16 ? 16 : rows;
}

// Rows wider than one block of four vectors are walked in memory order, row by row, over chunks
// of tuning().row_chunk channels whose per-channel constants sit in tables in L1 (a vector load
// each instead of a register). Walking down the rows a block of channels at a time, as narrow rows
// do, jumps C floats per row: with C a multiple of 1024 every load then lands 4 KiB after the
// store just made to the output (4K aliasing, the load waits for the store) and the L1 sets
// overflow; NC 256×1024 inference took 38 µs that way against 20 µs in memory order (Zen 5).
template <class Arch>
bool is_wide_row(std::size_t channels) {
  return channels > 4 * batch<Arch>::size;
}

// Floats in a cache line: 64 bytes on every CPU simdnorm builds for.
inline constexpr std::size_t kLineFloats = 16;

// Rows of channels whose output is off a cache line are walked as one flat array by the
// elementwise kernels when C is a whole number of vectors and its tables fit one chunk (C ≤
// tuning().row_chunk): the channel of each vector cycles through C, so only the floats before
// the first line and after the last take partial plain stores, and every vector between stores
// a whole aligned vector, streamed when the call streams. Walked row by row, a tensor from malloc
// (16 bytes past a line) split every AVX-512 store over two lines and streamed no row: inference
// took 1.06–1.29× the time on a line (NC 256×1024, NHWC 16×56×56×64 and 8×28×28×1024, Intel
// Emerald Rapids) and backward up to 1.44×; walked flat, 0.97–1.04× (docs/benchmarks.md, "Tensors
// off a cache line"). Returns the floats before the first line, or 0: on a line, or a C that is
// never walked flat.
template <class Arch>
std::size_t flat_rows_head(const Shape& s, const float* out) {
  if (s.c % batch<Arch>::size || s.c > tuning().row_chunk) return 0;
  const std::size_t past = (reinterpret_cast<std::uintptr_t>(out) / sizeof(float)) % kLineFloats;
  return past ? kLineFloats - past : 0;
}

// Rows of channels that the elementwise kernels walk as one flat array: rows off a cache line
// (flat_rows_head), and rows of fewer than four whole vectors, which the walk down the rows covers
// one vector per row and channel block, a loop step each (docs/benchmarks.md, "Zen 3 (AVX2)").
template <class Arch>
bool walk_rows_flat(const Shape& s, const float* out) {
  constexpr std::size_t L = batch<Arch>::size;
  return flat_rows_head<Arch>(s, out) != 0 || (s.c % L == 0 && s.c < 4 * L);
}

// A flat walk of a tensor of `total` floats: partial vectors up to `head`, `whole` vectors from
// there (the first of them starts at channel `channel`), partial vectors from `tail` to `total`.
struct FlatWalk {
  std::size_t head, whole, tail, total, channel;
};

template <class Arch>
FlatWalk flat_walk(const Shape& s, const float* out) {
  const std::size_t total = s.numel();
  const std::size_t head = std::min(flat_rows_head<Arch>(s, out), total);
  const std::size_t whole = (total - head) / batch<Arch>::size;
  return {head, whole, head + whole * batch<Arch>::size, total, head % s.c};
}

// Calls f(i, n) for the flat walk's partial vectors of n ≤ lanes floats: the head's and the tail's.
template <class Arch, class F>
void for_flat_partials(const FlatWalk& w, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  for (std::size_t i = 0; i < w.head; i += L) f(i, std::min(L, w.head - i));
  if (w.tail < w.total) f(w.tail, w.total - w.tail);
}

// The next whole vector's first channel in a flat walk of rows of `channels`.
template <class Arch>
std::size_t next_flat_channel(std::size_t c, std::size_t channels) {
  constexpr std::size_t L = batch<Arch>::size;
  return c + L < channels ? c + L : c + L - channels;
}

// Rows of channels stream only when every whole vector of the output is aligned: a row stride (C)
// that is a multiple of the lanes, and an aligned base or a flat walk (flat_rows_head).
template <class Arch>
bool streaming_rows(const Shape& s, const ChannelParams& p, std::size_t tensors, const float* out) {
  return streaming_output<Arch>(s, p, tensors) && s.c % batch<Arch>::size == 0 &&
         (floats_to_alignment<Arch>(out) == 0 || flat_rows_head<Arch>(s, out) != 0);
}

// Per-channel tables of one chunk of a wide-row walk: `Arrays` arrays of kMaxRowChunk channels
// (+ lanes, so a partial group's vector store stays inside).
template <std::size_t Arrays, class Arch>
struct ChunkTable {
  alignas(Arch::alignment()) float v[Arrays][kMaxRowChunk + batch<Arch>::size];

  // Repeats the first vector of channels after the chunk's `count`: a flat walk's vector that
  // starts in the row's last vector reads on into the next row's first channels.
  void repeat_first_vector(std::size_t count) {
    for (auto& a : v)
      for (std::size_t j = 0; j < batch<Arch>::size; ++j) a[count + j] = a[j];
  }
};

// Calls f(c0, count) for the chunks of a wide-row walk.
template <class Arch, class F>
void for_row_chunks(std::size_t channels, F&& f) {
  const std::size_t chunk = tuning().row_chunk;
  for (std::size_t c0 = 0; c0 < channels; c0 += chunk)
    f(c0, channels - c0 < chunk ? channels - c0 : chunk);
}

// Calls f(c0, count) for groups of up to `lanes` channels, so per-channel constants are computed
// with vector math once per group.
template <class Arch, class F>
void for_channel_groups(std::size_t channels, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  for (std::size_t c0 = 0; c0 < channels; c0 += L) f(c0, channels - c0 < L ? channels - c0 : L);
}

// Fills a wide-row chunk's tables with the mean, scale and beta of channels c0 … c0 + count − 1.
template <class Arch>
void fill_affine_tables(const ChannelParams& p, std::size_t c0, std::size_t count,
                        ChunkTable<3, Arch>& t) {
  for_channel_groups<Arch>(count, [&](std::size_t g0, std::size_t n) {
    const ChannelAffine<Arch> a = channel_affine<Arch>(p, c0 + g0, n);
    a.mean.store_aligned(t.v[0] + g0);
    a.scale.store_aligned(t.v[1] + g0);
    a.beta.store_aligned(t.v[2] + g0);
  });
}

// The mean, scale and beta of the vector of channels from index i of the tables.
template <class Arch>
ChannelAffine<Arch> table_affine(const ChunkTable<3, Arch>& t, std::size_t i) {
  using B = batch<Arch>;
  return {B::load_unaligned(t.v[0] + i), B::load_unaligned(t.v[1] + i),
          B::load_unaligned(t.v[2] + i), B(0.f)};
}

// Calls f.template operator()<Partial>(i, count) over a flat array of n floats: whole vectors,
// then a partial tail.
template <class Arch, class F>
void for_lanes(std::size_t n, F&& f) {
  constexpr std::size_t L = batch<Arch>::size;
  std::size_t i = 0;
  for (; i + L <= n; i += L) f.template operator()<false>(i, L);
  if (i < n) f.template operator()<true>(i, n - i);
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

// Partial sums per vector of a channel block when rows are summed: a block of K < 4 vectors
// (C = 16 on AVX2 is two blocks of one) sums 4 / K rows at once into as many chains, so that the
// adds and FMAs (3–4 cycles of latency each) overlap instead of waiting on one another row by
// row. The chains fold in order, so the result does not depend on anything but the shape.
template <std::size_t K>
constexpr std::size_t row_chains() {
  return K >= 4 ? 1 : 4 / K;
}

// f(r, u) for rows 0…rows − 1, row r into chain u: U rows at a time, then the rest into chain 0.
template <std::size_t U, class F>
[[gnu::always_inline]] inline void for_interleaved_rows(std::size_t rows, F&& f) {
  std::size_t r = 0;
  for (; r + U <= rows; r += U)
    for (std::size_t u = 0; u < U; ++u) f(r + u, u);
  for (; r < rows; ++r) f(r, 0);
}

template <class B, std::size_t U, std::size_t K>
void zero_chains(B (&chains)[U][K]) {
  for (std::size_t u = 0; u < U; ++u)
    for (std::size_t k = 0; k < K; ++k) chains[u][k] = B(0.f);
}

// chains[0][k] = the sum of chains[u][k] over u, added in order.
template <class B, std::size_t U, std::size_t K>
void fold_chains(B (&chains)[U][K]) {
  for (std::size_t u = 1; u < U; ++u)
    for (std::size_t k = 0; k < K; ++k) chains[0][k] += chains[u][k];
}

// Float partial sums of a reduction over rows of channels take at most this many rows before
// they are added into per-channel doubles: the error bound of the reductions
// (tests/native/tolerance.hpp).
inline constexpr std::size_t kMaxReductionRows = 256;

// Reductions over rows of channels work on tiles of this many rows. A tile of
// tuning().reduction_tile_floats (L1d) of the channel chunk stays in L1/L2 while every channel
// block of the chunk reads it (grad_sums, where C is not a whole number of vectors or one block),
// so the tensor is read from memory once whatever the number of channel blocks (AVX2 has 2 for
// C = 64 in the moments); the moments re-read only a tile's first rows.
template <class Arch>
std::size_t reduction_rows(std::size_t channels) {
  const std::size_t rows = tuning().reduction_tile_floats / (channels ? channels : 1);
  return rows < 16 ? 16 : rows > kMaxReductionRows ? kMaxReductionRows : rows;
}

// L1d geometry on the CPUs simdnorm builds for (l1_resident_rows): the address span after which
// the set index repeats (L1d size / ways), and the ways of a set, at least.
inline constexpr std::size_t kL1SetSpan = 4096, kL1Ways = 8;

// Rows that a block of channels can re-read from L1 when rows are `stride` floats apart. An L1d
// set spans 4 KiB on current x86 and Arm cores (L1d size / ways: 32 KiB / 8, 48 KiB / 12, as
// virtually indexed caches need), so rows 4 KiB apart all land in the same sets and only "ways"
// (≥ 8) of them fit; rows 2 KiB apart, twice as many; and so on. NC 256×1024 moments took 31 µs
// with tiles of 48 rows and 20 µs with 8 (Zen 5).
template <class Arch>
std::size_t l1_resident_rows(std::size_t stride) {
  std::size_t a = stride * sizeof(float) % kL1SetSpan, b = kL1SetSpan;
  while (a) {  // gcd(stride bytes, set span): the rows take span / gcd distinct set offsets
    const std::size_t r = b % a;
    b = a;
    a = r;
  }
  return kL1Ways * (kL1SetSpan / b);
}

// The moments' bands of rows (kernels/moments.hpp): each band's shift is the mean of its first
// `pilot` rows, which its pass over the band re-reads from L1 or L2, and a band holds at most 4
// pilots, so the pilot is at least a quarter of the band (the shift's error bound).
struct RowBands {
  std::size_t pilot, band;
};

template <class Arch>
RowBands row_bands(std::size_t chunk, std::size_t stride) {
  const std::size_t pilot = std::min(reduction_rows<Arch>(chunk), l1_resident_rows<Arch>(stride));
  return {pilot, std::min(4 * pilot, kMaxReductionRows)};
}

// Sets n values to 0. Templated on Arch like everything here that the ISA files share: std::fill
// would be one weak symbol, compiled with one file's ISA flags and linked into all of them
// (scripts/test-isa-cpus.sh).
template <class Arch, class T>
void set_zero(T* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = T(0);
}

// Rows of channels that the moments walk in memory order, as the wide-row elementwise kernels do,
// rather than down the rows a block of channels at a time (the backward sums take more:
// grad_sums.hpp: sums_in_memory_order): rows a multiple of 4 KiB apart (C a multiple of 1024),
// which all land in the same L1 sets, more of them than the sets hold. Down the rows, every channel
// block then re-read its tile from L2, and each chunk of channels read a part of every row, which
// the prefetchers follow poorly (docs/benchmarks.md, "Zen 3 (AVX2)"). Such a C is a whole number of
// vectors on every ISA.
template <class Arch>
bool reduce_in_memory_order(const Shape& s) {
  return s.c > 0 && s.c * sizeof(float) % kL1SetSpan == 0 && s.n * s.s > kL1Ways;
}

}  // namespace simdnorm::kernels
