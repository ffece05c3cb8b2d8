// BatchNorm::forward_borrowed (the wasm bindings' path): it must give exactly what forward() gives
// (same kernels on the same data, so bit for bit, in training and eval mode, with ghost batches
// and renorm, through backward), refuse a y that overlaps x, and a later forward() must stop
// reading the borrowed buffer. A borrowed x changed before backward must be refused with
// ErrorCode::state, dx and the parameter gradients untouched, on any thread count; an unchanged
// one must pass whatever the thread counts of forward and backward. forward() itself is checked
// against float64 references in module_semantics_test.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "simdnorm/simdnorm.hpp"
#include "thread_count.hpp"

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

// The module configurations whose forward and backward take different paths.
std::vector<simdnorm::Options> configurations() {
  simdnorm::Options ghost, renorm, relu;
  ghost.virtual_batch_size = 2;
  renorm.renorm = simdnorm::Renorm{};
  relu.relu = true;
  return {simdnorm::Options{}, ghost, renorm, relu};
}

Outputs run(bool borrowed, bool training, const Shape& shape,
            const simdnorm::Options& options = {}) {
  BatchNorm bn(shape.c, options);
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

// Small tensors (one piece) and ones of several pieces (the fingerprint is summed over them).
const Shape kShapes[] = {
    Shape{4, 3, 10, Layout::ChannelsFirst}, Shape{6, 7, 6, Layout::ChannelsLast},
    Shape{4, 32, 1100, Layout::ChannelsFirst}, Shape{4, 1100, 40, Layout::ChannelsLast}};

TEST(BorrowedInput, SameResultsAsForward) {
  for (const Shape& shape : kShapes)
    for (const simdnorm::Options& options : configurations())
      for (const bool training : {true, false}) {
        SCOPED_TRACE(to_string(shape) + (training ? " training" : " eval") + ", ghost " +
                     std::to_string(options.virtual_batch_size) + ", renorm " +
                     std::to_string(options.renorm.has_value()) + ", relu " +
                     std::to_string(options.relu));
        const Outputs copied = run(false, training, shape, options);
        const Outputs borrowed = run(true, training, shape, options);
        EXPECT_EQ(borrowed.y, copied.y);
        EXPECT_EQ(borrowed.dx, copied.dx);
        EXPECT_EQ(borrowed.weight_grad, copied.weight_grad);
        EXPECT_EQ(borrowed.bias_grad, copied.bias_grad);
        EXPECT_EQ(borrowed.running_mean, copied.running_mean);
      }
}

// One value of x changed between forward and backward, at its start, middle or end.
TEST(BorrowedInput, ChangedInputIsRefusedBeforeAnythingIsWritten) {
  for (const Shape& shape : kShapes)
    for (const simdnorm::Options& options : configurations())
      for (const bool training : {true, false})
        for (const std::size_t at : {std::size_t(0), shape.numel() / 2, shape.numel() - 1}) {
          SCOPED_TRACE(to_string(shape) + (training ? " training" : " eval") + ", ghost " +
                       std::to_string(options.virtual_batch_size) + ", renorm " +
                       std::to_string(options.renorm.has_value()) + ", x[" + std::to_string(at) +
                       "] changed");
          BatchNorm bn(shape.c, options);
          bn.train(training);
          std::vector<float> x = wave(shape.numel(), 0.f), y(shape.numel());
          const std::vector<float> dy = wave(shape.numel(), 1.f);
          std::vector<float> dx(shape.numel(), 7.f);
          bn.forward_borrowed(x, shape, y);
          bn.backward(dy, dx);
          const std::vector<float> weight_grad(bn.weight_grad().begin(), bn.weight_grad().end());
          const std::vector<float> bias_grad(bn.bias_grad().begin(), bn.bias_grad().end());
          x[at] = std::nextafter(x[at], 10.f);  // the smallest change there is
          std::vector<float> dx_after(shape.numel(), 7.f);
          try {
            bn.backward(dy, dx_after);
            ADD_FAILURE() << "backward accepted a changed x";
          } catch (const simdnorm::Error& e) {
            EXPECT_EQ(e.code(), simdnorm::ErrorCode::state);
            EXPECT_NE(std::string(e.what()).find("x: expected the x of the last forward unchanged"),
                      std::string::npos)
                << e.what();
          }
          EXPECT_EQ(dx_after, std::vector<float>(shape.numel(), 7.f));
          EXPECT_EQ(std::vector<float>(bn.weight_grad().begin(), bn.weight_grad().end()),
                    weight_grad);
          EXPECT_EQ(std::vector<float>(bn.bias_grad().begin(), bn.bias_grad().end()), bias_grad);
          x[at] = std::nextafter(x[at], -10.f);  // back as it was: accepted again
          bn.backward(dy, dx_after);
          EXPECT_EQ(dx_after, dx);
        }
}

// Forward and backward on different thread counts: the fingerprint does not depend on the pieces'
// threads, so an unchanged x passes and a changed one is refused on every pairing.
TEST(BorrowedInput, FingerprintDoesNotDependOnThreads) {
  const Shape shape{8, 64, 700, Layout::ChannelsFirst};
  std::vector<float> x = wave(shape.numel(), 0.f), y(shape.numel()), dx(shape.numel());
  const std::vector<float> dy = wave(shape.numel(), 1.f);
  for (const std::size_t forward_threads : {std::size_t(1), std::size_t(3)})
    for (const std::size_t backward_threads : {std::size_t(1), std::size_t(2), std::size_t(8)}) {
      BatchNorm bn(shape.c);
      {
        const simdnorm_test::ThreadCount threads(forward_threads);
        bn.forward_borrowed(x, shape, y);
      }
      const simdnorm_test::ThreadCount threads(backward_threads);
      EXPECT_NO_THROW(bn.backward(dy, dx)) << forward_threads << " → " << backward_threads;
      x[12345] = -x[12345];
      EXPECT_THROW(bn.backward(dy, dx), simdnorm::Error);
      x[12345] = -x[12345];
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
