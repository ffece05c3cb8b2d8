// Every argument check of the public API (src/core/validate.cpp, functional.cpp, fold.cpp,
// batch_norm.cpp) throws simdnorm::Error (a std::invalid_argument) with the code of its kind and
// the message "simdnorm: <function>: <argument>: expected <what>, got <given>"; a failed call
// changes no state.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <regex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piece_floats.hpp"
#include "simdnorm/simdnorm.hpp"
#include "thread_count.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::BatchNorm;
using simdnorm::ErrorCode;
using simdnorm::FoldSource;
using simdnorm::Gradients;
using simdnorm::NormParams;
using simdnorm::Shape;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs f; it must throw simdnorm::Error of `code`, whose message has the one form and contains
// every part (the function, the argument, what was expected, what was given).
void expect_invalid(ErrorCode code, const std::function<void()>& f,
                    std::initializer_list<std::string_view> parts) {
  static const std::regex form(R"(simdnorm: [A-Za-z_:]+: [A-Za-z_.\[\]0-9]+: expected .+, got .+)");
  std::string all;
  for (std::string_view p : parts) (all += all.empty() ? "" : " | ") += p;
  SCOPED_TRACE("expected a simdnorm::Error mentioning: " + all);
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const simdnorm::Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(int(e.code()), int(code)) << "message: " << message;
    EXPECT_TRUE(std::regex_match(message, form)) << "message not in the one form: " << message;
    for (std::string_view p : parts)
      EXPECT_NE(message.find(p), std::string::npos) << "message: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type, message: " << e.what();
  }
}

// simdnorm::Error is a std::invalid_argument: C++ callers' existing catches keep working.
TEST(Errors, ErrorIsAnInvalidArgument) {
  EXPECT_THROW(BatchNorm(0), std::invalid_argument);
  try {
    BatchNorm bn(2);
    std::vector<float> dy(4), dx(4);
    bn.backward(dy, dx);
    ADD_FAILURE() << "no exception thrown";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::state);
    EXPECT_STREQ(
        e.what(),
        "simdnorm: BatchNorm::backward: dy: expected a forward() before backward(), got none");
  }
}

std::vector<float> floats(std::size_t n, float v = 1.f) {
  return std::vector<float>(n, v);
}

// A writable span of n floats for output arguments of the wrong size (never read).
std::span<float> scratch(std::size_t n) {
  static std::vector<float> buffer(64);
  return std::span<float>(buffer).first(n);
}

TEST(Errors, ConstructorArguments) {
  expect_invalid(ErrorCode::range, [] { BatchNorm bn(0); },
                 {"BatchNorm", "num_features", "at least 1", "got 0"});
  for (auto [eps, got] : std::vector<std::pair<float, std::string>>{{0.f, "got 0"},
                                                                    {-1e-5f, "got -1e-05"},
                                                                    {kNaN, "got nan"},
                                                                    {kInf, "got inf"},
                                                                    {-kInf, "got -inf"}}) {
    expect_invalid(ErrorCode::range, [e = eps] { BatchNorm bn(3, {.eps = e}); },
                   {"BatchNorm", "eps", "expected a finite value > 0", got});
  }
  for (auto [momentum, got] : std::vector<std::pair<float, std::string>>{
           {-0.1f, "got -0.1"}, {1.5f, "got 1.5"}, {kNaN, "got nan"}, {kInf, "got inf"}}) {
    expect_invalid(ErrorCode::range, [m = momentum] { BatchNorm bn(3, {.momentum = m}); },
                   {"BatchNorm", "momentum", "expected a value in [0, 1]", got});
  }
  // The boundaries and nullopt are valid.
  EXPECT_NO_THROW(BatchNorm(3, {.momentum = 0.f}));
  EXPECT_NO_THROW(BatchNorm(3, {.momentum = 1.f}));
  EXPECT_NO_THROW(BatchNorm(3, {.momentum = std::nullopt}));
}

TEST(Errors, ForwardArguments) {
  BatchNorm bn(3);
  const Shape s = Shape::ncl(2, 3, 4);
  std::vector<float> x = floats(24), y = floats(24);
  expect_invalid(ErrorCode::shape, [&] { bn.forward(x, Shape::ncl(2, 4, 3), y); },
                 {"BatchNorm::forward", "shape.c", "expected 3", "num_features", "got 4"});
  expect_invalid(ErrorCode::shape, [&] { bn.forward(x, Shape::ncl(2, 0, 3), y); },
                 {"BatchNorm::forward", "shape.c", "at least 1", "got 0"});
  expect_invalid(ErrorCode::shape, [&] { bn.forward(std::vector<float>(23), s, y); },
                 {"BatchNorm::forward", "x:", "expected 24", "[2, 3, 4] channels-first", "got 23"});
  expect_invalid(ErrorCode::shape, [&] { bn.forward({}, s, y); },
                 {"BatchNorm::forward", "x:", "expected 24", "got 0"});
  expect_invalid(ErrorCode::shape, [&] { bn.forward(x, s, std::span<float>(y).first(20)); },
                 {"BatchNorm::forward", "y:", "expected 24", "got 20"});
  expect_invalid(ErrorCode::shape, [&] { bn.forward(floats(3), Shape::nc(1, 3), scratch(3)); },
                 {"BatchNorm::forward", "x:", "more than 1 value per channel when training",
                  "[1, 3, 1] channels-first"});
  expect_invalid(ErrorCode::shape,
                 [&] { bn.forward(floats(3), Shape::nhwc(1, 1, 1, 3), scratch(3)); },
                 {"more than 1 value per channel when training", "[1, 1, 3] channels-last"});
  const Shape huge{std::numeric_limits<std::size_t>::max() / 2, 3, 5};
  expect_invalid(ErrorCode::shape, [&] { bn.forward(x, huge, y); },
                 {"BatchNorm::forward", "shape", "N·C·S to fit in size_t"});
  // Failed calls left no trace.
  EXPECT_EQ(bn.num_batches_tracked(), 0);
  expect_invalid(ErrorCode::state, [&] { bn.backward(x, y); },
                 {"backward", "forward() before backward()"});

  // One value per channel is fine in eval mode with running statistics, not without them.
  bn.eval();
  std::vector<float> one = floats(3), out = floats(3);
  EXPECT_NO_THROW(bn.forward(one, Shape::nc(1, 3), out));
  BatchNorm untracked(3, {.track_running_stats = false});
  untracked.eval();
  expect_invalid(ErrorCode::shape, [&] { untracked.forward(one, Shape::nc(1, 3), out); },
                 {"more than 1 value per channel when training"});
}

TEST(Errors, BackwardArguments) {
  BatchNorm bn(3);
  expect_invalid(ErrorCode::state, [&] { bn.backward(floats(24), scratch(24)); },
                 {"BatchNorm::backward", "expected a forward() before backward()", "got none"});
  std::vector<float> x(24), y(24);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 5);
  bn.forward(x, Shape::ncl(2, 3, 4), y);
  expect_invalid(
      ErrorCode::shape, [&] { bn.backward(floats(23), scratch(24)); },
      {"BatchNorm::backward", "dy:", "expected 24", "the last forward's shape", "got 23"});
  expect_invalid(ErrorCode::shape, [&] { bn.backward(floats(24), scratch(25)); },
                 {"BatchNorm::backward", "dx:", "expected 24", "got 25"});
}

TEST(Errors, FunctionalForwardArguments) {
  const Shape s = Shape::nhwc(2, 2, 2, 3);  // 24 floats
  std::vector<float> x = floats(24), y = floats(24), m = floats(3), v = floats(3), is = floats(3);
  const std::vector<float> w = floats(3), two = floats(2);
  using simdnorm::batch_moments;
  using simdnorm::forward_inference;
  using simdnorm::forward_training;

  expect_invalid(ErrorCode::shape, [&] { batch_moments(x, Shape::nc(8, 0), m, v); },
                 {"batch_moments", "shape.c", "at least 1", "got 0"});
  expect_invalid(ErrorCode::shape, [&] { batch_moments(floats(25), s, m, v); },
                 {"batch_moments", "x:", "expected 24", "got 25"});
  expect_invalid(ErrorCode::shape, [&] { batch_moments(x, s, scratch(2), v); },
                 {"batch_moments", "mean:", "expected 3", "one per channel", "got 2"});
  expect_invalid(ErrorCode::shape, [&] { batch_moments(x, s, m, scratch(4)); },
                 {"batch_moments", "var:", "expected 3", "got 4"});

  expect_invalid(ErrorCode::shape, [&] { forward_training(x, s, {}, scratch(23), m, is); },
                 {"forward_training", "y:", "expected 24", "got 23"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   forward_training(x, s, {two, {}}, y, m, is);
                 },
                 {"forward_training", "params.weight", "expected 3", "or none", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   forward_training(x, s, {{}, two}, y, m, is);
                 },
                 {"forward_training", "params.bias", "expected 3", "got 2"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   forward_training(x, s, {w, w, 0.f}, y, m, is);
                 },
                 {"forward_training", "eps", "finite value > 0", "got 0"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   forward_training(x, s, {w, w, kNaN}, y, m, is);
                 },
                 {"forward_training", "eps", "got nan"});
  expect_invalid(ErrorCode::shape, [&] { forward_training(x, s, {}, y, scratch(2), is); },
                 {"forward_training", "save_mean", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape, [&] { forward_training(x, s, {}, y, m, scratch(0)); },
                 {"forward_training", "save_invstd", "expected 3", "got 0"});
  expect_invalid(ErrorCode::shape, [&] { forward_training(x, s, {}, y, m, is, scratch(2)); },
                 {"forward_training", "batch_var", "expected 3", "or none", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] { forward_training(floats(3), Shape::nc(1, 3), {}, scratch(3), m, is); },
                 {"forward_training", "more than 1 value per channel when training"});

  expect_invalid(ErrorCode::shape, [&] { forward_inference(x, s, {}, floats(2), v, y); },
                 {"forward_inference", "running_mean", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape, [&] { forward_inference(x, s, {}, m, floats(4), y); },
                 {"forward_inference", "running_var", "expected 3", "got 4"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   forward_inference(x, s, {{}, {}, -kInf}, m, v, y);
                 },
                 {"forward_inference", "eps", "got -inf"});
  expect_invalid(ErrorCode::shape, [&] { forward_inference(x, s, {}, m, v, scratch(0)); },
                 {"forward_inference", "y:", "expected 24", "got 0"});
  // Inference needs no batch statistics: one value per channel is fine.
  std::vector<float> one = floats(3);
  EXPECT_NO_THROW(forward_inference(one, Shape::nc(1, 3), {}, m, v, one));
}

TEST(Errors, RunningStatsArguments) {
  std::vector<float> rm = floats(3), rv = floats(3);
  const std::vector<float> bm = floats(3), bv = floats(3);
  using simdnorm::update_running_stats;
  expect_invalid(ErrorCode::shape, [&] { update_running_stats(bm, floats(2), 10, 0.1f, rm, rv); },
                 {"update_running_stats", "batch_var", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape, [&] { update_running_stats(bm, bv, 10, 0.1f, scratch(4), rv); },
                 {"update_running_stats", "running_mean", "expected 3", "got 4"});
  expect_invalid(ErrorCode::shape, [&] { update_running_stats(bm, bv, 10, 0.1f, rm, scratch(1)); },
                 {"update_running_stats", "running_var", "expected 3", "got 1"});
  expect_invalid(ErrorCode::range, [&] { update_running_stats(bm, bv, 10, -0.5f, rm, rv); },
                 {"update_running_stats", "momentum", "[0, 1]", "got -0.5"});
  expect_invalid(ErrorCode::range, [&] { update_running_stats(bm, bv, 10, kNaN, rm, rv); },
                 {"update_running_stats", "momentum", "got nan"});
  expect_invalid(ErrorCode::shape, [&] { update_running_stats(bm, bv, 1, 0.1f, rm, rv); },
                 {"update_running_stats", "count", "at least 2", "got 1"});
  EXPECT_EQ(rm, floats(3));  // untouched by the failed calls
}

TEST(Errors, FunctionalBackwardArguments) {
  const Shape s = Shape::ncl(2, 3, 4);
  const std::vector<float> dy = floats(24), x = floats(24), m = floats(3), is = floats(3);
  std::vector<float> dx = floats(24), dw = floats(3), db = floats(3);
  using simdnorm::backward_inference;
  using simdnorm::backward_training;
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(floats(23), x, s, {}, m, is, {dx, dw, db});
                 },
                 {"backward_training", "dy:", "expected 24", "got 23"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, floats(0), s, {}, m, is, {dx, dw, db});
                 },
                 {"backward_training", "x:", "expected 24", "got 0"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {}, floats(2), is, {dx, dw, db});
                 },
                 {"backward_training", "save_mean", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {}, m, floats(4), {dx, dw, db});
                 },
                 {"backward_training", "save_invstd", "expected 3", "got 4"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {}, m, is, {dx, scratch(2), db});
                 },
                 {"backward_training", "grads.dweight", "expected 3", "or none", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {}, m, is, {dx, dw, scratch(5)});
                 },
                 {"backward_training", "grads.dbias", "expected 3", "got 5"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {}, m, is, {scratch(12), dw, db});
                 },
                 {"backward_training", "grads.dx", "expected 24", "got 12"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, s, {floats(1), {}}, m, is, {dx, dw, db});
                 },
                 {"backward_training", "params.weight", "got 1"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_training(dy, x, Shape::ncl(2, 0, 4), {}, m, is, {dx, dw, db});
                 },
                 {"backward_training", "shape.c", "got 0"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_inference(dy, x, s, {}, floats(2), is, {dx, dw, db});
                 },
                 {"backward_inference", "running_mean", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_inference(dy, x, s, {}, m, floats(2), {dx, dw, db});
                 },
                 {"backward_inference", "running_var", "expected 3", "got 2"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   backward_inference(dy, x, s, {{}, {}, 0.f}, m, is, {dx, dw, db});
                 },
                 {"backward_inference", "eps", "got 0"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   backward_inference(dy, x, s, {}, m, is, {scratch(25), dw, db});
                 },
                 {"backward_inference", "grads.dx", "expected 24", "got 25"});
  EXPECT_EQ(dw, floats(3));  // untouched by the failed calls
}

// In place (output == input) is allowed; an output that overlaps an input only in part is not:
// the kernels would read values they already overwrote.
TEST(Errors, PartialOverlapOfOutputAndInput) {
  const Shape s = Shape::ncl(2, 3, 4);  // 24 floats
  std::vector<float> buf = floats(25), m = floats(3), v = floats(3), is = floats(3);
  const std::span<float> x = std::span<float>(buf).first(24),
                         shifted = std::span<float>(buf).last(24);
  expect_invalid(ErrorCode::range, [&] { simdnorm::forward_training(x, s, {}, shifted, m, is); },
                 {"forward_training", "y:", "the same span as x or memory apart from it",
                  "got a partial overlap"});
  expect_invalid(ErrorCode::range, [&] { simdnorm::forward_inference(x, s, {}, m, v, shifted); },
                 {"forward_inference", "y:", "partial overlap"});
  std::vector<float> dy = floats(24), dw = floats(3);
  expect_invalid(ErrorCode::range,
                 [&] {
                   simdnorm::backward_training(dy, x, s, {}, m, is, {shifted, dw, {}});
                 },
                 {"backward_training", "grads.dx:", "the same span as x", "partial overlap"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   simdnorm::backward_inference(x, dy, s, {}, m, v, {shifted, dw, {}});
                 },
                 {"backward_inference", "grads.dx:", "the same span as dy", "partial overlap"});
  EXPECT_EQ(buf, floats(25));  // nothing written
  EXPECT_EQ(dw, floats(3));
  // Exactly in place is fine.
  EXPECT_NO_THROW(simdnorm::forward_training(x, s, {}, x, m, is));
  EXPECT_NO_THROW(simdnorm::backward_training(dy, x, s, {}, m, is, {x, dw, {}}));
}

// The module checks overlaps on the whole tensors before its ghost batches run on the pool, where
// a throw would end the process and dx one ghost batch off dy would pass every ghost batch's check.
TEST(Errors, GhostBatchesOnThePoolRefuseOverlapsWhole) {
  const Shape s = Shape::ncl(8, 3, 4);  // 96 floats: 4 ghost batches of 24, each one piece of 48
  const PieceFloats pieces(48);
  const ThreadCount threads(2);
  const std::vector<float> x = floats(96), z = floats(96);
  std::vector<float> y(96), buf = floats(120);
  const std::span<float> dy = std::span<float>(buf).first(96),
                         dx = std::span<float>(buf).subspan(24, 96);
  BatchNorm bn(3, {.virtual_batch_size = 2});
  bn.forward(x, s, y);
  expect_invalid(ErrorCode::range, [&] { bn.backward(dy, dx); },
                 {"BatchNorm::backward", "dx:", "the same span as dy", "partial overlap"});
  EXPECT_EQ(buf, floats(120));  // nothing written
  EXPECT_NO_THROW(bn.backward(dy, dy));
  BatchNorm add_relu(3, {.virtual_batch_size = 2});
  add_relu.forward_add_relu(x, z, s, y);
  std::vector<float> grad(96), mask(96);
  expect_invalid(ErrorCode::range, [&] { add_relu.backward_add_relu(dy, grad, grad); },
                 {"BatchNorm::backward_add_relu", "dz:", "memory apart from dx", "overlapping"});
  EXPECT_NO_THROW(add_relu.backward_add_relu(dy, grad, mask));
}

TEST(Errors, FoldArguments) {
  const std::vector<float> w = floats(12), b = floats(3), c3 = floats(3);
  std::vector<float> wo = floats(12), bo = floats(3);
  const FoldSource bn{c3, c3, c3, c3, 1e-5f};
  using simdnorm::fold_into_linear;
  expect_invalid(ErrorCode::shape, [&] { fold_into_linear(w, b, 0, 4, bn, wo, bo); },
                 {"fold_into_linear", "out_features", "at least 1", "got 0"});
  expect_invalid(
      ErrorCode::shape,
      [&] { fold_into_linear(w, b, 3, std::numeric_limits<std::size_t>::max() / 2, bn, wo, bo); },
      {"fold_into_linear", "fan_in", "fit in size_t"});
  expect_invalid(ErrorCode::shape, [&] { fold_into_linear(floats(11), b, 3, 4, bn, wo, bo); },
                 {"fold_into_linear", "weight:", "expected 12", "out_features·fan_in", "got 11"});
  expect_invalid(ErrorCode::shape, [&] { fold_into_linear(w, b, 3, 4, bn, scratch(13), bo); },
                 {"fold_into_linear", "weight_out", "expected 12", "got 13"});
  expect_invalid(ErrorCode::shape, [&] { fold_into_linear(w, floats(2), 3, 4, bn, wo, bo); },
                 {"fold_into_linear", "bias:", "expected 3", "or none", "got 2"});
  expect_invalid(ErrorCode::shape, [&] { fold_into_linear(w, b, 3, 4, bn, wo, scratch(0)); },
                 {"fold_into_linear", "bias_out", "expected 3", "got 0"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   fold_into_linear(w, b, 3, 4, {floats(2), c3, c3, c3}, wo, bo);
                 },
                 {"fold_into_linear", "bn.weight", "expected 3", "got 2"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   fold_into_linear(w, b, 3, 4, {c3, floats(4), c3, c3}, wo, bo);
                 },
                 {"fold_into_linear", "bn.bias", "expected 3", "got 4"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   fold_into_linear(w, b, 3, 4, {c3, c3, floats(0), c3}, wo, bo);
                 },
                 {"fold_into_linear", "bn.running_mean", "expected 3", "got 0"});
  expect_invalid(ErrorCode::shape,
                 [&] {
                   fold_into_linear(w, b, 3, 4, {c3, c3, c3, floats(1)}, wo, bo);
                 },
                 {"fold_into_linear", "bn.running_var", "expected 3", "got 1"});
  expect_invalid(ErrorCode::range,
                 [&] {
                   fold_into_linear(w, b, 3, 4, {c3, c3, c3, c3, kNaN}, wo, bo);
                 },
                 {"fold_into_linear", "bn.eps:", "got nan"});
  EXPECT_EQ(wo, floats(12));  // untouched by the failed calls
}

}  // namespace
}  // namespace simdnorm_test
