// SyncBatchNorm over MPI (run under mpirun -np 1…4): each rank normalizes a shard of one batch,
// and the result must be BN over the whole batch — against float64 math written from the
// formulas (float64_batch_norm.hpp) and against single-process simdnorm on the whole batch.
// Every rank generates the same whole batch from the seed and takes its shard.
//
// Exactness: the statistics every rank receives (mean, var, invstd, running statistics) are
// bit-identical on all ranks, and every output is bit-identical to the same split run through the
// sync primitives in one process (the transport adds no rounding and merges in rank order). Against
// the whole batch the merge rounds differently from one pass, so that comparison has a tolerance:
// 4·kRelTol·magnitude against float64 (the merged moments round once more than one pass: M2 =
// var·count, then mean and M2/count from double; the backward sums are rescaled once more), and
// 5·kRelTol against single-process simdnorm, which is itself within kRelTol of float64.

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "mpi/mpi_batch_norm_sync.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/sequential.hpp"
#include "random_batch.hpp"
#include "simdnorm/error.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/mpi_sync_batch_norm.hpp"
#include "tolerance.hpp"

namespace {

using simdnorm::Gradients;
using simdnorm::NormParams;
using simdnorm::Shape;
using namespace simdnorm_test;

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world() {
  int k = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &k);
  return k;
}

// Samples per rank for a world of k ranks: balanced, growing, and all but two ranks empty.
std::vector<std::vector<std::size_t>> splits(std::size_t k) {
  std::vector<std::size_t> balanced(k), ramp(k), sparse(k, 0);
  for (std::size_t r = 0; r < k; ++r) {
    balanced[r] = 7 / k + (r < 7 % k ? 1 : 0);
    ramp[r] = r + 2;
  }
  sparse[0] += 1;
  sparse[k - 1] += 5;
  return {balanced, ramp, sparse};
}

// Every rank's copy of `values` equals rank 0's, bit for bit.
::testing::AssertionResult same_on_every_rank(std::string_view what,
                                              std::span<const float> values) {
  std::vector<float> all(values.size() * std::size_t(world()));
  MPI_Allgather(values.data(), int(values.size()), MPI_FLOAT, all.data(), int(values.size()),
                MPI_FLOAT, MPI_COMM_WORLD);
  for (std::size_t r = 1; r < std::size_t(world()); ++r)
    for (std::size_t i = 0; i < values.size(); ++i)
      if (std::memcmp(&all[r * values.size() + i], &all[i], sizeof(float)) != 0)
        return ::testing::AssertionFailure()
               << what << "[" << i << "]: rank 0 has " << all[i] << ", rank " << r << " has "
               << all[r * values.size() + i];
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult bit_equal(std::string_view what, std::span<const float> actual,
                                     std::span<const float> expected) {
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (std::memcmp(&actual[i], &expected[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure() << what << "[" << i << "]: in one process "
                                           << expected[i] << ", over MPI " << actual[i];
  return ::testing::AssertionSuccess();
}

// Σ over ranks of each rank's `mine`, added in rank order in double.
std::vector<float> sum_over_ranks(std::span<const float> mine) {
  std::vector<float> all(mine.size() * std::size_t(world()));
  MPI_Allgather(mine.data(), int(mine.size()), MPI_FLOAT, all.data(), int(mine.size()), MPI_FLOAT,
                MPI_COMM_WORLD);
  std::vector<float> sum(mine.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    double s = 0;
    for (std::size_t r = 0; r < std::size_t(world()); ++r) s += all[r * mine.size() + i];
    sum[i] = float(s);
  }
  return sum;
}

class SyncBatchNorm : public ::testing::TestWithParam<Shape> {};

TEST_P(SyncBatchNorm, ShardsEqualTheWholeBatch) {
  const Shape per = GetParam();  // C, S and layout; N comes from the split
  const std::size_t k = std::size_t(world()), me = std::size_t(rank()), c = per.c;
  for (const std::vector<std::size_t>& split : splits(k)) {
    const std::size_t n = std::accumulate(split.begin(), split.end(), std::size_t(0));
    const std::size_t first = std::accumulate(split.begin(), split.begin() + me, std::size_t(0));
    const Shape whole{n, c, per.s, per.layout}, mine{split[me], c, per.s, per.layout};
    SCOPED_TRACE(simdnorm::to_string(whole) + ", rank " + std::to_string(me) + " of " +
                 std::to_string(k) + " holds " + std::to_string(split[me]) + " samples");
    RandomBatch rng(unsigned(whole.numel()));
    const std::vector<float> x = rng.input(whole), dy = rng.normal(whole.numel());
    const std::vector<float> gamma = rng.weight(c), beta = rng.uniform_vector(c, -1, 1);
    const std::vector<float> running_mean0 = rng.uniform_vector(c, -1, 1),
                             running_var0 = rng.uniform_vector(c, 0.5, 2);
    const NormParams params{gamma, beta, 1e-5f, false};
    const std::size_t per_sample = c * per.s;
    auto shard = [&](const std::vector<float>& v) {
      return std::span<const float>(v).subspan(first * per_sample, mine.numel());
    };
    const float momentum = 0.1f;

    // Over MPI.
    std::vector<float> y(mine.numel()), dx(mine.numel()), mean(c), invstd(c), var(c), dg(c), db(c);
    std::vector<float> running_mean = running_mean0, running_var = running_var0;
    const std::size_t count = simdnorm::mpi::sync_forward_training(MPI_COMM_WORLD, shard(x), mine,
                                                                   params, y, mean, invstd, var);
    ASSERT_EQ(count, whole.per_channel());
    simdnorm::update_running_stats(mean, var, count, momentum, running_mean, running_var);
    simdnorm::mpi::sync_backward_training(MPI_COMM_WORLD, shard(dy), shard(x), mine, params, mean,
                                          invstd, count, {dx, dg, db});
    const std::vector<float> dg_total = sum_over_ranks(dg), db_total = sum_over_ranks(db);

    // Identical on every rank.
    EXPECT_TRUE(same_on_every_rank("mean", mean));
    EXPECT_TRUE(same_on_every_rank("var", var));
    EXPECT_TRUE(same_on_every_rank("invstd", invstd));
    EXPECT_TRUE(same_on_every_rank("running_mean", running_mean));
    EXPECT_TRUE(same_on_every_rank("running_var", running_var));

    // The same split through the primitives in one process: bit for bit.
    {
      std::vector<std::vector<float>> means(k, std::vector<float>(c)), m2s = means, sds = means,
                                                                       sxs = means;
      std::vector<simdnorm::MomentsPart> parts;
      std::size_t offset = 0;
      std::vector<Shape> shapes;
      for (std::size_t r = 0; r < k; ++r) {
        shapes.push_back({split[r], c, per.s, per.layout});
        const auto xs = std::span<const float>(x).subspan(offset, shapes[r].numel());
        parts.push_back(
            {simdnorm::partial_moments(xs, shapes[r], means[r], m2s[r]), means[r], m2s[r]});
        offset += shapes[r].numel();
      }
      std::vector<float> mean1(c), var1(c), invstd1(c), y1(mine.numel()), dx1(mine.numel()), sd(c),
          sx(c), dg1(c), db1(c);
      simdnorm::merge_moments(parts, mean1, var1);
      simdnorm::forward_with_stats(shard(x), mine, params, mean1, var1, y1, invstd1);
      std::vector<simdnorm::GradSumsPart> grad_parts;
      offset = 0;
      for (std::size_t r = 0; r < k; ++r) {
        const auto at = [&](const std::vector<float>& v) {
          return std::span<const float>(v).subspan(offset, shapes[r].numel());
        };
        simdnorm::partial_grad_sums(at(dy), at(x), shapes[r], params, mean1, invstd1, sds[r],
                                    sxs[r]);
        grad_parts.push_back({sds[r], sxs[r]});
        offset += shapes[r].numel();
      }
      simdnorm::merge_grad_sums(grad_parts, sd, sx);
      simdnorm::backward_from_sums(shard(dy), shard(x), mine, params, mean1, invstd1, sd, sx, count,
                                   {dx1, {}, {}});
      simdnorm::backward_from_sums(shard(dy), shard(x), mine, params, mean1, invstd1, sds[me],
                                   sxs[me], count, {{}, dg1, db1});
      EXPECT_TRUE(bit_equal("mean", mean, mean1));
      EXPECT_TRUE(bit_equal("var", var, var1));
      EXPECT_TRUE(bit_equal("y", y, y1));
      EXPECT_TRUE(bit_equal("dx", dx, dx1));
      EXPECT_TRUE(bit_equal("dweight (this rank's part)", dg, dg1));
      EXPECT_TRUE(bit_equal("dbias (this rank's part)", db, db1));
    }

    // Against float64 math over the whole batch.
    const Moments64 m = moments64(x, whole);
    const Channel64 ch = channel64(m.mean, invstd_from_var(m.var, 1e-5), gamma, beta);
    const Forward64 f = forward64(x, whole, ch, false, m.mean_abs);
    const Backward64 b = backward64(dy, x, whole, ch, false, true, m.mean_abs);
    const auto slice = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + std::ptrdiff_t(first * per_sample),
                                 v.begin() + std::ptrdiff_t(first * per_sample + mine.numel()));
    };
    std::vector<double> rm64(c), rv64(c), rm_mag(c), rv_mag(c);
    for (std::size_t j = 0; j < c; ++j) {
      const double unbiased = m.var[j] * double(count) / double(count - 1);
      rm64[j] = (1 - momentum) * running_mean0[j] + momentum * m.mean[j];
      rv64[j] = (1 - momentum) * running_var0[j] + momentum * unbiased;
      rm_mag[j] = (1 - momentum) * std::abs(running_mean0[j]) + momentum * m.mean_abs[j];
      rv_mag[j] = (1 - momentum) * running_var0[j] + momentum * unbiased;
    }
    const double tol = 4 * kRelTol;
    EXPECT_TRUE(all_close("y", y, slice(f.y), slice(f.magnitude), tol));
    EXPECT_TRUE(all_close("dx", dx, slice(b.dx), slice(b.dx_magnitude), tol));
    EXPECT_TRUE(all_close("Σ dweight", dg_total, b.dgamma, b.dgamma_magnitude, tol));
    EXPECT_TRUE(all_close("Σ dbias", db_total, b.dbeta, b.dbeta_magnitude, tol));
    EXPECT_TRUE(all_close("running_mean", running_mean, rm64, rm_mag, tol));
    EXPECT_TRUE(all_close("running_var", running_var, rv64, rv_mag, tol));

    // Against single-process simdnorm over the whole batch.
    std::vector<float> y_all(x.size()), dx_all(x.size()), mean_all(c), invstd_all(c), var_all(c),
        dg_all(c), db_all(c), rm_all = running_mean0, rv_all = running_var0;
    simdnorm::forward_training(x, whole, params, y_all, mean_all, invstd_all, var_all);
    simdnorm::update_running_stats(mean_all, var_all, whole.per_channel(), momentum, rm_all,
                                   rv_all);
    simdnorm::backward_training(dy, x, whole, params, mean_all, invstd_all,
                                {dx_all, dg_all, db_all});
    const double tol1 = tol + kRelTol;
    EXPECT_TRUE(all_close("y vs one process", y, shard(y_all), slice(f.magnitude), tol1));
    EXPECT_TRUE(all_close("dx vs one process", dx, shard(dx_all), slice(b.dx_magnitude), tol1));
    EXPECT_TRUE(all_close("Σ dweight vs one process", dg_total, dg_all, b.dgamma_magnitude, tol1));
    EXPECT_TRUE(all_close("Σ dbias vs one process", db_total, db_all, b.dbeta_magnitude, tol1));
    EXPECT_TRUE(all_close("running_mean vs one process", running_mean, rm_all, rm_mag, tol1));
    EXPECT_TRUE(all_close("running_var vs one process", running_var, rv_all, rv_mag, tol1));
  }
}

// The last shape's samples are 192 KiB: a rank's shard of two or more is several pieces of the
// partition (src/core/partition.hpp), merged inside the rank, on the pool when it has threads.
INSTANTIATE_TEST_SUITE_P(Shapes, SyncBatchNorm,
                         ::testing::Values(Shape::nchw(0, 3, 3, 5), Shape::nhwc(0, 2, 3, 17),
                                           Shape::nc(0, 33), Shape::nchw(0, 12, 64, 64)),
                         [](const auto& info) {
                           const Shape& s = info.param;
                           return std::string(s.s == 1 ? "NC"
                                              : s.layout == simdnorm::Layout::ChannelsFirst
                                                  ? "NCHW"
                                                  : "NHWC") +
                                  "_C" + std::to_string(s.c) + "_S" + std::to_string(s.s);
                         });

// ---- errors: every rank throws, and the communicator stays usable ----

struct Thrown {
  simdnorm::ErrorCode code{};
  std::string what;
};

template <class F>
Thrown thrown(F f) {
  try {
    f();
  } catch (const simdnorm::Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no simdnorm::Error thrown on rank " << rank();
  return {};
}

struct Buffers {
  explicit Buffers(const Shape& s)
      : x(s.numel(), 1.f), y(s.numel()), mean(s.c), invstd(s.c), var(s.c) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7);
  }
  std::vector<float> x, y, mean, invstd, var;
};

std::size_t forward(const Shape& s, Buffers& b) {
  return simdnorm::mpi::sync_forward_training(MPI_COMM_WORLD, b.x, s, {}, b.y, b.mean, b.invstd,
                                              b.var);
}

// A call that succeeds after a refused one: no rank was left inside a collective.
void expect_usable() {
  const Shape s = Shape::nc(2, 4);
  Buffers b(s);
  EXPECT_EQ(forward(s, b), 2 * std::size_t(world()));
}

TEST(SyncBatchNormErrors, BadArgumentOnOneRankThrowsOnEveryRank) {
  const Shape s = Shape::nc(3, 4);
  Buffers b(s);
  const int bad = world() - 1;
  if (rank() == bad) b.y.resize(5);
  const Thrown t = thrown([&] { forward(s, b); });
  if (rank() == bad) {
    EXPECT_EQ(t.code, simdnorm::ErrorCode::shape);
    EXPECT_EQ(t.what,
              "simdnorm: mpi::sync_forward_training: y: expected 12 floats (N·C·S of shape [3, 4, "
              "1] channels-first), got 5");
  } else {
    EXPECT_EQ(t.code, simdnorm::ErrorCode::state);
    EXPECT_EQ(t.what,
              "simdnorm: mpi::sync_forward_training: comm: expected valid arguments on every "
              "rank, got an invalid call on rank " +
                  std::to_string(bad));
  }
  expect_usable();
}

TEST(SyncBatchNormErrors, ChannelCountsMustAgree) {
  if (world() < 2) GTEST_SKIP() << "needs 2 ranks";
  const Shape s = Shape::nc(3, rank() == 1 ? 5 : 4);
  Buffers b(s);
  const Thrown t = thrown([&] { forward(s, b); });
  EXPECT_EQ(t.code, simdnorm::ErrorCode::shape);
  EXPECT_EQ(t.what,
            "simdnorm: mpi::sync_forward_training: shape.c: expected the same C on every rank (4 "
            "on rank 0), got 5 on rank 1");
  expect_usable();
}

TEST(SyncBatchNormErrors, BackwardCountMustBeTheWholeBatch) {
  const Shape s = Shape::nc(3, 4);
  Buffers b(s);
  const std::size_t count = forward(s, b);
  std::vector<float> dy(s.numel(), 1.f), dx(s.numel());
  const Thrown t = thrown([&] {
    simdnorm::mpi::sync_backward_training(MPI_COMM_WORLD, dy, b.x, s, {}, b.mean, b.invstd,
                                          rank() == 0 ? count + 1 : count, {dx, {}, {}});
  });
  EXPECT_EQ(t.code, simdnorm::ErrorCode::shape);
  EXPECT_EQ(t.what,
            "simdnorm: mpi::sync_backward_training: count: expected the whole batch's "
            "N·S = " +
                std::to_string(count) + " on every rank, got " + std::to_string(count + 1) +
                " on rank 0");
  // The same wrong count on every rank (0: no forward's result) is still wrong.
  const Thrown zero = thrown([&] {
    simdnorm::mpi::sync_backward_training(MPI_COMM_WORLD, dy, b.x, s, {}, b.mean, b.invstd, 0,
                                          {dx, {}, {}});
  });
  EXPECT_EQ(zero.code, simdnorm::ErrorCode::shape);
  EXPECT_EQ(zero.what,
            "simdnorm: mpi::sync_backward_training: count: expected the whole batch's "
            "N·S = " +
                std::to_string(count) + " on every rank, got 0 on rank 0");
  expect_usable();
}

TEST(SyncBatchNormErrors, OneValuePerChannelOverAllRanks) {
  const Shape s = Shape::nc(rank() == 0 ? 1 : 0, 4);
  Buffers b(s);
  const Thrown t = thrown([&] { forward(s, b); });
  EXPECT_EQ(t.code, simdnorm::ErrorCode::shape);
  EXPECT_EQ(t.what,
            "simdnorm: mpi::sync_forward_training: x: expected more than 1 value per "
            "channel when training, got 1 value per channel over " +
                std::to_string(world()) + " ranks");
  expect_usable();
}

TEST(SyncBatchNormErrors, NullCommunicator) {
  const Shape s = Shape::nc(3, 4);
  Buffers b(s);
  const Thrown t = thrown([&] {
    simdnorm::mpi::sync_forward_training(MPI_COMM_NULL, b.x, s, {}, b.y, b.mean, b.invstd);
  });
  EXPECT_EQ(t.code, simdnorm::ErrorCode::type);
  EXPECT_EQ(t.what,
            "simdnorm: mpi::sync_forward_training: comm: expected a communicator, got "
            "MPI_COMM_NULL");
}

// ---- the engine: BatchNorm layers synced through the hook ----

// A model with two BatchNorm1d layers, sharded over the ranks, against the same model on the
// whole batch in one process: logits, every parameter gradient (summed over ranks) and the
// running statistics. The dense layers compute each row the same way whatever the batch, up to
// float sums of ≤ 16 products; the BN layers differ by the merge (above, 4·kRelTol). 1e-5 of the
// largest |value| covers both.
TEST(SyncBatchNormEngine, DataParallelStepEqualsOneProcess) {
  using simdnorm::nn::LayerSpec;
  const std::vector<LayerSpec> layers = {
      {"linear", {{"inFeatures", 5}, {"outFeatures", 16}}},
      {"batchNorm1d", {{"numFeatures", 16}}},
      {"relu", {}},
      {"linear", {{"inFeatures", 16}, {"outFeatures", 8}}},
      {"batchNorm1d", {{"numFeatures", 8}}},
      {"linear", {{"inFeatures", 8}, {"outFeatures", 3}}},
  };
  const std::size_t k = std::size_t(world()), me = std::size_t(rank());
  const std::vector<std::size_t> split = splits(k)[1];  // unequal shards
  const std::size_t n = std::accumulate(split.begin(), split.end(), std::size_t(0));
  const std::size_t first = std::accumulate(split.begin(), split.begin() + me, std::size_t(0));
  RandomBatch rng(7);
  const std::vector<float> x = rng.normal(n * 5), dlogits = rng.normal(n * 3);

  simdnorm::nn::Sequential whole(layers, {{5}, n, 3}), shard(layers, {{5}, split[me], 3});
  const auto sync = std::make_shared<simdnorm::mpi::MpiBatchNormSync>(MPI_COMM_WORLD);
  for (std::size_t i = 0; i < shard.size(); ++i)
    if (auto* bn = dynamic_cast<simdnorm::nn::BatchNormLayer*>(&shard.layer(i))) bn->set_sync(sync);

  const std::span<const float> logits_all = whole.forward(x);
  whole.backward(dlogits);
  const std::span<const float> logits =
      shard.forward(std::span(x).subspan(first * 5, split[me] * 5));
  shard.backward(std::span(dlogits).subspan(first * 3, split[me] * 3));

  // Errors are judged against the largest |value| of the whole group (logits, gradients, state):
  // a bias that feeds a BatchNorm has a gradient that is 0 in exact arithmetic (BN subtracts the
  // mean), so both sides hold rounding noise of the gradients it is summed from.
  auto expect_close = [](std::string_view group, const std::vector<std::string>& names,
                         const std::vector<std::vector<float>>& actual,
                         const std::vector<std::vector<float>>& expected) {
    double largest = 0;
    for (const auto& e : expected)
      for (float v : e) largest = std::max(largest, std::abs(double(v)));
    for (std::size_t t = 0; t < actual.size(); ++t) {
      ASSERT_EQ(actual[t].size(), expected[t].size()) << names[t];
      double worst = 0;
      for (std::size_t i = 0; i < actual[t].size(); ++i)
        worst = std::max(worst, std::abs(double(actual[t][i]) - expected[t][i]));
      EXPECT_LE(worst, 1e-5 * largest) << names[t] << ": worst |difference|, against 1e-5 of the "
                                       << group << "' largest |value| " << largest;
    }
  };
  const std::span<const float> mine = logits_all.subspan(first * 3, split[me] * 3);
  expect_close("logits", {"logits"}, {{logits.begin(), logits.end()}},
               {{mine.begin(), mine.end()}});
  std::vector<std::string> names;
  std::vector<std::vector<float>> grads, grads_all, state_values, state_all_values;
  const std::vector<simdnorm::nn::Parameter> p = shard.parameters(), p_all = whole.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) {
    names.push_back(p[i].name + " grad (summed over ranks)");
    grads.push_back(sum_over_ranks(p[i].grad));
    grads_all.emplace_back(p_all[i].grad.begin(), p_all[i].grad.end());
  }
  expect_close("gradients", names, grads, grads_all);
  names.clear();
  const simdnorm::nn::StateDict state = shard.state_dict(), state_all = whole.state_dict();
  for (std::size_t i = 0; i < state.size(); ++i) {
    names.push_back(state[i].first);
    state_values.push_back(state[i].second.values);
    state_all_values.push_back(state_all[i].second.values);
  }
  expect_close("state dict", names, state_values, state_all_values);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Rank 0 prints the whole report; the others only their failures.
  if (rank() != 0) ::testing::GTEST_FLAG(brief) = true;
  const int failed = RUN_ALL_TESTS();
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
