// Results independent of the thread count, bit for bit: every BN entry point (both layouts, every
// variant, the sync primitives, the modules) under every ISA on 2…8 threads against 1 thread
// (compared_thread_counts()), on shapes that the partition (src/core/partition.hpp) cuts in each
// of its ways. Pieces are made tiny (set_piece_floats, and backward's channel pieces through the
// tuning) so small tensors exercise every cut; one shape runs at the default size. The split
// results are also checked against the float64 truth: merging pieces keeps accuracy.

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "functional_outputs.hpp"
#include "isa_scope.hpp"
#include "piece_floats.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "thread_count.hpp"
#include "tolerance.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::NormParams;

constexpr std::size_t kTinyPiece = 48;

struct Case {
  Shape shape;
  std::size_t piece;  // piece floats, 0: the default
  const char* cut;    // which cut of the partition the shape takes
  // Backward's channel pieces (tuning().channel_piece_floats), then taken by every backward with
  // batch statistics; 0: the derived tuning.
  std::size_t channel_piece = 0;
};

// A case's piece sizes for a scope.
class CaseScope {
 public:
  explicit CaseScope(const Case& k) : piece_(k.piece) {
    if (k.channel_piece == 0) return;
    simdnorm::kernels::Tuning t = simdnorm::kernels::tuning();
    t.channel_pass_bytes = 0;
    t.channel_piece_floats = k.channel_piece;
    tuning_.emplace(t);
  }

 private:
  PieceFloats piece_;
  std::optional<TuningScope> tuning_;
};

std::vector<Case> cases() {
  return {
      {{5, 3, 7, Layout::ChannelsFirst}, kTinyPiece, "samples"},
      {{4, 80, 5, Layout::ChannelsFirst}, 1024, "channels of every sample"},
      {{3, 6, 20, Layout::ChannelsFirst}, kTinyPiece, "channels of a sample"},
      {{2, 3, 130, Layout::ChannelsFirst}, kTinyPiece, "runs"},
      {{3, 7, 5, Layout::ChannelsLast}, kTinyPiece, "rows"},
      {{37, 19, 1, Layout::ChannelsFirst}, kTinyPiece, "NC rows"},
      {{3, 70, 2, Layout::ChannelsLast}, kTinyPiece, "rows wider than a piece"},
      {{4, 100, 1, Layout::ChannelsFirst}, kTinyPiece, "NC rows wider than a piece"},
      {{8, 16, 1024, Layout::ChannelsFirst}, 0, "samples, default pieces"},
      {{8, 300, 49, Layout::ChannelsFirst}, 0, "channels of every sample, default pieces"},
      {{2, 24, 1600, Layout::ChannelsLast}, 0, "rows, default pieces"},
      {{4, 20, 30, Layout::ChannelsFirst}, kTinyPiece, "backward: two channels a piece", 250},
      {{3, 40, 4, Layout::ChannelsFirst}, kTinyPiece, "backward: 16 channels a piece", 200},
      {{2, 4, 2100, Layout::ChannelsFirst}, kTinyPiece, "backward: runs longer than a block", 9000},
  };
}

// The smallest ghost batch size that divides N and leaves more than one value per channel.
std::size_t ghost_size(const Shape& s) {
  for (std::size_t k = 1; k <= s.n; ++k)
    if (s.n % k == 0 && k * s.s > 1) return k;
  return s.n;
}

// Every output of every entry point on one input, concatenated.
std::vector<float> all_outputs(const Shape& s) {
  RandomBatch rng(unsigned(s.numel()));
  const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel()), z = rng.normal(s.numel());
  const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rmean = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rvar = rng.uniform_vector(s.c, 0.5, 2);
  const std::size_t m = s.numel(), c = s.c;
  std::vector<float> out, y(m), dx(m), dz(m), a(c), b(c), d(c), e(c), f(c);
  append_functional_outputs(s, {x, dy, z, gamma, beta, rmean, rvar, y, dx, dz, a, b, d, e, f}, out);
  // The modules: ghost batches with renorm, then per-step statistics.
  simdnorm::BatchNorm bn(c, {.virtual_batch_size = ghost_size(s),
                             .renorm = simdnorm::Renorm{.rmax = 1.5f, .dmax = 0.5f}});
  for (int step = 0; step < 2; ++step) {
    bn.forward(x, s, y);
    bn.backward(dy, dx);
    append(out, y), append(out, dx), append(out, bn.weight_grad()), append(out, bn.bias_grad());
  }
  append(out, bn.running_mean()), append(out, bn.running_var());
  // Ghost batches without renorm, with add + ReLU: small ones run on the pool a run of them a task.
  simdnorm::BatchNorm ghost(c, {.virtual_batch_size = ghost_size(s)});
  for (int step = 0; step < 2; ++step) {
    ghost.forward_add_relu(x, z, s, y);
    ghost.backward_add_relu(dy, dx, dz);
    append(out, y), append(out, dx), append(out, dz), append(out, ghost.weight_grad());
    append(out, ghost.bias_grad());
  }
  append(out, ghost.running_mean()), append(out, ghost.running_var());
  // In place in both modes: the module's copy of x comes from the normalize pass's pieces.
  simdnorm::BatchNorm in_place(c, {.relu = true});
  for (const bool training : {true, false}) {
    in_place.train(training);
    std::vector<float> buf = x;
    in_place.forward(buf, s, buf);
    in_place.backward(dy, dx);
    append(out, buf), append(out, dx), append(out, in_place.weight_grad());
  }
  simdnorm::BatchNorm add_relu(c);
  for (const bool training : {true, false}) {
    add_relu.train(training);
    std::vector<float> buf = x;
    add_relu.forward_add_relu(buf, z, s, buf);
    add_relu.backward_add_relu(dy, dx, dz);
    append(out, buf), append(out, dx), append(out, dz), append(out, add_relu.weight_grad());
  }
  simdnorm::StepBatchNorm steps(c, 2);
  for (std::size_t t = 0; t < 2; ++t) {
    steps.forward(t ? y : x, s, t, dz);
    steps.backward(dy, t, dx);
    append(out, dz), append(out, dx), append(out, steps.weight_grad());
  }
  return out;
}

class ThreadResults : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

TEST_P(ThreadResults, SameBitsOnOneToEightThreads) {
  for (const Case& k : cases()) {
    SCOPED_TRACE(simdnorm::to_string(k.shape) + " (" + k.cut + "), ISA " + GetParam());
    const CaseScope scope(k);
    std::vector<float> one;
    {
      const ThreadCount threads(1);
      one = all_outputs(k.shape);
    }
    for (const std::size_t n : compared_thread_counts()) {
      const ThreadCount threads(n);
      const std::vector<float> many = all_outputs(k.shape);
      ASSERT_EQ(many.size(), one.size());
      for (std::size_t i = 0; i < one.size(); ++i)
        if (std::memcmp(&one[i], &many[i], sizeof(float)) != 0)
          FAIL() << n << " threads: output float " << i << " of " << one.size() << " is " << many[i]
                 << ", on 1 thread " << one[i];
    }
  }
}

// The merged statistics and what depends on them stay within the kernels' bounds
// (tolerance.hpp) of float64: merging pieces in double adds one rounding of each piece's values.
TEST_P(ThreadResults, SplitResultsMatchFloat64) {
  const ThreadCount threads(3);
  for (const Case& k : cases()) {
    SCOPED_TRACE(simdnorm::to_string(k.shape) + " (" + k.cut + "), ISA " + GetParam());
    const CaseScope scope(k);
    const Shape& s = k.shape;
    RandomBatch rng(unsigned(s.numel()) + 1);
    const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel());
    const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
    std::vector<float> y(s.numel()), dx(s.numel()), mean(s.c), invstd(s.c), var(s.c), dw(s.c),
        db(s.c);
    const NormParams p{gamma, beta, 1e-5f, false};
    simdnorm::forward_training(x, s, p, y, mean, invstd, var);
    simdnorm::backward_training(dy, x, s, p, mean, invstd, {dx, dw, db});

    const Moments64 m = moments64(x, s);
    std::vector<double> var_magnitude(s.c), mean_magnitude(s.c);
    for (std::size_t c = 0; c < s.c; ++c) {
      var_magnitude[c] = m.var[c] + m.mean_abs[c] * m.mean_abs[c] * 1e-6;
      mean_magnitude[c] = m.mean_abs[c];
    }
    EXPECT_TRUE(all_close("mean", mean, m.mean, mean_magnitude));
    EXPECT_TRUE(all_close("var", var, m.var, var_magnitude));
    const Channel64 ch = channel64(m.mean, invstd_from_var(m.var, 1e-5), gamma, beta);
    const Forward64 f = forward64(x, s, ch, false, m.mean_abs);
    // Doubled, as gradients_test.cpp argues: the kernels run on float statistics.
    EXPECT_TRUE(all_close("y", y, f.y, f.magnitude, 2 * kRelTol));
    const Backward64 b = backward64(dy, x, s, ch, false, true, m.mean_abs);
    EXPECT_TRUE(all_close("dx", dx, b.dx, b.dx_magnitude, 2 * kRelTol));
    EXPECT_TRUE(all_close("dweight", dw, b.dgamma, b.dgamma_magnitude, 2 * kRelTol));
    EXPECT_TRUE(all_close("dbias", db, b.dbeta, b.dbeta_magnitude, 2 * kRelTol));
  }
}

// Training forward runs moments and normalization piece by piece on the whole-channels cut: the
// same bits as batch_moments followed by forward_inference with those statistics, with and
// without ReLU and with the residual add, on 1 and 2 threads.
TEST_P(ThreadResults, TrainingForwardEqualsItsTwoSteps) {
  for (const Case& k : cases()) {
    SCOPED_TRACE(simdnorm::to_string(k.shape) + " (" + k.cut + "), ISA " + GetParam());
    const CaseScope scope(k);
    const Shape& s = k.shape;
    RandomBatch rng(unsigned(s.numel()) + 7);
    const std::vector<float> x = rng.input(s), z = rng.normal(s.numel());
    const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
    for (const std::size_t n : {std::size_t(1), std::size_t(2)}) {
      const ThreadCount threads(n);
      for (const bool add : {false, true}) {
        const NormParams p{gamma, beta, 1e-5f, !add};
        std::vector<float> y(s.numel()), y2(s.numel()), mean(s.c), invstd(s.c), var(s.c);
        std::vector<float> mean2(s.c), var2(s.c);
        if (add) {
          simdnorm::forward_add_relu_training(x, z, s, p, y, mean, invstd, var);
        } else {
          simdnorm::forward_training(x, s, p, y, mean, invstd, var);
        }
        simdnorm::batch_moments(x, s, mean2, var2);
        if (add) {
          simdnorm::forward_add_relu_inference(x, z, s, p, mean2, var2, y2);
        } else {
          simdnorm::forward_inference(x, s, p, mean2, var2, y2);
        }
        EXPECT_EQ(0, std::memcmp(mean.data(), mean2.data(), s.c * sizeof(float))) << n;
        EXPECT_EQ(0, std::memcmp(var.data(), var2.data(), s.c * sizeof(float))) << n;
        EXPECT_EQ(0, std::memcmp(y.data(), y2.data(), s.numel() * sizeof(float)))
            << n << " threads, add " << add;
      }
    }
  }
}

// The gradient sums are the same bits whether or not dx is asked for (backward by channel pieces
// computes them with dx, the other calls without), and the sync primitives' partial sums of the
// whole batch are backward's dβ.
TEST_P(ThreadResults, GradientSumsDoNotDependOnDx) {
  const ThreadCount threads(2);
  for (const Case& k : cases()) {
    SCOPED_TRACE(simdnorm::to_string(k.shape) + " (" + k.cut + "), ISA " + GetParam());
    const CaseScope scope(k);
    const Shape& s = k.shape;
    RandomBatch rng(unsigned(s.numel()) + 11);
    const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel());
    const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
    std::vector<float> y(s.numel()), dx(s.numel()), mean(s.c), invstd(s.c);
    std::vector<float> dw(s.c), db(s.c), dw2(s.c), db2(s.c), sum_dy(s.c), sum_dy_xmu(s.c);
    for (const bool relu : {false, true}) {
      const NormParams p{gamma, beta, 1e-5f, relu};
      simdnorm::forward_training(x, s, p, y, mean, invstd);
      simdnorm::backward_training(dy, x, s, p, mean, invstd, {dx, dw, db});
      simdnorm::backward_training(dy, x, s, p, mean, invstd, {{}, dw2, db2});
      simdnorm::partial_grad_sums(dy, x, s, p, mean, invstd, sum_dy, sum_dy_xmu);
      EXPECT_EQ(0, std::memcmp(dw.data(), dw2.data(), s.c * sizeof(float))) << "relu " << relu;
      EXPECT_EQ(0, std::memcmp(db.data(), db2.data(), s.c * sizeof(float))) << "relu " << relu;
      EXPECT_EQ(0, std::memcmp(db.data(), sum_dy.data(), s.c * sizeof(float))) << "relu " << relu;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, ThreadResults, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test
