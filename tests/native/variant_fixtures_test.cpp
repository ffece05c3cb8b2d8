// The BN variants against PyTorch 1.13 (tests/fixtures/variants, written by
// tests/pytorch/make_fixtures.py), under every ISA: ghost batches as BatchNorm2d on x.split(k) in
// sequence, StepBatchNorm as T BatchNorm1d modules with tied γ/β, the sync-BN primitives over
// unequal shards (one empty) as BN over the concatenated batch, and the fused add + ReLU as
// relu(bn(x) + z) with autograd for dz.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fixture_file.hpp"
#include "isa_scope.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

// The fixtures have at most 72 values per channel of magnitude ≤ ~5: both float32 sides are
// within a few 1e-7 of the truth (tests/fixtures/README.md measured ≤ 1.5e-6 for plain BN), so
// 2e-5·(1 + |expected|) is loose for rounding and 1000× tighter than any formula error.
constexpr double kTol = 2e-5;

::testing::AssertionResult close(std::string_view what, std::span<const float> actual,
                                 const std::vector<float>& expected) {
  std::vector<double> e(expected.begin(), expected.end()), m(expected.size());
  for (std::size_t i = 0; i < e.size(); ++i) m[i] = 1.0 + std::abs(e[i]);
  return all_close(what, actual, e, m, kTol);
}

struct Header {
  simdnorm::Shape shape;
  simdnorm::Options options;
  std::vector<float> weight, bias;
  long steps;
};

Header read_header(const FixtureFile& f) {
  Header h;
  h.shape = {std::size_t(f.integer("n")), std::size_t(f.integer("c")), std::size_t(f.integer("s")),
             f.text("layout") == "channels_last" ? simdnorm::Layout::ChannelsLast
                                                 : simdnorm::Layout::ChannelsFirst};
  h.options.eps = f.number("eps");
  h.options.momentum =
      f.text("momentum") == "none" ? std::nullopt : std::optional<float>(f.number("momentum"));
  h.options.affine = f.integer("affine") != 0;
  h.options.track_running_stats = f.integer("track_running_stats") != 0;
  if (h.options.affine) {
    h.weight = f.tensor("weight");
    h.bias = f.tensor("bias");
  }
  h.steps = f.integer("steps");
  return h;
}

template <class Module>
void load_affine(Module& bn, const Header& h) {
  if (!h.options.affine) return;
  std::copy(h.weight.begin(), h.weight.end(), bn.weight().begin());
  std::copy(h.bias.begin(), h.bias.end(), bn.bias().begin());
}

template <class Module>
void expect_grads(const FixtureFile& f, const std::string& step, const Module& bn,
                  const Header& h) {
  if (!h.options.affine) return;
  EXPECT_TRUE(close("dweight", bn.weight_grad(), f.tensor("dweight" + step)));
  EXPECT_TRUE(close("dbias", bn.bias_grad(), f.tensor("dbias" + step)));
}

void expect_stats(const FixtureFile& f, const std::string& step, std::span<const float> mean,
                  std::span<const float> var, std::int64_t tracked, const Header& h) {
  if (!h.options.track_running_stats) return;
  EXPECT_TRUE(close("running_mean", mean, f.tensor("running_mean" + step)));
  EXPECT_TRUE(close("running_var", var, f.tensor("running_var" + step)));
  EXPECT_EQ(tracked, f.integer("num_batches_tracked" + step));
}

void replay_ghost(const FixtureFile& f) {
  const Header h = read_header(f);
  simdnorm::Options options = h.options;
  options.virtual_batch_size = std::size_t(f.integer("virtual_batch_size"));
  simdnorm::BatchNorm bn(h.shape.c, options);
  load_affine(bn, h);
  for (long k = 0; k < h.steps; ++k) {
    const std::string step = "." + std::to_string(k);
    SCOPED_TRACE("step " + std::to_string(k));
    bn.train(f.text("mode" + step) == "train");
    const std::vector<float> x = f.tensor("x" + step), dy = f.tensor("dy" + step);
    std::vector<float> y(x.size()), dx(x.size());
    bn.forward(x, h.shape, y);
    EXPECT_TRUE(close("y", y, f.tensor("y" + step)));
    bn.backward(dy, dx);
    EXPECT_TRUE(close("dx", dx, f.tensor("dx" + step)));
    expect_grads(f, step, bn, h);
    expect_stats(f, step, bn.running_mean(), bn.running_var(), bn.num_batches_tracked(), h);
  }
}

void replay_step(const FixtureFile& f) {
  const Header h = read_header(f);
  const std::size_t time_steps = std::size_t(f.integer("time_steps"));
  simdnorm::StepBatchNorm bn(h.shape.c, time_steps, h.options);
  load_affine(bn, h);
  for (long k = 0; k < h.steps; ++k) {
    const std::string step = "." + std::to_string(k);
    const std::size_t t = std::size_t(f.integer("step" + step));
    SCOPED_TRACE("call " + std::to_string(k) + " time step " + std::to_string(t));
    bn.train(f.text("mode" + step) == "train");
    const std::vector<float> x = f.tensor("x" + step), dy = f.tensor("dy" + step);
    std::vector<float> y(x.size()), dx(x.size());
    bn.forward(x, h.shape, t, y);
    EXPECT_TRUE(close("y", y, f.tensor("y" + step)));
    bn.backward(dy, t, dx);
    EXPECT_TRUE(close("dx", dx, f.tensor("dx" + step)));
    expect_grads(f, step, bn, h);
    if (h.options.track_running_stats) {
      EXPECT_TRUE(close("running_mean", bn.running_mean(), f.tensor("running_mean" + step)));
      EXPECT_TRUE(close("running_var", bn.running_var(), f.tensor("running_var" + step)));
      const std::vector<std::string>& counts = f.tokens("num_batches_tracked" + step);
      ASSERT_EQ(counts.size(), time_steps);
      for (std::size_t i = 0; i < time_steps; ++i)
        EXPECT_EQ(bn.num_batches_tracked()[i], std::stol(counts[i])) << "slot " << i;
    }
  }
}

// One worker per shard, as SyncBatchNorm runs them; the exchanges are plain loops here.
void replay_sync(const FixtureFile& f) {
  const Header h = read_header(f);
  const std::size_t c = h.shape.c;
  std::vector<std::size_t> shards;
  for (const std::string& t : f.tokens("shards")) shards.push_back(std::stoul(t));
  const simdnorm::NormParams params{h.weight, h.bias, h.options.eps, false};
  std::vector<float> running_mean(c, 0.f), running_var(c, 1.f);
  for (long k = 0; k < h.steps; ++k) {
    const std::string step = "." + std::to_string(k);
    SCOPED_TRACE("step " + std::to_string(k));
    const std::vector<float> x = f.tensor("x" + step), dy = f.tensor("dy" + step);
    const std::size_t per_sample = c * h.shape.s;
    std::vector<simdnorm::Shape> shapes;
    std::vector<std::size_t> offsets;
    std::size_t offset = 0;
    for (std::size_t n : shards) {
      shapes.push_back({n, c, h.shape.s, h.shape.layout});
      offsets.push_back(offset);
      offset += n * per_sample;
    }
    const auto part = [&](const std::vector<float>& v, std::size_t i) {
      return std::span<const float>(v).subspan(offsets[i], shapes[i].numel());
    };
    std::vector<std::vector<float>> means(shards.size(), std::vector<float>(c)),
        m2s(shards.size(), std::vector<float>(c));
    std::vector<simdnorm::MomentsPart> parts;
    for (std::size_t i = 0; i < shards.size(); ++i) {
      const std::size_t count = simdnorm::partial_moments(part(x, i), shapes[i], means[i], m2s[i]);
      EXPECT_EQ(count, shards[i] * h.shape.s);
      parts.push_back({count, means[i], m2s[i]});
    }
    std::vector<float> mean(c), var(c), invstd(c);
    const std::size_t count = simdnorm::merge_moments(parts, mean, var);
    ASSERT_EQ(count, h.shape.per_channel());
    std::vector<float> y(x.size()), dx(x.size());
    for (std::size_t i = 0; i < shards.size(); ++i)
      simdnorm::forward_with_stats(part(x, i), shapes[i], params, mean, var,
                                   std::span(y).subspan(offsets[i], shapes[i].numel()), invstd);
    EXPECT_TRUE(close("y", y, f.tensor("y" + step)));
    simdnorm::update_running_stats(mean, var, count, *h.options.momentum, running_mean,
                                   running_var);
    expect_stats(f, step, running_mean, running_var, k + 1, h);

    std::vector<std::vector<float>> sum_dys(shards.size(), std::vector<float>(c)),
        sum_dy_xmus(shards.size(), std::vector<float>(c));
    std::vector<simdnorm::GradSumsPart> grad_parts;
    for (std::size_t i = 0; i < shards.size(); ++i) {
      simdnorm::partial_grad_sums(part(dy, i), part(x, i), shapes[i], params, mean, invstd,
                                  sum_dys[i], sum_dy_xmus[i]);
      grad_parts.push_back({sum_dys[i], sum_dy_xmus[i]});
    }
    std::vector<float> sum_dy(c), sum_dy_xmu(c), dweight(c), dbias(c);
    simdnorm::merge_grad_sums(grad_parts, sum_dy, sum_dy_xmu);
    for (std::size_t i = 0; i < shards.size(); ++i) {
      const bool first = i == 0;  // every shard gets the same global dγ, dβ
      simdnorm::backward_from_sums(part(dy, i), part(x, i), shapes[i], params, mean, invstd, sum_dy,
                                   sum_dy_xmu, count,
                                   {std::span(dx).subspan(offsets[i], shapes[i].numel()),
                                    first ? std::span<float>(dweight) : std::span<float>(),
                                    first ? std::span<float>(dbias) : std::span<float>()});
    }
    EXPECT_TRUE(close("dx", dx, f.tensor("dx" + step)));
    if (h.options.affine) {
      EXPECT_TRUE(close("dweight", dweight, f.tensor("dweight" + step)));
      EXPECT_TRUE(close("dbias", dbias, f.tensor("dbias" + step)));
    }
  }
}

void replay_add_relu(const FixtureFile& f) {
  const Header h = read_header(f);
  simdnorm::BatchNorm bn(h.shape.c, h.options);
  load_affine(bn, h);
  // The functional form beside the module: the same numbers from the caller's own buffers.
  std::vector<float> running_mean(h.shape.c, 0.f), running_var(h.shape.c, 1.f);
  for (long k = 0; k < h.steps; ++k) {
    const std::string step = "." + std::to_string(k);
    const bool training = f.text("mode" + step) == "train";
    SCOPED_TRACE("step " + std::to_string(k) + (training ? " (train)" : " (eval)"));
    bn.train(training);
    const std::vector<float> x = f.tensor("x" + step), z = f.tensor("z" + step),
                             dy = f.tensor("dy" + step);
    std::vector<float> y(x.size()), dx(x.size()), dz(x.size());
    bn.forward_add_relu(x, z, h.shape, y);
    EXPECT_TRUE(close("y", y, f.tensor("y" + step)));
    bn.backward_add_relu(dy, dx, dz);
    EXPECT_TRUE(close("dx", dx, f.tensor("dx" + step)));
    EXPECT_TRUE(close("dz", dz, f.tensor("dz" + step)));
    expect_grads(f, step, bn, h);
    expect_stats(f, step, bn.running_mean(), bn.running_var(), bn.num_batches_tracked(), h);

    const simdnorm::NormParams params{h.weight, h.bias, h.options.eps, false};
    const std::size_t c = h.shape.c;
    std::vector<float> fy(x.size()), fdx(x.size()), fdz(x.size()), mean(c), invstd(c), var(c),
        dweight(h.options.affine ? c : 0), dbias(h.options.affine ? c : 0);
    const simdnorm::Gradients grads{fdx, dweight, dbias};
    if (training) {
      simdnorm::forward_add_relu_training(x, z, h.shape, params, fy, mean, invstd, var);
      simdnorm::backward_add_relu_training(dy, fy, x, h.shape, params, mean, invstd, grads, fdz);
    } else {
      simdnorm::forward_add_relu_inference(x, z, h.shape, params, running_mean, running_var, fy);
      simdnorm::backward_add_relu_inference(dy, fy, x, h.shape, params, running_mean, running_var,
                                            grads, fdz);
    }
    EXPECT_TRUE(close("functional y", fy, f.tensor("y" + step)));
    EXPECT_TRUE(close("functional dx", fdx, f.tensor("dx" + step)));
    EXPECT_TRUE(close("functional dz", fdz, f.tensor("dz" + step)));
    if (training)
      simdnorm::update_running_stats(mean, var, h.shape.per_channel(), *h.options.momentum,
                                     running_mean, running_var);
  }
}

const std::filesystem::path kVariantFixtures = SIMDNORM_FIXTURES_DIR "/variants";

class VariantFixtures : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(VariantFixtures, MatchesTorch) {
  const FixtureFile f(GetParam());
  const std::string kind = f.text("kind");
  IsaScope restore;
  for (const std::string& isa : all_isas()) {
    SCOPED_TRACE("isa=" + isa + " fixture=" + f.text("case") + " (" + kind + ", " +
                 f.text("layout") + ")");
    simdnorm::set_isa(isa);
    if (kind == "ghost") {
      replay_ghost(f);
    } else if (kind == "step") {
      replay_step(f);
    } else if (kind == "sync") {
      replay_sync(f);
    } else if (kind == "add_relu") {
      replay_add_relu(f);
    } else {
      FAIL() << "unknown kind " << kind;
    }
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, VariantFixtures,
                         ::testing::ValuesIn(fixture_paths(kVariantFixtures)),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& info) {
                           std::string name = info.param.stem().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(VariantFixturesPresent, AllCasesFound) {
  EXPECT_GE(fixture_paths(kVariantFixtures).size(), 10u)
      << "fixtures missing from " << kVariantFixtures
      << "; regenerate with tests/pytorch/make_fixtures.py";
}

}  // namespace
}  // namespace simdnorm_test
