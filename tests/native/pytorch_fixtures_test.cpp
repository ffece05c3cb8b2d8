// BatchNorm against PyTorch 1.13: the fixtures in tests/fixtures were written by
// tests/pytorch/make_fixtures.py from torch.nn.BatchNorm1d/2d/3d (+ torch.relu) and are replayed
// here step by step, under every ISA: outputs, dx/dγ/dβ, running statistics, num_batches_tracked,
// train and eval modes, momentum None, NHWC/NLC/NDHWC via permute, affine and tracking off, and
// NaN/Inf in a channel.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fixture_file.hpp"
#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

// Both simdnorm and PyTorch are float32 computations within kRelTol·magnitude of the float64
// truth (tolerance.hpp; PyTorch accumulates its statistics in double on the CPU, so it is at
// least as close), hence within twice that of each other.
constexpr double kTorchTol = 2 * kRelTol;

std::vector<double> abs_plus(std::span<const float> v, const std::vector<double>& extra) {
  std::vector<double> m(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) m[i] = std::abs(double(v[i])) + extra[i];
  return m;
}

std::vector<double> doubles(std::span<const float> v) {
  return {v.begin(), v.end()};
}

void replay(const FixtureFile& f) {
  const Shape s{std::size_t(f.integer("n")), std::size_t(f.integer("c")),
                std::size_t(f.integer("s")),
                f.text("layout") == "channels_last" ? Layout::ChannelsLast : Layout::ChannelsFirst};
  const bool affine = f.integer("affine") != 0, track = f.integer("track_running_stats") != 0,
             relu = f.integer("relu") != 0;
  simdnorm::Options options{.eps = f.number("eps"),
                            .momentum = f.text("momentum") == "none"
                                            ? std::nullopt
                                            : std::optional<float>(f.number("momentum")),
                            .affine = affine,
                            .track_running_stats = track,
                            .relu = relu};
  simdnorm::BatchNorm bn(s.c, options);
  std::vector<float> weight, bias;
  if (affine) {
    weight = f.tensor("weight");
    bias = f.tensor("bias");
    std::copy(weight.begin(), weight.end(), bn.weight().begin());
    std::copy(bias.begin(), bias.end(), bn.bias().begin());
  }
  std::vector<double> mean_scale(s.c, 0.0);  // largest batch mean(|x|) so far, per channel
  const long steps = f.integer("steps");
  for (long k = 0; k < steps; ++k) {
    const std::string step = "." + std::to_string(k);
    const bool training = f.text("mode" + step) == "train";
    SCOPED_TRACE("step " + std::to_string(k) + (training ? " (train)" : " (eval)"));
    bn.train(training);

    const std::vector<float> x = f.tensor("x" + step), dy = f.tensor("dy" + step);
    ASSERT_EQ(x.size(), s.numel());
    // Magnitudes (float64_batch_norm.hpp) for the statistics this step normalizes with.
    const Moments64 m = moments64(x, s);
    for (std::size_t c = 0; c < s.c; ++c) mean_scale[c] = std::max(mean_scale[c], m.mean_abs[c]);
    const bool batch_stats = training || !track;
    const Channel64 stats =
        batch_stats
            ? channel64(m.mean, invstd_from_var(m.var, options.eps), weight, bias)
            : channel64(doubles(bn.running_mean()),
                        invstd_from_var(doubles(bn.running_var()), options.eps), weight, bias);
    // Both sides compute the batch mean in float: its rounding scales with mean(|x|).
    const std::vector<double> mean_rounding = batch_stats ? m.mean_abs : std::vector<double>{};
    const Forward64 fwd = forward64(x, s, stats, relu, mean_rounding);
    const Backward64 bwd = backward64(dy, x, s, stats, relu, batch_stats, mean_rounding);

    std::vector<float> y(s.numel()), dx(s.numel());
    bn.forward(x, s, y);
    EXPECT_TRUE(all_close("y", y, doubles(f.tensor("y" + step)), fwd.magnitude, kTorchTol));
    bn.backward(dy, dx);
    EXPECT_TRUE(all_close("dx", dx, doubles(f.tensor("dx" + step)), bwd.dx_magnitude, kTorchTol));
    if (affine) {
      EXPECT_TRUE(all_close("dweight", bn.weight_grad(), doubles(f.tensor("dweight" + step)),
                            bwd.dgamma_magnitude, kTorchTol));
      EXPECT_TRUE(all_close("dbias", bn.bias_grad(), doubles(f.tensor("dbias" + step)),
                            bwd.dbeta_magnitude, kTorchTol));
    }
    if (track) {
      const std::vector<float> rm = f.tensor("running_mean" + step),
                               rv = f.tensor("running_var" + step);
      EXPECT_TRUE(all_close("running_mean", bn.running_mean(), doubles(rm),
                            abs_plus(rm, mean_scale), kTorchTol));
      EXPECT_TRUE(all_close("running_var", bn.running_var(), doubles(rv),
                            abs_plus(rv, std::vector<double>(s.c, 0.0)), kTorchTol));
      EXPECT_EQ(bn.num_batches_tracked(), f.integer("num_batches_tracked" + step));
    } else {
      EXPECT_TRUE(bn.running_mean().empty());
    }
  }
}

const std::filesystem::path kFixtures = SIMDNORM_FIXTURES_DIR;

class PyTorchFixtures : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(PyTorchFixtures, MatchesTorch) {
  const FixtureFile f(GetParam());
  IsaScope restore;
  for (const std::string& isa : all_isas()) {
    SCOPED_TRACE("isa=" + isa + " fixture=" + f.text("case") + " (" + f.text("module") + " " +
                 f.text("layout") + ")");
    simdnorm::set_isa(isa);
    replay(f);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PyTorchFixtures, ::testing::ValuesIn(fixture_paths(kFixtures)),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& info) {
                           std::string name = info.param.stem().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

// A missing or emptied fixture directory must fail, not pass with zero cases.
TEST(PyTorchFixturesPresent, AllCasesFound) {
  const std::vector<std::filesystem::path> paths = fixture_paths(kFixtures);
  EXPECT_GE(paths.size(), 16u) << "fixtures missing from " << kFixtures
                               << "; regenerate with tests/pytorch/make_fixtures.py";
}

}  // namespace
}  // namespace simdnorm_test
