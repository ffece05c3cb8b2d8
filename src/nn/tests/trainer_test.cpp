// The trainer's claims, natively: it learns the spiral with BN, BN tolerates a learning rate at
// which the plain twin stalls, runs are reproducible, twins share init and batches, folding and
// the inference modes behave as BatchNorm's definition says.

#include "nn/trainer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/model_analytics.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn {
namespace {

TrainerConfig spiral(bool bn, float lr) {
  TrainerConfig c;  // spiral, 600 points (450 train), 3 classes, hidden [32, 32], relu, SGD
  c.batch_norm = bn;
  c.lr = lr;
  c.seed = 1;
  return c;
}

TEST(Trainer, BatchNormMlpLearnsTheSpiral) {
  // Budget: 2000 SGD steps of 32 (≈ 140 epochs). Measured on avx512 and scalar: 1.000.
  Trainer t(spiral(true, 0.1f));
  const StepMetrics m = t.train_steps(2000);
  EXPECT_FALSE(m.diverged);
  const Evaluation train = t.evaluate(SplitKind::train, NormStats::running);
  EXPECT_GE(train.accuracy, 0.95) << "isa " << active_isa();
  EXPECT_GE(t.evaluate(SplitKind::test, NormStats::running).accuracy, 0.9);
}

TEST(Trainer, AtAHighLearningRateThePlainTwinStallsWhileBatchNormConverges) {
  // lr = 1.5, plain SGD, model seeds 1–8 (twins: same init and batches per seed). Without BN the
  // network gets stuck (ReLUs die; measured 0.41–0.81 train accuracy on avx512, chance is 1/3)
  // while the BN twin learns (0.85–0.98). Single runs at this lr are chaotic — the last bits of the
  // ISA's rounding decide between plateaus — so the claim is tested on the means over eight seeds
  // (avx512: BN 0.94, plain 0.57), and per seed only that BN is clearly ahead.
  constexpr int kSeeds = 8;
  double sum_bn = 0, sum_plain = 0;
  for (std::uint32_t seed = 1; seed <= kSeeds; ++seed) {
    TrainerConfig c = spiral(true, 1.5f);
    c.seed = seed;
    Trainer bn(c);
    c.batch_norm = false;
    Trainer plain(c);
    bn.train_steps(2000);
    const StepMetrics p = plain.train_steps(2000);
    const double acc_bn = bn.evaluate(SplitKind::train, NormStats::running).accuracy;
    const double acc_plain =
        p.diverged ? 0 : plain.evaluate(SplitKind::train, NormStats::running).accuracy;
    EXPECT_GE(acc_bn - acc_plain, 0.1) << "seed " << seed << ", isa " << active_isa() << ": BN "
                                       << acc_bn << ", plain " << acc_plain;
    sum_bn += acc_bn;
    sum_plain += acc_plain;
  }
  EXPECT_GE(sum_bn / kSeeds, 0.9) << "isa " << active_isa();
  EXPECT_LE(sum_plain / kSeeds, 0.65) << "isa " << active_isa();
  EXPECT_GE((sum_bn - sum_plain) / kSeeds, 0.3) << "isa " << active_isa();
}

TEST(Trainer, SameConfigSameRunBitForBit) {
  TrainerConfig c = spiral(true, 0.1f);
  c.optimizer = OptimizerKind::adam;
  c.lr = 0.01f;
  Trainer a(c), b(c);
  for (int i = 0; i < 5; ++i) {
    const StepMetrics ma = a.train_steps(37), mb = b.train_steps(37);
    EXPECT_EQ(ma.loss, mb.loss);
    EXPECT_EQ(ma.accuracy, mb.accuracy);
  }
  EXPECT_EQ(decision_grid(a.model(), 16, 16, a.dataset().bounds, NormStats::running),
            decision_grid(b.model(), 16, 16, b.dataset().bounds, NormStats::running));
}

TEST(Trainer, SimdAndScalarRunsAgreeWithinFloatTolerance) {
  // Different summation orders (FMA, lanes) change the last bits; over 50 steps at lr 0.1 that
  // stays within 1e-4 of the loss (measured ≈ 1e-6). Chaos would make long runs drift apart.
  const auto isas = available_isas();
  if (isas.size() < 2) GTEST_SKIP() << "only " << isas.front() << " here";
  std::vector<double> losses[2];
  for (int which = 0; which < 2; ++which) {
    set_isa(which == 0 ? isas.front() : std::string_view("scalar"));
    Trainer t(spiral(true, 0.1f));
    for (int s = 0; s < 50; ++s) losses[which].push_back(t.train_steps(1).loss_last);
  }
  set_isa(isas.front());
  for (int s = 0; s < 50; ++s) EXPECT_NEAR(losses[0][s], losses[1][s], 1e-4) << "step " << s;
}

TEST(Trainer, TwinsShareDenseInitAndBatches) {
  TrainerConfig c = spiral(true, 0.1f);
  Trainer bn(c);
  c.batch_norm = false;
  c.lr = 0.5f;
  c.optimizer = OptimizerKind::momentum;
  Trainer plain(c);
  // The Linear layers' weights (the BN twin's have BatchNorm1d layers in between).
  const auto linear_weights = [](Trainer& t) {
    std::vector<std::vector<float>> w;
    for (const Parameter& p : t.model().parameters())
      if (p.shape.size() == 2) w.emplace_back(p.value.begin(), p.value.end());
    return w;
  };
  const auto wa = linear_weights(bn), wb = linear_weights(plain);
  ASSERT_EQ(wa.size(), 3u);
  EXPECT_EQ(wa, wb);
  // Same batches: the sampler is private, so compare through a side channel — two trainers with
  // lr so small that the loss is a function of the batch only (the init is shared).
  TrainerConfig s1 = spiral(true, 1e-30f), s2 = spiral(false, 1e-30f);
  s1.hidden = s2.hidden = {4};
  Trainer t1(s1), t2(s1), u(s2), v(s2);
  for (int i = 0; i < 10; ++i) {
    t1.train_steps(1);
    u.train_steps(1);
  }
  // A trainer that skipped ahead by the same count sees the same next batch as its twin.
  t2.train_steps(10);
  v.train_steps(10);
  EXPECT_EQ(t1.train_steps(1).loss_last, t2.train_steps(1).loss_last);
  EXPECT_EQ(u.train_steps(1).loss_last, v.train_steps(1).loss_last);
}

TEST(Trainer, FoldingBatchNormKeepsPredictions) {
  Trainer t(spiral(true, 0.1f));
  t.train_steps(300);
  const FoldCheck f = fold_check(t.model(), t.dataset());
  EXPECT_TRUE(f.folded);
  EXPECT_EQ(f.points, t.dataset().test.size());
  // Logits of size ~10 recomputed with folded float weights: a few float ulps of the logits.
  EXPECT_LT(f.max_logit_diff, 1e-4);
  EXPECT_LT(f.max_abs_diff, 1e-5);
  EXPECT_EQ(f.agreement, 1.0);
  Trainer plain(spiral(false, 0.1f));
  EXPECT_FALSE(fold_check(plain.model(), plain.dataset()).folded);
}

TEST(Trainer, RunningStatsApproachTheTrainSetStatistics) {
  Trainer t(spiral(true, 0.1f));
  t.train_steps(1);
  EXPECT_EQ(running_stats(t.model(), t.dataset())[0].batches, 1);
  t.train_steps(1500);
  // Running averages of batch statistics, momentum 0.1: once the weights settle they track the
  // full-set moments up to batch noise (std of a 32-sample mean ≈ σ/√32 ≈ 0.18σ).
  const auto rs = running_stats(t.model(), t.dataset());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].batches, 1501);
  for (const RunningStats& s : rs)
    for (std::size_t c = 0; c < s.mean.size(); ++c) {
      const double sd = std::sqrt(double(s.true_var[c]));
      EXPECT_NEAR(s.mean[c], s.true_mean[c], 0.5 * sd + 1e-3) << "unit " << c;
      EXPECT_NEAR(s.var[c] / s.true_var[c], 1.0, 0.6) << "unit " << c;
    }
}

TEST(Trainer, InferenceModes) {
  Trainer t(spiral(true, 0.1f));
  t.train_steps(500);
  const auto a = predict(t.model(), 0.3f, -0.2f, NormStats::running),
             b = predict(t.model(), -0.7f, 0.5f, NormStats::running);
  double sum = 0;
  for (float p : a) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_NE(a, b);
  // Batch statistics with a batch of one: variance 0, every unit becomes β, so every point gets
  // the same prediction — why running statistics exist.
  EXPECT_EQ(predict(t.model(), 0.3f, -0.2f, NormStats::batch),
            predict(t.model(), -0.7f, 0.5f, NormStats::batch));
  // The whole split as one batch is close to, but not the same as, running statistics.
  const Evaluation eval = t.evaluate(SplitKind::train, NormStats::running);
  const Evaluation batch = t.evaluate(SplitKind::train, NormStats::batch);
  EXPECT_NE(eval.loss, batch.loss);
  EXPECT_NEAR(eval.accuracy, batch.accuracy, 0.1);
  const std::vector<float> grid =
      decision_grid(t.model(), 8, 4, t.dataset().bounds, NormStats::running);
  EXPECT_EQ(grid.size(), 8u * 4u * 3u);
}

TEST(Trainer, LayerStatsDescribeTheProbeBatch) {
  Trainer bn(spiral(true, 0.1f)), plain(spiral(false, 0.1f));
  const auto sb = layer_stats(bn.model(), bn.dataset()),
             sp = layer_stats(plain.model(), plain.dataset());
  ASSERT_EQ(sb.size(), 2u);
  // Twins: the first dense layer's output is identical at init.
  EXPECT_EQ(sb[0].dense.mean, sp[0].dense.mean);
  EXPECT_EQ(sb[0].dense.p95, sp[0].dense.p95);
  // BN's output with γ = 1, β = 0 has mean 0 and std ≈ 1 per unit, hence pooled too (eps aside).
  for (const LayerStats& l : sb) {
    EXPECT_NEAR(l.act.mean, 0.0, 1e-5);
    EXPECT_NEAR(l.act.std, 1.0, 1e-3);
    EXPECT_LE(l.act.p5, l.act.p25);
    EXPECT_LE(l.act.p25, l.act.p50);
    EXPECT_LE(l.act.p50, l.act.p75);
    EXPECT_LE(l.act.p75, l.act.p95);
  }
  EXPECT_EQ(sp[1].act.mean, sp[1].dense.mean);  // without BN the activation sees z itself
  const LayerStats u = unit_stats(bn.model(), bn.dataset(), 1, 3);
  EXPECT_NEAR(u.act.mean, 0.0, 1e-5);
  EXPECT_THROW(unit_stats(bn.model(), bn.dataset(), 2, 0), std::invalid_argument);
  EXPECT_THROW(unit_stats(bn.model(), bn.dataset(), 0, 32), std::invalid_argument);
}

TEST(Trainer, DivergenceIsSticky) {
  // lr 1e37: the first update overflows float, the next loss is NaN. (Merely huge learning
  // rates make ReLU nets stall with finite losses instead: see the high-lr test.)
  Trainer t(spiral(false, 1e37f));
  StepMetrics m = t.train_steps(5);
  ASSERT_TRUE(m.diverged) << "loss " << m.loss;
  EXPECT_TRUE(std::isnan(m.loss));
  const std::uint64_t step = t.step();
  m = t.train_steps(10);
  EXPECT_EQ(t.step(), step);
  EXPECT_TRUE(m.diverged);
}

TEST(Trainer, BadConfigNamesTheField) {
  const auto message = [](TrainerConfig c) {
    try {
      Trainer t(c);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  TrainerConfig c;
  c.lr = -1;
  EXPECT_EQ(message(c).rfind("simdnorm: nn::Trainer: lr: expected a finite number > 0, got -1", 0),
            0u)
      << message(c);
  c = {};
  c.batch = 1000;
  EXPECT_NE(message(c).find("batchSize: expected an integer in [2, 450]"), std::string::npos)
      << message(c);
  c = {};
  c.hidden = {32, 0};
  EXPECT_NE(message(c).find("hidden[1]"), std::string::npos);
  c = {};
  c.data.points = 4;
  EXPECT_NE(message(c).find("points"), std::string::npos);
  Trainer t(TrainerConfig{});
  EXPECT_THROW(decision_grid(t.model(), 0, 4, t.dataset().bounds, NormStats::running),
               std::invalid_argument);
  EXPECT_THROW(unit_stats(t.model(), t.dataset(), 0, 32), std::invalid_argument);
}

}  // namespace
}  // namespace simdnorm::nn
