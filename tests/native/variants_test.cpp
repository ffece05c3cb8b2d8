// The fused add + ReLU and the sync-BN primitives against the float64 truth of
// float64_batch_norm.hpp, under every ISA, on sizes around every vector width, both layouts,
// unaligned and in-place buffers; sync over shard splits with empty shards and the fused ReLU.
// Then the argument checks of every new entry point (ghost batches, renorm, StepBatchNorm).

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::Gradients;
using simdnorm::NormParams;

// Both layouts, S and C around 4, 8 and 16 lanes, NC rows.
std::vector<Shape> sweep_shapes() {
  std::vector<Shape> shapes;
  for (std::size_t len : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33}) {
    shapes.push_back({3, 2, len, Layout::ChannelsFirst});
    shapes.push_back({3, len, 2, Layout::ChannelsLast});
  }
  shapes.push_back(Shape::nc(37, 19));
  return shapes;
}

std::vector<double> plus(std::vector<double> a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

class Variants : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

// Bound: kRelTol of the terms' magnitude (tolerance.hpp), doubled because backward also runs on
// float statistics (as gradients_test.cpp argues).
TEST_P(Variants, AddReluMatchesFloat64) {
  for (const Shape& s : sweep_shapes()) {
    for (int place : {0, 1, 2}) {  // y apart, y = x, y = z (offset by one float: unaligned)
      SCOPED_TRACE(simdnorm::to_string(s) + " place " + std::to_string(place));
      RandomBatch rng(unsigned(s.numel() + place));
      const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel());
      std::vector<float> z = rng.normal(s.numel());
      const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
      const Moments64 m = moments64(x, s);
      const Channel64 k = channel64(m.mean, invstd_from_var(m.var, 1e-5), gamma, beta);
      Forward64 f = forward64(x, s, k, false, m.mean_abs);
      // Keep every pre-activation off the kink so float and double agree on the mask.
      for (std::size_t i = 0; i < z.size(); ++i)
        if (std::abs(f.y[i] + z[i]) < 1e-3) z[i] += 4e-3f;
      std::vector<double> y64(x.size()), dz64(x.size());
      std::vector<float> dz_f(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double pre = f.y[i] + z[i];
        y64[i] = pre > 0 ? pre : 0.0;
        dz64[i] = pre > 0 ? dy[i] : 0.0;
        dz_f[i] = float(dz64[i]);
      }
      const Backward64 b = backward64(dz_f, x, s, k, false, true, m.mean_abs);

      std::vector<float> buffer(3 * s.numel() + 1);
      std::span<float> xs = std::span(buffer).subspan(1, s.numel());
      std::span<float> zs = std::span(buffer).subspan(1 + s.numel(), s.numel());
      std::span<float> ys = place == 0   ? std::span(buffer).subspan(1 + 2 * s.numel(), s.numel())
                            : place == 1 ? xs
                                         : zs;
      std::copy(x.begin(), x.end(), xs.begin());
      std::copy(z.begin(), z.end(), zs.begin());
      std::vector<float> mean(s.c), invstd(s.c), dx(s.numel()), dz(s.numel()), dg(s.c), db(s.c);
      const NormParams params{gamma, beta};
      simdnorm::forward_add_relu_training(xs, zs, s, params, ys, mean, invstd);
      std::vector<double> z_abs(z.size());
      for (std::size_t i = 0; i < z.size(); ++i) z_abs[i] = std::abs(z[i]);
      EXPECT_TRUE(all_close("y", ys, y64, plus(f.magnitude, z_abs), 2 * kRelTol));
      const std::vector<float> y(ys.begin(), ys.end());
      simdnorm::backward_add_relu_training(dy, y, x, s, params, mean, invstd, {dx, dg, db}, dz);
      EXPECT_TRUE(all_close("dz", dz, dz64, std::vector<double>(dz64.size(), 0.0)));
      EXPECT_TRUE(all_close("dx", dx, b.dx, b.dx_magnitude, 2 * kRelTol));
      EXPECT_TRUE(all_close("dweight", dg, b.dgamma, b.dgamma_magnitude, 2 * kRelTol));
      EXPECT_TRUE(all_close("dbias", db, b.dbeta, b.dbeta_magnitude, 2 * kRelTol));
      // dz not wanted, dx in place of dy: the same dx.
      std::vector<float> dy_in_place = dy;
      simdnorm::backward_add_relu_training(dy_in_place, y, x, s, params, mean, invstd,
                                           {dy_in_place, {}, {}}, {});
      EXPECT_TRUE(
          all_close("dx (in place, no dz)", dy_in_place, b.dx, b.dx_magnitude, 2 * kRelTol));
      // The module, whose pass also copies x for backward, with y placed the same way.
      std::copy(x.begin(), x.end(), xs.begin());
      std::copy(z.begin(), z.end(), zs.begin());
      simdnorm::BatchNorm bn(s.c);
      std::copy(gamma.begin(), gamma.end(), bn.weight().begin());
      std::copy(beta.begin(), beta.end(), bn.bias().begin());
      bn.forward_add_relu(xs, zs, s, ys);
      EXPECT_TRUE(all_close("module y", ys, y64, plus(f.magnitude, z_abs), 2 * kRelTol));
      bn.backward_add_relu(dy, dx, dz);
      EXPECT_TRUE(all_close("module dx", dx, b.dx, b.dx_magnitude, 2 * kRelTol));
      EXPECT_TRUE(
          all_close("module dweight", bn.weight_grad(), b.dgamma, b.dgamma_magnitude, 2 * kRelTol));
    }
  }
}

// Shards of the batch along N (contiguous in both layouts) through the primitives equal BN over
// the whole batch: forward and backward, with the fused ReLU, with empty shards.
TEST_P(Variants, SyncShardsMatchWholeBatchFloat64) {
  const std::vector<std::vector<std::size_t>> splits = {
      {7}, {0, 7}, {3, 4}, {1, 0, 2, 0, 4}, {6, 1}};
  for (const Shape& whole : {Shape::nchw(7, 3, 3, 5), Shape::nhwc(7, 2, 3, 17), Shape::nc(7, 33)}) {
    for (const auto& split : splits) {
      for (bool relu : {false, true}) {
        SCOPED_TRACE(simdnorm::to_string(whole) + " shards " + std::to_string(split.size()) +
                     (relu ? " relu" : ""));
        RandomBatch rng(unsigned(whole.numel() + split.size()));
        std::vector<float> x = rng.input(whole);
        const std::vector<float> dy = rng.normal(whole.numel());
        const std::vector<float> gamma = rng.weight(whole.c),
                                 beta = rng.uniform_vector(whole.c, -1, 1);
        const Moments64 m = moments64(x, whole);
        const Channel64 k = channel64(m.mean, invstd_from_var(m.var, 1e-5), gamma, beta);
        if (relu)
          ASSERT_TRUE(move_off_relu_kink(x, {[&](std::size_t i, float v) {
                                           const std::size_t c = channel_of(whole, i);
                                           return (v - k.mean[c]) * k.invstd[c] * k.gamma[c] +
                                                  k.beta[c];
                                         }},
                                         5e-3, 2e-3));
        const Moments64 m2 = moments64(x, whole);
        const Channel64 k2 = channel64(m2.mean, invstd_from_var(m2.var, 1e-5), gamma, beta);
        const Forward64 f = forward64(x, whole, k2, relu, m2.mean_abs);
        const Backward64 b = backward64(dy, x, whole, k2, relu, true, m2.mean_abs);

        const std::size_t c = whole.c, per_sample = c * whole.s;
        std::vector<Shape> shapes;
        std::vector<std::size_t> offsets;
        std::size_t offset = 0;
        for (std::size_t n : split) {
          shapes.push_back({n, c, whole.s, whole.layout});
          offsets.push_back(offset);
          offset += n * per_sample;
        }
        std::vector<std::vector<float>> means(split.size(), std::vector<float>(c)),
            m2s = means, sds = means, sxs = means;
        std::vector<simdnorm::MomentsPart> parts;
        for (std::size_t i = 0; i < split.size(); ++i)
          parts.push_back(
              {simdnorm::partial_moments(std::span(x).subspan(offsets[i], shapes[i].numel()),
                                         shapes[i], means[i], m2s[i]),
               means[i], m2s[i]});
        std::vector<float> mean(c), var(c), invstd(c), y(x.size()), dx(x.size()), sum_dy(c),
            sum_dy_xmu(c), dg(c), db(c);
        const std::size_t count = simdnorm::merge_moments(parts, mean, var);
        ASSERT_EQ(count, whole.per_channel());
        const NormParams params{gamma, beta, 1e-5f, relu};
        std::vector<simdnorm::GradSumsPart> grad_parts;
        for (std::size_t i = 0; i < split.size(); ++i) {
          const auto xs = std::span<const float>(x).subspan(offsets[i], shapes[i].numel());
          simdnorm::forward_with_stats(xs, shapes[i], params, mean, var,
                                       std::span(y).subspan(offsets[i], shapes[i].numel()), invstd);
          simdnorm::partial_grad_sums(std::span(dy).subspan(offsets[i], shapes[i].numel()), xs,
                                      shapes[i], params, mean, invstd, sds[i], sxs[i]);
          grad_parts.push_back({sds[i], sxs[i]});
        }
        simdnorm::merge_grad_sums(grad_parts, sum_dy, sum_dy_xmu);
        for (std::size_t i = 0; i < split.size(); ++i)
          simdnorm::backward_from_sums(
              std::span(dy).subspan(offsets[i], shapes[i].numel()),
              std::span<const float>(x).subspan(offsets[i], shapes[i].numel()), shapes[i], params,
              mean, invstd, sum_dy, sum_dy_xmu, count,
              {std::span(dx).subspan(offsets[i], shapes[i].numel()), dg, db});
        // The merged moments round once more than one pass over the batch: 4·kRelTol.
        EXPECT_TRUE(all_close("y", y, f.y, f.magnitude, 4 * kRelTol));
        EXPECT_TRUE(all_close("dx", dx, b.dx, b.dx_magnitude, 4 * kRelTol));
        EXPECT_TRUE(all_close("dweight", dg, b.dgamma, b.dgamma_magnitude, 4 * kRelTol));
        EXPECT_TRUE(all_close("dbias", db, b.dbeta, b.dbeta_magnitude, 4 * kRelTol));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, Variants, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

// ---- argument checks ----

void expect_invalid(const std::function<void()>& f, std::initializer_list<std::string_view> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    for (std::string_view p : parts)
      EXPECT_NE(message.find(p), std::string::npos) << "message: " << message;
  }
}

TEST(VariantErrors, RenormAndGhostOptions) {
  using simdnorm::BatchNorm;
  using simdnorm::Options;
  using simdnorm::Renorm;
  expect_invalid(
      [] {
        BatchNorm(3, Options{.renorm = Renorm{0.5f, 1.f, 0.1f}});
      },
      {"BatchNorm", "renorm.rmax", "≥ 1", "got 0.5"});
  expect_invalid(
      [] {
        BatchNorm(3, Options{.renorm = Renorm{2.f, -1.f, 0.1f}});
      },
      {"renorm.dmax", "≥ 0", "got -1"});
  expect_invalid(
      [] {
        BatchNorm(3, Options{.renorm = Renorm{2.f, 1.f, std::numeric_limits<float>::quiet_NaN()}});
      },
      {"renorm.momentum", "[0, 1]", "got nan"});
  BatchNorm bn(2, Options{.virtual_batch_size = 4});
  std::vector<float> x(6 * 2), y(6 * 2);
  expect_invalid(
      [&] { bn.forward(x, Shape::nc(6, 2), y); },
      {"BatchNorm::forward", "shape.n", "multiple of options.virtual_batch_size = 4", "got 6"});
  bn.eval();  // running statistics: no ghost batches, any N
  EXPECT_NO_THROW(bn.forward(x, Shape::nc(6, 2), y));
  BatchNorm one(2, Options{.virtual_batch_size = 1});
  expect_invalid([&] { one.forward(x, Shape::nc(6, 2), y); },
                 {"x", "more than 1 value per channel"});
  expect_invalid([&] { bn.set_renorm_limits(2.f, 1.f); }, {"set_renorm_limits", "options.renorm"});
  BatchNorm rn(2, Options{.renorm = Renorm{}});
  expect_invalid([&] { rn.set_renorm_limits(0.9f, 1.f); }, {"renorm.rmax", "got 0.9"});
}

TEST(VariantErrors, StepBatchNorm) {
  using simdnorm::StepBatchNorm;
  expect_invalid([] { StepBatchNorm(3, 0); },
                 {"StepBatchNorm", "time_steps", "at least 1", "got 0"});
  expect_invalid([] { StepBatchNorm(3, 2, {.renorm = simdnorm::Renorm{}}); }, {"options.renorm"});
  expect_invalid([] { StepBatchNorm(3, 2, {.virtual_batch_size = 2}); },
                 {"options.virtual_batch_size", "got 2"});
  StepBatchNorm bn(2, 3);
  std::vector<float> x(8), y(8);
  expect_invalid([&] { bn.forward(x, Shape::nc(4, 2), 3, y); },
                 {"StepBatchNorm::forward", "step", "[0, 3) in training mode", "got 3"});
  expect_invalid([&] { bn.backward(x, 1, y); }, {"StepBatchNorm::backward", "step", "got 1"});
  bn.eval();
  EXPECT_NO_THROW(bn.forward(x, Shape::nc(4, 2), 9, y));  // eval: past T uses the last slot
  EXPECT_NO_THROW(bn.backward(x, 9, y));
}

TEST(VariantErrors, AddReluAndSync) {
  const Shape s = Shape::nc(4, 2);
  std::vector<float> x(8, 1.f), z(8), y(8), dy(8), dx(8), c2(2), c3(3);
  std::vector<float> mean(2), invstd(2, 1.f);
  expect_invalid(
      [&] { simdnorm::forward_add_relu_training(x, z, s, {.relu = true}, y, mean, invstd); },
      {"forward_add_relu_training", "params.relu", "expected false", "got true"});
  expect_invalid([&] { simdnorm::forward_add_relu_training(x, c3, s, {}, y, mean, invstd); },
                 {"z", "expected 8 floats", "got 3"});
  expect_invalid(
      [&] {
        simdnorm::backward_add_relu_training(dy, y, x, s, {}, mean, invstd, {dx, {}, {}}, x);
      },
      {"backward_add_relu_training", "dz", "apart from x"});
  expect_invalid(
      [&] {
        simdnorm::backward_add_relu_training(dy, y, x, s, {}, mean, invstd, {dx, {}, {}}, dx);
      },
      {"dz", "apart from grads.dx"});
  const simdnorm::MomentsPart bad[] = {{2, c2, c3}};
  expect_invalid([&] { simdnorm::merge_moments(bad, mean, invstd); },
                 {"merge_moments", "parts[0].m2", "expected 2 floats", "got 3"});
  expect_invalid(
      [&] {
        simdnorm::backward_from_sums(dy, x, s, {}, mean, invstd, c2, c2, 3, {dx, {}, {}});
      },
      {"backward_from_sums", "count", "at least this shard's N·S = 4", "got 3"});
  simdnorm::BatchNorm bn(2);
  bn.forward(x, s, y);
  expect_invalid([&] { bn.backward_add_relu(dy, dx, {}); },
                 {"backward_add_relu", "forward_add_relu() before"});
  bn.forward_add_relu(x, z, s, y);
  expect_invalid([&] { bn.backward(dy, dx); }, {"BatchNorm::backward", "backward_add_relu()"});
  simdnorm::BatchNorm fused(2, {.relu = true});
  expect_invalid([&] { fused.forward_add_relu(x, z, s, y); }, {"options.relu", "expected false"});
}

}  // namespace
}  // namespace simdnorm_test
