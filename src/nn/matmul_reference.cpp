// The matrix products in plain loops with double accumulation: the definition the SIMD kernels
// are tested against, and the "scalar" ISA's implementation.
#include "nn/matmul_kernels.hpp"

namespace simdnorm::nn::kernels {
namespace {

// C[i, j] (+)= Σ_p A(i, p)·B(p, j), A(i, p) = a[i·a_row + p·a_col], B(p, j) = b[p·b_row + j·b_col].
void product(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row,
             std::size_t a_col, const float* b, std::size_t b_row, std::size_t b_col, float* c,
             std::size_t ldc, bool accumulate) {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = accumulate ? c[i * ldc + j] : 0.0;
      for (std::size_t p = 0; p < k; ++p)
        acc += double(a[i * a_row + p * a_col]) * b[p * b_row + j * b_col];
      c[i * ldc + j] = float(acc);
    }
}

void nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  product(m, n, k, a, lda, 1, b, ldb, 1, c, ldc, accumulate);
}
void tn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  product(m, n, k, a, 1, lda, b, ldb, 1, c, ldc, accumulate);
}
void nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  product(m, n, k, a, lda, 1, b, 1, ldb, c, ldc, accumulate);
}

}  // namespace

template <>
MatmulKernels matmul_table<arch::Isa::scalar>() {
  return {arch::name(arch::Isa::scalar), nn, tn, nt};
}

}  // namespace simdnorm::nn::kernels
