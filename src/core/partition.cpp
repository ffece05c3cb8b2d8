#include "core/partition.hpp"

#include <atomic>

#include "kernels/tuning.hpp"

namespace simdnorm::detail {
namespace {

// 256 KiB (64 Ki floats): where two threads start to pay. Measured with `simdnorm_bench
// --benchmark_filter=^cutover/` (bench/native/thread_ops.cpp: training forward and backward on
// NCHW and NHWC tensors of 32 KiB to 2 MiB, whole on 1 thread against cut in two pieces on 2
// threads; docs/benchmarks.md) on the 2-core AMD EPYC (x86 family 26) VM this project is built
// on, load average 1.5–1.8, with the polling pool (src/core/thread_pool.cpp). At 128 KiB the
// halves lost (bwd NCHW 6.9 against 4.9 µs whole); at 256 KiB they came out even (10 % faster
// to 19 % slower: bwd NCHW 10.0 against 9.3 µs, training forward NHWC 12.3 against 13.7); at
// 512 KiB they won by 1.3–1.6× in all four (bwd NCHW 17.7 against 28.5 µs). So a piece this
// size is the smallest worth a thread of its own: tensors up to it stay whole (S3, 64 KiB:
// exactly the single-threaded kernels), larger ones are cut into pieces of it. On one thread the
// cut costs little (the default pieces within 2 % of whole from 512 KiB to 2 MiB, one case 7 %);
// smaller pieces would cost more: S2's moments on 16 pieces of 64 KiB took 1.9× as long on one
// thread as on its 4 pieces of 256 KiB.
constexpr std::size_t kPieceFloats = std::size_t(64) << 10;

std::atomic<std::size_t> floats_per_piece{kPieceFloats};

// The whole-channels cut only when a piece can hold this many channels, and then in multiples of
// it: the moments kernel sums a group of vector-width channels at once (16 with AVX-512), and
// pieces of fewer leave its groups part empty. S1 (NCHW 32×64×32×32) in pieces of 2 channels took
// 530–725 µs for training forward against 330 µs in one-sample pieces (Zen 5). Backward's cut
// takes pieces of fewer channels too: it re-reads two tensors from the L2, not one, and measured
// faster so with 4 or 5 channels a piece natively (S1, NCHW 8×256×56×56) and 2 in wasm (S1), on
// Intel Emerald Rapids (docs/benchmarks.md#backward-by-channel-pieces).
constexpr std::size_t kMinGroupChannels = 16;

std::size_t ceil_div(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}

}  // namespace

std::size_t piece_floats() {
  return floats_per_piece.load(std::memory_order_relaxed);
}

void set_piece_floats(std::size_t floats) {
  floats_per_piece.store(floats ? floats : kPieceFloats, std::memory_order_relaxed);
}

Partition::Partition(const Shape& s, Cut cut)
    : shape_(s), rows_(s.layout == Layout::ChannelsLast || s.s == 1) {
  const std::size_t piece =
      cut == Cut::channel_pieces ? kernels::tuning().channel_piece_floats : piece_floats();
  total_n_ = rows_ ? s.n * s.s : s.n;
  per_c_ = s.c;
  per_s_ = rows_ ? 1 : s.s;
  per_n_ = total_n_;
  if (s.numel() > piece && s.c > 0) {
    const std::size_t row = rows_ ? s.c : s.c * s.s;  // floats per step of the n axis
    const std::size_t channel = s.n * s.s;            // floats of one channel
    if (cut != Cut::contiguous && !rows_ && channel * kMinGroupChannels <= piece) {
      // As many whole groups of channels as fit, spread evenly over the fewest pieces.
      const std::size_t most = piece / channel / kMinGroupChannels * kMinGroupChannels;
      const std::size_t even = ceil_div(s.c, ceil_div(s.c, most));
      per_c_ = ceil_div(even, kMinGroupChannels) * kMinGroupChannels;
    } else if (cut == Cut::channel_pieces && !rows_ && channel <= piece) {
      per_c_ = ceil_div(s.c, ceil_div(s.c, piece / channel));  // as many as fit, spread evenly
    } else if (row <= piece) {
      per_n_ = piece / row;
    } else if (rows_) {  // rows wider than a piece: one row each (a row is not split)
      per_n_ = 1;
    } else if (per_s_ <= piece) {  // channels-first: one sample's channels
      per_n_ = 1;
      per_c_ = piece / per_s_;
    } else {  // channels-first: one run of S floats
      per_n_ = 1;
      per_c_ = 1;
      per_s_ = piece;
    }
  }
  blocks_n_ = total_n_ ? ceil_div(total_n_, per_n_) : 1;
  blocks_c_ = per_c_ ? ceil_div(s.c, per_c_) : 1;
  blocks_s_ = rows_ ? 1 : ceil_div(s.s, per_s_ ? per_s_ : 1);
  if (blocks_s_ == 0) blocks_s_ = 1;
}

Piece Partition::operator[](std::size_t i) const {
  const std::size_t stride = rows_ ? shape_.c : shape_.c * shape_.s;
  if (size() == 1) return {0, shape_, 0, shape_.c * shape_.s};
  const std::size_t bs = i % blocks_s_, bc = (i / blocks_s_) % blocks_c_,
                    bn = i / (blocks_s_ * blocks_c_);
  const std::size_t n0 = bn * per_n_, n = length(total_n_, per_n_, bn);
  if (rows_) return {n0 * shape_.c, {n, shape_.c, 1, shape_.layout}, 0, stride};
  const std::size_t c0 = bc * per_c_, c = length(shape_.c, per_c_, bc);
  const std::size_t s0 = bs * per_s_, len = length(shape_.s, per_s_, bs);
  return {(n0 * shape_.c + c0) * shape_.s + s0, {n, c, len, Layout::ChannelsFirst}, c0, stride};
}

std::size_t Partition::part_count(std::size_t k) const {
  if (size() == 1) return shape_.per_channel();
  const std::size_t n = length(total_n_, per_n_, k / blocks_s_);
  return rows_ ? n : n * length(shape_.s, per_s_, k % blocks_s_);
}

}  // namespace simdnorm::detail
