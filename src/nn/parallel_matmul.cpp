#include "nn/parallel_matmul.hpp"

#include "core/parallel.hpp"
#include "simdnorm/threads.hpp"

namespace simdnorm::nn::kernels {

// 2¹⁷ multiply-adds: about 15 µs on one AVX-512 core, several times a pool round trip (waking a
// worker and joining it, measured in docs/cpp-api.md, Threads), so a cut never costs more than
// it gives. Each block gets at least a quarter of that.
const std::size_t kMinParallelMacs = std::size_t(1) << 17;

namespace {

constexpr std::size_t kRowGrid = 4, kColumnGrid = 64;

std::size_t round_up(std::size_t v, std::size_t grid) {
  return (v + grid - 1) / grid * grid;
}

// Calls block(i0, i1, j0, j1) for the blocks of C[m×n], on the pool. One thread gets one block:
// each call repeats per-call work (nt transposes all of B), 15× over on the BN MLP's first
// layer when its 60 rows were cut in fours (634 → 257 µs in wasm).
template <class F>
void for_blocks(std::size_t m, std::size_t n, std::size_t k, F&& block) {
  const std::size_t macs = m * n * k;
  if (macs < kMinParallelMacs || num_threads() == 1) return block(0, m, 0, n);
  const std::size_t blocks = macs / (kMinParallelMacs / 4);
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

}  // namespace

void ParallelMatmul::nn(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
    k_.nn(i1 - i0, j1 - j0, k, a + i0 * lda, lda, b + j0, ldb, c + i0 * ldc + j0, ldc, accumulate);
  });
}

void ParallelMatmul::tn(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
    k_.tn(i1 - i0, j1 - j0, k, a + i0, lda, b + j0, ldb, c + i0 * ldc + j0, ldc, accumulate);
  });
}

void ParallelMatmul::nt(std::size_t m, std::size_t n, std::size_t k, const float* a,
                        std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                        bool accumulate) const {
  for_blocks(m, n, k, [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
    k_.nt(i1 - i0, j1 - j0, k, a + i0 * lda, lda, b + j0 * ldb, ldb, c + i0 * ldc + j0, ldc,
          accumulate);
  });
}

ParallelMatmul active_parallel_matmul() {
  return ParallelMatmul(active_matmul_kernels());
}

}  // namespace simdnorm::nn::kernels
