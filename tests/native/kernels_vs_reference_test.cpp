// Every ISA this CPU has, through the public stateless API, against the float64 truth of
// float64_batch_norm.hpp and against the scalar reference ("scalar" ISA): batch_moments,
// forward_training, forward_inference, backward_training, backward_inference; both layouts, ReLU
// on/off, affine on/off, aligned and unaligned buffers, in-place calls, sizes around every vector
// width (4, 8, 16 lanes), block boundaries (blocks of 2048 floats, kChannelChunk = 256 channels),
// and again under the smallest tuning constants (tuning_scope.hpp: short blocks, narrow row
// chunks, streaming stores for every tensor, backward by channel pieces) so other CPUs' paths are
// tested here too.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "guarded_buffer.hpp"
#include "isa_scope.hpp"
#include "piece_floats.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::Gradients;
using simdnorm::NormParams;

// "NCS_2x3x5" (channels-first) or "NSC_2x5x3" (channels-last): dimensions in memory order.
std::string describe_shape(const Shape& s) {
  const bool first = s.layout == Layout::ChannelsFirst;
  return std::string(first ? "NCS_" : "NSC_") + std::to_string(s.n) + "x" +
         std::to_string(first ? s.c : s.s) + "x" + std::to_string(first ? s.s : s.c);
}

IndexDescriber element_of(const Shape& s) {
  return [s](std::size_t k) {
    const std::size_t c = channel_of(s, k);
    const std::size_t n = k / (s.c * s.s);
    const std::size_t i = s.layout == Layout::ChannelsFirst ? k % s.s : (k / s.c) % s.s;
    return "[n=" + std::to_string(n) + " c=" + std::to_string(c) + " i=" + std::to_string(i) +
           "] (flat " + std::to_string(k) + ")";
  };
}

IndexDescriber channel_index() {
  return [](std::size_t c) { return "channel " + std::to_string(c); };
}

// Same arithmetic on the same inputs, only the buffers differ (in place vs out of place, fewer
// outputs requested): the results must be bit-identical.
::testing::AssertionResult bit_identical(std::string_view what, std::span<const float> a,
                                         std::span<const float> b) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << what << ": sizes " << a.size() << " vs " << b.size();
  for (std::size_t k = 0; k < a.size(); ++k)
    if (std::memcmp(&a[k], &b[k], sizeof(float)) != 0)
      return ::testing::AssertionFailure()
             << what << ": first difference at index " << k << ": " << a[k] << " vs " << b[k];
  return ::testing::AssertionSuccess();
}

std::vector<float> to_floats(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}
std::vector<double> to_doubles(std::span<const float> v) {
  return std::vector<double>(v.begin(), v.end());
}
std::vector<float> copy(std::span<const float> v) {
  return {v.begin(), v.end()};
}

struct Inputs {
  std::vector<float> x, dy, weight, bias, running_mean, running_var;
  std::vector<float> save_mean, save_invstd;  // backward's statistics: float64 truth, rounded
  float eps = 1e-5f;
  bool relu = false;
};

// Everything the five entry points write, for one ISA.
struct Outputs {
  std::vector<float> moments_mean, moments_var;
  std::vector<float> y_train, save_mean, save_invstd, batch_var;
  std::vector<float> y_eval;
  std::vector<float> dx_train, dweight_train, dbias_train;
  std::vector<float> dx_eval, dweight_eval, dbias_eval;
};

// Runs every entry point on buffers `misalign` floats off a 64-byte boundary, checks guards and
// in-place / partial-output variants against the out-of-place call, returns the outputs.
Outputs run_all(const Inputs& in, const Shape& s, std::size_t misalign) {
  const std::size_t size = s.numel(), c = s.c;
  const NormParams params{in.weight, in.bias, in.eps, in.relu};
  auto buffer = [&](std::span<const float> v) {
    GuardedBuffer b(v.size(), misalign);
    b.assign(v);
    return b;
  };
  auto output = [&](std::size_t n) {
    GuardedBuffer b(n, misalign);
    b.fill_guard_pattern();  // any element not written stays NaN and fails the comparison
    return b;
  };
  GuardedBuffer x = buffer(in.x), dy = buffer(in.dy);
  Outputs out;

  {
    GuardedBuffer mean = output(c), var = output(c);
    simdnorm::batch_moments(x.cspan(), s, mean.span(), var.span());
    EXPECT_TRUE(mean.guards_intact() && var.guards_intact()) << "batch_moments wrote out of bounds";
    out.moments_mean = copy(mean.cspan());
    out.moments_var = copy(var.cspan());
  }
  {
    GuardedBuffer y = output(size), mean = output(c), invstd = output(c), var = output(c);
    simdnorm::forward_training(x.cspan(), s, params, y.span(), mean.span(), invstd.span(),
                               var.span());
    EXPECT_TRUE(y.guards_intact() && mean.guards_intact() && invstd.guards_intact() &&
                var.guards_intact())
        << "forward_training wrote out of bounds";
    out.y_train = copy(y.cspan());
    out.save_mean = copy(mean.cspan());
    out.save_invstd = copy(invstd.cspan());
    out.batch_var = copy(var.cspan());

    GuardedBuffer in_place = buffer(in.x), mean2 = output(c), invstd2 = output(c);
    simdnorm::forward_training(in_place.cspan(), s, params, in_place.span(), mean2.span(),
                               invstd2.span());  // no batch_var: variance goes via save_invstd
    EXPECT_TRUE(in_place.guards_intact());
    EXPECT_TRUE(bit_identical("forward_training y in place", in_place.cspan(), out.y_train));
    EXPECT_TRUE(bit_identical("forward_training save_invstd without batch_var", invstd2.cspan(),
                              out.save_invstd));
  }
  {
    GuardedBuffer y = output(size), rm = buffer(in.running_mean), rv = buffer(in.running_var);
    simdnorm::forward_inference(x.cspan(), s, params, rm.cspan(), rv.cspan(), y.span());
    EXPECT_TRUE(y.guards_intact()) << "forward_inference wrote out of bounds";
    out.y_eval = copy(y.cspan());

    GuardedBuffer in_place = buffer(in.x);
    simdnorm::forward_inference(in_place.cspan(), s, params, rm.cspan(), rv.cspan(),
                                in_place.span());
    EXPECT_TRUE(bit_identical("forward_inference y in place", in_place.cspan(), out.y_eval));
  }
  {
    GuardedBuffer mean = buffer(in.save_mean), invstd = buffer(in.save_invstd);
    GuardedBuffer dx = output(size), dw = output(c), db = output(c);
    simdnorm::backward_training(dy.cspan(), x.cspan(), s, params, mean.cspan(), invstd.cspan(),
                                Gradients{dx.span(), dw.span(), db.span()});
    EXPECT_TRUE(dx.guards_intact() && dw.guards_intact() && db.guards_intact())
        << "backward_training wrote out of bounds";
    out.dx_train = copy(dx.cspan());
    out.dweight_train = copy(dw.cspan());
    out.dbias_train = copy(db.cspan());

    GuardedBuffer dx_over_dy = buffer(in.dy);
    simdnorm::backward_training(dx_over_dy.cspan(), x.cspan(), s, params, mean.cspan(),
                                invstd.cspan(), Gradients{dx_over_dy.span(), {}, {}});
    EXPECT_TRUE(bit_identical("backward_training dx in place of dy, dx only", dx_over_dy.cspan(),
                              out.dx_train));
    GuardedBuffer dx_over_x = buffer(in.x), dw2 = output(c), db2 = output(c);
    simdnorm::backward_training(dy.cspan(), dx_over_x.cspan(), s, params, mean.cspan(),
                                invstd.cspan(),
                                Gradients{dx_over_x.span(), dw2.span(), db2.span()});
    EXPECT_TRUE(
        bit_identical("backward_training dx in place of x", dx_over_x.cspan(), out.dx_train));
    EXPECT_TRUE(bit_identical("backward_training dweight (dx in place of x)", dw2.cspan(),
                              out.dweight_train));
    GuardedBuffer dw3 = output(c);
    simdnorm::backward_training(dy.cspan(), x.cspan(), s, params, mean.cspan(), invstd.cspan(),
                                Gradients{{}, dw3.span(), {}});
    EXPECT_TRUE(bit_identical("backward_training dweight only", dw3.cspan(), out.dweight_train));
  }
  {
    GuardedBuffer rm = buffer(in.running_mean), rv = buffer(in.running_var);
    GuardedBuffer dx = output(size), dw = output(c), db = output(c);
    simdnorm::backward_inference(dy.cspan(), x.cspan(), s, params, rm.cspan(), rv.cspan(),
                                 Gradients{dx.span(), dw.span(), db.span()});
    EXPECT_TRUE(dx.guards_intact() && dw.guards_intact() && db.guards_intact())
        << "backward_inference wrote out of bounds";
    out.dx_eval = copy(dx.cspan());
    out.dweight_eval = copy(dw.cspan());
    out.dbias_eval = copy(db.cspan());

    GuardedBuffer dx_over_dy = buffer(in.dy), db2 = output(c);
    simdnorm::backward_inference(dx_over_dy.cspan(), x.cspan(), s, params, rm.cspan(), rv.cspan(),
                                 Gradients{dx_over_dy.span(), {}, db2.span()});
    EXPECT_TRUE(
        bit_identical("backward_inference dx in place of dy", dx_over_dy.cspan(), out.dx_eval));
    EXPECT_TRUE(
        bit_identical("backward_inference dbias without dweight", db2.cspan(), out.dbias_eval));
  }
  return out;
}

// The float64 truth of every output in Outputs, with magnitudes (float64_batch_norm.hpp).
struct Truth {
  Moments64 moments;
  std::vector<double> invstd;
  Forward64 train, eval;
  Backward64 backward_train, backward_eval;
};

Truth truth_of(const Inputs& in, const Shape& s) {
  const double eps = in.eps;
  Truth t{moments64(in.x, s), {}, {}, {}, {}, {}};
  t.invstd = invstd_from_var(t.moments.var, eps);
  t.train = forward64(in.x, s, channel64(t.moments.mean, t.invstd, in.weight, in.bias), in.relu,
                      t.moments.mean_abs);
  const std::vector<double> rm = to_doubles(in.running_mean);
  const std::vector<double> eval_invstd = invstd_from_var(to_doubles(in.running_var), eps);
  const Channel64 eval = channel64(rm, eval_invstd, in.weight, in.bias);
  t.eval = forward64(in.x, s, eval, in.relu);
  t.backward_train = backward64(
      in.dy, in.x, s,
      channel64(to_doubles(in.save_mean), to_doubles(in.save_invstd), in.weight, in.bias), in.relu,
      true);
  t.backward_eval = backward64(in.dy, in.x, s, eval, in.relu, false);
  return t;
}

Inputs make_inputs(const Shape& s, bool relu, bool affine, unsigned seed) {
  RandomBatch rnd(seed);
  Inputs in;
  in.relu = relu;
  in.x = rnd.input(s);
  in.dy = rnd.normal(s.numel());
  if (affine) {
    in.weight = rnd.weight(s.c);
    in.bias = rnd.uniform_vector(s.c, -0.5, 0.5);
  }
  in.running_mean = rnd.uniform_vector(s.c, -1, 1);
  in.running_var = rnd.uniform_vector(s.c, 0.3, 3);
  if (relu) {
    // Backward masks dy where the pre-activation is ≤ 0; keep every value 1e-3 from that kink
    // for both the batch statistics and the running statistics, so float and double agree.
    const Moments64 m = moments64(in.x, s);
    const auto batch = channel64(m.mean, invstd_from_var(m.var, in.eps), in.weight, in.bias);
    const auto eval =
        channel64(to_doubles(in.running_mean), invstd_from_var(to_doubles(in.running_var), in.eps),
                  in.weight, in.bias);
    auto pre = [&s](const Channel64& k) {
      return [&s, &k](std::size_t j, float v) {
        const std::size_t c = channel_of(s, j);
        return (v - k.mean[c]) * k.invstd[c] * k.gamma[c] + k.beta[c];
      };
    };
    EXPECT_TRUE(move_off_relu_kink(in.x, {pre(batch), pre(eval)}, 2e-3, 4e-3));
  }
  const Moments64 m = moments64(in.x, s);  // of the final x
  in.save_mean = to_floats(m.mean);
  in.save_invstd = to_floats(invstd_from_var(m.var, in.eps));
  if (relu) {
    // Moving x shifts the batch statistics a little; the mask still has to be unambiguous.
    const Channel64 k =
        channel64(to_doubles(in.save_mean), to_doubles(in.save_invstd), in.weight, in.bias);
    for (std::size_t j = 0; j < in.x.size(); ++j) {
      const std::size_t c = channel_of(s, j);
      const double pre = (in.x[j] - k.mean[c]) * k.invstd[c] * k.gamma[c] + k.beta[c];
      if (std::abs(pre) < 1e-4)
        ADD_FAILURE() << "test data: x[" << j << "] sits on the ReLU kink; change the seed";
    }
  }
  return in;
}

void expect_matches(const Outputs& o, const Truth& t, const Shape& s, std::string_view against) {
  const IndexDescriber el = element_of(s), ch = channel_index();
  const std::string a(against);
  std::vector<double> var_mag(s.c), invstd_mag(s.c);
  for (std::size_t c = 0; c < s.c; ++c) {
    // Rounding the block mean to float adds (δ mean)² to the variance; δ mean ≤ ~2⁻¹⁴·mean|x|.
    const double dmean = t.moments.mean_abs[c] * 0x1p-14;
    var_mag[c] = t.moments.var[c] + dmean * dmean;
    invstd_mag[c] = t.invstd[c];
  }
  EXPECT_TRUE(all_close("batch_moments mean vs " + a, o.moments_mean, t.moments.mean,
                        t.moments.mean_abs, kRelTol, ch));
  EXPECT_TRUE(
      all_close("batch_moments var vs " + a, o.moments_var, t.moments.var, var_mag, kRelTol, ch));
  EXPECT_TRUE(all_close("forward_training save_mean vs " + a, o.save_mean, t.moments.mean,
                        t.moments.mean_abs, kRelTol, ch));
  EXPECT_TRUE(all_close("forward_training batch_var vs " + a, o.batch_var, t.moments.var, var_mag,
                        kRelTol, ch));
  EXPECT_TRUE(all_close("forward_training save_invstd vs " + a, o.save_invstd, t.invstd, invstd_mag,
                        kRelTol, ch));
  EXPECT_TRUE(all_close("forward_training y vs " + a, o.y_train, t.train.y, t.train.magnitude,
                        kRelTol, el));
  EXPECT_TRUE(
      all_close("forward_inference y vs " + a, o.y_eval, t.eval.y, t.eval.magnitude, kRelTol, el));
  const Backward64& bt = t.backward_train;
  EXPECT_TRUE(
      all_close("backward_training dx vs " + a, o.dx_train, bt.dx, bt.dx_magnitude, kRelTol, el));
  EXPECT_TRUE(all_close("backward_training dweight vs " + a, o.dweight_train, bt.dgamma,
                        bt.dgamma_magnitude, kRelTol, ch));
  EXPECT_TRUE(all_close("backward_training dbias vs " + a, o.dbias_train, bt.dbeta,
                        bt.dbeta_magnitude, kRelTol, ch));
  const Backward64& be = t.backward_eval;
  EXPECT_TRUE(
      all_close("backward_inference dx vs " + a, o.dx_eval, be.dx, be.dx_magnitude, kRelTol, el));
  EXPECT_TRUE(all_close("backward_inference dweight vs " + a, o.dweight_eval, be.dgamma,
                        be.dgamma_magnitude, kRelTol, ch));
  EXPECT_TRUE(all_close("backward_inference dbias vs " + a, o.dbias_eval, be.dbeta,
                        be.dbeta_magnitude, kRelTol, ch));
}

// The scalar reference's outputs as "truth" with the float64 magnitudes: both are within
// kRelTol·magnitude of float64, so they must be within 2·kRelTol of each other.
Truth reference_as_truth(const Outputs& r, const Truth& t) {
  Truth ref = t;
  auto d = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  ref.moments.mean = d(r.moments_mean);
  ref.moments.var = d(r.moments_var);
  ref.invstd = d(r.save_invstd);
  ref.train.y = d(r.y_train);
  ref.eval.y = d(r.y_eval);
  ref.backward_train.dx = d(r.dx_train);
  ref.backward_train.dgamma = d(r.dweight_train);
  ref.backward_train.dbeta = d(r.dbias_train);
  ref.backward_eval.dx = d(r.dx_eval);
  ref.backward_eval.dgamma = d(r.dweight_eval);
  ref.backward_eval.dbeta = d(r.dbias_eval);
  return ref;
}

void check_all_isas(const Shape& s, unsigned seed) {
  IsaScope restore;
  for (bool relu : {false, true}) {
    for (bool affine : {true, false}) {
      const Inputs in = make_inputs(s, relu, affine, seed++);
      const Truth truth = truth_of(in, s);
      simdnorm::set_isa("scalar");
      const Truth reference_truth = reference_as_truth(run_all(in, s, 1), truth);
      for (const std::string& isa : all_isas()) {
        for (std::size_t misalign : {0, 1}) {
          SCOPED_TRACE("isa=" + isa + " shape=" + describe_shape(s) + " (" + to_string(s) +
                       ") relu=" + std::to_string(relu) + " affine=" + std::to_string(affine) +
                       " misalign=" + std::to_string(misalign) + " floats");
          simdnorm::set_isa(isa);
          const Outputs o = run_all(in, s, misalign);
          expect_matches(o, truth, s, "float64");
          // Scalar reference vs float64 is covered by isa = "scalar" above.
          if (isa != "scalar") expect_matches(o, reference_truth, s, "scalar reference");
          if (::testing::Test::HasFailure()) return;  // one failing configuration is enough
        }
      }
    }
  }
}

class KernelsVsReference : public ::testing::TestWithParam<Shape> {};

TEST_P(KernelsVsReference, EveryEntryPoint) {
  check_all_isas(GetParam(), 1234);
}

TEST_P(KernelsVsReference, EveryEntryPointUnderTheSmallestTuning) {
  const TuningScope smallest(smallest_tuning());
  check_all_isas(GetParam(), 4321);
}

// One piece of 301 rows of 1024 channels (the default pieces hold 64): the memory-order
// reductions add their float partial sums into double every kMaxReductionRows = 256 rows
// (grad_sums.hpp: memory_order), here once after 256 rows and once after the other 45.
TEST(KernelsVsReferenceLarge, MemoryOrderRowsBeyondOneFloatSum) {
  const simdnorm_test::PieceFloats one_piece(301 * 1024);
  check_all_isas(Shape::nc(301, 1024), 5678);
}

// Sizes around 4, 8 and 16 lanes (SSE2/NEON/wasm, AVX2, AVX-512), 4·lanes channel blocks (64),
// odd sizes, NC with S = 1 (channels across lanes), block splits of 2048 floats per run, blocks of
// up to 16 short runs with a remainder (N = 37, 20, 18), several row tiles (lanes.hpp:
// reduction_rows; 600×3, 70×260, 3·100×64), more channels than kChannelChunk = 256, rows of 1024
// and 2048 channels, which the reductions walk in memory order (lanes.hpp: reduce_in_memory_order;
// a piece of 64 rows and an odd rest, 73×1024, and two chunks of channels, 12×2048), rows of more
// than one block of four vectors, which the backward sums walk in memory order (grad_sums.hpp:
// sums_in_memory_order; a row at a time on every ISA: 260×80 past kMaxReductionRows, 15×272 and
// 10×1536, two chunks under the derived tuning; four rows at a time with 4 and 8 lanes: 18×48,
// 80×64 and 300×64, and with 4 lanes 18×24, with a rest of two), and rows of three vectors, walked
// flat (lanes.hpp: walk_rows_flat; C = 12, 24, 48). Runs of 1 to 4 whole vectors with and without a
// tail take the moments' compile-time run lengths on AVX2 and AVX-512 (moments.hpp:
// with_run_length): 16, 17, 31, 33, 49, 64, 69. Under the smallest tuning, backward's channel
// pieces hold 1 to 42 channels, and runs longer than a block (2×3×290).
std::vector<Shape> kernel_shapes() {
  std::vector<Shape> v;
  // NC: channels across the vector lanes, rows = N.
  for (auto [n, c] : std::vector<std::pair<std::size_t, std::size_t>>{
           {2, 1},  {3, 3},  {5, 4},   {4, 5},   {7, 7},    {3, 8},     {2, 9},
           {6, 15}, {3, 16}, {5, 17},  {9, 31},  {2, 33},   {4, 63},    {3, 64},
           {2, 65}, {5, 67}, {4, 129}, {600, 3}, {70, 260}, {73, 1024}, {260, 80}})
    v.push_back(Shape::nc(n, c));
  // Channels-first with S > 1: runs of S floats.
  for (auto [n, c, s] : std::vector<std::array<std::size_t, 3>>{
           {2, 1, 3},    {2, 3, 4},    {3, 2, 5},    {2, 2, 7},   {2, 3, 8},  {2, 3, 9},
           {1, 2, 15},   {2, 2, 16},   {2, 2, 17},   {2, 3, 31},  {2, 2, 33}, {3, 5, 49},
           {2, 17, 64},  {3, 2, 69},   {2, 17, 7},   {2, 260, 3}, {37, 3, 5}, {20, 5, 130},
           {18, 260, 3}, {2, 2, 2053}, {1, 1, 4099}, {2, 3, 290}})
    v.push_back(Shape::ncl(n, c, s));
  // Channels-last: rows of C floats.
  for (auto [n, s, c] : std::vector<std::array<std::size_t, 3>>{
           {2, 3, 1},     {2, 5, 3},     {3, 2, 4},   {2, 3, 5},   {2, 2, 7},   {2, 3, 8},
           {2, 2, 9},     {2, 2, 15},    {1, 3, 16},  {2, 2, 17},  {2, 2, 33},  {2, 1, 64},
           {1, 2, 67},    {2, 2, 65},    {2, 3, 129}, {4, 300, 3}, {2, 40, 64}, {3, 100, 64},
           {2, 3, 260},   {1, 12, 2048}, {2, 3, 12},  {2, 3, 24},  {2, 3, 48},  {3, 5, 272},
           {1, 10, 1536}, {2, 9, 24},    {2, 9, 48}})
    v.push_back(Shape::nlc(n, s, c));
  return v;
}

INSTANTIATE_TEST_SUITE_P(Shapes, KernelsVsReference, ::testing::ValuesIn(kernel_shapes()),
                         [](const ::testing::TestParamInfo<Shape>& info) {
                           return describe_shape(info.param);
                         });

// Tensors above the streaming threshold (set to 1 MiB here; the CPU's own is tens of MiB) take
// the streaming-store paths (lanes.hpp: streaming_output) of the two
// kernels that write tensors (normalize, grad_input): channels-first runs align the output with a
// partial head first; channels-last streams only aligned rows whose C is a multiple of the lanes.
// Lean on purpose (ReLU + affine, the three calls that stream, float64 truth one entry point at a
// time, no scalar run): it is the one slow test, and runs under qemu in other stages.
void check_streaming(const Shape& s, std::size_t misalign, unsigned seed) {
  const Inputs in = make_inputs(s, true, true, seed);
  const NormParams params{in.weight, in.bias, in.eps, true};
  const Moments64 m = moments64(in.x, s);
  GuardedBuffer x(s.numel(), misalign), dy(s.numel(), misalign), out(s.numel(), misalign);
  x.assign(in.x);
  dy.assign(in.dy);
  std::vector<float> mean(s.c), invstd(s.c);
  IsaScope restore;
  auto each_simd_isa = [&](const std::function<void()>& call, std::string_view what,
                           const std::vector<double>& expected,
                           const std::vector<double>& magnitude) {
    for (const std::string& isa : all_isas()) {
      if (isa == "scalar") continue;  // no streaming stores there
      SCOPED_TRACE("isa=" + isa + " shape=" + describe_shape(s) +
                   " misalign=" + std::to_string(misalign));
      simdnorm::set_isa(isa);
      out.fill_guard_pattern();
      call();
      EXPECT_TRUE(out.guards_intact()) << what << " wrote out of bounds";
      EXPECT_TRUE(all_close(what, out.cspan(), expected, magnitude, kRelTol, element_of(s)));
    }
  };
  {
    const Forward64 t =
        forward64(in.x, s, channel64(m.mean, invstd_from_var(m.var, in.eps), in.weight, in.bias),
                  true, m.mean_abs);
    each_simd_isa(
        [&] { simdnorm::forward_training(x.cspan(), s, params, out.span(), mean, invstd); },
        "forward_training y", t.y, t.magnitude);
  }
  {
    const Forward64 t = forward64(
        in.x, s,
        channel64(to_doubles(in.running_mean), invstd_from_var(to_doubles(in.running_var), in.eps),
                  in.weight, in.bias),
        true);
    each_simd_isa(
        [&] {
          simdnorm::forward_inference(x.cspan(), s, params, in.running_mean, in.running_var,
                                      out.span());
        },
        "forward_inference y", t.y, t.magnitude);
  }
  {
    const Backward64 t = backward64(
        in.dy, in.x, s,
        channel64(to_doubles(in.save_mean), to_doubles(in.save_invstd), in.weight, in.bias), true,
        true);
    each_simd_isa(
        [&] {
          simdnorm::backward_training(dy.cspan(), x.cspan(), s, params, in.save_mean,
                                      in.save_invstd, Gradients{out.span(), {}, {}});
        },
        "backward_training dx", t.dx, t.dx_magnitude);
  }
  // The module's in-place forward streams y and its copy of x together (core/saved_input.hpp);
  // backward reads that copy: dx bit-identical to the stateless calls on the untouched x.
  for (const std::string& isa : all_isas()) {
    if (isa == "scalar") continue;
    SCOPED_TRACE("module, isa=" + isa + " shape=" + describe_shape(s));
    simdnorm::set_isa(isa);
    std::vector<float> dx(s.numel());
    simdnorm::forward_training(x.cspan(), s, params, out.span(), mean, invstd);
    simdnorm::backward_training(dy.cspan(), x.cspan(), s, params, mean, invstd,
                                Gradients{dx, {}, {}});
    simdnorm::BatchNorm bn(s.c, {.eps = in.eps, .relu = true});
    std::copy(in.weight.begin(), in.weight.end(), bn.weight().begin());
    std::copy(in.bias.begin(), in.bias.end(), bn.bias().begin());
    GuardedBuffer buf(s.numel(), misalign);
    buf.assign(in.x);
    bn.forward(buf.cspan(), s, buf.span());
    EXPECT_TRUE(buf.guards_intact());
    EXPECT_TRUE(bit_identical("module y in place", buf.cspan(), out.cspan()));
    bn.backward(dy.cspan(), buf.span());
    EXPECT_TRUE(bit_identical("module dx after an in-place forward", buf.cspan(), dx));
  }
}

TEST(KernelsVsReferenceLarge, StreamingStores) {
#if !defined(__OPTIMIZE__)
  // The -O0 build (scripts/test-isa-cpus.sh) runs the suite under qemu, where this one test would
  // take minutes; the optimized builds cover the same code.
  GTEST_SKIP() << "4 MiB tensors: skipped in unoptimized builds";
#endif
  simdnorm::kernels::Tuning t = simdnorm::kernels::tuning();
  t.streaming_bytes = t.threaded_streaming_bytes = std::size_t(1) << 20;
  const TuningScope streaming(t);
  check_streaming(Shape::ncl(3, 2, 170'003), 1, 99);    // 1 M floats, odd runs, unaligned
  check_streaming(Shape::nlc(1, 16'385, 64), 0, 98);    // 1 M floats, C = 64, aligned rows
  check_streaming(Shape::nlc(1, 1'025, 1'024), 0, 97);  // wide aligned rows
  check_streaming(Shape::ncl(16, 333, 49), 1, 96);      // short runs: spans of runs, unaligned
}

// N = 0 (and S = 0): nothing to compute; outputs are left alone, parameter grads are zeroed.
TEST(KernelsVsReferenceEmpty, ZeroSizedBatchIsANoOp) {
  IsaScope restore;
  for (const std::string& isa : all_isas()) {
    SCOPED_TRACE("isa=" + isa);
    simdnorm::set_isa(isa);
    for (const Shape& s : {Shape::nchw(0, 3, 4, 4), Shape::nhwc(0, 4, 4, 3), Shape::ncl(2, 3, 0)}) {
      SCOPED_TRACE(to_string(s));
      std::vector<float> mean(3, 7.f), var(3, 7.f), invstd(3, 7.f), dw(3, 7.f), db(3, 7.f);
      const std::vector<float> stats(3, 1.f);
      std::vector<float> empty;
      simdnorm::batch_moments({}, s, mean, var);
      simdnorm::forward_training({}, s, {}, empty, mean, invstd, var);
      simdnorm::forward_inference({}, s, {}, stats, stats, empty);
      EXPECT_EQ(mean, std::vector<float>(3, 7.f));
      EXPECT_EQ(var, std::vector<float>(3, 7.f));
      EXPECT_EQ(invstd, std::vector<float>(3, 7.f));
      simdnorm::backward_training({}, {}, s, {}, stats, stats, Gradients{empty, dw, db});
      EXPECT_EQ(dw, std::vector<float>(3, 0.f));
      EXPECT_EQ(db, std::vector<float>(3, 0.f));
      dw.assign(3, 7.f);
      db.assign(3, 7.f);
      simdnorm::backward_inference({}, {}, s, {}, stats, stats, Gradients{empty, dw, db});
      EXPECT_EQ(dw, std::vector<float>(3, 0.f));
      EXPECT_EQ(db, std::vector<float>(3, 0.f));
    }
  }
}

}  // namespace
}  // namespace simdnorm_test
