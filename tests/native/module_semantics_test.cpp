// The BatchNorm module's PyTorch semantics, computed independently in double here: running
// statistics over several steps (momentum 0.1, 0, 1 and nullopt = cumulative average),
// num_batches_tracked, eval mode with running statistics, track_running_stats = false, affine =
// false, parameter gradients overwritten rather than accumulated, backward in eval mode,
// forward_no_grad.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::BatchNorm;
using simdnorm::Options;

std::vector<double> magnitudes_of(const std::vector<double>& v) {
  std::vector<double> m(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) m[i] = std::abs(v[i]);
  return m;
}

// Running statistics of PyTorch's update rule, in double, after each batch in `batches`.
struct RunningStats64 {
  std::vector<double> mean, var;
  std::int64_t batches = 0;

  explicit RunningStats64(std::size_t c) : mean(c, 0.0), var(c, 1.0) {}

  void update(std::span<const float> x, const Shape& s, std::optional<double> momentum) {
    const Moments64 m = moments64(x, s);
    ++batches;
    const double mom = momentum ? *momentum : 1.0 / double(batches);
    const double count = double(s.per_channel());
    for (std::size_t c = 0; c < s.c; ++c) {
      mean[c] = (1 - mom) * mean[c] + mom * m.mean[c];
      var[c] = (1 - mom) * var[c] + mom * m.var[c] * count / (count - 1);  // unbiased
    }
  }
};

// The running statistics come from a few float updates of float batch moments: each step adds
// ~kRelTol of relative error at most (tolerance.hpp) and the update is a convex combination, so
// the error stays ≤ kRelTol·(|mean| + batch scale); var likewise relative to itself.
void expect_running_stats(const BatchNorm& bn, const RunningStats64& expected,
                          const std::vector<double>& mean_scale) {
  EXPECT_EQ(bn.num_batches_tracked(), expected.batches);
  EXPECT_TRUE(all_close("running_mean", bn.running_mean(), expected.mean, mean_scale));
  EXPECT_TRUE(
      all_close("running_var", bn.running_var(), expected.var, magnitudes_of(expected.var)));
}

class ModuleSemantics : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }

 private:
  IsaScope restore_;
};

TEST_P(ModuleSemantics, RunningStatsWithMomentum) {
  for (const Shape& s : {Shape::nchw(4, 3, 2, 3), Shape::nhwc(3, 2, 3, 5), Shape::nc(9, 6)}) {
    for (std::optional<float> momentum : {std::optional<float>(0.1f), std::optional<float>(0.f),
                                          std::optional<float>(1.f), std::optional<float>()}) {
      SCOPED_TRACE(to_string(s) + " momentum=" +
                   (momentum ? std::to_string(*momentum) : std::string("nullopt (cumulative)")));
      RandomBatch rnd(7);
      BatchNorm bn(s.c, {.momentum = momentum});
      RunningStats64 expected(s.c);
      std::vector<double> mean_scale(s.c, 0.0);
      std::vector<float> y(s.numel());
      for (int step = 0; step < 5; ++step) {
        const std::vector<float> x = rnd.input(s);
        bn.forward(x, s, y);
        expected.update(x, s, momentum ? std::optional<double>(*momentum) : std::nullopt);
        const Moments64 m = moments64(x, s);
        for (std::size_t c = 0; c < s.c; ++c)
          mean_scale[c] = std::max(mean_scale[c], m.mean_abs[c]);
        expect_running_stats(bn, expected, mean_scale);
      }
      // Eval forwards neither update the statistics nor count batches.
      bn.eval();
      bn.forward(rnd.input(s), s, y);
      expect_running_stats(bn, expected, mean_scale);
    }
  }
}

TEST_P(ModuleSemantics, EvalUsesRunningStats) {
  const Shape s = Shape::nchw(2, 4, 3, 3);
  RandomBatch rnd(8);
  BatchNorm bn(4, {.eps = 1e-3f});
  const std::vector<float> w = rnd.weight(4), b = rnd.uniform_vector(4, -1, 1);
  std::copy(w.begin(), w.end(), bn.weight().begin());
  std::copy(b.begin(), b.end(), bn.bias().begin());
  std::vector<float> y(s.numel());
  for (int step = 0; step < 3; ++step) bn.forward(rnd.input(s), s, y);
  bn.eval();
  EXPECT_FALSE(bn.training());
  const std::vector<float> x = rnd.input(s);
  bn.forward(x, s, y);
  const std::vector<double> rm(bn.running_mean().begin(), bn.running_mean().end());
  const std::vector<double> rv(bn.running_var().begin(), bn.running_var().end());
  const Forward64 expected =
      forward64(x, s, channel64(rm, invstd_from_var(rv, 1e-3f), w, b), false);
  EXPECT_TRUE(all_close("eval y", y, expected.y, expected.magnitude));

  // Back in training mode, batch statistics again.
  bn.train();
  bn.forward(x, s, y);
  const Moments64 m = moments64(x, s);
  const Forward64 train =
      forward64(x, s, channel64(m.mean, invstd_from_var(m.var, 1e-3f), w, b), false, m.mean_abs);
  EXPECT_TRUE(all_close("train y", y, train.y, train.magnitude));
}

TEST_P(ModuleSemantics, WithoutRunningStatsEvalUsesBatchStats) {
  const Shape s = Shape::nhwc(2, 3, 3, 5);
  RandomBatch rnd(9);
  BatchNorm bn(5, {.track_running_stats = false});
  EXPECT_TRUE(bn.running_mean().empty());
  EXPECT_TRUE(bn.running_var().empty());
  const std::vector<float> x = rnd.input(s);
  std::vector<float> y_train(s.numel()), y_eval(s.numel());
  bn.forward(x, s, y_train);
  bn.eval();
  bn.forward(x, s, y_eval);
  EXPECT_EQ(bn.num_batches_tracked(), 0);
  const Moments64 m = moments64(x, s);
  const Forward64 expected =
      forward64(x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5f), {}, {}), false, m.mean_abs);
  EXPECT_TRUE(all_close("train y", y_train, expected.y, expected.magnitude));
  EXPECT_TRUE(all_close("eval y", y_eval, expected.y, expected.magnitude));

  // Backward in eval mode is the training-mode backward here (the statistics depend on x).
  const std::vector<float> dy = rnd.normal(s.numel());
  std::vector<float> dx(s.numel());
  bn.backward(dy, dx);
  const Backward64 g =
      backward64(dy, x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5f), {}, {}), false, true);
  EXPECT_TRUE(all_close("eval dx", dx, g.dx, g.dx_magnitude));
}

TEST_P(ModuleSemantics, AffineFalse) {
  const Shape s = Shape::ncl(3, 4, 6);
  RandomBatch rnd(10);
  BatchNorm bn(4, {.affine = false});
  EXPECT_TRUE(bn.weight().empty());
  EXPECT_TRUE(bn.bias().empty());
  const std::vector<float> x = rnd.input(s), dy = rnd.normal(s.numel());
  std::vector<float> y(s.numel()), dx(s.numel());
  bn.forward(x, s, y);
  const Moments64 m = moments64(x, s);
  const Channel64 k = channel64(m.mean, invstd_from_var(m.var, 1e-5f), {}, {});
  const Forward64 expected = forward64(x, s, k, false, m.mean_abs);
  EXPECT_TRUE(all_close("y", y, expected.y, expected.magnitude));
  bn.backward(dy, dx);
  const Backward64 g = backward64(dy, x, s, k, false, true);
  EXPECT_TRUE(all_close("dx", dx, g.dx, g.dx_magnitude));
  EXPECT_TRUE(bn.weight_grad().empty());
  EXPECT_TRUE(bn.bias_grad().empty());
}

TEST_P(ModuleSemantics, ParameterGradsAreOverwrittenNotAccumulated) {
  const Shape s = Shape::nchw(2, 3, 2, 2);
  RandomBatch rnd(11);
  BatchNorm bn(3);
  const std::vector<float> x = rnd.input(s), dy = rnd.normal(s.numel());
  std::vector<float> y(s.numel()), dx(s.numel());
  bn.forward(x, s, y);
  bn.backward(dy, dx);
  const std::vector<float> dw1(bn.weight_grad().begin(), bn.weight_grad().end());
  const std::vector<float> db1(bn.bias_grad().begin(), bn.bias_grad().end());
  bn.backward(dy, dx);  // same gradients again: equal, not doubled
  EXPECT_EQ(std::vector<float>(bn.weight_grad().begin(), bn.weight_grad().end()), dw1);
  EXPECT_EQ(std::vector<float>(bn.bias_grad().begin(), bn.bias_grad().end()), db1);

  const Moments64 m = moments64(x, s);
  const Backward64 g =
      backward64(dy, x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5f), {}, {}), false, true);
  EXPECT_TRUE(all_close("dweight", bn.weight_grad(), g.dgamma, g.dgamma_magnitude));
  EXPECT_TRUE(all_close("dbias", bn.bias_grad(), g.dbeta, g.dbeta_magnitude));
}

TEST_P(ModuleSemantics, BackwardInEvalModeTreatsStatsAsConstants) {
  for (bool relu : {false, true}) {
    SCOPED_TRACE("relu=" + std::to_string(relu));
    const Shape s = Shape::nhwc(2, 2, 3, 7);
    RandomBatch rnd(12);
    BatchNorm bn(7, {.relu = relu});
    const std::vector<float> w = rnd.weight(7), b = rnd.uniform_vector(7, -0.5, 0.5);
    std::copy(w.begin(), w.end(), bn.weight().begin());
    std::copy(b.begin(), b.end(), bn.bias().begin());
    const std::vector<float> rm = rnd.uniform_vector(7, -1, 1), rv = rnd.uniform_vector(7, 0.5, 2);
    std::copy(rm.begin(), rm.end(), bn.running_mean().begin());
    std::copy(rv.begin(), rv.end(), bn.running_var().begin());
    bn.eval();
    std::vector<float> x = rnd.input(s);
    const Channel64 k =
        channel64(std::vector<double>(rm.begin(), rm.end()),
                  invstd_from_var(std::vector<double>(rv.begin(), rv.end()), 1e-5f), w, b);
    auto pre = [&](std::size_t j, float v) {
      const std::size_t c = channel_of(s, j);
      return (v - k.mean[c]) * k.invstd[c] * k.gamma[c] + k.beta[c];
    };
    ASSERT_TRUE(move_off_relu_kink(x, {pre}, 1e-3, 2e-3));
    const std::vector<float> dy = rnd.normal(s.numel());
    std::vector<float> y(s.numel()), dx(s.numel());
    bn.forward(x, s, y);
    bn.backward(dy, dx);
    const Backward64 g = backward64(dy, x, s, k, relu, false);
    EXPECT_TRUE(all_close("dx", dx, g.dx, g.dx_magnitude));
    EXPECT_TRUE(all_close("dweight", bn.weight_grad(), g.dgamma, g.dgamma_magnitude));
    EXPECT_TRUE(all_close("dbias", bn.bias_grad(), g.dbeta, g.dbeta_magnitude));
    EXPECT_EQ(bn.num_batches_tracked(), 0);
  }
}

TEST_P(ModuleSemantics, InPlaceForwardAndBackward) {
  const Shape s = Shape::nchw(3, 5, 2, 3);
  RandomBatch rnd(13);
  const std::vector<float> x = rnd.input(s), dy = rnd.normal(s.numel());
  BatchNorm a(5, {.relu = true}), b(5, {.relu = true});
  std::vector<float> y(s.numel()), dx(s.numel());
  a.forward(x, s, y);
  a.backward(dy, dx);
  std::vector<float> buf = x;
  b.forward(buf, s, buf);  // y aliases x: the module keeps its own copy of x for backward
  EXPECT_EQ(buf, y);
  buf = dy;
  b.backward(buf, buf);
  EXPECT_EQ(buf, dx);
}

// forward() writes its copy of x from the normalize pass's loads (kernels/normalize.hpp): the
// copy must be x as it was, whether y is apart from x, x itself, or overlaps it shifted (then
// x is copied first). Backward reads only that copy; its gradients are checked against float64
// on the original x, in both modes (in eval mode dweight is what depends on x), in every walk:
// channels-first runs with tails, rows of channels with a partial vector, wide rows.
TEST_P(ModuleSemantics, BackwardReadsTheOriginalXWhateverYAliases) {
  enum class Y { apart, in_place, shifted_after, shifted_before };
  for (const Shape& s : {Shape::ncl(3, 5, 37), Shape::nlc(3, 11, 21), Shape::nlc(2, 5, 70)}) {
    for (const bool training : {true, false}) {
      for (const Y where : {Y::apart, Y::in_place, Y::shifted_after, Y::shifted_before}) {
        SCOPED_TRACE(simdnorm::to_string(s) + (training ? " training" : " eval") + " y " +
                     std::to_string(int(where)));
        RandomBatch rnd(unsigned(s.numel()));
        const std::vector<float> x = rnd.input(s), dy = rnd.normal(s.numel());
        const std::vector<float> w = rnd.weight(s.c), b = rnd.uniform_vector(s.c, -0.5, 0.5);
        BatchNorm bn(s.c);
        std::copy(w.begin(), w.end(), bn.weight().begin());
        std::copy(b.begin(), b.end(), bn.bias().begin());
        bn.train(training);
        const std::size_t m = s.numel();
        std::vector<float> buf(2 * m + 1), dx(m);
        const std::size_t x_at = where == Y::shifted_before ? 1 : 0;
        const std::size_t y_at = where == Y::apart           ? m + 1
                                 : where == Y::in_place      ? 0
                                 : where == Y::shifted_after ? 1
                                                             : 0;
        std::copy(x.begin(), x.end(), buf.begin() + std::ptrdiff_t(x_at));
        bn.forward(std::span(buf).subspan(x_at, m), s, std::span(buf).subspan(y_at, m));
        bn.backward(dy, dx);

        const Moments64 mo = moments64(x, s);
        const Channel64 k =
            training ? channel64(mo.mean, invstd_from_var(mo.var, 1e-5), w, b)
                     : channel64(std::vector<double>(s.c, 0.0),
                                 invstd_from_var(std::vector<double>(s.c, 1.0), 1e-5), w, b);
        // The statistics are float computations in training only (forward64).
        const std::span<const double> mean_scale =
            training ? std::span<const double>(mo.mean_abs) : std::span<const double>();
        const Forward64 f = forward64(x, s, k, false, mean_scale);
        // Doubled in training, as gradients_test.cpp argues: the kernels run on float statistics.
        const double tol = training ? 2 * kRelTol : kRelTol;
        EXPECT_TRUE(
            all_close("y", std::span<const float>(buf).subspan(y_at, m), f.y, f.magnitude, tol));
        const Backward64 g = backward64(dy, x, s, k, false, training, mean_scale);
        EXPECT_TRUE(all_close("dx", dx, g.dx, g.dx_magnitude, tol));
        EXPECT_TRUE(all_close("dweight", bn.weight_grad(), g.dgamma, g.dgamma_magnitude, tol));
        EXPECT_TRUE(all_close("dbias", bn.bias_grad(), g.dbeta, g.dbeta_magnitude, tol));
      }
    }
  }
}

// forward_no_grad: the same normalization and running-statistics update as forward (float64
// here), in both modes, apart or in place, and nothing kept: backward refuses to run, in a copy
// of the module too, until a forward that keeps x.
TEST_P(ModuleSemantics, NoGradForwardNormalizesAndKeepsNothing) {
  for (const Shape& s : {Shape::ncl(3, 5, 37), Shape::nlc(3, 11, 21), Shape::nc(9, 6)}) {
    for (const bool in_place : {false, true}) {
      SCOPED_TRACE(simdnorm::to_string(s) + (in_place ? " in place" : " apart"));
      RandomBatch rnd(unsigned(s.numel()) + 3);
      const std::vector<float> w = rnd.weight(s.c), b = rnd.uniform_vector(s.c, -0.5, 0.5);
      BatchNorm bn(s.c);
      std::copy(w.begin(), w.end(), bn.weight().begin());
      std::copy(b.begin(), b.end(), bn.bias().begin());
      RunningStats64 expected(s.c);
      std::vector<double> mean_scale(s.c, 0.0);
      std::vector<float> y(s.numel());
      for (int step = 0; step < 3; ++step) {
        const std::vector<float> x = rnd.input(s);
        std::vector<float> buf = x;
        bn.forward_no_grad(buf, s, in_place ? std::span<float>(buf) : std::span<float>(y));
        const std::span<const float> out = in_place ? buf : y;
        const Moments64 m = moments64(x, s);
        expected.update(x, s, 0.1);
        for (std::size_t c = 0; c < s.c; ++c)
          mean_scale[c] = std::max(mean_scale[c], m.mean_abs[c]);
        const Forward64 f = forward64(x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5), w, b),
                                      false, m.mean_abs);
        EXPECT_TRUE(all_close("train y", out, f.y, f.magnitude, 2 * kRelTol));
        expect_running_stats(bn, expected, mean_scale);
      }
      bn.eval();
      const std::vector<float> x = rnd.input(s);
      std::vector<float> buf = x;
      bn.forward_no_grad(buf, s, in_place ? std::span<float>(buf) : std::span<float>(y));
      const std::vector<double> rm(bn.running_mean().begin(), bn.running_mean().end());
      const std::vector<double> rv(bn.running_var().begin(), bn.running_var().end());
      const Forward64 f = forward64(x, s, channel64(rm, invstd_from_var(rv, 1e-5), w, b), false);
      EXPECT_TRUE(all_close("eval y", in_place ? buf : y, f.y, f.magnitude));
      expect_running_stats(bn, expected, mean_scale);

      std::vector<float> dy = rnd.normal(s.numel()), dx(s.numel());
      // backward_add_relu is refused too, naming the forward it found.
      const auto refused = [&](BatchNorm& module, bool add_relu = false,
                               std::string_view found = "forward_no_grad") {
        try {
          if (add_relu) {
            module.backward_add_relu(dy, dx, {});
          } else {
            module.backward(dy, dx);
          }
        } catch (const simdnorm::Error& e) {
          return e.code() == simdnorm::ErrorCode::state &&
                 std::string(e.what()).find(found) != std::string::npos;
        }
        return false;
      };
      BatchNorm copy = bn;
      EXPECT_TRUE(refused(bn));
      EXPECT_TRUE(refused(copy));
      bn.forward(x, s, y);  // keeps x again
      EXPECT_TRUE(refused(bn, true, "got forward()"));
      bn.forward_borrowed(x, s, y);
      EXPECT_TRUE(refused(bn, true, "got forward()"));
      bn.forward(x, s, y);
      bn.backward(dy, dx);
      const Backward64 g =
          backward64(dy, x, s, channel64(rm, invstd_from_var(rv, 1e-5), w, b), false, false);
      EXPECT_TRUE(all_close("dx", dx, g.dx, g.dx_magnitude));
      // And once more after a forward that did keep x.
      bn.forward_no_grad(x, s, y);
      EXPECT_TRUE(refused(bn));
      EXPECT_TRUE(refused(bn, true));
    }
  }
}

TEST_P(ModuleSemantics, NoGradForwardRefusesAShiftedOverlap) {
  const Shape s = Shape::ncl(2, 3, 5);
  BatchNorm bn(3);
  std::vector<float> buf(s.numel() + 1, 1.f);
  buf[2] = 3.f;
  const std::span<float> x = std::span(buf).first(s.numel()), y = std::span(buf).subspan(1);
  try {
    bn.forward_no_grad(x, s, y);
    ADD_FAILURE() << "no error";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), simdnorm::ErrorCode::range) << e.what();
    EXPECT_NE(std::string(e.what()).find("forward_no_grad"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bn.num_batches_tracked(), 0);
}

TEST_P(ModuleSemantics, EmptyBatchIsANoOp) {
  BatchNorm bn(3);
  std::vector<float> empty;
  bn.forward(empty, Shape::nchw(0, 3, 4, 4), empty);
  EXPECT_EQ(bn.num_batches_tracked(), 0);
  EXPECT_EQ(std::vector<float>(bn.running_mean().begin(), bn.running_mean().end()),
            std::vector<float>(3, 0.f));
  EXPECT_EQ(std::vector<float>(bn.running_var().begin(), bn.running_var().end()),
            std::vector<float>(3, 1.f));
  bn.backward(empty, empty);  // gradients of an empty batch: zero
  EXPECT_EQ(std::vector<float>(bn.weight_grad().begin(), bn.weight_grad().end()),
            std::vector<float>(3, 0.f));
}

TEST_P(ModuleSemantics, ResetRestoresDefaults) {
  const Shape s = Shape::nc(4, 2);
  BatchNorm bn(2);
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 9}, y(8);
  bn.forward(x, s, y);
  bn.weight()[0] = 3.f;
  bn.reset_running_stats();
  EXPECT_EQ(bn.num_batches_tracked(), 0);
  EXPECT_EQ(bn.running_mean()[1], 0.f);
  EXPECT_EQ(bn.running_var()[1], 1.f);
  EXPECT_EQ(bn.weight()[0], 3.f);
  bn.reset_parameters();
  EXPECT_EQ(bn.weight()[0], 1.f);
  EXPECT_EQ(bn.bias()[0], 0.f);
}

INSTANTIATE_TEST_SUITE_P(Isa, ModuleSemantics, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test
