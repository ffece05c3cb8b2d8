#include "core/partition.hpp"

#include <atomic>

namespace simdnorm::detail {
namespace {

// 256 KiB (64 Ki floats). Measured with `simdnorm_bench --benchmark_filter=^cutover/`
// (bench/native/thread_ops.cpp: training forward and backward on NCHW and NHWC tensors of 32 KiB
// to 2 MiB, whole on 1 thread against cut in two pieces on 2 threads; docs/benchmarks.md) on the
// 2-core AMD EPYC (x86 family 26) VM this project is built on, shared with other jobs (load ≈ 29):
// the pool's round trip (wake a worker, join it) cost ≈ 12 µs (32 KiB: 7 µs whole, 19 µs in
// halves), and there two threads lost at every size, since the second core was busy. So the
// cut-over is set by that cost rather than by a crossing: a piece must carry ≥ 3–4 round trips of
// work, which training forward and backward reach at 256 KiB (43 and 55 µs on one thread). On an
// idle machine the round trip is shorter and the true cut-over lower; re-measure there. S3 (64 KiB)
// stays whole: exactly the single-threaded kernels.
constexpr std::size_t kPieceFloats = std::size_t(64) << 10;

std::atomic<std::size_t> floats_per_piece{kPieceFloats};

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

Partition::Partition(const Shape& s)
    : shape_(s), rows_(s.layout == Layout::ChannelsLast || s.s == 1) {
  const std::size_t piece = piece_floats();
  total_n_ = rows_ ? s.n * s.s : s.n;
  per_c_ = s.c;
  per_s_ = rows_ ? 1 : s.s;
  per_n_ = total_n_;
  if (s.numel() > piece && s.c > 0) {
    const std::size_t row = rows_ ? s.c : s.c * s.s;  // floats per step of the n axis
    if (row <= piece) {
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
  if (size() == 1) return {0, shape_, 0};
  const std::size_t bs = i % blocks_s_, bc = (i / blocks_s_) % blocks_c_,
                    bn = i / (blocks_s_ * blocks_c_);
  const std::size_t n0 = bn * per_n_, n = length(total_n_, per_n_, bn);
  if (rows_) return {n0 * shape_.c, {n, shape_.c, 1, shape_.layout}, 0};
  const std::size_t c0 = bc * per_c_, c = length(shape_.c, per_c_, bc);
  const std::size_t s0 = bs * per_s_, len = length(shape_.s, per_s_, bs);
  return {(n0 * shape_.c + c0) * shape_.s + s0, {n, c, len, Layout::ChannelsFirst}, c0};
}

std::size_t Partition::part_count(std::size_t k) const {
  if (size() == 1) return shape_.per_channel();
  const std::size_t n = length(total_n_, per_n_, k / blocks_s_);
  return rows_ ? n : n * length(shape_.s, per_s_, k % blocks_s_);
}

}  // namespace simdnorm::detail
