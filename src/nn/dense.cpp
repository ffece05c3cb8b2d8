#include "nn/dense.hpp"

#include <cassert>

#include "nn/dense_kernels.hpp"

namespace simdnorm::nn {

Dense::Dense(std::size_t in, std::size_t out)
    : in_(in), out_(out), wt_(in * out), b_(out), dwt_(in * out), db_(out) {}

void Dense::forward(std::span<const float> x, std::size_t n, std::span<float> y) const {
  assert(x.size() >= n * in_ && y.size() >= n * out_);
  kernels::active_dense_kernels().forward(x.data(), n, in_, wt_.data(), b_.data(), out_, y.data());
}

void Dense::backward(std::span<const float> x, std::span<const float> dy, std::size_t n,
                     std::span<float> dx) {
  assert(x.size() >= n * in_ && dy.size() >= n * out_);
  const kernels::DenseKernels& k = kernels::active_dense_kernels();
  k.grad_weight(x.data(), dy.data(), n, in_, out_, dwt_.data(), db_.data());
  if (!dx.empty()) {
    assert(dx.size() >= n * in_);
    k.grad_input(dy.data(), n, out_, wt_.data(), in_, dx.data());
  }
}

std::vector<float> Dense::to_out_in() const {
  std::vector<float> w(in_ * out_);
  for (std::size_t i = 0; i < in_; ++i)
    for (std::size_t o = 0; o < out_; ++o) w[o * in_ + i] = wt_[i * out_ + o];
  return w;
}

void Dense::from_out_in(std::span<const float> w) {
  assert(w.size() == in_ * out_);
  for (std::size_t i = 0; i < in_; ++i)
    for (std::size_t o = 0; o < out_; ++o) wt_[i * out_ + o] = w[o * in_ + i];
}

}  // namespace simdnorm::nn
