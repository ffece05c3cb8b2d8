// BatchNorm::forward_borrowed (the wasm bindings' path): it must give exactly what forward() gives
// (same kernels on the same data, so bit for bit, in training and eval mode, through backward),
// refuse a y that overlaps x, and a later forward() or release_input() must stop reading the
// borrowed buffer.
// forward() itself is checked against float64 references in module_semantics_test.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "simdnorm/simdnorm.hpp"

namespace {

using simdnorm::BatchNorm;
using simdnorm::ErrorCode;
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

// release_input(true): backward reads the module's copy, so the caller may change x (the wasm
// wrapper does this before anything writes a borrowed Tensor).
TEST(BorrowedInput, ReleaseKeepsACopy) {
  for (const Shape shape :
       {Shape{4, 3, 10, Layout::ChannelsFirst}, Shape{5, 7, 6, Layout::ChannelsLast}})
    for (const bool training : {true, false}) {
      const Outputs expected = run(false, training, shape);
      BatchNorm bn(shape.c);
      bn.train(training);
      std::vector<float> x = wave(shape.numel(), 0.f), y(shape.numel()), dx(shape.numel());
      bn.forward_borrowed(x, shape, y);
      bn.release_input(true);
      bn.release_input(true);  // nothing borrowed any more: no effect
      for (float& v : x) v = -v * 3.f;
      bn.backward(wave(shape.numel(), 1.f), dx);
      EXPECT_EQ(dx, expected.dx) << "training " << training;
      EXPECT_EQ(std::vector<float>(bn.weight_grad().begin(), bn.weight_grad().end()),
                expected.weight_grad);
    }
}

// release_input(false): the module lets x go and backward says so, until the next forward.
TEST(BorrowedInput, ReleaseWithoutCopyRefusesBackward) {
  const Shape shape{4, 3, 5, Layout::ChannelsFirst};
  const std::vector<float> x = wave(shape.numel(), 0.f), dy = wave(shape.numel(), 1.f);
  std::vector<float> y(shape.numel()), dx(shape.numel());
  BatchNorm bn(3);
  bn.forward_borrowed(x, shape, y);
  bn.release_input(false);
  try {
    bn.backward(dy, dx);
    ADD_FAILURE() << "backward() read a released x";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::state);
    EXPECT_NE(std::string(e.what()).find("release_input(false)"), std::string::npos) << e.what();
  }
  bn.forward_borrowed(x, shape, y);
  EXPECT_NO_THROW(bn.backward(dy, dx));

  // After forward(), which copies x, there is nothing to release.
  std::vector<float> changing = x, dx_expected(shape.numel());
  bn.forward(changing, shape, y);
  bn.backward(dy, dx_expected);
  bn.release_input(false);
  for (float& v : changing) v += 1.f;
  bn.backward(dy, dx);
  EXPECT_EQ(dx, dx_expected);
}

}  // namespace
