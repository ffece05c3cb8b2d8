// BatchNorm::forward_borrowed (the wasm bindings' path): it must give exactly what forward() gives
// (same kernels on the same data, so bit for bit, in training and eval mode, through backward),
// refuse a y that overlaps x, and a later forward() must stop reading the borrowed buffer.
// forward() itself is checked against float64 references in module_semantics_test.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "simdnorm/simdnorm.hpp"

namespace {

using simdnorm::BatchNorm;
using simdnorm::Layout;
using simdnorm::Shape;

std::vector<float> wave(std::size_t n, float phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 2.f * std::sin(0.37f * float(i) + phase) + 0.5f;
  return v;
}

struct Outputs {
  std::vector<float> y, dx, weight_grad, bias_grad, running_mean;
};

Outputs run(bool borrowed, bool training, const Shape& shape) {
  BatchNorm bn(shape.c);
  bn.train(training);
  const std::vector<float> x = wave(shape.numel(), 0.f), dy = wave(shape.numel(), 1.f);
  Outputs o{std::vector<float>(shape.numel()), std::vector<float>(shape.numel()), {}, {}, {}};
  if (borrowed)
    bn.forward_borrowed(x, shape, o.y);
  else
    bn.forward(x, shape, o.y);
  bn.backward(dy, o.dx);
  o.weight_grad.assign(bn.weight_grad().begin(), bn.weight_grad().end());
  o.bias_grad.assign(bn.bias_grad().begin(), bn.bias_grad().end());
  o.running_mean.assign(bn.running_mean().begin(), bn.running_mean().end());
  return o;
}

TEST(BorrowedInput, SameResultsAsForward) {
  for (const Shape shape :
       {Shape{4, 3, 10, Layout::ChannelsFirst}, Shape{5, 7, 6, Layout::ChannelsLast}})
    for (const bool training : {true, false}) {
      const Outputs copied = run(false, training, shape), borrowed = run(true, training, shape);
      EXPECT_EQ(borrowed.y, copied.y) << "training " << training;
      EXPECT_EQ(borrowed.dx, copied.dx) << "training " << training;
      EXPECT_EQ(borrowed.weight_grad, copied.weight_grad);
      EXPECT_EQ(borrowed.bias_grad, copied.bias_grad);
      EXPECT_EQ(borrowed.running_mean, copied.running_mean);
    }
}

TEST(BorrowedInput, RejectsOverlappingOutput) {
  const Shape shape{2, 2, 4, Layout::ChannelsFirst};
  BatchNorm bn(2);
  std::vector<float> buffer = wave(shape.numel() + 4, 0.f);
  const std::span<float> all(buffer);
  EXPECT_THROW(bn.forward_borrowed(all.first(16), shape, all.first(16)), std::invalid_argument);
  EXPECT_THROW(bn.forward_borrowed(all.first(16), shape, all.subspan(4, 16)),
               std::invalid_argument);
  std::vector<float> y(shape.numel());
  EXPECT_NO_THROW(bn.forward_borrowed(all.first(16), shape, y));
}

// After forward_borrowed, a forward() keeps its own copy again: changing the once-borrowed
// buffer must not change backward's result.
TEST(BorrowedInput, ForwardAfterBorrowedCopiesAgain) {
  const Shape shape{4, 3, 5, Layout::ChannelsFirst};
  const std::vector<float> dy = wave(shape.numel(), 1.f);
  std::vector<float> x = wave(shape.numel(), 0.f), y(shape.numel()), dx(shape.numel());
  std::vector<float> dx_expected(shape.numel());

  BatchNorm reference(3);
  reference.forward(x, shape, y);
  reference.backward(dy, dx_expected);

  BatchNorm bn(3);
  bn.forward_borrowed(x, shape, y);
  bn.forward(x, shape, y);
  for (float& v : x) v = -v * 3.f;
  bn.backward(dy, dx);
  EXPECT_EQ(dx, dx_expected);

  // A copy of a module that copied its input reads its own copy, not the original's.
  BatchNorm copy = bn;
  bn = BatchNorm(3);
  std::vector<float> dx_copy(shape.numel());
  copy.backward(dy, dx_copy);
  EXPECT_EQ(dx_copy, dx_expected);
}

}  // namespace
