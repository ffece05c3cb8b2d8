#include "nn/parallel_matmul.hpp"

#include <algorithm>
#include <limits>

#include "core/parallel.hpp"
#include "simdnorm/threads.hpp"

namespace simdnorm::nn::kernels {

// 2¹⁷ multiply-adds: where cutting starts to pay. Measured with bench/native/engine_ops.cpp's
// cutover/matmul entries (square products as one call on one thread, or in halves of rows on
// two) on a 2-core AMD Zen 3 guest, AVX2, medians of two runs: the halves took 2.2–3.7× as long
// up to 2¹⁵ multiply-adds, 0.76–1.39× at 64 Ki, 0.69–0.71× at 108 Ki, 0.88–0.90× at 256 Ki and
// 0.56–0.73× from 864 Ki (docs/benchmarks.md, Threads). Each block gets at least a quarter of it.
const std::size_t kMinParallelMacs = std::size_t(1) << 17;

namespace {

constexpr std::size_t kRowGrid = 4, kColumnGrid = 64;

std::size_t round_up(std::size_t v, std::size_t grid) {
  return (v + grid - 1) / grid * grid;
}

// Calls block(i0, i1, j0, j1) for at most max_blocks blocks of C[m×n], on the pool.
template <class F>
void for_blocks(std::size_t m, std::size_t n, std::size_t k, std::size_t max_blocks, F&& block) {
  const std::size_t macs = m * n * k;
  const std::size_t blocks = std::min(macs / (kMinParallelMacs / 4), max_blocks);
  if (macs < kMinParallelMacs || blocks < 2) return block(0, m, 0, n);
  if (m >= 2 * kRowGrid) {
    const std::size_t rows = round_up((m + blocks - 1) / blocks, kRowGrid);
    detail::parallel_for((m + rows - 1) / rows, [&](std::size_t t) {
      const std::size_t i0 = t * rows;
      block(i0, m - i0 < rows ? m : i0 + rows, 0, n);
    });
  } else {
    const std::size_t cols = round_up((n + blocks - 1) / blocks, kColumnGrid);
    detail::parallel_for((n + cols - 1) / cols, [&](std::size_t t) {
      const std::size_t j0 = t * cols;
      block(0, m, j0, n - j0 < cols ? n : j0 + cols);
    });
  }
}

// nn and tn: blocks of a few rows balance the threads' shares and cost little each; on one thread
// there is no share to balance. nt: every call transposes all of its B, so one block per thread.
// The BN MLP's first layer cut in fours of its 60 rows transposed its weight 15 times per forward
// (634 µs against 257 µs as one call, wasm on one thread).
std::size_t max_blocks(bool per_call_packing) {
  const std::size_t threads = num_threads();
  return per_call_packing || threads == 1 ? threads : std::numeric_limits<std::size_t>::max();
}

}  // namespace

void ParallelMatmul::nn(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, max_blocks(false),
             [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
               k_.nn(i1 - i0, j1 - j0, k, a + i0 * lda, lda, b + j0, ldb, c + i0 * ldc + j0, ldc,
                     accumulate);
             });
}

void ParallelMatmul::tn(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, max_blocks(false),
             [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
               k_.tn(i1 - i0, j1 - j0, k, a + i0, lda, b + j0, ldb, c + i0 * ldc + j0, ldc,
                     accumulate);
             });
}

void ParallelMatmul::nt(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, max_blocks(true),
             [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
               k_.nt(i1 - i0, j1 - j0, k, a + i0 * lda, lda, b + j0 * ldb, ldb, c + i0 * ldc + j0,
                     ldc, accumulate);
             });
}

ParallelMatmul active_parallel_matmul() {
  return ParallelMatmul(active_matmul_kernels());
}

}  // namespace simdnorm::nn::kernels
