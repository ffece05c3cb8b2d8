// Every blocking and streaming constant of the kernels, derived from the cache sizes of the CPU
// that runs them (core/cache_sizes.hpp: read from CPUID or sysconf, with stated fallbacks), so
// they fit the machine at hand rather than the one they were first measured on. Built without
// ISA flags. The proportions were measured on AMD Zen 4 (32 KiB L1d, 1 MiB L2, 32 MiB L3 per
// CCD), Zen 5 (48 KiB L1d) and, for the streaming stores, Zen 3 (512 KiB L2) and, for them and
// backward's channel pieces, Intel Emerald Rapids (48 KiB L1d, 2 MiB L2) with bench/native
// (docs/benchmarks.md); the notes say what each proportion amounts to there.

#include "kernels/tuning.hpp"

#include <algorithm>
#include <atomic>

#include "core/cache_sizes.hpp"
#include "core/tuning_override.hpp"

namespace simdnorm {
namespace detail {

kernels::Tuning derive_tuning(const CacheSizes& c) {
  constexpr std::size_t F = sizeof(float);
  kernels::Tuning t{};
  // A two-pass block must still be in L1 when its second pass reads it: a quarter of L1d leaves
  // room for the other stream (dy) and the stack. 2048 floats (8 KiB) on 32 KiB and 48 KiB L1d;
  // never above kMaxBlockFloats (the error bound), never below 256 floats (per-block costs).
  t.block_floats = std::clamp<std::size_t>(c.l1d / 4 / F, 256, kernels::kMaxBlockFloats);
  // A tile of rows of the elementwise kernels is re-read by each block of channels: half of L1d.
  // 4096 floats (16 KiB) on Zen 4, 6144 on Zen 5.
  t.row_tile_floats = std::max<std::size_t>(c.l1d / 2 / F, 1024);
  // A reduction tile of rows is read by every channel block of a chunk (grad_sums), or its first
  // rows twice (the moments' shift, then the band's pass): the whole L1d, as a re-read may come
  // from L2 without losing much. 8192 floats (32 KiB) on Zen 4.
  t.reduction_tile_floats = std::max<std::size_t>(c.l1d / F, 2048);
  // Per-channel tables of wide rows (up to 6 floats a channel) take at most the whole L1d: a
  // whole row of 1024 channels on 32 KiB and 48 KiB, 640 on 16 KiB. The tables stay in L1/L2
  // while the rows stream past them, and every chunk beyond the first walks the tensor again,
  // reading part of every row. Measured on Zen 5 (48 KiB L1d), NHWC C = 1024 N = 8, one walk
  // (1024) against two (512): inference 28×28 520 → 430–440 µs, 7×7 25 → 22–23 µs, NC 940 → 790–
  // 840 ns; backward 28×28 2.2–2.5 → 1.95–2.1 ms.
  t.row_chunk = std::clamp<std::size_t>(c.l1d / (6 * F) / 64 * 64, 64, kernels::kMaxRowChunk);
  if (c.l3_local) {
    // Streaming stores once a call's tensors exceed half the L3 slice of one core complex: beyond
    // it they do not stay cached between calls (a guest shares the slice with its neighbours),
    // and streaming skips the read-for-ownership of every output line while leaving the inputs
    // cached. Measured on Zen 4: streaming NHWC 16×56×56×64 inference (2 × 12.25 MiB) took it from
    // 1.08× to 0.99× oneDNN's time and backward from 1.45× to ≈1.0×, while an 8 MiB tensor's
    // inference (2 × 8 MiB, exactly half) stayed 15 % faster with plain stores. On a Zen 3 guest
    // (32 MiB L3) streaming took 0.70–0.83× the time of plain stores from 16.8 MiB on (backward of
    // 6.125 MiB tensors, inference and training forward of 8.4–10.7 MiB ones), except NCHW
    // 8×1024×14×14 backward, whose runs of 196 floats stream as spans: 1.02–1.12×.
    t.streaming_bytes = c.l3 / 2;
    // On several threads, beyond the whole L3: streaming stores then run into the memory's write
    // bandwidth, while plain stores keep tensors that fit in L3 cached for the next call.
    // Measured on Zen 5 (32 MiB L3), NHWC 16×56×56×64 on 2 threads: inference (2 × 12.25 MiB)
    // took 330 µs streaming and 175–190 µs with plain stores (one thread: 365–390 µs either
    // way); backward (3 × 12.25 MiB, beyond the L3) 600 µs streaming and 650–700 µs with plain
    // stores.
    t.threaded_streaming_bytes = c.l3;
  } else {
    // A socket-wide L3 holds big tensors, but a core's stores beyond its L2 cost about as much
    // as memory's, read-for-ownership included: streaming pays beyond 5/4 of the L2 (2.5 MiB on
    // 2 MiB), where the tensors no longer stay in it between calls. Measured on Intel Xeon
    // (Emerald Rapids, 2 MiB L2, 260 MiB L3), one thread, plain stores → streaming: NCHW S1
    // inference (2 × 8 MiB) 609 → 492 µs, backward 1460 → 1254 µs; 8×64×28×28 inference
    // (2 × 1.5 MiB) 105 → 80 µs; NC 256×1024 backward (3 × 1 MiB) 134 → 106 µs. Its inference
    // (2 × 1 MiB, in the L2) ran 47 µs with plain stores and 52 µs streaming.
    t.streaming_bytes = c.l2 + c.l2 / 4;
    // Split over threads, each core keeps its share in its own L2. Measured on 2 threads only:
    // NC 256×1024 backward (3 MiB) 48–52 µs with plain stores, 61 µs streaming from 2.5 MiB.
    // On more threads the shares are smaller still; the factor 2 is not measured there.
    t.threaded_streaming_bytes = 2 * t.streaming_bytes;
  }
  // The elementwise pass after a reduction starts where the reduction ended, on what it read
  // last, while that is still in the cache, when the reduction's tensors fit in the L3: on Zen 5
  // NHWC 16×56×56×64 backward (x and dy 24.5 MiB) took 1087–1145 µs walking forward and
  // 1029–1057 µs backward, NCHW 32×64×32×32 (16 MiB) 603–654 and 550–562 µs. Far beyond the L3
  // walking backward costs: NCHW 64^4 backward (128 MiB) 7.2–7.5 ms forward, 9.2–9.4 ms backward.
  // On Intel Emerald Rapids (260 MiB L3) it helps as much: 8×64×28×28 backward 237 µs forward,
  // 177 µs backward; S1 backward 1337 and 1302 µs. Towards the L3's size it neither helps nor
  // costs much there: NCHW 64^4 backward (128 MiB read) 13.1–14.0 ms either way, 128×64×64×64
  // (256 MiB) 34.7–35.5 ms forward and 36.4–36.6 ms backward.
  t.reverse_pass_bytes = c.l3;
  // Backward piece by piece (PartitionedKernels::grad_sums_input): each piece's sums, then its dx
  // while its x and dy are in L2, so that they come from beyond it once rather than twice. A
  // piece's x and dy take half the L2. Only from x = 2·L2: nearer the L2's size the reverse walk
  // above already finds most of x and dy there, and the pieces' strided walk costs more than it
  // saves (x of 1.5 MiB took 1.04–1.14× as long piece by piece on Intel Emerald Rapids, from
  // 4.6 MiB 0.86–0.95×: docs/benchmarks.md#backward-by-channel-pieces). Where the L3 is the core
  // complex's own (AMD), re-reading it costs less: there a version with pieces of 16 channels
  // measured no faster on Zen 5, so the two steps stay apart.
  t.channel_piece_floats = std::max<std::size_t>(c.l2 / 4 / F, 256);
  t.channel_pass_bytes = c.l3_local ? std::size_t(-1) : 2 * c.l2;
  return t;
}

namespace {
std::atomic<const kernels::Tuning*> override_tuning{nullptr};
}  // namespace

void set_tuning(const kernels::Tuning* t) {
  override_tuning.store(t, std::memory_order_release);
}

}  // namespace detail

namespace kernels {

const Tuning& tuning() {
  static const Tuning derived = detail::derive_tuning(detail::cache_sizes());
  const Tuning* forced = detail::override_tuning.load(std::memory_order_acquire);
  return forced ? *forced : derived;
}

}  // namespace kernels
}  // namespace simdnorm
