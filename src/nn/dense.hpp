#pragma once
// A fully connected layer y = x·W + b on [n, in] row-major batches, with its gradients. Stored
// transposed, Wt = [in, out]; fold() and the tests use to_out_in() for the usual [out, in].

#include <cstddef>
#include <span>
#include <vector>

namespace simdnorm::nn {

class Dense {
 public:
  Dense(std::size_t in, std::size_t out);

  std::size_t in() const { return in_; }
  std::size_t out() const { return out_; }

  // y = x·Wt + b for n rows; x holds n·in floats, y n·out. No allocation.
  void forward(std::span<const float> x, std::size_t n, std::span<float> y) const;
  // From the forward's input x and dy = ∂L/∂y: overwrites weight_grad() and bias_grad(); writes
  // dx = ∂L/∂x when dx is not empty. No allocation.
  void backward(std::span<const float> x, std::span<const float> dy, std::size_t n,
                std::span<float> dx);

  std::span<float> weight_t() { return wt_; }  // [in, out]
  std::span<float> bias() { return b_; }
  std::span<const float> weight_t() const { return wt_; }
  std::span<const float> bias() const { return b_; }
  std::span<const float> weight_t_grad() const { return dwt_; }
  std::span<const float> bias_grad() const { return db_; }
  std::span<float> weight_t_grad() { return dwt_; }
  std::span<float> bias_grad() { return db_; }

  // W as [out, in] (what fold_into_linear and PyTorch use), and back.
  std::vector<float> to_out_in() const;
  void from_out_in(std::span<const float> w);

 private:
  std::size_t in_, out_;
  std::vector<float> wt_, b_, dwt_, db_;
};

}  // namespace simdnorm::nn
