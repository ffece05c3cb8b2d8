#include "core/partition.hpp"

#include <atomic>

namespace simdnorm::detail {
namespace {

// 128 KiB. Measured with `simdnorm_bench --benchmark_filter=threads_cutover` (bench/native/
// thread_ops.cpp: training forward and backward, both layouts, tensors of 16 KiB to 4 MiB split
// into pieces of the tensor's size / 2, on 1 and 2 threads) on the 2-core Zen 4 machine this
// project is built on, shared with other jobs: two threads first beat one at ... (see
// docs/cpp-api.md, Threads). Pieces of this size also keep the per-piece cost (a kernel call
// and a merge of C values) under 1 % of the piece's own time.
constexpr std::size_t kPieceFloats = std::size_t(32) << 10;

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
    } else if (per_s_ <= piece) {  // channels-first: one sample's channels
      per_n_ = 1;
      per_c_ = piece / per_s_;
    } else if (!rows_) {  // channels-first: one run of S floats
      per_n_ = 1;
      per_c_ = 1;
      per_s_ = piece;
    } else {  // rows wider than a piece: one row each (channels-last rows are not split)
      per_n_ = 1;
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
