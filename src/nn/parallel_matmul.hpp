#pragma once
// The matmul kernels on the thread pool (src/core/parallel.hpp): the output C is cut into blocks
// of rows (of columns when C has few rows) and each block is one kernel call. Every element of C
// is a sum along k that no cut divides, and the cuts lie on the kernels' tile grid (rows in
// fours, columns in 64s), so each element goes through the same tile code as without the cut:
// the same bits for any thread count. Products below kMinParallelMacs stay one call.

#include <cstddef>

#include "nn/matmul_kernels.hpp"

namespace simdnorm::nn::kernels {

// Multiply-adds below which a product runs on the calling thread alone (src/nn/parallel_matmul.cpp
// says how it was chosen).
extern const std::size_t kMinParallelMacs;

class ParallelMatmul {
 public:
  explicit ParallelMatmul(const MatmulKernels& k) : k_(k) {}

  // As MatmulKernels::nn, tn, nt.
  void nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) const;
  void tn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) const;
  void nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) const;

 private:
  const MatmulKernels& k_;
};

// The active ISA's matmul kernels (active_matmul_kernels()) on the pool.
ParallelMatmul active_parallel_matmul();

}  // namespace simdnorm::nn::kernels
